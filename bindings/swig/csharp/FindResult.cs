// What Association.Find returns: the matches of a C-FIND as a list, with the final status.
namespace DcmKit {

/// The matches of a C-FIND (each a Dataset the caller owns) and the final status: 0x0000 Success,
/// 0xFE00 after a cancel, or a failure (0xA700, 0xA900, 0xCxxx) after which the list holds what
/// came before it.
public class FindResult : global::System.Collections.Generic.List<Dataset> {
  public int Status { get; }
  internal FindResult(int status) { Status = status; }
}

}
