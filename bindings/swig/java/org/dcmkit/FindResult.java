// What Association.find returns: the matches of a C-FIND as a list, with the final status.
package org.dcmkit;

/**
 * The matches of a C-FIND (each a Dataset the caller owns, to close) and the final status: 0x0000
 * Success, 0xFE00 after a cancel, or a failure (0xA700, 0xA900, 0xCxxx) after which the list holds
 * what came before it.
 */
public class FindResult extends java.util.ArrayList<Dataset> {
  private static final long serialVersionUID = 1L;
  private final int status;

  FindResult(int status) { this.status = status; }

  /** The final C-FIND status. */
  public int status() { return status; }
}
