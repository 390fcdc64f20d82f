package org.dcmkit;

/** A connect, ARTIM, DIMSE or idle timer expired (DK_ETIMEOUT). */
public class NetworkTimeoutException extends NetworkException {
  private static final long serialVersionUID = 1L;

  public NetworkTimeoutException(String message, String kind, int code) { super(message, kind, code); }
}
