package org.dcmkit;

/** Valid, but not supported by this build. */
public class UnsupportedException extends DicomException {
  private static final long serialVersionUID = 1L;

  public UnsupportedException(String message, String kind, int code) { super(message, kind, code); }
}
