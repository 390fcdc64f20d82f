// dcmkit.i — the one SWIG interface of the C# (namespace DcmKit) and Java (package org.dcmkit)
// bindings. It wraps the header-only C++ wrapper dcmkit.hpp: the classes below are re-declared (a
// subset, with tags as uint32_t and keyword overloads) and the generated code calls the real dk::
// classes, whose exceptions are mapped to per-language exception classes by kind. The one exception
// is the string getters (Dataset get_string/get_string_at), which call dk_dataset_get_string(_at)
// on the wrapper's handle into a per-thread buffer (dcmkit_swig::Utf8), failures still going through
// dk::check.
//
//   C#:   using (var ds = Dataset.ReadFile("ct.dcm")) { string n = ds.GetString("PatientName"); }
//   Java: try (Dataset ds = Dataset.readFile("ct.dcm")) { String n = ds.getString("PatientName"); }
//
// Servers: ServerHandler (swig_server.hpp) is a director class, so C# and Java subclasses override
// its on_* methods and a Server calls them from its worker threads.
%module(directors="1") dcmkit

%{
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>
#include "dcmkit/dcmkit.hpp"
#include "swig_server.hpp"
#include "swig_archive.hpp"
#include "swig_web.hpp"
%}

%include <stdint.i>
%include <std_string.i>

// Method names: C# PascalCase (GetString), Java lowerCamelCase (getString).
// Member variables (the read-only info structs): C# properties (CallingAe), Java getters (getCallingAe()).
#if defined(SWIGCSHARP)
%rename("%(camelcase)s", %$isfunction) "";
%rename("%(camelcase)s", %$isvariable) "";
#elif defined(SWIGJAVA)
%rename("%(lowercamelcase)s", %$isfunction) "";
%rename("%(lowercamelcase)s", %$isvariable) "";
#endif

// size_t and uint64_t: C# ulong, Java long (not BigInteger).
#if defined(SWIGCSHARP)
%apply unsigned long long { size_t };
#elif defined(SWIGJAVA)
%apply long long { size_t, uint64_t };
#endif


// UTF-8 -> UTF-16 (at most one unit per byte); invalid UTF-8 becomes U+FFFD. Used by both languages'
// string results (Java: NewString; C#: the units are copied into the string as they are).
%{
namespace dcmkit_swig {
inline size_t utf8_to_utf16(const unsigned char *p, size_t n, uint16_t *u) {
    size_t i;
    size_t len = 0;
    for (i = 0; i < n;) {
        unsigned c = p[i];
        if (c < 0x80) {
            u[len++] = uint16_t(c);
            ++i;
            continue;
        }
        unsigned need, cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            u[len++] = 0xFFFD;
            ++i;
            continue;
        }
        size_t j = 1;
        for (; j <= need && i + j < n && (p[i + j] & 0xC0) == 0x80; ++j) cp = (cp << 6) | (p[i + j] & 0x3F);
        if (j <= need || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            u[len++] = 0xFFFD;
            i += j;
            continue;
        }
        i += j;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[len++] = uint16_t(0xD800 + (cp >> 10));
            u[len++] = uint16_t(0xDC00 + (cp & 0x3FF));
        } else {
            u[len++] = uint16_t(cp);
        }
    }
    return len;
}

/// `len` UTF-16 units as UTF-8 into `out` (at most 3 bytes a unit); returns the byte count. Unpaired
/// surrogates become U+FFFD.
inline size_t utf16_to_utf8(const uint16_t *c, size_t len, char *out) {
    char *o = out;
    for (size_t i = 0; i < len; ++i) {
        unsigned cp = c[i];
        if (cp < 0x80) {
            *o++ = char(cp);
            continue;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len && c[i + 1] >= 0xDC00 && c[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (c[i + 1] - 0xDC00u);
            ++i;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        if (cp < 0x800) {
            *o++ = char(0xC0 | (cp >> 6));
        } else if (cp < 0x10000) {
            *o++ = char(0xE0 | (cp >> 12));
            *o++ = char(0x80 | ((cp >> 6) & 0x3F));
        } else {
            *o++ = char(0xF0 | (cp >> 18));
            *o++ = char(0x80 | ((cp >> 12) & 0x3F));
            *o++ = char(0x80 | ((cp >> 6) & 0x3F));
        }
        *o++ = char(0x80 | (cp & 0x3F));
    }
    return size_t(o - out);
}
/// The same into a string (its capacity is kept, so a reused one does not allocate).
inline void utf16_to_utf8(const uint16_t *c, size_t len, std::string &out) {
    out.resize(3 * len);
    out.resize(len ? utf16_to_utf8(c, len, &out[0]) : 0);
}

/// A keyword argument as UTF-8, in the calling thread's buffer: a keyword is looked up at once
/// (dk::tag), so one buffer per thread serves every call without a heap allocation.
inline std::string &keyword_buffer() {
    static thread_local std::string buffer;
    return buffer;
}

/// A string result: UTF-8 bytes (NUL-terminated) in the calling thread's buffer, valid until the
/// thread's next string result. get_string/get_string_at fill it through the C ABI's size in/out
/// convention (a retry with the size it asks for when a value does not fit), so reading a value
/// costs the C ABI's own copy and no std::string on the way; the typemaps below make the target
/// language's string from it at once.
struct Utf8 {
    const char *data = "";
    size_t size = 0;
};
template <class F>
Utf8 utf8_call(F &&call) {
    static thread_local std::vector<char> buffer(256);
    size_t n = buffer.size();
    dk_result r = call(buffer.data(), &n);
    while (r == DK_EBUFS && n > buffer.size()) {
        buffer.resize(n);
        n = buffer.size();
        r = call(buffer.data(), &n);
    }
    dk::check(r);
    return Utf8{buffer.data(), strnlen(buffer.data(), n - 1)};  // up to a NUL, as dk::Dataset::get_string
}
inline Utf8 get_string(const dk::Dataset &ds, uint32_t tag) {
    return utf8_call([&](char *b, size_t *n) { return dk_dataset_get_string(b, n, ds.handle(), tag); });
}
inline Utf8 get_string_at(const dk::Dataset &ds, uint32_t tag, size_t index) {
    return utf8_call([&](char *b, size_t *n) { return dk_dataset_get_string_at(b, n, ds.handle(), tag, index); });
}
}  // namespace dcmkit_swig
%}

// ---------------------------------------------------------------------------------------------
// Exceptions: every dk::Error becomes the target language's exception of the same kind.
// ---------------------------------------------------------------------------------------------
%{
namespace dcmkit_swig {
// The class of an error, as dk::error_class_name() names it ("Parse"; "" for the base): C# and Java
// append "Exception".
inline const char *class_name(const dk::Error &e) { return dk::error_class_name(dk::error_class(e.code())); }
}  // namespace dcmkit_swig
%}

#if defined(SWIGCSHARP)
// The C# side registers one callback that builds the DcmKit exception and sets it pending
// (SWIG's custom-exception pattern); the generated C# code rethrows it after the call.
%insert(runtime) %{
typedef void(SWIGSTDCALL *DcmkitExceptionCallback)(const char *, int, const char *, const char *);
static DcmkitExceptionCallback dcmkit_exception_callback = 0;
extern "C" SWIGEXPORT void SWIGSTDCALL DcmkitRegisterExceptionCallback(DcmkitExceptionCallback cb) {
    dcmkit_exception_callback = cb;
}
static void dcmkit_throw(const char *cls, int code, const char *kind, const char *message) {
    if (dcmkit_exception_callback) dcmkit_exception_callback(cls, code, kind, message);
}
%}

