package org.dcmkit;

/** Connection failure, timeout, rejected or aborted association, protocol error. */
public class NetworkException extends DicomException {
  private static final long serialVersionUID = 1L;

  public NetworkException(String message, String kind, int code) { super(message, kind, code); }
}
