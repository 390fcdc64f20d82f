// Part 10 and raw dataset reader (PS3.10 7, PS3.5 7).
#ifdef DCMKIT_HAVE_ZLIB
#include <zlib.h>
#endif

#include <cstring>
#include <string>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"

namespace dcmkit {

namespace {

constexpr uint32_t kUndefined = 0xFFFFFFFFu;

struct Header {
    Tag tag;
    VR vr;
    uint32_t length;
    size_t start;  // offset of the element's first byte
};

/// Walks a byte range with every length checked against what remains (the style of dicom-rs'
/// PDU reader): a hostile length never causes an allocation or a read past the end.
class Parser {
public:
    Parser(std::shared_ptr<const Source> src, const uint8_t *base, size_t size, bool explicit_vr, bool big_endian,
           const ReadOptions &opt, const char *where)
        : src_(std::move(src)), base_(base), size_(size), explicit_(explicit_vr), big_(big_endian), opt_(opt),
          where_(where) {}

    size_t pos = 0;

    /// Parses elements into `ds` until `end` (a defined length) or, when `until_delimiter`, until an
    /// Item Delimitation Item. depth 0 is the top-level dataset.
    void parse_dataset(Dataset &ds, size_t end, bool until_delimiter, unsigned depth) {
        if (depth > opt_.max_depth)
            fail(Errc::too_deep, "sequences nest deeper than " + std::to_string(opt_.max_depth) + " levels", pos);
        for (;;) {
            if (pos >= end) {
                if (until_delimiter) fail(Errc::truncated, "item has no Item Delimitation Item before the end", pos);
                return;
            }
            Header h = read_header(end);
            if (h.tag.group() == 0xFFFE) {
                if (h.tag == tags::ItemDelimitationItem && until_delimiter) return;
                if (depth == 0 && h.tag == tags::SequenceDelimitationItem && h.length == 0) {
                    continue;  // a stray delimiter after the dataset: tolerated, as DCMTK does
                }
                fail(Errc::malformed, "unexpected " + h.tag.str() + " in a dataset", h.start);
            }
            if (depth == 0 && opt_.stop_before_pixels &&
                (h.tag == tags::PixelData || h.tag == tags::FloatPixelData || h.tag == tags::DoubleFloatPixelData)) {
                pos = h.start;
                stopped_ = true;
                return;
            }
            read_value(ds, h, end, depth);
        }
    }

    bool stopped() const { return stopped_; }

    /// Elements encoded as UN that were re-read with their dictionary VR (PS3.5 6.2.2).
    size_t retyped = 0;
    Tag first_retyped{0xFFFFFFFFu};
    VR first_retyped_vr = VR::UN;

    /// Reads group 0002 (always explicit VR little endian, PS3.10 7.1).
    void parse_meta(Dataset &meta) {
        uint64_t meta_end = 0;  // where (0002,0000) says the group ends, when present
        while (pos + 8 <= size_ && load_u16le(base_ + pos) == 0x0002) {
            Header h = read_header(size_);
            if (h.length == kUndefined) fail(Errc::malformed, "undefined length in the meta information", h.start);
            read_value(meta, h, size_, 0);
            if (h.tag == tags::FileMetaInformationGroupLength && h.length == 4)
                meta_end = uint64_t(pos) + load_u32le(base_ + pos - 4);
        }
        // The input ends inside the meta information: what is left is the start of a group 0002
        // element too short for its header, or nothing is left although the group length promised
        // more (PS3.10 7.1). (A few bytes of something else may be a tiny deflate stream.)
        const size_t left = size_ - pos;
        if (left < 8 && ((left > 0 && (left < 2 || load_u16le(base_ + pos) == 0x0002)) || meta_end > size_))
            fail(Errc::truncated, "file ends inside the file meta information", size_);
    }

