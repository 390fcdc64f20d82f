/* dcmkit — the stable C ABI: versions, result codes, errors.
 *
 * Conventions (each function's comment documents its parameters and results in these terms):
 *  - every fallible call returns a dk_result; DK_OK (0) on success, a negative code on failure, and
 *    then dk_last_error() describes the failure (per thread, never NULL, owned by the library);
 *  - parameter order: the results first (out-parameters, `@param[out]`; a buffer with its `size_t
 *    *size` counts as one result), then the object the call works on, then its inputs, then a
 *    callback and its `void *user_data` last;
 *  - a `**out` handle is the caller's to free with its dk_*_free; on failure *out is set to NULL
 *    (when `out` itself is not NULL); other out-parameters say what they hold on failure;
 *  - a `const char **` result is a borrowed string: static, or owned by the object it came from (the
 *    comment says which and how long it lives); never free it;
 *  - a NULL handle or pointer argument gives DK_EINVAL (unless its comment says it may be NULL);
 *  - strings are UTF-8 and NUL-terminated;
 *  - buffers the caller passes come with their size in/out: on DK_EBUFS the size is set to what is
 *    needed (NUL included for strings), on success to what was written (NUL included); a NULL buffer
 *    with a size of 0 asks for the size (DK_EBUFS), a NULL buffer with another size is DK_EINVAL;
 *  - option structs start with a `version` field: initialise them with their _INIT macro or
 *    dk_*_options_init() so that fields added later get defaults. A version of 0 or one newer than
 *    the loaded library knows gives DK_EINVAL;
 *  - any call may also give DK_ENOMEM (out of memory) and DK_EINTERNAL (a bug): the comments do not
 *    repeat them. */
#ifndef DCMKIT_DK_COMMON_H
#define DCMKIT_DK_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(DCMKIT_BUILDING)
#    define DK_API __declspec(dllexport)
#  else
#    define DK_API __declspec(dllimport)
#  endif
#else
#  define DK_API __attribute__((visibility("default")))
#endif
#define DK_EXTERN(type) DK_API type

/* DK_DEPRECATED("use dk_x instead") marks a call that a later major removes: it keeps working, and
 * its symbol stays, for the rest of this major; the compiler warns at each use (define
 * DK_NO_DEPRECATION_WARNINGS to silence that). */
#if defined(DK_NO_DEPRECATION_WARNINGS)
#  define DK_DEPRECATED(message)
#elif defined(__GNUC__) || defined(__clang__)
#  define DK_DEPRECATED(message) __attribute__((deprecated(message)))
#elif defined(_MSC_VER)
#  define DK_DEPRECATED(message) __declspec(deprecated(message))
#else
#  define DK_DEPRECATED(message)
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define DK_VERSION_MAJOR 1
#define DK_VERSION_MINOR 0
#define DK_VERSION_PATCH 0
/** major * 10000 + minor * 100 + patch, as dk_version_number() returns for the loaded library. */
#define DK_VERSION_NUMBER (DK_VERSION_MAJOR * 10000 + DK_VERSION_MINOR * 100 + DK_VERSION_PATCH)
#define DK_VERSION_STRING "1.0.0"

/** Result codes. Bindings map each to an exception type. */
typedef enum dk_result {
    DK_OK = 0,
    DK_EINVAL = -1,        /**< an argument is invalid (NULL handle, bad tag, bad option version) */
    DK_ENOTFOUND = -2,     /**< no such element, keyword, UID, item or file */
    DK_EIO = -3,           /**< the operating system refused a read or write (disk full, permissions) */
    DK_ENOTDICOM = -4,     /**< the input is not DICOM */
    DK_ETRUNCATED = -5,    /**< the input ends before a structure it promises */
    DK_EBADLENGTH = -6,    /**< a length runs past its container or is not a multiple of the value size */
    DK_EBADVR = -7,        /**< an invalid VR in the input */
    DK_ETOODEEP = -8,      /**< sequences nest deeper than allowed */
    DK_EMALFORMED = -9,    /**< another structural error in the input */
    DK_EUNSUPPORTED = -10, /**< valid but not supported by this build */
    DK_ECHARSET = -11,     /**< text cannot be converted to or from the character set */
    DK_EBADVALUE = -12,    /**< a value does not parse as its VR, or has the wrong type for the call */
    DK_ENETWORK = -13,     /**< a connection failed or was closed */
    DK_ETIMEOUT = -14,     /**< a timer expired */
    DK_EREJECTED = -15,    /**< the association was rejected */
    DK_EABORTED = -16,     /**< the association was aborted */
    DK_EPROTOCOL = -17,    /**< the peer broke the protocol */
    DK_EREFUSED = -18,     /**< the peer refused a request */
    DK_EBUFS = -19,        /**< the output buffer is too small; its size argument now holds the size needed */
    DK_ENOMEM = -20,       /**< out of memory */
    DK_EINTERNAL = -21     /**< a bug in dcmkit: please report it with the message */
} dk_result;

/** Version of the loaded library, "1.0.0"; compare with DK_VERSION_STRING.
 *
 *  @return a static string, never NULL; never fails */
DK_EXTERN(const char *) dk_version(void);
/** DK_VERSION_NUMBER of the loaded library.
 *
 *  @return major * 10000 + minor * 100 + patch; never fails */
DK_EXTERN(uint32_t) dk_version_number(void);

/** Message of the last failed call on this thread ("" if none), e.g. "truncated: item length in
 *  (0008,1115) at byte 812". Never NULL; valid until the next dcmkit call on this thread. A
 *  successful call leaves it as it was: the return code, not the message, says whether a call failed.
 *
 *  @return the message, owned by the library (per thread); never NULL; never fails */
DK_EXTERN(const char *) dk_last_error(void);
/** Byte offset in the input (file, memory or JSON text) where the last failure on this thread was
 *  found, or -1 when it has none.
 *
 *  @return the offset in bytes from the start of the input, or -1; never fails */
DK_EXTERN(int64_t) dk_last_error_offset(void);
/** Short name of a result code ("truncated"). Never NULL.
 *
 *  @param result  any value: DK_OK gives "ok", a value that is no dk_result "unknown result code"
 *  @return a static string; never fails */
DK_EXTERN(const char *) dk_result_name(dk_result result);

/** A tag as 0xGGGGEEEE. */
#define DK_TAG(group, element) ((uint32_t)(((uint32_t)(group) << 16) | (uint32_t)(element)))

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_COMMON_H */
