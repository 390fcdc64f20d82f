// The exceptions of the DcmKit binding: one class per error class of the C++ wrapper
// (dk::error_class in dcmkit/common.hpp, the one mapping from the C ABI's dk_result codes), named
// after dk::error_class_name() with "Exception" appended and with the same parents.
namespace DcmKit {

/// Base of every exception the binding throws. Code is the C ABI's dk_result, Kind its short name
/// ("truncated", "not-found", …).
public class DicomException : global::System.Exception {
  public int Code { get; }
  public string Kind { get; }
  public DicomException(string message, string kind, int code) : base(message) { Kind = kind; Code = code; }

  /// Called by the native glue (dcmkit.i) with dk::error_class_name() of the error ("" for the base).
  internal static DicomException Create(string name, int code, string kind, string message) {
    switch (name) {
    case "InvalidArgument": return new InvalidArgumentException(message, kind, code);
    case "NotFound": return new NotFoundException(message, kind, code);
    case "Io": return new IoException(message, kind, code);
    case "Parse": return new ParseException(message, kind, code);
    case "Unsupported": return new UnsupportedException(message, kind, code);
    case "BadValue": return new BadValueException(message, kind, code);
    case "Charset": return new CharsetException(message, kind, code);
    case "Network": return new NetworkException(message, kind, code);
    case "NetworkTimeout": return new NetworkTimeoutException(message, kind, code);
    case "AssociationRejected": return new AssociationRejectedException(message, kind, code);
    case "AssociationAborted": return new AssociationAbortedException(message, kind, code);
    case "Protocol": return new ProtocolException(message, kind, code);
    case "Refused": return new RefusedException(message, kind, code);
    case "NoMemory": return new NoMemoryException(message, kind, code);
    case "Internal": return new InternalException(message, kind, code);
    default: return new DicomException(message, kind, code);
    }
  }
}
/// An argument the call cannot use (DK_EINVAL).
public class InvalidArgumentException : DicomException { public InvalidArgumentException(string m, string k, int c) : base(m, k, c) {} }
/// No such element, keyword, UID, item or file (DK_ENOTFOUND).
public class NotFoundException : DicomException { public NotFoundException(string m, string k, int c) : base(m, k, c) {} }
/// The operating system refused a read or a write (DK_EIO).
public class IoException : DicomException { public IoException(string m, string k, int c) : base(m, k, c) {} }
/// The input is not (valid) DICOM: not-dicom, truncated, bad-length, bad-vr, too-deep, malformed.
public class ParseException : DicomException { public ParseException(string m, string k, int c) : base(m, k, c) {} }
/// Valid, but not supported by this build (DK_EUNSUPPORTED).
public class UnsupportedException : DicomException { public UnsupportedException(string m, string k, int c) : base(m, k, c) {} }
/// A value does not parse as its VR or has the wrong type for the call (DK_EBADVALUE).
public class BadValueException : DicomException { public BadValueException(string m, string k, int c) : base(m, k, c) {} }
/// Text cannot be converted to or from the character set (DK_ECHARSET).
public class CharsetException : BadValueException { public CharsetException(string m, string k, int c) : base(m, k, c) {} }
/// A connection failed or was closed (DK_ENETWORK); the parent of every network error.
public class NetworkException : DicomException { public NetworkException(string m, string k, int c) : base(m, k, c) {} }
/// A connect, ARTIM, DIMSE or idle timer expired (DK_ETIMEOUT).
public class NetworkTimeoutException : NetworkException { public NetworkTimeoutException(string m, string k, int c) : base(m, k, c) {} }
/// The peer rejected the association (DK_EREJECTED); the message gives PS3.8 Table 9-21's result, source and reason.
public class AssociationRejectedException : NetworkException { public AssociationRejectedException(string m, string k, int c) : base(m, k, c) {} }
/// The association was aborted, by either side (DK_EABORTED).
public class AssociationAbortedException : NetworkException { public AssociationAbortedException(string m, string k, int c) : base(m, k, c) {} }
/// The peer broke the upper layer or DIMSE protocol (DK_EPROTOCOL).
public class ProtocolException : NetworkException { public ProtocolException(string m, string k, int c) : base(m, k, c) {} }
/// The peer refused a request: no accepted presentation context, a failure status (DK_EREFUSED).
public class RefusedException : NetworkException { public RefusedException(string m, string k, int c) : base(m, k, c) {} }
/// Out of memory (DK_ENOMEM).
public class NoMemoryException : DicomException { public NoMemoryException(string m, string k, int c) : base(m, k, c) {} }
/// A bug in dcmkit (DK_EINTERNAL): please report it with the message.
public class InternalException : DicomException { public InternalException(string m, string k, int c) : base(m, k, c) {} }

}
