// dcmkit — a text dump of a dataset in the layout DCMTK's dcmdump users know.
#pragma once

#include <string>

#include "dcmkit/file.h"

namespace dcmkit {

struct DumpOptions {
    /// Longest value text printed before it is cut with "..." (0: print everything).
    size_t max_value_chars = 64;
    /// Print the meta information header.
    bool meta = true;
    /// The transfer syntax the dataset is encoded in, for the lengths of explicit-length sequences
    /// and items (dump() sets it from the file).
    std::string transfer_syntax = "1.2.840.10008.1.2.1";
};

/// Appends one line per element: tag, VR, value, length, VM and keyword; items indented.
void dump(std::string &out, const DicomFile &file, const DumpOptions &options = {});
void dump_dataset(std::string &out, const Dataset &ds, const DumpOptions &options = {}, int indent = 0);

/// The value of one element as text: strings decoded to UTF-8 (without brackets), numbers and
/// binary values joined with '\' (binary as hex), AT as (gggg,eeee).
std::string value_text(const Dataset &ds, const Element &e, size_t max_chars = 0);

}  // namespace dcmkit
