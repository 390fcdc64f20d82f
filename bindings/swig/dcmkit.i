// dcmkit.i — the one SWIG interface of the C# (namespace DcmKit) and Java (package org.dcmkit)
// bindings. It wraps the header-only C++ wrapper dcmkit.hpp, never the C functions directly: the
// classes below are re-declared (a subset, with tags as uint32_t and keyword overloads) and the
// generated code calls the real dk:: classes, whose exceptions are mapped to per-language
// exception classes by kind.
//
//   C#:   using (var ds = Dataset.ReadFile("ct.dcm")) { string n = ds.GetString("PatientName"); }
//   Java: try (Dataset ds = Dataset.readFile("ct.dcm")) { String n = ds.getString("PatientName"); }
%module dcmkit

%{
#include <cstdint>
#include <string>
#include <vector>
#include "dcmkit/dcmkit.hpp"
%}

%include <stdint.i>
%include <std_string.i>

// Method names: C# PascalCase (GetString), Java lowerCamelCase (getString).
#if defined(SWIGCSHARP)
%rename("%(camelcase)s", %$isfunction) "";
#elif defined(SWIGJAVA)
%rename("%(lowercamelcase)s", %$isfunction) "";
#endif

// size_t and uint64_t: C# ulong, Java long (not BigInteger).
#if defined(SWIGCSHARP)
%apply unsigned long long { size_t };
#elif defined(SWIGJAVA)
%apply long long { size_t, uint64_t };
#endif

// ---------------------------------------------------------------------------------------------
// Exceptions: every dk::Error becomes the target language's exception of the same kind.
// ---------------------------------------------------------------------------------------------
%{
namespace dcmkit_swig {
// 1 parse, 2 not found, 3 io, 4 value, 5 network, 6 unsupported, 7 invalid argument, 0 other.
inline int kind_class(const dk::Error &e) {
    if (dynamic_cast<const dk::ParseError *>(&e)) return 1;
    if (dynamic_cast<const dk::NotFoundError *>(&e)) return 2;
    if (dynamic_cast<const dk::IoError *>(&e)) return 3;
    if (dynamic_cast<const dk::ValueError *>(&e)) return 4;
    if (dynamic_cast<const dk::NetworkError *>(&e)) return 5;
    if (dynamic_cast<const dk::UnsupportedError *>(&e)) return 6;
    if (dynamic_cast<const dk::InvalidArgument *>(&e)) return 7;
    return 0;
}
}  // namespace dcmkit_swig
%}

#if defined(SWIGCSHARP)
// The C# side registers one callback that builds the DcmKit exception and sets it pending
// (SWIG's custom-exception pattern); the generated C# code rethrows it after the call.
%insert(runtime) %{
typedef void(SWIGSTDCALL *DcmkitExceptionCallback)(int, int, const char *, const char *);
static DcmkitExceptionCallback dcmkit_exception_callback = 0;
extern "C" SWIGEXPORT void SWIGSTDCALL DcmkitRegisterExceptionCallback(DcmkitExceptionCallback cb) {
    dcmkit_exception_callback = cb;
}
static void dcmkit_throw(int cls, int code, const char *kind, const char *message) {
    if (dcmkit_exception_callback) dcmkit_exception_callback(cls, code, kind, message);
}
%}

