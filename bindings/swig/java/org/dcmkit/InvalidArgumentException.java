package org.dcmkit;

/** An argument the call cannot use. */
public class InvalidArgumentException extends DicomException {
  private static final long serialVersionUID = 1L;

  public InvalidArgumentException(String message, String kind, int code) { super(message, kind, code); }
}
