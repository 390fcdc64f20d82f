package org.dcmkit;

/** Text cannot be converted to or from the character set (DK_ECHARSET). */
public class CharsetException extends BadValueException {
  private static final long serialVersionUID = 1L;

  public CharsetException(String message, String kind, int code) { super(message, kind, code); }
}
