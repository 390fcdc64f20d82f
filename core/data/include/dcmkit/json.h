// dcmkit — the DICOM JSON Model (PS3.18 Annex F): writing a dataset as JSON and reading it back.
//
// Writing (to_json)
//   - one JSON object keyed by the 8 uppercase hex digits of each tag, in tag order (F.2.2); group
//     length elements (gggg,0000) are left out (F.2.2);
//   - "vr", then at most one of "Value", "InlineBinary", "BulkDataURI"; an empty element has none of
//     them, an empty value inside a multi-valued element is `null`, an empty item is `{}` (F.2.5);
//   - text is decoded to UTF-8 with the Specific Character Set in force (the dataset's, or the one an
//     item inherits); (0008,0005) itself is written unchanged: it records the source encoding, not
//     the JSON's, which is always UTF-8 (F.2.2 Note 3);
//   - PN values are objects with "Alphabetic", "Ideographic", "Phonetic" members, empty groups left
//     out (F.2.2);
//   - AT values are "GGGGEEEE" strings (F.2.3);
//   - DS and IS values that are already valid JSON numbers are written as JSON numbers, verbatim, so no
//     digit is lost; any other text (e.g. "+1.5", ".5", "007", an IS "1.5", a DS longer than the 16
//     characters PS3.5 allows) is written as a JSON string, which F.2.3 allows "to preserve the
//     original format";
//   - US, SS, UL, SL, FL, FD are JSON numbers; UV and SV are numbers when |v| <= 2^53 and decimal
//     strings beyond, where a double would lose digits (F.2.3 note); FL/FD values are written with the
//     fewest digits that read back to the same float/double. JSON has no NaN or infinity: such
//     values are written as the strings "NaN", "Infinity", "-Infinity" (a dcmkit extension, read back);
//   - OB, OD, OF, OL, OV, OW and UN values are "InlineBinary" base64 of the little endian Value Field
//     (F.2.7), or a "BulkDataURI" from the `bulk_uri` callback when they are larger than
//     `bulk_data_threshold` (F.2.6). Encapsulated pixel data is written as its Value Field exactly as
//     PS3.5 A.4 encodes it: an item (FFFE,E000) per fragment, Basic Offset Table first, then the
//     Sequence Delimitation Item.
//
// Reading (from_json)
//   - a strict RFC 8259 parser: invalid UTF-8, lone surrogates, control characters in strings, bad
//     numbers, trailing commas, duplicate keys, unknown members, values of the wrong JSON type,
//     nesting deeper than `max_depth` sequences all throw dcmkit::Error with the byte offset in the
//     JSON text: truncated (the text ends too early), malformed (JSON syntax or DICOM JSON structure),
//     bad_vr, bad_value (a value that does not fit its VR), too_deep. A top-level array holding
//     exactly one object (F.2.1) is accepted too;
//   - character set: when the JSON has a (0008,0005), text is re-encoded into that character set, so
//     a dataset written by to_json reads back byte for byte (F.2.2 Note 3: it "may be used to
//     reconstruct the source binary DICOM encoding"). When it has none and some text is not ASCII, the
//     result gets (0008,0005) = "ISO_IR 192" (the JSON is UTF-8, F.2). When some text cannot be
//     represented in the given character set (or the set is unknown), every (0008,0005) is replaced by
//     "ISO_IR 192" and all text is stored as UTF-8, so no character is lost;
//   - numbers are kept exactly: a DS or IS read from a JSON number keeps the number's text (a DS
//     longer than the 16 characters PS3.5 allows is reformatted; an IS must be an integer); a DS or IS
//     given as a JSON string is kept as written; binary integers are range-checked for their VR; UV
//     and SV accept numbers and decimal strings;
//   - text values are stored as given and padded to even length as PS3.5 7.1 pads them; a value
//     holding '\' (the DICOM delimiter, F.2.4), a PN group holding '=', or several values for LT, ST,
//     UT or UR throw bad_value. A PN value may also be a plain string in the PS3.5 form
//     ("Yamada^Tarou==Phonetic^Name"), as some servers write it;
//   - "InlineBinary" is also accepted as an array of one string (as the example of PS3.18 F.4 writes
//     it); an "InlineBinary" or "BulkDataURI" of Pixel Data (7FE0,0010) whose bytes are a complete
//     PS3.5 A.4 item sequence becomes encapsulated pixel data (fragments);
//   - "BulkDataURI" values are resolved through `bulk_loader`; for LT, ST, UC and UT the bytes are
//     UTF-8 text (F.2.2 Note 4) and are re-encoded like any other text;
//   - group length elements are ignored (F.2.2: they "shall not be included").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/dataset.h"

namespace dcmkit {

struct JsonWriteOptions {
    bool pretty = false;  ///< indent with 2 spaces
    /// Binary values (OB, OD, OF, OL, OV, OW, UN, and encapsulated pixel data) larger than this many bytes
    /// are written as BulkDataURI through `bulk_uri` (when set); otherwise InlineBinary (base64).
    size_t bulk_data_threshold = SIZE_MAX;
    /// Returns the URI for a bulk value; `path` holds the tags of the enclosing sequences, outermost
    /// first. Returning an empty string writes the value inline instead.
    std::function<std::string(const Element &, const std::vector<Tag> &path)> bulk_uri;
};

struct JsonReadOptions {
    /// Resolves a BulkDataURI to bytes. Default (empty): "file:" URIs and plain paths are read from disk,
    /// other schemes throw Error(unsupported). A "file:" URI may carry "?offset=N&length=M" to read a
    /// byte range of the file.
    std::function<Bytes(std::string_view uri, Tag tag, VR vr)> bulk_loader;
    /// Deepest sequence nesting accepted (at most 256, whatever is asked: recursion is bounded).
    unsigned max_depth = 64;
};

/// Writes `ds` as a DICOM JSON Model object (PS3.18 F.2). Throws Error(bad_length) for a value of
/// US, SS, UL, SL, UV, SV, FL, FD or AT whose length is not a multiple of its value size, and
/// Error(too_deep) for sequences nested more than 256 levels deep.
std::string to_json(const Dataset &ds, const JsonWriteOptions &opt = {});

/// Reads a DICOM JSON Model object. Throws Error(truncated / malformed / bad_vr / bad_value / too_deep)
/// with the byte offset in the JSON text and the tag involved; errors of the bulk loader
/// (unsupported, not_found, io…) are rethrown with the offset of the BulkDataURI.
Dataset from_json(std::string_view json, const JsonReadOptions &opt = {});

}  // namespace dcmkit
