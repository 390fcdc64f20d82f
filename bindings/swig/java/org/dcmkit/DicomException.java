package org.dcmkit;

/** Base of every exception the binding throws (checked). code() is the C ABI's dk_result, kind() its short name. */
public class DicomException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String kind;
  private final int code;

  public DicomException(String message, String kind, int code) {
    super(message);
    this.kind = kind;
    this.code = code;
  }

  public String kind() { return kind; }

  public int code() { return code; }
}
