package org.dcmkit;

/** A value does not parse as its VR or has the wrong type for the call (DK_EBADVALUE). */
public class BadValueException extends DicomException {
  private static final long serialVersionUID = 1L;

  public BadValueException(String message, String kind, int code) { super(message, kind, code); }
}
