// dcmkit — DICOM Part 10 files and raw datasets: reading and writing.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"

namespace dcmkit {

/// What the reader accepted although the file breaks the standard (DicomFile::warning_flags).
enum ReadWarning : uint32_t {
    /// The dataset is not encoded in the transfer syntax the meta information names (explicit VR
    /// declared, implicit VR found, or the reverse): it was read in the encoding found.
    kWarnSyntaxMismatch = 1u << 0,
    /// Elements encoded as UN whose VR the dictionary (public or private) knows were re-read with
    /// that VR (PS3.5 6.2.2); ReadOptions::keep_un keeps them UN.
    kWarnUnRetyped = 1u << 1,
};

/// A Part 10 file (or a raw dataset): the File Meta Information, the dataset and how it was encoded.
struct DicomFile {
    Dataset meta;                 ///< group 0002 (empty for a raw dataset without meta)
    Dataset dataset;
    std::string transfer_syntax;  ///< UID the dataset is encoded in (read) or should be written in
    bool has_preamble = true;     ///< a 128-byte preamble and "DICM" were (or will be) present
    std::array<uint8_t, 128> preamble{};
    /// Byte offset of the dataset in the source (after the meta, before inflation for deflate).
    uint64_t dataset_offset = 0;
    /// ReadWarning bits of what the reader accepted with a warning (0 for a conforming file).
    uint32_t warning_flags = 0;
    /// One message per warning, for a person ("the meta information says … : read as …").
    std::vector<std::string> warnings;

    TransferSyntax syntax() const { return TransferSyntax::from_uid(transfer_syntax); }
};

struct ReadOptions {
    /// Stop at the first element whose tag is >= (7FE0,0010) … or any of the pixel data tags;
    /// neither they nor later elements are read.
    bool stop_before_pixels = false;
    /// Borrow values from a memory map of the file instead of copying them: a 2 GB file opens in
    /// a few MB, and pixel data is only paged in when a frame is used.
    bool map_file = true;
    /// Deepest sequence nesting accepted (PS3.5 sets no limit; hostile files would).
    unsigned max_depth = 64;
    /// When the input has no meta information: infer the transfer syntax from the first element
    /// (true), or require `transfer_syntax` below.
    bool infer_transfer_syntax = true;
    /// Force a transfer syntax for a raw dataset (empty: infer).
    std::string transfer_syntax;
    /// Maximum bytes an inflated (deflate) dataset may expand to; guards against deflate bombs.
    uint64_t max_inflated_size = uint64_t(4) << 30;
    /// Keep elements encoded as UN as UN bytes. By default an element encoded as UN whose VR the
    /// dictionary knows (the public one, or the private one through its block's Private Creator)
    /// is re-read with that VR, its value being implicit VR little endian (PS3.5 6.2.2), as pydicom
    /// does; a UN of undefined length is always read as the sequence it holds.
    bool keep_un = false;
};

/// Reads a Part 10 file, or a raw dataset (no preamble, no meta) whose transfer syntax is inferred.
/// Throws Error with code, message and byte offset on bad input.
DicomFile read_file(const std::string &path, const ReadOptions &options = {});
/// Reads from memory. The bytes are copied unless `borrow` is true, in which case they must outlive
/// every dataset read from them.
DicomFile read_memory(const uint8_t *data, size_t size, const ReadOptions &options = {}, bool borrow = false);
/// Reads from a source (the shared building block of the two above).
DicomFile read_source(std::shared_ptr<const Source> source, const ReadOptions &options = {});
/// Reads a dataset (no meta) encoded in `transfer_syntax` from `data` (used by the network layer).
Dataset read_dataset(std::shared_ptr<const Source> source, const std::string &transfer_syntax,
                     const ReadOptions &options = {});

struct WriteOptions {
    /// Transfer syntax for the dataset; empty keeps DicomFile::transfer_syntax.
    std::string transfer_syntax;
    /// Write the 128-byte preamble, "DICM" and group 0002 (Part 10). false writes a bare dataset.
    bool part10 = true;
    /// Write through a temporary file in the same folder, fsync, then rename: a reader never sees a
    /// partial file, and a crash leaves the old file intact.
    bool atomic = true;
    /// fsync the file (and its folder after the rename) before returning.
    bool fsync = true;
    /// zlib level for deflated syntaxes (1-9; -1 = zlib's default).
    int deflate_level = -1;
};

/// Where the writer sends bytes: a file, a buffer, a socket.
class Sink {
public:
    virtual ~Sink() = default;
    virtual void write(const uint8_t *data, size_t size) = 0;
};

/// Fills in the meta information for writing `file` as `transfer_syntax`: group length, version,
/// media storage SOP class/instance from the dataset, transfer syntax and (when the dataset is
/// re-encoded, or no meta was read) our implementation class UID and version name.
Dataset make_meta(const DicomFile &file, const std::string &transfer_syntax);

/// Writes the preamble, "DICM" and the meta information (make_meta) of `file` for a dataset
/// that follows in `transfer_syntax` (used to stream a received dataset straight into a file).
void write_part10_header(Sink &sink, const DicomFile &file, const std::string &transfer_syntax);

/// Writes a Part 10 file. Throws Error(io) on any write failure (disk full included) and leaves no
/// partial file behind.
void write_file(const std::string &path, const DicomFile &file, const WriteOptions &options = {});
/// Encodes into memory.
std::vector<uint8_t> write_memory(const DicomFile &file, const WriteOptions &options = {});
/// Encodes a dataset (no meta) in `transfer_syntax` to a sink (deflate included).
void write_dataset(Sink &sink, const Dataset &dataset, const std::string &transfer_syntax, int deflate_level = -1);
/// Encoded size of a dataset in a non-deflated transfer syntax, without encoding it.
uint64_t encoded_size(const Dataset &dataset, const TransferSyntax &ts);
/// Length of an element's value field as the writer encodes it (an explicit-length sequence's
/// length, say), without encoding it.
uint64_t encoded_value_length(const Element &element, const TransferSyntax &ts);

/// Our implementation identity (PS3.7 D.3.3.2), written into the meta of files we encode.
extern const char *const kImplementationClassUID;
extern const char *const kImplementationVersionName;

}  // namespace dcmkit
