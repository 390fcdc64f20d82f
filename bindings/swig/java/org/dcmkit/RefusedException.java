package org.dcmkit;

/** The peer refused a request: no accepted presentation context, a failure status (DK_EREFUSED). */
public class RefusedException extends NetworkException {
  private static final long serialVersionUID = 1L;

  public RefusedException(String message, String kind, int code) { super(message, kind, code); }
}
