package org.dcmkit;

/** The operating system refused a read or a write. */
public class IoException extends DicomException {
  private static final long serialVersionUID = 1L;

  public IoException(String message, String kind, int code) { super(message, kind, code); }
}