    [[noreturn]] void fail(Errc code, const std::string &msg, size_t at, Tag tag = Tag(0xFFFFFFFFu)) const {
        std::string m = msg;
        if (where_[0]) m += std::string(" (") + where_ + ")";
        throw Error(code, m, int64_t(at), tag.value);
    }

private:
    uint16_t u16(size_t at) const { return big_ ? load_u16be(base_ + at) : load_u16le(base_ + at); }
    uint32_t u32(size_t at) const { return big_ ? load_u32be(base_ + at) : load_u32le(base_ + at); }

    Header read_header(size_t end) {
        Header h;
        h.start = pos;
        if (end - pos < 8) fail(Errc::truncated, "element header cut short (" + std::to_string(end - pos) + " bytes left)", pos);
        h.tag = Tag(u16(pos), u16(pos + 2));
        if (h.tag.group() == 0xFFFE) {  // items and delimiters: no VR in any syntax (PS3.5 7.5)
            h.vr = VR::None;
            h.length = u32(pos + 4);
            pos += 8;
            return h;
        }
        if (explicit_) {
            h.vr = vr_from_chars(char(base_[pos + 4]), char(base_[pos + 5]));
            if (h.vr == VR::None) {
                char vr[8];
                std::snprintf(vr, sizeof vr, "%02X %02X", base_[pos + 4], base_[pos + 5]);
                fail(Errc::bad_vr, std::string("invalid VR bytes ") + vr, pos + 4, h.tag);
            }
            if (vr_has_long_length(h.vr)) {
                if (end - pos < 12) fail(Errc::truncated, "element header cut short", pos, h.tag);
                h.length = u32(pos + 8);
                pos += 12;
            } else {
                h.length = u16(pos + 6);
                pos += 8;
            }
        } else {
            h.vr = implicit_vr(h.tag);
            h.length = u32(pos + 4);
            pos += 8;
        }
        return h;
    }

    VR implicit_vr(Tag tag) {
        const DictEntry *e = dict_find(tag);
        if (!e || e->vr == VR::None) return VR::UN;
        if (e->vr_alt == VR::None) return e->vr;
        // PS3.5 A.1 (c): "US or SS" follows Pixel Representation; "OB or OW" pixel data is OW.
        // LUT descriptors are the exception: PS3.3 C.11.1.1.1 makes their entry count and bit depth
        // unsigned whatever the pixel representation, so they are read as US.
        if (e->vr == VR::US && e->vr_alt == VR::SS) {
            if (std::strstr(e->keyword(), "LookupTableDescriptor") || std::strcmp(e->keyword(), "LUTDescriptor") == 0)
                return VR::US;
            return pixel_rep_signed_ ? VR::SS : VR::US;
        }
        if (e->vr == VR::OB && e->vr_alt == VR::OW) return VR::OW;
        return e->vr;
    }

    /// The VR the dictionaries give `tag` in `ds` (UN when unknown): the public one, or for a private
    /// data element the private one, keyed by the Private Creator of its block (PS3.5 7.8.1), which
    /// precedes it in the dataset being read.
    VR known_vr(const Dataset &ds, Tag tag) {
        if (!tag.is_private()) return implicit_vr(tag);
        if (tag.element() < 0x1000) return tag.is_private_creator() ? VR::LO : VR::UN;
        const Element *creator = ds.find(Tag(tag.group(), uint16_t(tag.element() >> 8)));
        if (!creator || creator->value.empty()) return VR::UN;
        const PrivateDictEntry *e = private_dict_find(creator->value.str(), tag);
        return (e && e->vr != VR::None) ? e->vr : VR::UN;
    }

    /// How an element that came as UN is read: with `vr`, and when `implicit_le` its value is in
    /// implicit VR little endian whatever the transfer syntax (PS3.5 6.2.2, note 2).
    struct Retype {
        VR vr;
        bool implicit_le;
    };

