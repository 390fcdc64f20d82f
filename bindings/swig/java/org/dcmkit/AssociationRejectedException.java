package org.dcmkit;

/** The peer rejected the association (DK_EREJECTED); the message gives PS3.8 Table 9-21's result, source and reason. */
public class AssociationRejectedException extends NetworkException {
  private static final long serialVersionUID = 1L;

  public AssociationRejectedException(String message, String kind, int code) { super(message, kind, code); }
}
