// The exceptions of the DcmKit binding: one class per kind of dk::Error (dcmkit.hpp).
namespace DcmKit {

/// Base of every exception the binding throws. Code is the C ABI's dk_result, Kind its short name
/// ("truncated", "not-found", …).
public class DicomException : global::System.Exception {
  public int Code { get; }
  public string Kind { get; }
  public DicomException(string message, string kind, int code) : base(message) { Kind = kind; Code = code; }

  /// Called by the native glue (dcmkit.i) with the class of the dk::Error.
  internal static DicomException Create(int cls, int code, string kind, string message) {
    switch (cls) {
    case 1: return new ParseException(message, kind, code);
    case 2: return new NotFoundException(message, kind, code);
    case 3: return new IoException(message, kind, code);
    case 4: return new ValueException(message, kind, code);
    case 5: return new NetworkException(message, kind, code);
    case 6: return new UnsupportedException(message, kind, code);
    case 7: return new InvalidArgumentException(message, kind, code);
    default: return new DicomException(message, kind, code);
    }
  }
}
/// The input is not (valid) DICOM.
public class ParseException : DicomException { public ParseException(string m, string k, int c) : base(m, k, c) {} }
/// No such element, keyword, UID, item or file.
public class NotFoundException : DicomException { public NotFoundException(string m, string k, int c) : base(m, k, c) {} }
/// The operating system refused a read or a write.
public class IoException : DicomException { public IoException(string m, string k, int c) : base(m, k, c) {} }
/// A value does not parse as its VR or has the wrong type for the call.
public class ValueException : DicomException { public ValueException(string m, string k, int c) : base(m, k, c) {} }
/// Connection failure, timeout, rejected or aborted association, protocol error.
public class NetworkException : DicomException { public NetworkException(string m, string k, int c) : base(m, k, c) {} }
/// Valid, but not supported by this build.
public class UnsupportedException : DicomException { public UnsupportedException(string m, string k, int c) : base(m, k, c) {} }
/// An argument the call cannot use.
public class InvalidArgumentException : DicomException { public InvalidArgumentException(string m, string k, int c) : base(m, k, c) {} }

}