    /// An element that came as UN: a tag no dictionary typed in implicit VR (a private one is looked
    /// up now that its creator is known), or UN written explicitly, re-read with the VR a dictionary
    /// knows unless keep_un, or unless its value cannot be that VR's: a length that is no multiple
    /// of the VR's value size, or one beyond its 16-bit length in explicit VR (PS3.5 6.2.2 gives
    /// that as a reason for UN; typed, it could not be written back). Out of line: ordinary
    /// elements never come here.
    [[gnu::noinline]] Retype retype(const Dataset &ds, const Header &h, size_t end) {
        const VR vr = known_vr(ds, h.tag);
        if (vr == VR::UN || h.length == kUndefined || h.length > end - pos) return {VR::UN, false};
        const unsigned unit = vr_value_size(vr);
        if (unit > 1 && h.length % unit != 0) return {VR::UN, false};
        if (!explicit_) return {vr, vr == VR::SQ};  // a sequence whose items may not parse: see below
        if (opt_.keep_un || (!vr_has_long_length(vr) && h.length > 0xFFFF)) return {VR::UN, false};
        if (vr != VR::SQ) count_retyped(h.tag, vr);
        return {vr, true};
    }

    void count_retyped(Tag tag, VR vr) {
        if (retyped++ == 0) {
            first_retyped = tag;
            first_retyped_vr = vr;
        }
    }

    /// Parses a value of `length` bytes as the items of an implicit VR little endian sequence; on
    /// failure (not a sequence after all) nothing is read and false is returned: it stays UN.
    [[gnu::noinline]] bool read_implicit_items(Element &el, uint32_t length, unsigned depth, const Dataset &parent) {
        const size_t start = pos;
        const bool saved_explicit = explicit_, saved_big = big_;
        explicit_ = false;
        big_ = false;
        bool ok = true;
        try {
            read_items(el, pos + length, false, depth, parent);
        } catch (const Error &) {
            ok = false;
            pos = start;
            el.items.clear();
        }
        explicit_ = saved_explicit;
        big_ = saved_big;
        if (ok && explicit_) count_retyped(el.tag, VR::SQ);
        return ok;
    }

    void read_value(Dataset &ds, const Header &h, size_t end, unsigned depth) {
        const Retype rt = h.vr == VR::UN ? retype(ds, h, end) : Retype{h.vr, false};
        const VR vr = rt.vr;
        Element el(h.tag, vr);
        if (h.length == kUndefined) {
            el.undefined_length = true;
            if (vr == VR::SQ) {
                read_items(el, end, true, depth, ds);
            } else if (h.tag == tags::PixelData && (vr == VR::OB || vr == VR::OW || vr == VR::UN)) {
                read_fragments(el, end);
                if (el.vr == VR::UN) el.vr = VR::OB;
            } else if (vr == VR::UN || !explicit_) {
                // PS3.5 6.2.2: UN of undefined length holds an implicit VR little endian sequence.
                bool saved_explicit = explicit_, saved_big = big_;
                explicit_ = false;
                big_ = false;
                read_items(el, end, true, depth, ds);
                explicit_ = saved_explicit;
                big_ = saved_big;
                el.vr = VR::SQ;
            } else {
                fail(Errc::malformed, std::string("undefined length for VR ") + vr_name(vr), h.start, h.tag);
            }
        } else {
            if (h.length > end - pos)
                fail(Errc::bad_length,
                     "value length " + std::to_string(h.length) + " runs past the end of " +
                         (depth ? "its item" : "the data") + " (" + std::to_string(end - pos) + " bytes remain)",
                     h.start, h.tag);
            if (vr == VR::SQ && !rt.implicit_le) {
                read_items(el, pos + h.length, false, depth, ds);
            } else if (vr == VR::SQ && read_implicit_items(el, h.length, depth, ds)) {
                // a UN (or an untyped implicit element) holding a sequence
            } else {
                if (vr == VR::SQ) el.vr = VR::UN;  // its items did not parse: the bytes stay UN
                unsigned unit = vr_value_size(el.vr);
                if (unit > 1 && (h.length % unit) != 0)
                    fail(Errc::bad_length,
                         std::string("length ") + std::to_string(h.length) + " is not a multiple of " +
                             std::to_string(unit) + " for VR " + vr_name(el.vr),
                         h.start, h.tag);
                const uint8_t *p = base_ + pos;
                if (big_ && unit > 1 && !rt.implicit_le) {
                    el.value = Bytes(swapped(p, h.length, el.vr == VR::AT ? 2 : unit));
                } else {
                    el.value = Bytes::view(p, h.length);
                }
                pos += h.length;
                if (h.tag == Tag(0x0028, 0x0103) && h.length >= 2)  // Pixel Representation
                    pixel_rep_signed_ = load_u16le(el.value.data()) == 1;
            }
        }
        ds.append(std::move(el));
    }