%pragma(csharp) imclasscode=%{
  class DcmkitExceptionHelper {
    public delegate void ExceptionDelegate(int cls, int code, string kind, string message);
    static ExceptionDelegate callback = new ExceptionDelegate(SetPending);

    [global::System.Runtime.InteropServices.DllImport("$dllimport", EntryPoint="DcmkitRegisterExceptionCallback")]
    public static extern void DcmkitRegisterExceptionCallback(ExceptionDelegate cb);

    static void SetPending(int cls, int code, string kind, string message) {
      SWIGPendingException.Set(DcmKit.DicomException.Create(cls, code, kind, message));
    }
    static DcmkitExceptionHelper() { DcmkitRegisterExceptionCallback(callback); }
  }
  static DcmkitExceptionHelper dcmkitExceptionHelper = new DcmkitExceptionHelper();

  [global::System.Runtime.InteropServices.DllImport("$dllimport", EntryPoint="dcmkit_bytes_size")]
  static extern ulong dcmkit_bytes_size(global::System.IntPtr v);
  [global::System.Runtime.InteropServices.DllImport("$dllimport", EntryPoint="dcmkit_bytes_data")]
  static extern global::System.IntPtr dcmkit_bytes_data(global::System.IntPtr v);
  [global::System.Runtime.InteropServices.DllImport("$dllimport", EntryPoint="dcmkit_bytes_free")]
  static extern void dcmkit_bytes_free(global::System.IntPtr v);

  /// Copies a native byte vector (returned by the glue) into a byte[] and frees it.
  public static byte[] TakeBytes(global::System.IntPtr v) {
    if (v == global::System.IntPtr.Zero) return null;
    try {
      byte[] b = new byte[(long)dcmkit_bytes_size(v)];
      if (b.Length > 0) global::System.Runtime.InteropServices.Marshal.Copy(dcmkit_bytes_data(v), b, 0, b.Length);
      return b;
    } finally {
      dcmkit_bytes_free(v);
    }
  }
%}

%exception %{
    try {
        $action
    } catch (const dk::Error &e) {
        dcmkit_throw(dcmkit_swig::kind_class(e), int(e.code()), e.kind(), e.what());
        return $null;
    } catch (const std::exception &e) {
        SWIG_CSharpSetPendingException(SWIG_CSharpApplicationException, e.what());
        return $null;
    }
%}

// std::vector<uint8_t> results: byte[] (the vector is moved to the heap, copied, freed).
%{
extern "C" SWIGEXPORT unsigned long long SWIGSTDCALL dcmkit_bytes_size(void *v) {
    return static_cast<std::vector<uint8_t> *>(v)->size();
}
extern "C" SWIGEXPORT void *SWIGSTDCALL dcmkit_bytes_data(void *v) {
    return static_cast<std::vector<uint8_t> *>(v)->data();
}
extern "C" SWIGEXPORT void SWIGSTDCALL dcmkit_bytes_free(void *v) { delete static_cast<std::vector<uint8_t> *>(v); }
%}
%typemap(ctype) std::vector<uint8_t> "void *"
%typemap(imtype) std::vector<uint8_t> "global::System.IntPtr"
%typemap(cstype) std::vector<uint8_t> "byte[]"
%typemap(out) std::vector<uint8_t> %{ $result = new std::vector<uint8_t>(std::move((std::vector<uint8_t> &)$1)); %}
%typemap(csout, excode=SWIGEXCODE) std::vector<uint8_t> {
    global::System.IntPtr p = $imcall;$excode
    return $modulePINVOKE.TakeBytes(p);
  }

// byte[] arguments: `const void *data` is a byte[] pinned by the marshaller; the generated method also
// takes the length (internal), and the public overload passes data.Length.
%typemap(ctype) const void *data "unsigned char *"
%typemap(imtype) const void *data "byte[]"
%typemap(cstype) const void *data "byte[]"
%typemap(csin) const void *data "$csinput"
%typemap(in) const void *data %{ $1 = $input; %}
%csmethodmodifiers dk::Dataset::read_memory "internal";
%csmethodmodifiers dk::Dataset::set_bytes "internal";
%typemap(cscode) dk::Dataset %{
  /// Reads a dataset (Part 10 or raw) from bytes (copied).
  public static Dataset ReadMemory(byte[] data) { return ReadMemory(data, (ulong)data.Length); }
  /// Sets raw value bytes (binary values little endian); `vr` is required.
  public void SetBytes(uint tag, string vr, byte[] data) { SetBytes(tag, vr, data, (ulong)data.Length); }
%}

#elif defined(SWIGJAVA)

%{
static void dcmkit_throw(JNIEnv *jenv, int cls, int code, const char *kind, const char *message) {
    static const char *const names[] = {"org/dcmkit/DicomException",      "org/dcmkit/ParseException",
                                        "org/dcmkit/NotFoundException",   "org/dcmkit/IoException",
                                        "org/dcmkit/ValueException",      "org/dcmkit/NetworkException",
                                        "org/dcmkit/UnsupportedException", "org/dcmkit/InvalidArgumentException"};
    jclass c = jenv->FindClass(names[cls]);
    if (!c) return;  // NoClassDefFoundError is pending
    jmethodID ctor = jenv->GetMethodID(c, "<init>", "(Ljava/lang/String;Ljava/lang/String;I)V");
    if (!ctor) return;
    jstring jm = jenv->NewStringUTF(message);
    jstring jk = jenv->NewStringUTF(kind);
    jobject ex = jenv->NewObject(c, ctor, jm, jk, (jint)code);
    if (ex) jenv->Throw(static_cast<jthrowable>(ex));
}
%}