%pragma(csharp) imclasscode=%{
  class DcmkitExceptionHelper {
    public delegate void ExceptionDelegate(string cls, int code, string kind, string message);
    static ExceptionDelegate callback = new ExceptionDelegate(SetPending);

    [global::System.Runtime.InteropServices.DllImport("$dllimport", EntryPoint="DcmkitRegisterExceptionCallback")]
    public static extern void DcmkitRegisterExceptionCallback(ExceptionDelegate cb);

    static void SetPending(string cls, int code, string kind, string message) {
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

  [global::System.Runtime.InteropServices.DllImport("$dllimport", EntryPoint="DcmkitHandlerFailed")]
  static extern void DcmkitHandlerFailed(string message);

  /// Runs a ServerHandler override for its director: an exception must not unwind into the native
  /// server, so it is reported (the director method then throws in C++) and a default returned.
  public static T GuardHandler<T>(global::System.Func<T> handler) {
    try {
      return handler();
    } catch (global::System.Exception e) {
      DcmkitHandlerFailed(e.GetType().Name + ": " + e.Message);
      return default(T);
    }
  }

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

// std::string results: SWIG's default hands the C string to a managed callback (SWIGStringHelper),
// a native→managed transition plus two copies (~600 ns a call). Here the glue copies the UTF-8 bytes
// converts the UTF-8 to UTF-16 into a per-thread buffer, after the 8-byte count of units, and returns
// its address; the C# side copies it into a string at once (TakeString), before any other native
// call on the thread. (Decoding UTF-8 in C#, Encoding.UTF8.GetString, is slower under mono.)
// String arguments keep SWIG's default (the marshaller's UTF-8 char *).
%{
#include <cstring>
namespace dcmkit_swig {
inline const void *string_result(const char *s, size_t size) {
    static thread_local std::vector<uint16_t> buffer(4 + 256);  // [4 units: the length][the UTF-16 units]
    if (buffer.size() < 4 + size) buffer.resize(4 + size);
    const uint64_t n = utf8_to_utf16(reinterpret_cast<const unsigned char *>(s), size, buffer.data() + 4);
    std::memcpy(buffer.data(), &n, sizeof n);
    return buffer.data();
}
inline const void *string_result(const std::string &s) { return string_result(s.data(), s.size()); }

/// A keyword argument: the C# string's own UTF-16 units (pinned by `fixed`, NUL-terminated) as UTF-8
/// in the thread's keyword buffer; nullptr (ArgumentNullException pending) for a null string.
inline const std::string *keyword_from_utf16(const uint16_t *s) {
    if (!s) {
        SWIG_CSharpSetPendingExceptionArgument(SWIG_CSharpArgumentNullException, "null string", 0);
        return nullptr;
    }
    size_t len = 0;
    while (s[len]) ++len;
    std::string &out = keyword_buffer();
    utf16_to_utf8(s, len, out);
    return &out;
}
}  // namespace dcmkit_swig
%}
%typemap(ctype, out="const void *") std::string, const std::string & "char *"
%typemap(imtype, out="global::System.IntPtr") std::string, const std::string & "string"
%typemap(out) std::string %{ $result = dcmkit_swig::string_result($1); %}
%typemap(out) const std::string & %{ $result = dcmkit_swig::string_result(*$1); %}
%typemap(csout, excode=SWIGEXCODE) std::string, const std::string & {
    global::System.IntPtr p = $imcall;$excode
    return $modulePINVOKE.TakeString(p);
  }
%typemap(csvarout, excode=SWIGEXCODE2) std::string, const std::string & %{
    get {
      global::System.IntPtr p = $imcall;$excode
      return $modulePINVOKE.TakeString(p);
    } %}
// Value results (Dataset.GetString, GetStringAt): the same, from the thread's UTF-8 buffer; the
// pending-exception check runs only when the glue returned null, which it does only on failure.
%typemap(ctype) dcmkit_swig::Utf8 "const void *"
%typemap(imtype) dcmkit_swig::Utf8 "global::System.IntPtr"
%typemap(cstype) dcmkit_swig::Utf8 "string"
%typemap(out) dcmkit_swig::Utf8 %{ $result = dcmkit_swig::string_result($1.data, $1.size); %}
%typemap(csout, excode=SWIGEXCODE) dcmkit_swig::Utf8 {
    global::System.IntPtr p = $imcall;
    if (p == global::System.IntPtr.Zero) {$excode
    }
    return $modulePINVOKE.TakeString(p);
  }
// Keyword arguments: the string is pinned and its UTF-16 units passed as they are (a blittable
// pointer: no marshalled copy, no allocation), converted by the glue into the thread's buffer.
%typemap(ctype) const std::string &keyword "const uint16_t *"
%typemap(imtype) const std::string &keyword "global::System.IntPtr"
%typemap(cstype) const std::string &keyword "string"
%typemap(csin, pre="    unsafe { fixed (char* swig_ptrTo_$csinput = $csinput) {", terminator="    } }")
    const std::string &keyword "(global::System.IntPtr)swig_ptrTo_$csinput"
%typemap(in, canthrow=1) const std::string &keyword
%{ $1 = ($1_ltype)dcmkit_swig::keyword_from_utf16($input);
   if (!$1) return $null; %}
%pragma(csharp) imclasscode=%{
  /// A string result of the glue: an 8-byte length then that many UTF-16 units.
  public static unsafe string TakeString(global::System.IntPtr p) {
    if (p == global::System.IntPtr.Zero) return null;
    long* b = (long*)p;
    return new string((char*)(b + 1), 0, (int)*b);
  }
%}

%exception %{
    try {
        $action
    } catch (const dk::Error &e) {
        dcmkit_throw(dcmkit_swig::class_name(e), int(e.code()), e.kind(), e.what());
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

// Association.Find: the matches as a list (FindResult.cs), built from the glue's FindMatches.
%csmethodmodifiers dk::Association::collect_matches "internal";
%typemap(cscode) dk::Association %{
  /// C-FIND with `identifier` (Query/Retrieve Level and keys; none for the worklist): the matches
  /// and the final status. `sopClass` "" = Study Root (1.2.840.10008.5.1.4.1.2.2.1).
  public FindResult Find(Dataset identifier, string sopClass = "") {
    using (FindMatches m = CollectMatches(identifier, sopClass)) {
      var result = new FindResult(m.Status());
      for (ulong i = 0; i < m.Size(); i++) result.Add(m.Take(i));
      return result;
    }
  }
%}

#elif defined(SWIGJAVA)

// std::string <-> String as real UTF-8: JNI's NewStringUTF/GetStringUTFChars (SWIG's default) speak
// Java's *modified* UTF-8, which encodes a character outside the BMP as two 3-byte surrogates, so
// U+1F600 set from Java was refused as invalid UTF-8 and read back wrong. These typemaps convert
// UTF-8 <-> UTF-16 here (ASCII goes through NewStringUTF, where both encodings agree); invalid UTF-8
// from the library and unpaired surrogates from Java become U+FFFD.
%{
namespace dcmkit_swig {
inline jstring jstring_from_utf8(JNIEnv *jenv, const char *s, size_t n) {
    const unsigned char *p = reinterpret_cast<const unsigned char *>(s);
    size_t i = 0;
    while (i < n && p[i] != 0 && p[i] < 0x80) ++i;
    if (i == n) return jenv->NewStringUTF(s);  // ASCII without NUL (s is NUL-terminated)
    jchar small[256];
    std::vector<jchar> big;
    jchar *u = small;
    if (n > sizeof small / sizeof small[0]) {  // at most one UTF-16 unit per byte
        big.resize(n);
        u = big.data();
    }
    size_t len = dcmkit_swig::utf8_to_utf16(p, n, reinterpret_cast<uint16_t *>(u));
    return jenv->NewString(u, jsize(len));
}
inline jstring jstring_from_utf8(JNIEnv *jenv, const std::string &s) { return jstring_from_utf8(jenv, s.c_str(), s.size()); }

/// `js` as UTF-8 into `out`; false with a Java exception pending (null string, out of memory).
inline bool utf8_from_jstring(JNIEnv *jenv, jstring js, std::string &out) {
    if (!js) {
        if (!jenv->ExceptionCheck()) SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "null string");
        return false;
    }
    jsize len = jenv->GetStringLength(js);
    out.clear();
    if (len <= 0) return true;
    jchar small[256];
    std::vector<jchar> big;
    jchar *c = small;
    if (size_t(len) > sizeof small / sizeof small[0]) {
        big.resize(size_t(len));
        c = big.data();
    }
    jenv->GetStringRegion(js, 0, len, c);
    if (jenv->ExceptionCheck()) return false;
    utf16_to_utf8(reinterpret_cast<const uint16_t *>(c), size_t(len), out);
    return true;
}
}  // namespace dcmkit_swig
%}
%typemap(in) std::string %{ if (!dcmkit_swig::utf8_from_jstring(jenv, $input, $1)) return $null; %}
%typemap(in) const std::string & ($*1_ltype temp)
%{ if (!dcmkit_swig::utf8_from_jstring(jenv, $input, temp)) return $null;
   $1 = &temp; %}
%typemap(out) std::string %{ $result = dcmkit_swig::jstring_from_utf8(jenv, $1); %}
%typemap(out) const std::string & %{ $result = dcmkit_swig::jstring_from_utf8(jenv, *$1); %}
// Value results (Dataset.getString, getStringAt) from the thread's UTF-8 buffer, and keyword
// arguments converted into the thread's keyword buffer: no std::string allocated on the way.
// Dataset.getString/getStringAt hand the caller's per-thread byte[] to the glue, which copies the
// value's UTF-8 bytes into it and returns their count (or the size needed, when that is more than
// the array holds: the Java side then retries with an array of that size); Java decodes them
// (new String(bytes, 0, n, UTF_8), standard UTF-8, so characters outside the BMP are right). The
// string is allocated by compiled Java code, not through JNI's NewStringUTF.
%{
namespace dcmkit_swig {
struct JBytes {
    JNIEnv *jenv;
    jbyteArray array;
};
/// Copies `s` into `out` when it fits in its first `capacity` bytes (the array's length, which the
/// private Java caller passes to save a JNI call); returns the value's size either way.
inline jint copy_into(const Utf8 &s, JBytes out, int capacity) {
    if (s.size > size_t(INT32_MAX)) throw dk::Error(DK_EBADVALUE, "the value is too long for a Java string");
    if (s.size > 0 && capacity >= 0 && s.size <= size_t(capacity))
        out.jenv->SetByteArrayRegion(out.array, 0, jsize(s.size), reinterpret_cast<const jbyte *>(s.data));
    return jint(s.size);
}
/// A keyword argument (Java): a short one is read with one GetStringRegion into the stack (its
/// bounds are the string's own, so nothing can be pending), a long one as any string argument.
inline bool keyword_from_jstring(JNIEnv *jenv, jstring js) {
    if (!js) return utf8_from_jstring(jenv, js, keyword_buffer());  // throws NullPointerException
    const jsize len = jenv->GetStringLength(js);
    jchar c[64];
    if (len < 0 || len > jsize(sizeof c / sizeof c[0])) return utf8_from_jstring(jenv, js, keyword_buffer());
    jenv->GetStringRegion(js, 0, len, c);
    utf16_to_utf8(reinterpret_cast<const uint16_t *>(c), size_t(len), keyword_buffer());
    return true;
}
}  // namespace dcmkit_swig
%}
%typemap(jni) dcmkit_swig::JBytes "jbyteArray"
%typemap(jtype) dcmkit_swig::JBytes "byte[]"
%typemap(jstype) dcmkit_swig::JBytes "byte[]"
%typemap(javain) dcmkit_swig::JBytes "$javainput"
%typemap(in) const std::string &keyword
%{ if (!dcmkit_swig::keyword_from_jstring(jenv, $input)) return $null;
   $1 = &dcmkit_swig::keyword_buffer(); %}
%typemap(in) dcmkit_swig::JBytes %{
    if (!$input) {
        SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "null byte array");
        return $null;
    }
    $1 = dcmkit_swig::JBytes{jenv, $input};
%}
// Directors: strings handed to a Java override, and returned by one.
%typemap(directorin, descriptor="Ljava/lang/String;") std::string, const std::string &
%{ $input = dcmkit_swig::jstring_from_utf8(jenv, $1);
   Swig::LocalRefGuard $1_refguard(jenv, $input); %}
%typemap(directorout) std::string %{ if (!dcmkit_swig::utf8_from_jstring(jenv, $input, $result)) return $null; %}
%typemap(directorout, warning=SWIGWARN_TYPEMAP_THREAD_UNSAFE_MSG) const std::string &
%{ static thread_local $*1_ltype $1_str;
   if (!dcmkit_swig::utf8_from_jstring(jenv, $input, $1_str)) return $null;
   $result = &$1_str; %}

%{
static void dcmkit_throw(JNIEnv *jenv, const char *cls, int code, const char *kind, const char *message) {
    const std::string name = std::string("org/dcmkit/") + (*cls ? cls : "Dicom") + "Exception";
    jclass c = jenv->FindClass(name.c_str());
    if (!c) return;  // NoClassDefFoundError is pending
    jmethodID ctor = jenv->GetMethodID(c, "<init>", "(Ljava/lang/String;Ljava/lang/String;I)V");
    if (!ctor) return;
    jstring jm = dcmkit_swig::jstring_from_utf8(jenv, message, std::strlen(message));  // may quote a value
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
        dcmkit_throw(jenv, dcmkit_swig::class_name(e), int(e.code()), e.kind(), e.what());
        return $null;
    } catch (const std::exception &e) {
        SWIG_JavaThrowException(jenv, SWIG_JavaRuntimeException, e.what());
        return $null;
    }
%}

// Loading the glue library, first found wins:
//  1. libdcmkit_java.so in dcmkit.jar's directory (the build tree, `cmake --install`);
//  2. native/<os>-<arch>/ inside the jar (the Maven artifact: libdcmkit_java.so and libdcmkit.so.1,
//     extracted together into a temporary directory, removed at exit, the glue's RPATH $ORIGIN
//     finding the library);
//  3. java.library.path (Debian's libdcmkit-java: /usr/lib/<triplet>/jni).
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
      // not from a jar file: the jar's resources, then java.library.path
    }
    if (!loaded) loaded = loadFromJar();
    if (!loaded) System.loadLibrary("dcmkit_java");
  }

  private static boolean loadFromJar() {
    String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux") ? "linux" : "";
    String arch = System.getProperty("os.arch", "");
    if (arch.equals("amd64")) arch = "x86_64";  // the JVM's name for it
    String base = "/native/" + os + "-" + arch + "/";
    String glue = System.mapLibraryName("dcmkit_java");
    if (dcmkitJNI.class.getResource(base + glue) == null) return false;
    try {
      java.nio.file.Path tmp = java.nio.file.Files.createTempDirectory("dcmkit-native-");
      tmp.toFile().deleteOnExit();  // registered first: deleted after the files in it
      for (String name : new String[] {"libdcmkit.so.1", glue}) {
        try (java.io.InputStream in = dcmkitJNI.class.getResourceAsStream(base + name)) {
          if (in == null) continue;
          java.nio.file.Path out = tmp.resolve(name);
          java.nio.file.Files.copy(in, out);
          out.toFile().deleteOnExit();
        }
      }
      java.nio.file.Path core = tmp.resolve("libdcmkit.so.1");
      if (java.nio.file.Files.exists(core)) System.load(core.toString());
      System.load(tmp.resolve(glue).toString());
      return true;
    } catch (java.io.IOException e) {
      throw new UnsatisfiedLinkError("dcmkit: cannot extract " + base + glue + " from the jar: " + e);
    }
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
// Dataset: the string getters over the glue's getStringInto (see JBytes above); this javacode
// replaces DCMKIT_CLOSEABLE's, so it repeats close().
%javamethodmodifiers dk::Dataset::get_string_into "private";
%javamethodmodifiers dk::Dataset::get_string_at_into "private";
%typemap(javacode) dk::Dataset %{
  /** Releases the native object (same as delete()). */
  @Override
  public void close() { delete(); }

  private static final int BUFFER_KEEP = 1 << 16;  // a thread keeps a larger array no longer than this
  private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[256]);

  private static String utf8(byte[] b, int n) {
    return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
  }
  private static byte[] larger(int n) {
    byte[] b = new byte[n];
    if (n <= BUFFER_KEEP) BUFFER.set(b);
    return b;
  }

  /** The whole string value (values joined by '\'), padding removed. */
  public String getString(long tag) throws DicomException {
    byte[] b = BUFFER.get();
    int n = getStringInto(tag, b, b.length);
    while (n > b.length) n = getStringInto(tag, b = larger(n), n);
    return utf8(b, n);
  }
  public String getString(String keyword) throws DicomException {
    byte[] b = BUFFER.get();
    int n = getStringInto(keyword, b, b.length);
    while (n > b.length) n = getStringInto(keyword, b = larger(n), n);
    return utf8(b, n);
  }
  /** Value {@code index} of a multi-valued string. */
  public String getStringAt(long tag, long index) throws DicomException {
    byte[] b = BUFFER.get();
    int n = getStringAtInto(tag, index, b, b.length);
    while (n > b.length) n = getStringAtInto(tag, index, b = larger(n), n);
    return utf8(b, n);
  }
  public String getStringAt(String keyword, long index) throws DicomException {
    byte[] b = BUFFER.get();
    int n = getStringAtInto(keyword, index, b, b.length);
    while (n > b.length) n = getStringAtInto(keyword, index, b = larger(n), n);
    return utf8(b, n);
  }
%}
DCMKIT_CLOSEABLE(dk::AE)
DCMKIT_CLOSEABLE(dk::Association)
DCMKIT_CLOSEABLE(dk::DicomDir)
%nojavaexception dk::DicomDir::~DicomDir;
%nojavaexception dk::Dataset::~Dataset;
%nojavaexception dk::AE::~AE;
%nojavaexception dk::Association::~Association;
%rename(copy) dk::Dataset::clone;  // Object.clone() has another contract

// Association.find: the matches as a list (FindResult.java), built from the glue's FindMatches; this
// javacode replaces DCMKIT_CLOSEABLE's, so it repeats close().
%javamethodmodifiers dk::Association::collect_matches "";
%typemap(javacode) dk::Association %{
  /** Releases the native object (same as delete()). */
  @Override
  public void close() { delete(); }

  /** C-FIND with {@code identifier} (Query/Retrieve Level and keys; none for the worklist): the
   *  matches and the final status. {@code sopClass} "" = Study Root (1.2.840.10008.5.1.4.1.2.2.1). */
  public FindResult find(Dataset identifier, String sopClass) throws DicomException {
    try (FindMatches m = collectMatches(identifier, sopClass)) {
      FindResult result = new FindResult(m.status());
      for (long i = 0; i < m.size(); i++) result.add(m.take(i));
      return result;
    }
  }
  public FindResult find(Dataset identifier) throws DicomException { return find(identifier, ""); }
%}

#endif

// ---------------------------------------------------------------------------------------------
// The API: a re-declared subset of dcmkit.hpp.
// ---------------------------------------------------------------------------------------------
// RetrieveResult: read-only, and its getters cannot fail.
%immutable dk::RetrieveResult::status;
%immutable dk::RetrieveResult::completed;
%immutable dk::RetrieveResult::failed;
%immutable dk::RetrieveResult::warning;
%immutable dk::RetrieveResult::remaining;
%immutable dk::RetrieveResult::cancelled;
%immutable dk::RetrieveResult::stored;
#if defined(SWIGJAVA)
%nojavaexception dk::RetrieveResult::status;
%nojavaexception dk::RetrieveResult::completed;
%nojavaexception dk::RetrieveResult::failed;
%nojavaexception dk::RetrieveResult::warning;
%nojavaexception dk::RetrieveResult::remaining;
%nojavaexception dk::RetrieveResult::cancelled;
%nojavaexception dk::RetrieveResult::stored;
%nojavaexception dk::RetrieveResult::~RetrieveResult;
#endif

namespace dk {

%newobject Dataset::read_file;
%newobject Dataset::read_memory;
%newobject Dataset::from_json;
%newobject Dataset::item;
%newobject Dataset::add_item;
%newobject Dataset::clone;
%newobject Association::connect;
%newobject Association::collect_matches;
%newobject Association::n_create;
%newobject Association::n_set;
%newobject Association::n_action;

/// A dataset (or a sequence item). Dispose()/close() frees it; items keep their dataset alive.
class Dataset {
public:
    Dataset();
    ~Dataset();

    %extend {
    // -- reading and writing --
    /// `keep_un`: keep elements encoded as UN as bytes (by default one whose VR the dictionary
    /// knows is re-read with that VR, PS3.5 6.2.2, and warning_flags() says so).
    static dk::Dataset *read_file(const std::string &path, bool stop_before_pixels = false, bool keep_un = false) {
        dk::ReadOptions o;
        o.stop_before_pixels = stop_before_pixels;
        o.keep_un = keep_un;
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
    /// What the reader accepted with a warning: DK_WARN_* bits (1 the dataset is not in the VR
    /// encoding its meta names, 2 UN elements re-read with their dictionary VR); 0 when conforming.
    uint32_t warning_flags() { return $self->warning_flags(); }
    /// The reader's warnings, one message per line ("" when none).
    std::string warnings() {
        std::string text;
        for (const std::string &w : $self->warnings()) text += (text.empty() ? "" : "\n") + w;
        return text;
    }

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
    // (the values go straight from the C ABI into the thread's buffer: dcmkit_swig::Utf8; Java's
    // getString/getStringAt are written over get_string_into/get_string_at_into, see JBytes)
#if defined(SWIGJAVA)
    int get_string_into(uint32_t tag, dcmkit_swig::JBytes out, int capacity) {
        return dcmkit_swig::copy_into(dcmkit_swig::get_string(*$self, tag), out, capacity);
    }
    int get_string_into(const std::string &keyword, dcmkit_swig::JBytes out, int capacity) {
        return dcmkit_swig::copy_into(dcmkit_swig::get_string(*$self, dk::tag(keyword).value), out, capacity);
    }
    int get_string_at_into(uint32_t tag, size_t index, dcmkit_swig::JBytes out, int capacity) {
        return dcmkit_swig::copy_into(dcmkit_swig::get_string_at(*$self, tag, index), out, capacity);
    }
    int get_string_at_into(const std::string &keyword, size_t index, dcmkit_swig::JBytes out, int capacity) {
        return dcmkit_swig::copy_into(dcmkit_swig::get_string_at(*$self, dk::tag(keyword).value, index), out,
                                      capacity);
    }
#else
    dcmkit_swig::Utf8 get_string(uint32_t tag) { return dcmkit_swig::get_string(*$self, tag); }
    dcmkit_swig::Utf8 get_string(const std::string &keyword) {
        return dcmkit_swig::get_string(*$self, dk::tag(keyword).value);
    }
    dcmkit_swig::Utf8 get_string_at(uint32_t tag, size_t index) {
        return dcmkit_swig::get_string_at(*$self, tag, index);
    }
    dcmkit_swig::Utf8 get_string_at(const std::string &keyword, size_t index) {
        return dcmkit_swig::get_string_at(*$self, dk::tag(keyword).value, index);
    }
#endif
    int64_t get_int(uint32_t tag, size_t index = 0) { return $self->get_int(tag, index); }
    int64_t get_int(const std::string &keyword, size_t index = 0) { return $self->get_int(dk::tag(keyword), index); }
    double get_double(uint32_t tag, size_t index = 0) { return $self->get_double(tag, index); }
    double get_double(const std::string &keyword, size_t index = 0) {
        return $self->get_double(dk::tag(keyword), index);
    }
    std::vector<uint8_t> get_bytes(uint32_t tag) { return $self->get_bytes(tag); }
    std::vector<uint8_t> get_bytes(const std::string &keyword) { return $self->get_bytes(dk::tag(keyword)); }

    // -- a query key as findscu -k spells it ("PatientName=SMITH*", "Seq[0].Modality=CT") --
    void set_key(const std::string &key) { $self->set_key(key); }

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
    /// Renders frame `index` to 8-bit display values (Modality LUT, VOI LUT, palettes) and writes
    /// it as a PNG file (dk_dataset_export_png): `window_width` > 0 applies that window, else the
    /// file's first window or VOI LUT, else the frame's minimum..maximum.
    void export_png(const std::string &path, uint64_t index = 0, double window_center = 0, double window_width = 0) {
        dk::export_png(*$self, path, index,
                       window_width > 0 ? dk::RenderOptions::window(window_center, window_width) : dk::RenderOptions{});
    }
    /// The same rendering written as a baseline JPEG file of `quality` 1..100 (dk_dataset_export_jpeg).
    /// A multi-frame image takes one call per frame (frame_count()).
    void export_jpeg(const std::string &path, uint64_t index = 0, int quality = 90, double window_center = 0,
                     double window_width = 0) {
        dk::export_jpeg(*$self, path, index,
                        window_width > 0 ? dk::RenderOptions::window(window_center, window_width) : dk::RenderOptions{},
                        quality);
    }
    }
};

/// An Application Entity's configuration (title, SOP classes, timeouts).
class AE {
public:
    AE(const std::string &title);
    ~AE();
    %extend {
    /// An AE whose connection, association and DIMSE timeouts are `timeout_ms` (defaults: 10 s,
    /// 30 s and 60 s).
    AE(const std::string &title, int32_t timeout_ms) {
        dk::AeOptions o;
        o.connect_timeout_ms = o.artim_timeout_ms = o.dimse_timeout_ms = timeout_ms;
        return new dk::AE(title, o);
    }
    void add_verification() { $self->add_verification(); }
    void add_all_storage() { $self->add_all_storage(); }
    /// A SOP class with the uncompressed transfer syntaxes, as SCU and SCP.
    void add_sop_class(const std::string &sop_class_uid) { $self->add_sop_class(sop_class_uid); }
    /// A SOP class with the uncompressed transfer syntaxes, as SCU (requesting) and/or SCP
    /// (performing: a server's C-FIND, a C-GET's C-STOREs).
    void add_sop_class(const std::string &sop_class_uid, bool as_scu, bool as_scp) {
        $self->add_sop_class(sop_class_uid, {}, (as_scu ? DK_ROLE_SCU : 0u) | (as_scp ? DK_ROLE_SCP : 0u));
    }
    void add_storage_for_file(const std::string &path) { $self->add_storage_for_files({path}); }
    /// Study Root and Patient Root FIND, MOVE and GET as SCU (what find, move and get need).
    void add_query_retrieve() { $self->add_query_retrieve(); }
    /// The common storage SOP classes with the SCP role, to receive a C-GET's instances (in the
    /// syntax the peer holds them, or decoded by the peer when `uncompressed_only`).
    void add_get_storage(bool uncompressed_only = false) { $self->add_get_storage(uncompressed_only); }
    /// The user identity associations made from this AE send (PS3.7 D.3.3.7): type 1 username,
    /// 2 username and `passcode`, 3 Kerberos ticket, 4 SAML assertion, 5 JWT (`primary` the token);
    /// `positive_response` asks the acceptor to answer (Association's user_identity_response). 0 clears it.
    void set_user_identity(uint32_t type, const std::string &primary, const std::string &passcode = "",
                           bool positive_response = false) {
        $self->set_user_identity(type, primary, passcode, positive_response);
    }
    /// TLS (PS3.15 Annex B) for the associations and servers made from this AE afterwards: PEM
    /// files of our certificate and key (a server needs them; "" for none) and the trusted CAs;
    /// profile 0 Non-Downgrading BCP 195 (default), 1 BCP 195, 2 Extended BCP 195; peer 0 require
    /// a certificate (default), 1 verify if presented, 2 ignore; check_host_name: as SCU the
    /// server's certificate must name the host. The files are read now (InvalidArgument on a bad one).
    void set_tls(const std::string &certificate, const std::string &private_key, const std::string &ca_file,
                 const std::string &ca_folder = "", const std::string &crl_file = "", uint32_t profile = 0,
                 uint32_t peer = 0, bool check_host_name = true, const std::string &private_key_password = "") {
        dk::TlsSettings s;
        s.certificate_file = certificate;
        s.private_key_file = private_key;
        s.private_key_password = private_key_password;
        s.ca_file = ca_file;
        s.ca_folder = ca_folder;
        s.crl_file = crl_file;
        s.profile = static_cast<dk_tls_profile>(profile);
        s.peer = static_cast<dk_tls_peer>(peer);
        s.check_host_name = check_host_name;
        $self->set_tls(s);
    }
    /// Plain TCP again.
    void clear_tls() { $self->clear_tls(); }
    /// As a TLS server: only a peer whose certificate matches `identity` ("sha256:…", "dns:…",
    /// "uri:…", "cn:…" or a name) may call as `calling_ae`; others are rejected.
    void bind_certificate(const std::string &calling_ae, const std::string &identity) {
        $self->bind_certificate(calling_ae, identity);
    }
    }
};

/// The final status and sub-operation counts of a C-MOVE or C-GET (read-only).
%nodefaultctor RetrieveResult;
struct RetrieveResult {
    uint16_t status;     ///< 0x0000 Success, 0xB000 some sub-operations failed, 0xFE00 Cancel, 0xA7xx/0xA9xx/0xCxxx failures
    uint16_t completed;  ///< sub-operations completed
    uint16_t failed;     ///< sub-operations failed
    uint16_t warning;    ///< sub-operations with a warning
    int32_t remaining;   ///< -1 when the response does not say
    bool cancelled;      ///< a C-CANCEL-RQ was sent
    uint32_t stored;     ///< C-GET: instances received into the folder
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
    /// The acceptor's user identity response ("" when none).
    std::string user_identity_response() { return $self->user_identity_response(); }
    /// C-STORE of a Part 10 file; the peer's status.
    int store_file(const std::string &path) { return $self->store_file(path); }
    /// C-STORE of a dataset in memory; the peer's status.
    int store_dataset(const dk::Dataset &ds) { return $self->store_dataset(ds); }
    /// C-FIND collecting the matches (Find()/find() build the language's list from it).
    dcmkit_swig::FindMatches *collect_matches(const dk::Dataset &identifier, const std::string &sop_class) {
        return new dcmkit_swig::FindMatches($self->find_all(identifier, sop_class));
    }
    /// C-MOVE of what `identifier` selects (Query/Retrieve Level and unique keys) to
    /// `destination_ae`, which the peer must know; `sop_class` "" = Study Root.
    dk::RetrieveResult move(const std::string &destination_ae, const dk::Dataset &identifier,
                            const std::string &sop_class = "") {
        return $self->move(destination_ae, identifier, {}, sop_class);
    }
    /// C-GET of what `identifier` selects into `folder` (which must exist) as <SOP Instance UID>.dcm;
    /// the AE needs add_get_storage(). `sop_class` "" = Study Root.
    dk::RetrieveResult get(const dk::Dataset &identifier, const std::string &folder, const std::string &sop_class = "") {
        return $self->get(identifier, folder, {}, sop_class);
    }
    /// N-CREATE of an instance of `sop_class` (`instance_uid` "" = the performer chooses);
    /// `attributes` may be null. The AE needs the SOP class (add_sop_class).
    dcmkit_swig::NResult *n_create(const std::string &sop_class, const std::string &instance_uid,
                                   const dk::Dataset *attributes) {
        return new dcmkit_swig::NResult($self->n_create(sop_class, instance_uid, attributes));
    }
    /// N-SET of `instance_uid` with `modifications`.
    dcmkit_swig::NResult *n_set(const std::string &sop_class, const std::string &instance_uid,
                                const dk::Dataset &modifications) {
        return new dcmkit_swig::NResult($self->n_set(sop_class, instance_uid, modifications));
    }
    /// N-ACTION `action_type` on `instance_uid`; `information` may be null.
    dcmkit_swig::NResult *n_action(const std::string &sop_class, const std::string &instance_uid,
                                   uint16_t action_type, const dk::Dataset *information) {
        return new dcmkit_swig::NResult($self->n_action(sop_class, instance_uid, action_type, information));
    }
    void release() { $self->release(); }
    void abort() { $self->abort(); }
    }
};

%newobject DicomDir::record_dataset;

/// A DICOMDIR's record tree (dk_dicomdir). Records are numbered 0 to Size() - 1, depth first; -1
/// stands for the root directory entity (the parent of the top-level records). Dispose()/close()
/// frees it.
class DicomDir {
public:
    DicomDir(const std::string &path);
    ~DicomDir();

    %extend {
    std::string fileset_id() { return $self->fileset_id(); }
    /// The number of records.
    int64_t size() { return int64_t($self->size()); }
    /// The number of records below `record` (-1: the top-level records).
    int64_t child_count(int64_t record) {
        return int64_t($self->children(record < 0 ? dk::DicomDir::root : size_t(record)).size());
    }
    /// The `index`-th record below `record` (-1: the top level).
    int64_t child(int64_t record, int64_t index) {
        const std::vector<size_t> c = $self->children(record < 0 ? dk::DicomDir::root : size_t(record));
        if (index < 0 || size_t(index) >= c.size())
            dk::throw_error(DK_EINVAL, "no record " + std::to_string(index) + " below this one");
        return int64_t(c[size_t(index)]);
    }
    /// The record above `record` (-1 for a top-level record).
    int64_t parent(int64_t record) {
        const size_t p = $self->parent(size_t(record));
        return p == dk::DicomDir::root ? -1 : int64_t(p);
    }
    /// "PATIENT", "STUDY", "SERIES", "IMAGE", "SR DOCUMENT"…
    std::string record_type(int64_t record) { return $self->type(size_t(record)); }
    bool in_use(int64_t record) { return $self->in_use(size_t(record)); }
    /// The record's keys, a dataset of its own.
    dk::Dataset *record_dataset(int64_t record) { return new dk::Dataset($self->dataset(size_t(record))); }
    /// The path of the referenced file (NotFound when the record references none).
    std::string file_path(int64_t record) { return $self->file_path(size_t(record)); }

    /// Writes ROOT/DICOMDIR for every Part 10 file under `root`; returns the instances added.
    static int64_t create(const std::string &root, const std::string &fileset_id = "", bool map_nonconforming = true) {
        dk::DicomDirOptions o;
        o.fileset_id = fileset_id;
        o.map_nonconforming = map_nonconforming;
        return int64_t(dk::DicomDir::create(root, o).added);
    }
    /// Adds a file (or the files under a folder) below the DICOMDIR's folder; returns the instances added.
    static int64_t add(const std::string &dicomdir, const std::string &path) {
        return int64_t(dk::DicomDir::add(dicomdir, {path}).added);
    }
    }
};

}  // namespace dk

// ---------------------------------------------------------------------------------------------
// Servers whose handlers are C# or Java code (swig_server.hpp): ServerHandler is a director class.
//
// Threads: handlers run on the native server's worker threads. Mono attaches such a thread on its
// first call into managed code; SWIG's Java director attaches it to the JVM for each call and
// detaches it afterwards (JNIEnvWrapper), so a worker never keeps the JVM from exiting.
// Exceptions: one thrown by a C# or Java handler becomes a C++ exception in the director method,
// which dcmkit_swig::Server remembers (LastHandlerError) and dk::Server turns into the request's
// failure (association rejected, 0x0110 for C-ECHO and DIMSE-N, 0xA700 for C-STORE, 0xC000 for
// C-FIND, C-MOVE and C-GET).
// Lifetime: a Server holds its handler; a started Server is reachable from a static set until
// Stop()/stop() or Dispose()/close(), so neither it nor its handler is collected while workers may
// call the handler.
// ---------------------------------------------------------------------------------------------
%feature("director") dcmkit_swig::ServerHandler;
%nodefaultctor dcmkit_swig::AssocInfo;
%nodefaultctor dcmkit_swig::StoreInfo;
%nodefaultctor dcmkit_swig::FindInfo;
%nodefaultctor dcmkit_swig::FindResponder;
%feature("valuewrapper") dcmkit_swig::FindResponder;  // no default constructor (SWIG cannot see it is hidden)
%nodefaultctor dcmkit_swig::FindMatches;
%newobject dcmkit_swig::FindMatches::take;
%nodefaultctor dcmkit_swig::RetrieveInfo;
%nodefaultctor dcmkit_swig::RetrievePlan;
%feature("valuewrapper") dcmkit_swig::RetrievePlan;
%nodefaultctor dcmkit_swig::NInfo;
// NInfo's message constants, compile-time constants: C# NInfo.NCreate, Java NInfo.N_CREATE.
#if defined(SWIGCSHARP)
%csconst(1) dcmkit_swig::NInfo::N_EVENT_REPORT;
%csconst(1) dcmkit_swig::NInfo::N_GET;
%csconst(1) dcmkit_swig::NInfo::N_SET;
%csconst(1) dcmkit_swig::NInfo::N_ACTION;
%csconst(1) dcmkit_swig::NInfo::N_CREATE;
%csconst(1) dcmkit_swig::NInfo::N_DELETE;
%rename(NEventReport) dcmkit_swig::NInfo::N_EVENT_REPORT;
%rename(NGet) dcmkit_swig::NInfo::N_GET;
%rename(NSet) dcmkit_swig::NInfo::N_SET;
%rename(NAction) dcmkit_swig::NInfo::N_ACTION;
%rename(NCreate) dcmkit_swig::NInfo::N_CREATE;
%rename(NDelete) dcmkit_swig::NInfo::N_DELETE;
#elif defined(SWIGJAVA)
%javaconst(1) dcmkit_swig::NInfo::N_EVENT_REPORT;
%javaconst(1) dcmkit_swig::NInfo::N_GET;
%javaconst(1) dcmkit_swig::NInfo::N_SET;
%javaconst(1) dcmkit_swig::NInfo::N_ACTION;
%javaconst(1) dcmkit_swig::NInfo::N_CREATE;
%javaconst(1) dcmkit_swig::NInfo::N_DELETE;
%rename(N_EVENT_REPORT) dcmkit_swig::NInfo::N_EVENT_REPORT;
%rename(N_GET) dcmkit_swig::NInfo::N_GET;
%rename(N_SET) dcmkit_swig::NInfo::N_SET;
%rename(N_ACTION) dcmkit_swig::NInfo::N_ACTION;
%rename(N_CREATE) dcmkit_swig::NInfo::N_CREATE;
%rename(N_DELETE) dcmkit_swig::NInfo::N_DELETE;
#endif
%nodefaultctor dcmkit_swig::NReply;
%feature("valuewrapper") dcmkit_swig::NReply;
%nodefaultctor dcmkit_swig::NResult;
%newobject dcmkit_swig::NResult::take_dataset;
// The archive (swig_archive.hpp): ArchiveHandler is a director class too; an Archive keeps its
// handler and is rooted while started, as a Server is.
%feature("director") dcmkit_swig::ArchiveHandler;
%nodefaultctor dcmkit_swig::StoredInstance;
%nodefaultctor dcmkit_swig::ArchiveCounters;

#if defined(SWIGCSHARP)

// A C# exception must not unwind through the native frames that called the delegate: the director
// delegates (csdirectorout below) run the handler under dcmkitPINVOKE.GuardHandler, which catches
// it and reports its text here; the C++ director method then throws (directorout below).
%{
namespace dcmkit_swig {
thread_local bool handler_failed = false;
thread_local std::string handler_failure;
inline void rethrow_handler_failure() {
    if (!handler_failed) return;
    handler_failed = false;
    throw std::runtime_error(std::move(handler_failure));
}
}  // namespace dcmkit_swig
extern "C" SWIGEXPORT void SWIGSTDCALL DcmkitHandlerFailed(const char *message) {
    dcmkit_swig::handler_failed = true;
    dcmkit_swig::handler_failure = message ? message : "handler failed";
}
%}
%typemap(csdirectorout) int, bool "dcmkitPINVOKE.GuardHandler(() => $cscall)"
%typemap(directorout) int %{ $result = ($1_ltype)$input; dcmkit_swig::rethrow_handler_failure(); %}
%typemap(directorout) bool %{ $result = $input ? true : false; dcmkit_swig::rethrow_handler_failure(); %}

// The identifier handed to OnFind is the handler's own copy (a C# object may outlive the call).
%typemap(directorin) const dk::Dataset &identifier %{ $input = (void *)new dk::Dataset($1.clone()); %}
%typemap(csdirectorin) const dk::Dataset &identifier "new Dataset($iminput, true)"
// The request's dataset handed to OnNRequest: the handler's own copy, or null when it has none.
%typemap(directorin) const dk::Dataset *dataset %{ $input = $1 ? (void *)new dk::Dataset($1->clone()) : 0; %}
%typemap(csdirectorin) const dk::Dataset *dataset "($iminput == global::System.IntPtr.Zero ? null : new Dataset($iminput, true))"

// Server: keeps its handler, is rooted while started, and Dispose() stops it before letting go.
%typemap(csconstruct, excode=SWIGEXCODE) dcmkit_swig::Server %{: this($imcall, true) {$excode
    handlerRef = handler;
  }%}
%rename(StartNative) dcmkit_swig::Server::start;
%rename(StopNative) dcmkit_swig::Server::stop;
%csmethodmodifiers dcmkit_swig::Server::start "internal";
%csmethodmodifiers dcmkit_swig::Server::stop "internal";
%typemap(cscode) dcmkit_swig::Server %{
  private ServerHandler handlerRef;  // called by the native server: lives as long as this object
  private static readonly global::System.Collections.Generic.HashSet<Server> running =
      new global::System.Collections.Generic.HashSet<Server>();

  /// Binds `address` ("" = every address) and `port` (0 = a free one, see Port()) and serves in
  /// the background until Stop() or Dispose().
  public void Start(string address = "", ushort port = 0) {
    StartNative(address, port);
    lock (running) running.Add(this);
  }
  /// Stops accepting, lets running associations finish for up to `graceMs`, interrupts the rest and
  /// waits for the workers (so no handler runs once it returns). Idempotent.
  public void Stop(int graceMs = 10000) {
    StopNative(graceMs);
    lock (running) running.Remove(this);
  }
%}
%typemap(csdisposing, methodname="Dispose", methodmodifiers="protected", parameters="bool disposing") dcmkit_swig::Server {
    lock(this) {
      if (swigCPtr.Handle != global::System.IntPtr.Zero) {
        if (swigCMemOwn) {
          swigCMemOwn = false;
          $imcall;  // stops the server: no handler runs past this line
        }
        swigCPtr = new global::System.Runtime.InteropServices.HandleRef(null, global::System.IntPtr.Zero);
      }
      lock (running) running.Remove(this);
      handlerRef = null;
    }
  }
%typemap(csclassmodifiers) dcmkit_swig::FindMatches "internal class"

// Archive: as Server above.
%typemap(csconstruct, excode=SWIGEXCODE) dcmkit_swig::Archive %{: this($imcall, true) {$excode
    handlerRef = handler;
  }%}
%rename(StartNative) dcmkit_swig::Archive::start;
%rename(StopNative) dcmkit_swig::Archive::stop;
%csmethodmodifiers dcmkit_swig::Archive::start "internal";
%csmethodmodifiers dcmkit_swig::Archive::stop "internal";
%typemap(cscode) dcmkit_swig::Archive %{
  private ArchiveHandler handlerRef;  // called by the native archive: lives as long as this object
  private static readonly global::System.Collections.Generic.HashSet<Archive> running =
      new global::System.Collections.Generic.HashSet<Archive>();

  /// Binds `address` and `port` ("" and 0: the configured ones; a free port when none, see Port())
  /// and serves in the background until Stop() or Dispose().
  public void Start(string address = "", ushort port = 0) {
    StartNative(address, port);
    lock (running) running.Add(this);
  }
  /// Stops accepting, lets running associations finish for up to `graceMs`, interrupts the rest and
  /// waits for the workers (so no handler runs once it returns). Idempotent.
  public void Stop(int graceMs = 10000) {
    StopNative(graceMs);
    lock (running) running.Remove(this);
  }
%}
%typemap(csdisposing, methodname="Dispose", methodmodifiers="protected", parameters="bool disposing") dcmkit_swig::Archive {
    lock(this) {
      if (swigCPtr.Handle != global::System.IntPtr.Zero) {
        if (swigCMemOwn) {
          swigCMemOwn = false;
          $imcall;  // stops the archive: no handler runs past this line
        }
        swigCPtr = new global::System.Runtime.InteropServices.HandleRef(null, global::System.IntPtr.Zero);
      }
      lock (running) running.Remove(this);
      handlerRef = null;
    }
  }

#elif defined(SWIGJAVA)

// A Java exception pending after a handler's upcall becomes a Swig::DirectorException (which clears
// it and keeps its class name and message) thrown from the director method.
%feature("director:except") %{
  jthrowable $error = jenv->ExceptionOccurred();
  if ($error) Swig::DirectorException::raise(jenv, $error);
%}
// Handlers may throw any exception (DicomException from the dataset calls, IOException…).
%define DCMKIT_JAVA_HANDLER(METHOD)
%javaexception("java.lang.Exception") dcmkit_swig::ServerHandler::METHOD %{
    try {
        $action
    } catch (const dk::Error &e) {
        dcmkit_throw(jenv, dcmkit_swig::class_name(e), int(e.code()), e.kind(), e.what());
        return $null;
    } catch (const std::exception &e) {
        SWIG_JavaThrowException(jenv, SWIG_JavaRuntimeException, e.what());
        return $null;
    }
%}
%enddef
DCMKIT_JAVA_HANDLER(on_associate)
DCMKIT_JAVA_HANDLER(on_echo)
DCMKIT_JAVA_HANDLER(on_store)
DCMKIT_JAVA_HANDLER(on_find)
DCMKIT_JAVA_HANDLER(on_move)
DCMKIT_JAVA_HANDLER(on_get)
DCMKIT_JAVA_HANDLER(on_n_request)
%nojavaexception dcmkit_swig::ServerHandler::~ServerHandler;
%nojavaexception dcmkit_swig::Server::~Server;
%nojavaexception dcmkit_swig::FindMatches::~FindMatches;
%nojavaexception dcmkit_swig::FindResponder::~FindResponder;
%nojavaexception dcmkit_swig::AssocInfo::~AssocInfo;
%nojavaexception dcmkit_swig::StoreInfo::~StoreInfo;
%nojavaexception dcmkit_swig::FindInfo::~FindInfo;
%nojavaexception dcmkit_swig::RetrieveInfo::~RetrieveInfo;
%nojavaexception dcmkit_swig::RetrievePlan::~RetrievePlan;
%nojavaexception dcmkit_swig::NInfo::~NInfo;
%nojavaexception dcmkit_swig::NReply::~NReply;
%nojavaexception dcmkit_swig::NResult::~NResult;
// Getters of plain copies and the handler's constructor cannot fail: no checked exception.
%nojavaexception dcmkit_swig::ServerHandler::ServerHandler;
%nojavaexception dcmkit_swig::FindResponder::cancelled;
%nojavaexception dcmkit_swig::AssocInfo::calling_ae;
%nojavaexception dcmkit_swig::AssocInfo::called_ae;
%nojavaexception dcmkit_swig::AssocInfo::peer_address;
%nojavaexception dcmkit_swig::AssocInfo::identity_type;
%nojavaexception dcmkit_swig::AssocInfo::identity;
%nojavaexception dcmkit_swig::AssocInfo::passcode;
%nojavaexception dcmkit_swig::AssocInfo::identity_positive_response;
%nojavaexception dcmkit_swig::AssocInfo::tls_protocol;
%nojavaexception dcmkit_swig::AssocInfo::tls_subject;
%nojavaexception dcmkit_swig::AssocInfo::tls_fingerprint;
%nojavaexception dcmkit_swig::StoreInfo::sop_class_uid;
%nojavaexception dcmkit_swig::StoreInfo::sop_instance_uid;
%nojavaexception dcmkit_swig::StoreInfo::transfer_syntax;
%nojavaexception dcmkit_swig::StoreInfo::path;
%nojavaexception dcmkit_swig::StoreInfo::in_storage_folder;
%nojavaexception dcmkit_swig::FindInfo::sop_class_uid;
%nojavaexception dcmkit_swig::FindInfo::level;
%nojavaexception dcmkit_swig::RetrieveInfo::sop_class_uid;
%nojavaexception dcmkit_swig::RetrieveInfo::level;
%nojavaexception dcmkit_swig::RetrieveInfo::move_destination;
%nojavaexception dcmkit_swig::RetrievePlan::file_count;
%nojavaexception dcmkit_swig::NInfo::message;
%nojavaexception dcmkit_swig::NInfo::sop_class_uid;
%nojavaexception dcmkit_swig::NInfo::sop_instance_uid;
%nojavaexception dcmkit_swig::NInfo::type_id;
%nojavaexception dcmkit_swig::NInfo::attribute_count;
%nojavaexception dcmkit_swig::NResult::status;
%nojavaexception dcmkit_swig::NResult::action_type;
%nojavaexception dcmkit_swig::NResult::sop_instance_uid;
%nojavaexception dcmkit_swig::NResult::error_comment;
%nojavaexception dcmkit_swig::NResult::has_dataset;
%nojavaexception dcmkit_swig::NResult::take_dataset;
%nojavaexception dcmkit_swig::Server::last_handler_error;

// The identifier handed to onFind is the handler's own copy (a Java object may outlive the call).
%typemap(directorin, descriptor="L$packagepath/$javaclassname;") const dk::Dataset &identifier
  %{ *(dk::Dataset **)&$input = new dk::Dataset($1.clone()); %}
%typemap(javadirectorin) const dk::Dataset &identifier "new $javaclassname($jniinput, true)"
// The request's dataset handed to onNRequest: the handler's own copy, or null when it has none.
%typemap(directorin, descriptor="L$packagepath/$javaclassname;") const dk::Dataset *dataset
  %{ *(dk::Dataset **)&$input = $1 ? new dk::Dataset($1->clone()) : 0; %}
%typemap(javadirectorin) const dk::Dataset *dataset "($jniinput == 0 ? null : new $javaclassname($jniinput, true))"

// Server: keeps its handler, is rooted while started, and close()/delete() stop it before letting go.
%typemap(javaconstruct) dcmkit_swig::Server {
    this($imcall, true);
    handlerRef = handler;
  }
%rename(startNative) dcmkit_swig::Server::start;
%rename(stopNative) dcmkit_swig::Server::stop;
%javamethodmodifiers dcmkit_swig::Server::start "private";
%javamethodmodifiers dcmkit_swig::Server::stop "private";
%typemap(javainterfaces) dcmkit_swig::Server "AutoCloseable"
%typemap(javacode) dcmkit_swig::Server %{
  private ServerHandler handlerRef;  // called by the native server: lives as long as this object
  private static final java.util.Set<Server> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Binds {@code address} ("" = every address) and {@code port} (0 = a free one, see port()) and
   *  serves in the background until stop() or close(). */
  public void start(String address, int port) throws DicomException {
    startNative(address, port);
    RUNNING.add(this);
  }
  public void start(String address) throws DicomException { start(address, 0); }
  /** Stops accepting, lets running associations finish for up to {@code graceMs}, interrupts the
   *  rest and waits for the workers (so no handler runs once it returns). Idempotent. */
  public void stop(int graceMs) throws DicomException {
    stopNative(graceMs);
    RUNNING.remove(this);
  }
  public void stop() throws DicomException { stop(10000); }
  /** Stops the server and releases it (same as delete()). */
  @Override
  public void close() { delete(); }
%}
%typemap(javadestruct, methodname="delete", methodmodifiers="public synchronized", parameters="") dcmkit_swig::Server {
    if (swigCPtr != 0) {
      if (swigCMemOwn) {
        swigCMemOwn = false;
        $jnicall;  // stops the server: no handler runs past this line
      }
      swigCPtr = 0;
    }
    RUNNING.remove(this);
    handlerRef = null;
  }
%typemap(javaclassmodifiers) dcmkit_swig::FindMatches "class"
DCMKIT_CLOSEABLE(dcmkit_swig::FindMatches)
DCMKIT_CLOSEABLE(dcmkit_swig::NResult)

// Archive: as Server above.
%javaexception("java.lang.Exception") dcmkit_swig::ArchiveHandler::on_stored %{
    try {
        $action
    } catch (const dk::Error &e) {
        dcmkit_throw(jenv, dcmkit_swig::class_name(e), int(e.code()), e.kind(), e.what());
        return $null;
    } catch (const std::exception &e) {
        SWIG_JavaThrowException(jenv, SWIG_JavaRuntimeException, e.what());
        return $null;
    }
%}
%nojavaexception dcmkit_swig::ArchiveHandler::~ArchiveHandler;
%nojavaexception dcmkit_swig::ArchiveHandler::ArchiveHandler;
%nojavaexception dcmkit_swig::Archive::~Archive;
%nojavaexception dcmkit_swig::StoredInstance::~StoredInstance;
%nojavaexception dcmkit_swig::ArchiveCounters::~ArchiveCounters;
%nojavaexception dcmkit_swig::StoredInstance::sop_class_uid;
%nojavaexception dcmkit_swig::StoredInstance::sop_instance_uid;
%nojavaexception dcmkit_swig::StoredInstance::path;
%nojavaexception dcmkit_swig::StoredInstance::transfer_syntax;
%nojavaexception dcmkit_swig::StoredInstance::calling_ae;
%nojavaexception dcmkit_swig::ArchiveCounters::instances_stored;
%nojavaexception dcmkit_swig::ArchiveCounters::stores_refused;
%nojavaexception dcmkit_swig::ArchiveCounters::associations_served;
%nojavaexception dcmkit_swig::ArchiveCounters::active_associations;
%nojavaexception dcmkit_swig::ArchiveCounters::instances_recovered;
%nojavaexception dcmkit_swig::ArchiveCounters::files_quarantined;
%nojavaexception dcmkit_swig::ArchiveCounters::instances_held;
%nojavaexception dcmkit_swig::ArchiveCounters::patient_conflicts;
%typemap(javaconstruct) dcmkit_swig::Archive {
    this($imcall, true);
    handlerRef = handler;
  }
%rename(startNative) dcmkit_swig::Archive::start;
%rename(stopNative) dcmkit_swig::Archive::stop;
%javamethodmodifiers dcmkit_swig::Archive::start "private";
%javamethodmodifiers dcmkit_swig::Archive::stop "private";
%typemap(javainterfaces) dcmkit_swig::Archive "AutoCloseable"
%typemap(javacode) dcmkit_swig::Archive %{
  private ArchiveHandler handlerRef;  // called by the native archive: lives as long as this object
  private static final java.util.Set<Archive> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Binds {@code address} and {@code port} ("" and 0: the configured ones; a free port when none,
   *  see port()) and serves in the background until stop() or close(). */
  public void start(String address, int port) throws DicomException {
    startNative(address, port);
    RUNNING.add(this);
  }
  public void start() throws DicomException { start("", 0); }
  /** Stops accepting, lets running associations finish for up to {@code graceMs}, interrupts the
   *  rest and waits for the workers (so no handler runs once it returns). Idempotent. */
  public void stop(int graceMs) throws DicomException {
    stopNative(graceMs);
    RUNNING.remove(this);
  }
  public void stop() throws DicomException { stop(10000); }
  /** Stops the archive and releases it (same as delete()). */
  @Override
  public void close() { delete(); }
%}
%typemap(javadestruct, methodname="delete", methodmodifiers="public synchronized", parameters="") dcmkit_swig::Archive {
    if (swigCPtr != 0) {
      if (swigCMemOwn) {
        swigCMemOwn = false;
        $jnicall;  // stops the archive: no handler runs past this line
      }
      swigCPtr = 0;
    }
    RUNNING.remove(this);
    handlerRef = null;
  }

#endif

%immutable;
%include "swig_server.hpp"
%include "swig_archive.hpp"
%mutable;

// The DICOMweb client (swig_web.hpp): Result() hands over a new dataset; Java: AutoCloseable.
%newobject dcmkit_swig::WebClient::result;
#if defined(SWIGJAVA)
DCMKIT_CLOSEABLE(dcmkit_swig::WebClient)
%nojavaexception dcmkit_swig::WebClient::~WebClient;
#endif
%include "swig_web.hpp"

#if defined(SWIGCSHARP)
%typemap(csdirectorout) int, bool "$cscall"
#endif

// DeidResult (below): read-only, and neither its getters nor its destructor can fail.
%immutable dcmkit_swig::DeidResult::patient_pseudonym;
%immutable dcmkit_swig::DeidResult::date_offset_days;
%immutable dcmkit_swig::DeidResult::burned_in_flagged;
%immutable dcmkit_swig::DeidResult::uids_remapped;
%immutable dcmkit_swig::DeidResult::removed;
#if defined(SWIGJAVA)
%nojavaexception dcmkit_swig::DeidResult::patient_pseudonym;
%nojavaexception dcmkit_swig::DeidResult::date_offset_days;
%nojavaexception dcmkit_swig::DeidResult::burned_in_flagged;
%nojavaexception dcmkit_swig::DeidResult::uids_remapped;
%nojavaexception dcmkit_swig::DeidResult::removed;
%nojavaexception dcmkit_swig::DeidResult::DeidResult;
%nojavaexception dcmkit_swig::DeidResult::~DeidResult;
#endif

// DeidFilesReport (below): made only by deidentify_files; count() cannot fail, the accessors with an
// index can (out of range).
%nodefaultctor dcmkit_swig::DeidFilesReport;
%feature("valuewrapper") dcmkit_swig::DeidFilesReport;  // no default constructor
#if defined(SWIGJAVA)
%nojavaexception dcmkit_swig::DeidFilesReport::count;
%nojavaexception dcmkit_swig::DeidFilesReport::~DeidFilesReport;
#endif

// MediaExportReport (below): made only by export_media_report; its counts, the lists' sizes and its
// paths cannot fail, the accessors with an index can (out of range); media_options is the glue's own.
%nodefaultctor dcmkit_swig::MediaExportReport;
%feature("valuewrapper") dcmkit_swig::MediaExportReport;  // no default constructor
%ignore dcmkit_swig::media_options;
#if defined(SWIGJAVA)
%nojavaexception dcmkit_swig::MediaExportReport::exported;
%nojavaexception dcmkit_swig::MediaExportReport::patients;
%nojavaexception dcmkit_swig::MediaExportReport::studies;
%nojavaexception dcmkit_swig::MediaExportReport::series;
%nojavaexception dcmkit_swig::MediaExportReport::file_count;
%nojavaexception dcmkit_swig::MediaExportReport::skipped_count;
%nojavaexception dcmkit_swig::MediaExportReport::refused_count;
%nojavaexception dcmkit_swig::MediaExportReport::warning_count;
%nojavaexception dcmkit_swig::MediaExportReport::dicomdir;
%nojavaexception dcmkit_swig::MediaExportReport::iso;
%nojavaexception dcmkit_swig::MediaExportReport::~MediaExportReport;
#endif

// -- free functions --
%inline %{
namespace dcmkit_swig {
/// The library's version ("1.0.0").
inline std::string version() { return dk::version(); }
/// The tag of a keyword ("PatientName" → 0x00100010).
inline uint32_t tag_of(const std::string &keyword) { return dk::tag(keyword).value; }
/// The keyword of a tag ("" when unknown).
inline std::string keyword_of(uint32_t tag) { return dk::keyword(tag); }
/// A new UID under 2.25.
inline std::string generate_uid() { return dk::generate_uid(); }
/// What the decoders tolerated in this thread's last decode_frame, read_frame or transcode (a
/// bitstream DCMTK and GDCM also decode with a warning): "frame N: …" lines; "" when nothing.
inline std::string last_warnings() { return dk::last_warnings(); }
/// Sends one HL7 v2 message (segments ended by "\r") over MLLP to host:port and returns the reply,
/// the acknowledgement, without its framing (dk_hl7_send; `dcmkit hl7 send` as a call).
inline std::string hl7_send(const std::string &host, int port, const std::string &message, int timeout_ms = 30000) {
    if (port < 1 || port > 65535) dk::throw_error(DK_EINVAL, "port " + std::to_string(port) + " is not 1 to 65535");
    return dk::hl7_send(host, uint16_t(port), message, timeout_ms);
}
/// The keyword of private data element `tag` in the block of `creator` from the vendors' private
/// dictionary ("CSAImageHeaderInfo"), "" when unknown.
inline std::string private_keyword_of(const std::string &creator, uint32_t tag) {
    dk::PrivateTagInfo info;
    return dk::find_private_tag(creator, tag, info) ? info.keyword : std::string();
}
/// Its VR ("OB"), "" when unknown.
inline std::string private_vr_of(const std::string &creator, uint32_t tag) {
    dk::PrivateTagInfo info;
    return dk::find_private_tag(creator, tag, info) ? info.vr : std::string();
}
/// The short name of a dk_result code ("truncated"; "unknown result code" for one this library
/// does not know), as an exception's Kind.
inline std::string result_name(int code) { return dk_result_name(dk_result(code)); }
/// Throws the exception of a dk_result error code (DcmKit.ParseException for DK_ETRUNCATED…): the
/// binding's classes follow the C++ wrapper's dk::error_class, the one mapping from codes to classes.
inline void throw_error(int code, const std::string &message) { dk::throw_error(dk_result(code), message); }

/// What deidentify did.
struct DeidResult {
    std::string patient_pseudonym;  ///< the new Patient ID and Patient's Name
    int date_offset_days = 0;       ///< days added to dates (modified-dates), else 0
    bool burned_in_flagged = false; ///< burned-in text is likely (burned_in "flag")
    unsigned uids_remapped = 0, removed = 0;
};
/// De-identifies `ds` in place (PS3.15 Annex E) with the key read from `key_file` (raw bytes, at
/// least 16): `retain` and `clean` are comma-separated option lists and `burned_in` is "refuse",
/// "flag" or "ignore", as `dcmkit deidentify` spells them. Throws UnsupportedException when the
/// pixels likely hold burned-in text and burned_in is "refuse" (ds unchanged).
inline DeidResult deidentify(dk::Dataset &ds, const std::string &key_file, const std::string &retain = "",
                             const std::string &clean = "", const std::string &burned_in = "refuse") {
    dk::DeidOptions o;
    o.key = dk::read_key_file(key_file);
    dk::parse_deid_options(o, retain, clean, burned_in);
    const dk::DeidReport r = dk::deidentify(ds, o);
    DeidResult out;
    out.patient_pseudonym = r.patient_pseudonym;
    out.date_offset_days = r.date_offset_days;
    out.burned_in_flagged = r.burned_in_flagged;
    out.uids_remapped = r.uids_remapped;
    out.removed = r.removed;
    return out;
}
/// The UID `uid` becomes under the key in `key_file` (as deidentify maps it).
inline std::string deid_uid(const std::string &key_file, const std::string &uid) {
    return dk::deid_uid(dk::read_key_file(key_file), uid);
}
/// What deidentify_files did, one entry per input in input order (read-only). An index out of
/// range throws InvalidArgument.
class DeidFilesReport {
public:
    int64_t count() const { return int64_t(r_.size()); }
    std::string input(int64_t i) const { return at(i).input; }
    /// The file written ("" unless written).
    std::string output(int64_t i) const { return at(i).output; }
    /// "written", "skipped" (not DICOM), "refused" (burned-in text likely) or "failed".
    std::string status(int64_t i) const {
        switch (at(i).status) {
        case DK_DEID_FILE_WRITTEN: return "written";
        case DK_DEID_FILE_SKIPPED: return "skipped";
        case DK_DEID_FILE_REFUSED: return "refused";
        default: return "failed";
        }
    }
    /// Why it was skipped, refused or failed ("" when written).
    std::string message(int64_t i) const { return at(i).message; }
    bool burned_in_flagged(int64_t i) const { return at(i).burned_in_flagged; }
#ifndef SWIG
    explicit DeidFilesReport(std::vector<dk::DeidFileResult> r) : r_(std::move(r)) {}
#endif

private:
    const dk::DeidFileResult &at(int64_t i) const {
        if (i < 0 || uint64_t(i) >= r_.size())
            dk::throw_error(DK_EINVAL, "index " + std::to_string(i) + " is out of range (" + std::to_string(r_.size()) +
                                           " files)");
        return r_[size_t(i)];
    }
    std::vector<dk::DeidFileResult> r_;
};
/// De-identifies files (`inputs`: one path per line, '\n'; not folders) into the folder `output` as
/// `dcmkit deidentify` does, `jobs` at once on threads (0 = the hardware threads), with the key in
/// `key_file` (`retain`, `clean`, `burned_in` as for deidentify). Per-file failures are in the
/// report; throws InvalidArgument for a bad key or options, Io when the folder cannot be made.
inline DeidFilesReport deidentify_files(const std::string &inputs, const std::string &output,
                                        const std::string &key_file, const std::string &retain = "",
                                        const std::string &clean = "", const std::string &burned_in = "refuse",
                                        int32_t jobs = 0, bool fsync = true) {
    std::vector<std::string> files;
    size_t b = 0;
    while (b < inputs.size()) {
        size_t e = inputs.find('\n', b);
        if (e == std::string::npos) e = inputs.size();
        if (e > b) files.push_back(inputs.substr(b, e - b));
        b = e + 1;
    }
    dk::DeidOptions o;
    o.key = dk::read_key_file(key_file);
    dk::parse_deid_options(o, retain, clean, burned_in);
    dk::DeidFilesOptions f;
    f.output = output;
    f.jobs = jobs > 0 ? unsigned(jobs) : 0u;
    f.fsync = fsync;
    return DeidFilesReport(dk::deidentify_files(files, o, f));
}
/// The options of export_media and export_media_report (lists of one entry per line, '\n').
inline dk::MediaExportOptions media_options(const std::string &output, const std::string &inputs,
                                            const std::string &patients, const std::string &studies,
                                            const std::string &key_file, const std::string &retain,
                                            const std::string &clean, const std::string &burned_in,
                                            const std::string &iso, const std::string &volume_label,
                                            const std::string &fileset_id, const std::string &archive) {
    auto lines = [](const std::string &text) {
        std::vector<std::string> out;
        size_t b = 0;
        while (b < text.size()) {
            size_t e = text.find('\n', b);
            if (e == std::string::npos) e = text.size();
            if (e > b) out.push_back(text.substr(b, e - b));
            b = e + 1;
        }
        return out;
    };
    dk::MediaExportOptions o;
    o.output = output;
    o.inputs = lines(inputs);
    o.patient_ids = lines(patients);
    o.study_uids = lines(studies);
    o.archive_storage = archive;
    if (!key_file.empty()) {
        dk::DeidOptions d;
        d.key = dk::read_key_file(key_file);
        dk::parse_deid_options(d, retain, clean, burned_in);
        o.deidentify = d;
    }
    o.iso_path = iso;
    o.volume_label = volume_label;
    o.fileset_id = fileset_id;
    return o;
}
/// Exports to the media folder `output` (new or empty): DICOM/Pnnnnnnn/…/Innnnnnn and its DICOMDIR.
/// `inputs` (files and folders), `patients` (Patient IDs) and `studies` (Study Instance UIDs) are
/// lists with one entry per line ('\n'); `archive` an archive's storage folder; with `key_file` each
/// instance is de-identified (`retain`, `clean`, `burned_in` as for deidentify); with `iso` an ISO
/// image is written too (xorriso on PATH). Returns the instances written. Throws the typed exceptions
/// (InvalidArgument for a folder that is not empty, NotFound for a patient that selects nothing…).
inline int64_t export_media(const std::string &output, const std::string &inputs, const std::string &patients = "",
                            const std::string &studies = "", const std::string &key_file = "",
                            const std::string &retain = "", const std::string &clean = "",
                            const std::string &burned_in = "refuse", const std::string &iso = "",
                            const std::string &volume_label = "", const std::string &fileset_id = "",
                            const std::string &archive = "") {
    return int64_t(dk::export_media(media_options(output, inputs, patients, studies, key_file, retain, clean, burned_in,
                                                  iso, volume_label, fileset_id, archive))
                       .exported);
}
/// What export_media_report did, file by file (read-only). An index out of range throws
/// InvalidArgument.
class MediaExportReport {
public:
    int64_t exported() const { return int64_t(r_.counts.exported); }
    int64_t patients() const { return int64_t(r_.counts.patients); }
    int64_t studies() const { return int64_t(r_.counts.studies); }
    int64_t series() const { return int64_t(r_.counts.series); }
    /// The instances exported, in order: the source file and the File ID written ("DICOM/P0000001/…").
    int64_t file_count() const { return int64_t(r_.files.size()); }
    std::string file_source(int64_t i) const { return at(r_.files, i).path; }
    std::string file_id(int64_t i) const { return at(r_.files, i).detail; }
    /// The inputs left out (not Part 10 DICOM, unreadable), and why.
    int64_t skipped_count() const { return int64_t(r_.skipped.size()); }
    std::string skipped_path(int64_t i) const { return at(r_.skipped, i).path; }
    std::string skipped_reason(int64_t i) const { return at(r_.skipped, i).detail; }
    /// The instances the de-identification refused (burned-in text likely), and its reason.
    int64_t refused_count() const { return int64_t(r_.refused.size()); }
    std::string refused_path(int64_t i) const { return at(r_.refused, i).path; }
    std::string refused_reason(int64_t i) const { return at(r_.refused, i).detail; }
    int64_t warning_count() const { return int64_t(r_.warnings.size()); }
    std::string warning(int64_t i) const { return at(r_.warnings, i); }
    /// The DICOMDIR written, and the ISO image ("" when none was asked for).
    std::string dicomdir() const { return r_.dicomdir; }
    std::string iso() const { return r_.iso; }
#ifndef SWIG
    explicit MediaExportReport(dk::MediaExportReport r) : r_(std::move(r)) {}
#endif

private:
    template <typename T>
    static const T &at(const std::vector<T> &v, int64_t i) {
        if (i < 0 || uint64_t(i) >= v.size())
            dk::throw_error(DK_EINVAL, "index " + std::to_string(i) + " is out of range (" + std::to_string(v.size()) +
                                           " entries)");
        return v[size_t(i)];
    }
    dk::MediaExportReport r_;
};
/// Exports as export_media (same arguments, same exceptions) and says what happened to each file.
inline MediaExportReport export_media_report(const std::string &output, const std::string &inputs,
                                             const std::string &patients = "", const std::string &studies = "",
                                             const std::string &key_file = "", const std::string &retain = "",
                                             const std::string &clean = "", const std::string &burned_in = "refuse",
                                             const std::string &iso = "", const std::string &volume_label = "",
                                             const std::string &fileset_id = "", const std::string &archive = "") {
    return MediaExportReport(dk::export_media_report(media_options(output, inputs, patients, studies, key_file, retain,
                                                                   clean, burned_in, iso, volume_label, fileset_id,
                                                                   archive)));
}
}  // namespace dcmkit_swig
%}
