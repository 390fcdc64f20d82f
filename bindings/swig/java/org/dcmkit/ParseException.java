package org.dcmkit;

/** The input is not (valid) DICOM. */
public class ParseException extends DicomException {
  private static final long serialVersionUID = 1L;

  public ParseException(String message, String kind, int code) { super(message, kind, code); }
}
