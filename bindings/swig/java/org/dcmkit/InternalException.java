package org.dcmkit;

/** A bug in dcmkit (DK_EINTERNAL): please report it with the message. */
public class InternalException extends DicomException {
  private static final long serialVersionUID = 1L;

  public InternalException(String message, String kind, int code) { super(message, kind, code); }
}
