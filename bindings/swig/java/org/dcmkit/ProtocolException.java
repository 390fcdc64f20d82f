package org.dcmkit;

/** The peer broke the upper layer or DIMSE protocol (DK_EPROTOCOL). */
public class ProtocolException extends NetworkException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message, String kind, int code) { super(message, kind, code); }
}