    static std::vector<uint8_t> swapped(const uint8_t *p, size_t n, unsigned unit) {
        std::vector<uint8_t> out(p, p + n);
        for (size_t i = 0; i + unit <= n; i += unit)
            for (unsigned a = 0, b = unit - 1; a < b; ++a, --b) std::swap(out[i + a], out[i + b]);
        return out;
    }

    void read_items(Element &el, size_t end, bool undefined, unsigned depth, const Dataset &parent) {
        // PS3.5 7.5.1 note: items inherit the enclosing dataset's Specific Character Set.
        const std::string charset = parent.specific_character_set();
        for (;;) {
            if (pos >= end) {
                if (undefined) fail(Errc::truncated, "sequence has no Sequence Delimitation Item before the end", pos, el.tag);
                if (pos > end) fail(Errc::bad_length, "sequence items overrun the sequence length", pos, el.tag);
                return;
            }
            Header h = read_header(end);
            if (h.tag == tags::SequenceDelimitationItem) {
                if (undefined) return;
                fail(Errc::malformed, "Sequence Delimitation Item in a sequence of defined length", h.start, el.tag);
            }
            if (h.tag != tags::Item)
                fail(Errc::malformed, h.tag.str() + " where a sequence item was expected", h.start, el.tag);
            Dataset item;
            item.set_source(src_);
            if (!charset.empty()) item.set_inherited_character_set(charset);
            if (h.length == kUndefined) {
                parse_dataset(item, end, true, depth + 1);
            } else {
                if (h.length > end - pos)
                    fail(Errc::bad_length,
                         "item length " + std::to_string(h.length) + " runs past the end of its sequence (" +
                             std::to_string(end - pos) + " bytes remain)",
                         h.start, el.tag);
                parse_dataset(item, pos + h.length, false, depth + 1);
            }
            el.items.push_back(std::move(item));
        }
    }

    void read_fragments(Element &el, size_t end) {
        // PS3.5 A.4: items of defined length, the first being the Basic Offset Table.
        for (;;) {
            if (end - pos < 8)
                fail(Errc::truncated, "encapsulated pixel data ends before its Sequence Delimitation Item", pos, el.tag);
            Header h = read_header(end);
            if (h.tag == tags::SequenceDelimitationItem) {
                if (el.fragments.empty()) fail(Errc::malformed, "encapsulated pixel data has no Basic Offset Table item", h.start, el.tag);
                return;
            }
            if (h.tag != tags::Item) fail(Errc::malformed, h.tag.str() + " where a pixel data fragment was expected", h.start, el.tag);
            if (h.length == kUndefined) fail(Errc::malformed, "pixel data fragment of undefined length", h.start, el.tag);
            if (h.length > end - pos)
                fail(Errc::bad_length,
                     "fragment length " + std::to_string(h.length) + " runs past the end of the data (" +
                         std::to_string(end - pos) + " bytes remain)",
                     h.start, el.tag);
            el.fragments.push_back(Bytes::view(base_ + pos, h.length));
            pos += h.length;
        }
    }