// Checked exceptions: every wrapped call declares `throws DicomException` (destructors do not).
%javaexception("org.dcmkit.DicomException") %{
    try {
        $action
    } catch (const dk::Error &e) {
        dcmkit_throw(jenv, dcmkit_swig::kind_class(e), int(e.code()), e.kind(), e.what());
        return $null;
    } catch (const std::exception &e) {
        SWIG_JavaThrowException(jenv, SWIG_JavaRuntimeException, e.what());
        return $null;
    }
%}

// Load the glue library from the jar's directory (where the build and `make install` put it),
// else from java.library.path.
%pragma(java) jniclasscode=%{
  static {
    boolean loaded = false;
    try {
      java.net.URL url = dcmkitJNI.class.getProtectionDomain().getCodeSource().getLocation();
      java.io.File dir = new java.io.File(url.toURI()).getParentFile();
      java.io.File lib = new java.io.File(dir, System.mapLibraryName("dcmkit_java"));
      if (lib.isFile()) {
        System.load(lib.getAbsolutePath());
        loaded = true;
      }
    } catch (Exception e) {
      // not from a jar file: fall back to java.library.path
    }
    if (!loaded) System.loadLibrary("dcmkit_java");
  }
%}

// std::vector<uint8_t> results: byte[].
%typemap(jni) std::vector<uint8_t> "jbyteArray"
%typemap(jtype) std::vector<uint8_t> "byte[]"
%typemap(jstype) std::vector<uint8_t> "byte[]"
%typemap(out) std::vector<uint8_t> %{
    {
        const std::vector<uint8_t> &v = $1;
        $result = jenv->NewByteArray((jsize)v.size());
        if ($result && !v.empty()) jenv->SetByteArrayRegion($result, 0, (jsize)v.size(), (const jbyte *)v.data());
    }
%}
%typemap(javaout) std::vector<uint8_t> { return $jnicall; }

// byte[] arguments.
%typemap(jni) (const void *BYTES, size_t BYTES_SIZE) "jbyteArray"
%typemap(jtype) (const void *BYTES, size_t BYTES_SIZE) "byte[]"
%typemap(jstype) (const void *BYTES, size_t BYTES_SIZE) "byte[]"
%typemap(javain) (const void *BYTES, size_t BYTES_SIZE) "$javainput"
%typemap(in) (const void *BYTES, size_t BYTES_SIZE) (std::vector<uint8_t> copy) {
    if (!$input) {
        SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "null byte array");
        return $null;
    }
    copy.resize((size_t)jenv->GetArrayLength($input));
    if (!copy.empty()) jenv->GetByteArrayRegion($input, 0, (jsize)copy.size(), (jbyte *)copy.data());
    $1 = copy.data();
    $2 = copy.size();
}

%apply (const void *BYTES, size_t BYTES_SIZE) { (const void *data, size_t size) };

// AutoCloseable: close() releases the native object now (try-with-resources).
%define DCMKIT_CLOSEABLE(TYPE)
%typemap(javainterfaces) TYPE "AutoCloseable"
%typemap(javacode) TYPE %{
  /** Releases the native object (same as delete()). */
  @Override
  public void close() { delete(); }
%}
%enddef
DCMKIT_CLOSEABLE(dk::Dataset)
DCMKIT_CLOSEABLE(dk::AE)
DCMKIT_CLOSEABLE(dk::Association)
%nojavaexception dk::Dataset::~Dataset;
%nojavaexception dk::AE::~AE;
%nojavaexception dk::Association::~Association;
%rename(copy) dk::Dataset::clone;  // Object.clone() has another contract

#endif

