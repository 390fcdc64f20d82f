package org.dcmkit;

/** Out of memory (DK_ENOMEM). */
public class NoMemoryException extends DicomException {
  private static final long serialVersionUID = 1L;

  public NoMemoryException(String message, String kind, int code) { super(message, kind, code); }
}