    std::shared_ptr<const Source> src_;
    const uint8_t *base_;
    size_t size_;
    bool explicit_, big_;
    const ReadOptions &opt_;
    const char *where_;
    bool stopped_ = false;
    bool pixel_rep_signed_ = false;
};

std::string trimmed_uid(const Element *e) {
    if (!e) return {};
    std::string_view v = e->value.str();
    while (!v.empty() && (v.back() == '\0' || v.back() == ' ')) v.remove_suffix(1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return std::string(v);
}

/// Guesses the encoding of a raw dataset from its first element (as DCMTK and pydicom do).
bool infer_syntax(const uint8_t *p, size_t n, std::string &uid) {
    if (n < 8) return false;
    const uint16_t g_le = load_u16le(p), g_be = load_u16be(p);
    const bool big = g_be < g_le;
    const uint16_t group = big ? g_be : g_le;
    // Datasets start with a low group: 0000 (commands), 0002 (meta), 0004 (DICOMDIR), 0008…
    if (group > 0x0028) return false;
    const bool explicit_vr = vr_from_chars(char(p[4]), char(p[5])) != VR::None;
    if (!explicit_vr) {
        if (big) return false;  // implicit VR big endian does not exist
        uint32_t len = load_u32le(p + 4);
        if (len != 0xFFFFFFFFu && len > n - 8) return false;
        // A group length is a UL of 4 bytes (PS3.5 7.2): zero-filled bytes are not a dataset.
        if (load_u16le(p + 2) == 0x0000 && len != 4) return false;
        uid = uids::ImplicitVRLittleEndian;
        return true;
    }
    uid = big ? uids::ExplicitVRBigEndian : uids::ExplicitVRLittleEndian;
    return true;
}

#ifdef DCMKIT_HAVE_ZLIB
std::shared_ptr<const Source> inflate_rest(const uint8_t *p, size_t n, uint64_t limit, size_t offset) {
    // PS3.5 A.5: the dataset after the meta is a raw deflate stream (RFC 1951, no zlib header).
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw Error(Errc::io, "zlib initialisation failed");
    struct End {
        z_stream *z;
        ~End() { inflateEnd(z); }
    } end{&zs};
    constexpr size_t kChunk = size_t(1) << 30;  // zlib counts in uInt
    std::vector<uint8_t> out(size_t(std::min<uint64_t>(std::max<uint64_t>(uint64_t(n) * 4, 65536), limit)));
    size_t consumed = 0, produced = 0;
    for (;;) {
        if (zs.avail_in == 0 && consumed < n) {
            zs.next_in = const_cast<Bytef *>(p + consumed);
            zs.avail_in = uInt(std::min(n - consumed, kChunk));
            consumed += zs.avail_in;
        }
        if (produced == out.size()) {
            if (out.size() >= limit)
                throw Error(Errc::bad_length, "deflated dataset inflates past the limit of " + std::to_string(limit) + " bytes",
                            int64_t(offset));
            out.resize(size_t(std::min<uint64_t>(uint64_t(out.size()) * 2, limit)));
        }
        zs.next_out = out.data() + produced;
        zs.avail_out = uInt(std::min(out.size() - produced, kChunk));
        const int rc = inflate(&zs, Z_NO_FLUSH);
        produced = size_t(zs.next_out - out.data());
        if (rc == Z_STREAM_END) break;
        if (rc == Z_BUF_ERROR && zs.avail_in == 0 && consumed == n)
            throw Error(Errc::truncated, "deflated dataset ends before its deflate stream does", int64_t(offset + n));
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            throw Error(Errc::malformed, std::string("deflate stream: ") + (zs.msg ? zs.msg : "corrupt data"),
                        int64_t(offset + consumed - zs.avail_in));
    }
    out.resize(produced);
    out.shrink_to_fit();
    return Source::from_vector(std::move(out));
}
#else
std::shared_ptr<const Source> inflate_rest(const uint8_t *, size_t, uint64_t, size_t offset) {
    throw Error(Errc::unsupported,
                "Deflated Explicit VR Little Endian is not in this build (built without zlib, DCMKIT_WITH_ZLIB=OFF)",
                int64_t(offset));
}
#endif

/// How the little-endian element at `p` is encoded: 1 explicit VR, 0 implicit VR, -1 cannot tell
/// (too short, or a delimiter). As pydicom does, a valid VR at bytes 4-5 means explicit VR; to keep
/// an implicit length whose low bytes happen to spell a VR from deciding, the VR must also be the
/// one the dictionary gives a known tag, and the length must fit in what is left.
int vr_encoding_at(const uint8_t *p, size_t n) {
    if (n < 8) return -1;
    const Tag tag(load_u16le(p), load_u16le(p + 2));
    if (tag.group() == 0xFFFE) return -1;
    const VR vr = vr_from_chars(char(p[4]), char(p[5]));
    if (vr == VR::None) {
        // Implicit VR only if its 32-bit length makes sense; else leave the error to the parser.
        const uint32_t len = load_u32le(p + 4);
        return (len == kUndefined || len <= n - 8) ? 0 : -1;
    }
    if (!tag.is_private()) {
        const DictEntry *e = dict_find(tag);
        if (e && e->vr != VR::None && vr != e->vr && vr != e->vr_alt && vr != VR::UN) return -1;
    }
    uint64_t len = 0, header = 8;
    if (vr_has_long_length(vr)) {
        if (n < 12) return 0;
        len = load_u32le(p + 8);
        header = 12;
        if (len == kUndefined) return 1;
    } else {
        len = load_u16le(p + 6);
    }
    return len <= n - header ? 1 : 0;
}

void report_retyped(DicomFile &file, const Parser &ps) {
    if (!ps.retyped) return;
    file.warning_flags |= kWarnUnRetyped;
    file.warnings.push_back(std::to_string(ps.retyped) + " element" + (ps.retyped == 1 ? "" : "s") +
                            " encoded as UN read with the VR the dictionary gives (PS3.5 6.2.2), the first " +
                            ps.first_retyped.str() + " as " + vr_name(ps.first_retyped_vr));
}

}  // namespace

DicomFile read_source(std::shared_ptr<const Source> source, const ReadOptions &opt) {
    DicomFile file;
    const uint8_t *p = source->data();
    const size_t n = source->size();
    size_t pos = 0;
    if (n >= 132 && std::memcmp(p + 128, "DICM", 4) == 0) {
        std::memcpy(file.preamble.data(), p, 128);
        file.has_preamble = true;
        pos = 132;
    } else {
        file.has_preamble = false;
    }
    bool has_meta = false;
    if (n - pos >= 8 && load_u16le(p + pos) == 0x0002 && vr_from_chars(char(p[pos + 4]), char(p[pos + 5])) != VR::None) {
        Parser meta(source, p, n, true, false, opt, "file meta information");
        meta.pos = pos;
        meta.parse_meta(file.meta);
        file.meta.set_source(source);
        pos = meta.pos;
        has_meta = true;
    } else if (file.has_preamble) {
        if (n - pos < 8)
            throw Error(Errc::truncated, "file ends before the file meta information that follows DICM", int64_t(pos));
        throw Error(Errc::not_dicom, "no file meta information after the DICM prefix", int64_t(pos));
    }

    if (has_meta) {
        file.transfer_syntax = trimmed_uid(file.meta.find(tags::TransferSyntaxUID));
        if (file.transfer_syntax.empty()) {
            if (!opt.transfer_syntax.empty()) file.transfer_syntax = opt.transfer_syntax;
            else if (!infer_syntax(p + pos, n - pos, file.transfer_syntax))
                throw Error(Errc::malformed, "meta information has no Transfer Syntax UID", int64_t(pos));
        }
    } else if (!opt.transfer_syntax.empty()) {
        file.transfer_syntax = opt.transfer_syntax;
    } else if (!opt.infer_transfer_syntax || !infer_syntax(p + pos, n - pos, file.transfer_syntax)) {
        if (n < 132 && n > 0 && opt.infer_transfer_syntax && n - pos < 8)
            throw Error(Errc::truncated, "file is too short to be DICOM (" + std::to_string(n) + " bytes)", int64_t(n));
        throw Error(Errc::not_dicom, "no DICM prefix at byte 128 and no recognisable dataset at the start", 0);
    }
    file.dataset_offset = pos;

    const TransferSyntax ts = TransferSyntax::from_uid(file.transfer_syntax);
    if (!ts.known && !ts.explicit_vr)
        throw Error(Errc::unsupported, "unknown transfer syntax " + file.transfer_syntax);
    file.dataset.set_source(source);
    if (ts.deflated) {
        auto inflated = inflate_rest(p + pos, n - pos, opt.max_inflated_size, pos);
        Parser ds(inflated, inflated->data(), inflated->size(), true, false, opt, "inflated dataset");
        ds.parse_dataset(file.dataset, inflated->size(), false, 0);
        file.dataset.set_source(inflated);
        report_retyped(file, ds);
    } else {
        bool explicit_vr = ts.explicit_vr;
        if (has_meta && !ts.big_endian && opt.transfer_syntax.empty()) {
            // One look at the first element: does the dataset use the VR encoding its meta says?
            const int found = vr_encoding_at(p + pos, n - pos);
            if (found >= 0 && bool(found) != explicit_vr) {
                explicit_vr = bool(found);
                file.warning_flags |= kWarnSyntaxMismatch;
                file.warnings.push_back(std::string("the meta information says ") + std::string(ts.name) +
                                        " but the dataset is encoded in " +
                                        (explicit_vr ? "explicit" : "implicit") + " VR: read as " +
                                        (explicit_vr ? "Explicit" : "Implicit") + " VR Little Endian");
                // A native syntax is replaced by the one found; a compressed one (explicit VR by
                // definition) keeps its UID, for its pixel data, and is written back as it says.
                if (!ts.encapsulated)
                    file.transfer_syntax = explicit_vr ? uids::ExplicitVRLittleEndian : uids::ImplicitVRLittleEndian;
            }
        }
        Parser ds(source, p, n, explicit_vr, ts.big_endian, opt, "");
        ds.pos = pos;
        ds.parse_dataset(file.dataset, n, false, 0);
        report_retyped(file, ds);
    }
    return file;
}

DicomFile read_file(const std::string &path, const ReadOptions &opt) {
    auto src = Source::open_file(path, opt.map_file);
    try {
        return read_source(std::move(src), opt);
    } catch (const Error &e) {
        throw Error(e.code(), e.message() + " in '" + path + "'", e.offset(), e.tag());
    }
}

DicomFile read_memory(const uint8_t *data, size_t size, const ReadOptions &opt, bool borrow) {
    auto src = borrow ? Source::borrow(data, size) : Source::from_vector(std::vector<uint8_t>(data, data + size));
    return read_source(std::move(src), opt);
}

Dataset read_dataset(std::shared_ptr<const Source> source, const std::string &transfer_syntax, const ReadOptions &opt) {
    const TransferSyntax ts = TransferSyntax::from_uid(transfer_syntax);
    Dataset out;
    if (ts.deflated) {
        auto inflated = inflate_rest(source->data(), source->size(), opt.max_inflated_size, 0);
        Parser ds(inflated, inflated->data(), inflated->size(), true, false, opt, "inflated dataset");
        ds.parse_dataset(out, inflated->size(), false, 0);
        out.set_source(inflated);
        return out;
    }
    Parser ds(source, source->data(), source->size(), ts.explicit_vr, ts.big_endian, opt, "");
    ds.parse_dataset(out, source->size(), false, 0);
    out.set_source(std::move(source));
    return out;
}

}  // namespace dcmkit