// ---------------------------------------------------------------------------------------------
// The API: a re-declared subset of dcmkit.hpp.
// ---------------------------------------------------------------------------------------------
namespace dk {

%newobject Dataset::read_file;
%newobject Dataset::read_memory;
%newobject Dataset::from_json;
%newobject Dataset::item;
%newobject Dataset::add_item;
%newobject Dataset::clone;
%newobject Association::connect;

/// A dataset (or a sequence item). Dispose()/close() frees it; items keep their dataset alive.
class Dataset {
public:
    Dataset();
    ~Dataset();

    %extend {
    // -- reading and writing --
    static dk::Dataset *read_file(const std::string &path, bool stop_before_pixels = false) {
        dk::ReadOptions o;
        o.stop_before_pixels = stop_before_pixels;
        return new dk::Dataset(dk::Dataset::read_file(path, o));
    }
    static dk::Dataset *read_memory(const void *data, size_t size) {
        return new dk::Dataset(dk::Dataset::read_memory(data, size));
    }
    static dk::Dataset *from_json(const std::string &json) { return new dk::Dataset(dk::Dataset::from_json(json)); }
    /// Writes a Part 10 file; `transfer_syntax` a UID, keyword or alias ("explicit"), "" = as read.
    void write_file(const std::string &path, const std::string &transfer_syntax = "") {
        dk::WriteOptions o;
        o.transfer_syntax = transfer_syntax;
        $self->write_file(path, o);
    }
    /// The encoded Part 10 bytes.
    std::vector<uint8_t> write_memory(const std::string &transfer_syntax = "") {
        dk::WriteOptions o;
        o.transfer_syntax = transfer_syntax;
        return $self->write_memory(o).to_vector();
    }
    std::string to_json(bool pretty = false) { return $self->to_json(pretty); }
    dk::Dataset *clone() { return new dk::Dataset($self->clone()); }

    std::string transfer_syntax() { return $self->transfer_syntax(); }
    void set_transfer_syntax(const std::string &ts) { $self->set_transfer_syntax(ts); }

    // -- elements --
    size_t size() { return $self->size(); }
    uint32_t tag_at(size_t index) { return $self->element_at(index).tag.value; }
    std::string vr_at(size_t index) { return $self->element_at(index).vr; }
    bool contains(uint32_t tag) { return $self->contains(tag); }
    bool contains(const std::string &keyword) {
        dk::Tag t;
        return dk::find_tag(keyword, t) && $self->contains(t);
    }
    std::string vr(uint32_t tag) { return $self->vr(tag); }
    std::string vr(const std::string &keyword) { return $self->vr(dk::tag(keyword)); }
    size_t value_count(uint32_t tag) { return $self->value_count(tag); }
    size_t value_count(const std::string &keyword) { return $self->value_count(dk::tag(keyword)); }
    void remove(uint32_t tag) { $self->remove(tag); }
    void remove(const std::string &keyword) { $self->remove(dk::tag(keyword)); }

    // -- typed reading --
    std::string get_string(uint32_t tag) { return $self->get_string(tag); }
    std::string get_string(const std::string &keyword) { return $self->get_string(dk::tag(keyword)); }
    std::string get_string_at(uint32_t tag, size_t index) { return $self->get_string(tag, index); }
    std::string get_string_at(const std::string &keyword, size_t index) {
        return $self->get_string(dk::tag(keyword), index);
    }
    int64_t get_int(uint32_t tag, size_t index = 0) { return $self->get_int(tag, index); }
    int64_t get_int(const std::string &keyword, size_t index = 0) { return $self->get_int(dk::tag(keyword), index); }
    double get_double(uint32_t tag, size_t index = 0) { return $self->get_double(tag, index); }
    double get_double(const std::string &keyword, size_t index = 0) {
        return $self->get_double(dk::tag(keyword), index);
    }
    std::vector<uint8_t> get_bytes(uint32_t tag) { return $self->get_bytes(tag); }
    std::vector<uint8_t> get_bytes(const std::string &keyword) { return $self->get_bytes(dk::tag(keyword)); }

    // -- typed writing (vr "" = the dictionary VR) --
    void set_string(uint32_t tag, const std::string &value, const std::string &vr = "") {
        $self->set_string(tag, value, vr.empty() ? nullptr : vr.c_str());
    }
    void set_string(const std::string &keyword, const std::string &value, const std::string &vr = "") {
        $self->set_string(dk::tag(keyword), value, vr.empty() ? nullptr : vr.c_str());
    }
    void set_int(uint32_t tag, int64_t value, const std::string &vr = "") {
        $self->set_int(tag, value, vr.empty() ? nullptr : vr.c_str());
    }
    void set_int(const std::string &keyword, int64_t value, const std::string &vr = "") {
        $self->set_int(dk::tag(keyword), value, vr.empty() ? nullptr : vr.c_str());
    }
    void set_double(uint32_t tag, double value, const std::string &vr = "") {
        $self->set_double(tag, value, vr.empty() ? nullptr : vr.c_str());
    }
    void set_double(const std::string &keyword, double value, const std::string &vr = "") {
        $self->set_double(dk::tag(keyword), value, vr.empty() ? nullptr : vr.c_str());
    }
    void set_bytes(uint32_t tag, const std::string &vr, const void *data, size_t size) {
        $self->set_bytes(tag, vr.c_str(), data, size);
    }

    // -- sequences --
    size_t item_count(uint32_t tag) { return $self->item_count(tag); }
    size_t item_count(const std::string &keyword) { return $self->item_count(dk::tag(keyword)); }
    dk::Dataset *item(uint32_t tag, size_t index) { return new dk::Dataset($self->item(tag, index)); }
    dk::Dataset *item(const std::string &keyword, size_t index) {
        return new dk::Dataset($self->item(dk::tag(keyword), index));
    }
    dk::Dataset *add_item(uint32_t tag) { return new dk::Dataset($self->add_item(tag)); }
    dk::Dataset *add_item(const std::string &keyword) { return new dk::Dataset($self->add_item(dk::tag(keyword))); }

    // -- pixel data --
    uint64_t frame_count() { return dk::frame_count(*$self); }
    /// Frame `index` decoded to native pixels (little endian, interleaved).
    std::vector<uint8_t> decode_frame(uint64_t index) { return dk::decode_frame(*$self, index).data; }
    /// Frame `index` as stored, native frames only (or decoded).
    std::vector<uint8_t> read_frame(uint64_t index) { return dk::read_frame(*$self, index); }
    /// Re-encodes the pixel data in a transfer syntax (UID, keyword or alias).
    void transcode(const std::string &transfer_syntax) { dk::transcode(*$self, transfer_syntax); }
    }
};

/// An Application Entity's configuration (title, SOP classes).
class AE {
public:
    AE(const std::string &title);
    ~AE();
    %extend {
    void add_verification() { $self->add_verification(); }
    void add_all_storage() { $self->add_all_storage(); }
    void add_sop_class(const std::string &sop_class_uid) { $self->add_sop_class(sop_class_uid); }
    void add_storage_for_file(const std::string &path) { $self->add_storage_for_files({path}); }
    }
};

/// An association requested by an AE; Dispose()/close() aborts it when still established.
class Association {
public:
    ~Association();
    bool established() const;
    %extend {
    static dk::Association *connect(const dk::AE &ae, const std::string &host, uint16_t port,
                                    const std::string &called_ae) {
        return new dk::Association(dk::Association::connect(ae, host, port, called_ae));
    }
    /// C-ECHO; the peer's DIMSE status (0 = success).
    int echo() { return $self->echo(); }
    /// C-STORE of a Part 10 file; the peer's status.
    int store_file(const std::string &path) { return $self->store_file(path); }
    /// C-STORE of a dataset in memory; the peer's status.
    int store_dataset(const dk::Dataset &ds) { return $self->store_dataset(ds); }
    void release() { $self->release(); }
    void abort() { $self->abort(); }
    }
};

}  // namespace dk

// -- free functions --
%inline %{
namespace dcmkit_swig {
/// The library's version ("0.1.0").
inline std::string version() { return dk::version(); }
/// The tag of a keyword ("PatientName" → 0x00100010).
inline uint32_t tag_of(const std::string &keyword) { return dk::tag(keyword).value; }
/// The keyword of a tag ("" when unknown).
inline std::string keyword_of(uint32_t tag) { return dk::keyword(tag); }
/// A new UID under 2.25.
inline std::string generate_uid() { return dk::generate_uid(); }
}  // namespace dcmkit_swig
%}
