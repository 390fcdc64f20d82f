// dcmkit — sending one file or dataset by C-STORE (internal, store_send.cpp): the Storage SCU and the C-MOVE / C-GET
// sub-operations of the Query/Retrieve SCP use the same code.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dcmkit/net/association.h"
#include "dcmkit/services/services.h"

namespace dcmkit::net {

/// The UID value of `t` (trailing padding removed), or "" when absent.
std::string uid_value(const Dataset &ds, Tag t);

/// Sends C-STORE-RQ and its dataset (`send_data` returns the bytes it sent; PS3.7 9.1.1); returns
/// the message ID to await. `originator_ae` non-empty adds the Move Originator fields.
uint16_t send_store(Association &assoc, const PresentationContext &pc, const std::string &sop_class,
                    const std::string &sop_instance, uint16_t priority, const std::function<uint64_t()> &send_data,
                    StoreResult &r, const std::string &originator_ae = {}, int originator_id = 0);

/// The accepted context to send `sop_class` in: the one for `ts` itself, else an uncompressed one
/// (compressed pixel data is decoded on the way), else a lossless compressed one the installed
/// transcoder can encode. Nothing is ever lossy compressed on the way; nullptr when none fits.
const PresentationContext *choose_context(Association &assoc, const std::string &sop_class, const std::string &ts);

/// The dataset of `file` re-encoded for `pc` when its pixel data must change form (compressed <->
/// native). Throws Error(unsupported) when that needs codecs this build lacks.
const Dataset &for_context(DicomFile &file, const PresentationContext &pc);

/// What sending a file needs from its header (read up to the pixel data), or an instance in memory.
struct FileHead {
    std::string path, sop_class, sop_instance, transfer_syntax;
    uint64_t offset = 0;  ///< where the dataset starts in the file
    uint64_t size = 0;    ///< its encoded size; 0 when it cannot be sent straight from the file
    std::shared_ptr<const DicomFile> instance;  ///< set: the instance is in memory (no path)

    /// The path, or "instance <SOP Instance UID>" for one in memory: for messages.
    std::string label() const { return instance ? "instance " + sop_instance : path; }
};

/// The head of an instance held in memory.
FileHead memory_head(std::shared_ptr<const DicomFile> instance);

/// Reads a file's header. Throws Error (parse, io) when the file cannot be read; missing UIDs are
/// left empty, for begin_store to refuse.
FileHead read_file_head(const std::string &path);

/// Starts the C-STORE of a file: sends the C-STORE-RQ and its dataset and returns the Message ID,
/// leaving the response to the caller. The dataset goes straight from the file, a PDU at a time,
/// when its transfer syntax was accepted (flat memory); else it is re-encoded for an accepted
/// uncompressed context, or a lossless compressed one we can encode — never lossy on the way.
/// `originator_ae` non-empty adds the Move Originator fields (a C-MOVE sub-operation, PS3.7
/// 9.3.1.1). Throws Error(refused) when no context can carry it, before anything is sent.
uint16_t begin_store(Association &assoc, const FileHead &file, uint16_t priority, StoreResult &r,
                     const std::string &originator_ae = {}, int originator_id = 0);

}  // namespace dcmkit::net
