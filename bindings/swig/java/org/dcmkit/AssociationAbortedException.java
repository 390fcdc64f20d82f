package org.dcmkit;

/** The association was aborted, by either side (DK_EABORTED). */
public class AssociationAbortedException extends NetworkException {
  private static final long serialVersionUID = 1L;

  public AssociationAbortedException(String message, String kind, int code) { super(message, kind, code); }
}
