package org.dcmkit;

/** No such element, keyword, UID, item or file. */
public class NotFoundException extends DicomException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message, String kind, int code) { super(message, kind, code); }
}
