// dcmkit services — sending one file or dataset by C-STORE: the Storage SCU (services.cpp) and the
// C-MOVE / C-GET sub-operations of the Query/Retrieve SCP (query.cpp) share it. Compressed pixel
// data is re-encoded for a peer through the installed pixel transcoder (dcmkit/transcoder.h).
#include "store_send.h"

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/net/dimse.h"
#include "dcmkit/transcoder.h"
#include "dcmkit/uid.h"

namespace dcmkit::net {

std::string uid_value(const Dataset &ds, Tag t) {
    const Element *e = ds.find(t);
    return e ? std::string(trim_value(e->value.str(), VR::UI)) : std::string();
}

/// Sends C-STORE-RQ and its dataset (PS3.7 9.1.1); returns the message ID to await.
uint16_t send_store(Association &assoc, const PresentationContext &pc, const std::string &sop_class,
                           const std::string &sop_instance, uint16_t priority,
                           const std::function<uint64_t()> &send_data, StoreResult &r,
                           const std::string &originator_ae, int originator_id) {
    r.sop_class_uid = sop_class;
    r.sop_instance_uid = sop_instance;
    r.transfer_syntax = pc.transfer_syntax;
    const uint16_t id = assoc.next_message_id();
    Dataset cmd = dimse::request(dimse::C_STORE_RQ, id, sop_class, true);
    cmd.set_string(dimse::tag::AffectedSOPInstanceUID, sop_instance, VR::UI);
    cmd.set_int(dimse::tag::Priority, priority, VR::US);
    if (!originator_ae.empty()) {
        cmd.set_string(dimse::tag::MoveOriginatorApplicationEntityTitle, originator_ae, VR::AE);
        cmd.set_int(dimse::tag::MoveOriginatorMessageID, originator_id, VR::US);
    }
    assoc.send_command(pc.id, std::move(cmd));
    r.bytes = send_data();
    return id;
}

/// The accepted context to send `sop_class` in: the one for `ts` itself, else an uncompressed one
/// (compressed pixel data is decoded on the way), else a lossless compressed one we can encode.
/// Nothing is ever lossy compressed on the way.
const PresentationContext *choose_context(Association &assoc, const std::string &sop_class,
                                                 const std::string &ts) {
    if (const PresentationContext *pc = assoc.find_accepted(sop_class, ts)) return pc;
    if (!can_decode_pixels(ts)) return nullptr;
    for (const auto &u : uncompressed_transfer_syntaxes())
        if (const PresentationContext *pc = assoc.find_accepted(sop_class, u)) return pc;
    for (const std::string &lossless : lossless_encodable_syntaxes())
        if (const PresentationContext *pc = assoc.find_accepted(sop_class, lossless)) return pc;
    return nullptr;
}

/// The dataset re-encoded for `pc` when its pixel data must change form (compressed <-> native).
const Dataset &for_context(DicomFile &file, const PresentationContext &pc) {
    const TransferSyntax from = file.syntax(), to = TransferSyntax::from_uid(pc.transfer_syntax);
    if (from.encapsulated || to.encapsulated) transcode_pixels(file, pc.transfer_syntax);
    return file.dataset;
}

FileHead read_file_head(const std::string &path) {
    ReadOptions opt;
    opt.stop_before_pixels = true;
    DicomFile head = read_file(path, opt);
    FileHead f;
    f.path = path;
    f.sop_class = uid_value(head.dataset, tags::SOPClassUID);
    f.sop_instance = uid_value(head.dataset, tags::SOPInstanceUID);
    f.transfer_syntax = head.transfer_syntax;
    f.offset = head.dataset_offset;
    f.size = head.meta.source() ? head.meta.source()->size() - head.dataset_offset : 0;
    return f;
}

FileHead memory_head(std::shared_ptr<const DicomFile> instance) {
    FileHead f;
    f.sop_class = uid_value(instance->dataset, tags::SOPClassUID);
    f.sop_instance = uid_value(instance->dataset, tags::SOPInstanceUID);
    f.transfer_syntax = instance->transfer_syntax;
    f.instance = std::move(instance);
    return f;
}

uint16_t begin_store(Association &assoc, const FileHead &f, uint16_t priority, StoreResult &r,
                     const std::string &originator_ae, int originator_id) {
    if (f.sop_class.empty() || f.sop_instance.empty())
        throw Error(Errc::bad_value, "'" + f.label() + "' has no SOP Class UID or SOP Instance UID");
    const PresentationContext *pc = choose_context(assoc, f.sop_class, f.transfer_syntax);
    if (!pc)
        throw Error(Errc::refused, "no accepted presentation context can carry " +
                                       std::string(uid_find(f.sop_class) ? uid_find(f.sop_class)->name() : f.sop_class.c_str()) +
                                       " in " + std::string(TransferSyntax::from_uid(f.transfer_syntax).name) + " ('" +
                                       f.label() + "')");
    if (f.instance && pc->transfer_syntax == f.transfer_syntax) {
        const Dataset &ds = f.instance->dataset;
        return send_store(assoc, *pc, f.sop_class, f.sop_instance, priority, [&] {
            assoc.send_dataset(pc->id, ds);
            return encoded_size(ds, TransferSyntax::from_uid(pc->transfer_syntax));
        }, r, originator_ae, originator_id);
    }
    if (pc->transfer_syntax == f.transfer_syntax && f.size) {
        // Straight from the file, a PDU at a time: no decode, no re-encode, flat memory.
        return send_store(assoc, *pc, f.sop_class, f.sop_instance, priority, [&] {
            assoc.send_dataset_file(pc->id, f.path, f.offset, f.size);
            return f.size;
        }, r, originator_ae, originator_id);
    }
    DicomFile full = f.instance ? *f.instance : read_file(f.path);
    r.transcoded = pc->transfer_syntax != f.transfer_syntax;
    const Dataset &ds = for_context(full, *pc);
    return send_store(assoc, *pc, f.sop_class, f.sop_instance, priority, [&] {
        assoc.send_dataset(pc->id, ds);
        return encoded_size(ds, TransferSyntax::from_uid(pc->transfer_syntax));
    }, r, originator_ae, originator_id);
}

}  // namespace dcmkit::net
