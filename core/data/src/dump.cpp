#include "dcmkit/dump.h"

#include <charconv>
#include <cstdio>
#include <cstring>

#include "dcmkit/dictionary.h"

namespace dcmkit {

namespace {

void append_hex(std::string &out, uint64_t v, int digits) {
    static const char kHex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i) out += kHex[(v >> (4 * i)) & 0xF];
}

template <typename T>
T load(const uint8_t *p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <typename T>
void append_number(std::string &out, T v) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

/// Appends binary values until `limit` characters (0: no limit); returns false when cut.
bool binary_text(std::string &out, const Element &e, size_t limit) {
    const uint8_t *p = e.value.data();
    const size_t n = e.value.size();
    const size_t start = out.size();
    auto full = [&] { return limit && out.size() - start > limit; };
    auto sep = [&](size_t i) {
        if (i) out += '\\';
    };
    switch (e.vr) {
    case VR::OB: case VR::UN: case VR::None:
        for (size_t i = 0; i < n && !full(); ++i) { sep(i); append_hex(out, p[i], 2); }
        break;
    case VR::OW:
        for (size_t i = 0; i + 2 <= n && !full(); i += 2) { sep(i); append_hex(out, load<uint16_t>(p + i), 4); }
        break;
    case VR::OL:
        for (size_t i = 0; i + 4 <= n && !full(); i += 4) { sep(i); append_hex(out, load<uint32_t>(p + i), 8); }
        break;
    case VR::OV:
        for (size_t i = 0; i + 8 <= n && !full(); i += 8) { sep(i); append_hex(out, load<uint64_t>(p + i), 16); }
        break;
    case VR::US: for (size_t i = 0; i + 2 <= n && !full(); i += 2) { sep(i); append_number(out, load<uint16_t>(p + i)); } break;
    case VR::SS: for (size_t i = 0; i + 2 <= n && !full(); i += 2) { sep(i); append_number(out, load<int16_t>(p + i)); } break;
    case VR::UL: for (size_t i = 0; i + 4 <= n && !full(); i += 4) { sep(i); append_number(out, load<uint32_t>(p + i)); } break;
    case VR::SL: for (size_t i = 0; i + 4 <= n && !full(); i += 4) { sep(i); append_number(out, load<int32_t>(p + i)); } break;
    case VR::UV: for (size_t i = 0; i + 8 <= n && !full(); i += 8) { sep(i); append_number(out, load<uint64_t>(p + i)); } break;
    case VR::SV: for (size_t i = 0; i + 8 <= n && !full(); i += 8) { sep(i); append_number(out, load<int64_t>(p + i)); } break;
    case VR::FL: case VR::OF:
        for (size_t i = 0; i + 4 <= n && !full(); i += 4) { sep(i); append_number(out, load<float>(p + i)); }
        break;
    case VR::FD: case VR::OD:
        for (size_t i = 0; i + 8 <= n && !full(); i += 8) { sep(i); append_number(out, load<double>(p + i)); }
        break;
    case VR::AT:
        for (size_t i = 0; i + 4 <= n && !full(); i += 4) {
            sep(i);
            out += '(';
            append_hex(out, load<uint16_t>(p + i), 4);
            out += ',';
            append_hex(out, load<uint16_t>(p + i + 2), 4);
            out += ')';
        }
        break;
    default:
        break;
    }
    if (limit && out.size() - start > limit) {
        out.resize(start + limit);
        return false;
    }
    return true;
}

void pad_to(std::string &out, size_t line_start, size_t column) {
    size_t len = out.size() - line_start;
    // Count UTF-8 code points so that non-ASCII names line up too.
    size_t cps = 0;
    for (size_t i = line_start; i < out.size(); ++i)
        if ((static_cast<unsigned char>(out[i]) & 0xC0) != 0x80) ++cps;
    (void)len;
    if (cps < column) out.append(column - cps, ' ');
    else out += ' ';
}

void comment(std::string &out, size_t line_start, int indent, const char *len_text, size_t vm, const char *name) {
    pad_to(out, line_start, 56 + size_t(indent));
    char buf[48];
    std::snprintf(buf, sizeof buf, "# %4s, %zu ", len_text, vm);
    out += buf;
    out += name;
    out += '\n';
}

void tag_vr(std::string &out, Tag t, const char *vr) {
    out += '(';
    append_hex(out, t.group(), 4);
    out += ',';
    append_hex(out, t.element(), 4);
    out += ") ";
    out += vr;
    out += ' ';
}

/// A "(fffe,e00d) na (ItemDelimitationItem)" style line.
void delimiter_line(std::string &out, int indent, Tag t, const char *name) {
    const size_t ls = out.size();
    out.append(size_t(indent), ' ');
    tag_vr(out, t, "na");
    out += '(';
    out += name;
    out += ')';
    comment(out, ls, indent, "0", 0, name);
}

const char *keyword_of(const Dataset &ds, Tag t) {
    if (t.is_private() && t.element() >= 0x1000) {
        // A private data element: named by the private dictionary through its block's creator,
        // as dcmdump does from its private.dic.
        const Element *creator = ds.find(Tag(t.group(), uint16_t(t.element() >> 8)));
        if (creator)
            if (const PrivateDictEntry *e = private_dict_find(creator->value.str(), t)) return e->keyword();
        return "PrivateTag";
    }
    const char *k = dict_keyword(t);
    if (*k) return k;
    return t.is_private() ? "PrivateTag" : "UnknownTag";
}

}  // namespace

std::string value_text(const Dataset &ds, const Element &e, size_t max_chars) {
    std::string out;
    if (vr_is_string(e.vr)) {
        std::string_view raw = e.value.str();
        while (!raw.empty() && (raw.back() == '\0' || raw.back() == ' ')) raw.remove_suffix(1);
        out = ds.decode_text(raw, e.vr);
        if (max_chars && out.size() > max_chars) out.resize(max_chars);
        return out;
    }
    binary_text(out, e, max_chars);
    return out;
}

void dump_dataset(std::string &out, const Dataset &ds, const DumpOptions &opt, int indent) {
    char lenbuf[24];
    const TransferSyntax ts = TransferSyntax::from_uid(opt.transfer_syntax);
    for (const Element &e : ds) {
        const size_t line_start = out.size();
        out.append(size_t(indent), ' ');
        const char *kw = keyword_of(ds, e.tag);
        if (e.vr == VR::SQ) {
            tag_vr(out, e.tag, "SQ");
            out += e.undefined_length ? "(Sequence with undefined length #=" : "(Sequence with explicit length #=";
            append_number(out, e.items.size());
            out += ')';
            if (!e.undefined_length)
                std::snprintf(lenbuf, sizeof lenbuf, "%llu", (unsigned long long)encoded_value_length(e, ts));
            comment(out, line_start, indent, e.undefined_length ? "u/l" : lenbuf, 1, kw);
            for (const Dataset &item : e.items) {
                size_t ls = out.size();
                out.append(size_t(indent) + 2, ' ');
                tag_vr(out, tags::Item, "na");
                out += e.undefined_length ? "(Item with undefined length #=" : "(Item with explicit length #=";
                append_number(out, item.size());
                out += ')';
                if (!e.undefined_length)
                    std::snprintf(lenbuf, sizeof lenbuf, "%llu", (unsigned long long)encoded_size(item, ts));
                comment(out, ls, indent + 2, e.undefined_length ? "u/l" : lenbuf, 1, "Item");
                dump_dataset(out, item, opt, indent + 4);
                if (e.undefined_length) delimiter_line(out, indent + 2, tags::ItemDelimitationItem, "ItemDelimitationItem");
            }
            if (e.undefined_length) delimiter_line(out, indent, tags::SequenceDelimitationItem, "SequenceDelimitationItem");
            continue;
        }
        if (e.is_encapsulated()) {
            tag_vr(out, e.tag, vr_name(e.vr));
            out += "(PixelSequence #=";
            append_number(out, e.fragments.size());
            out += ')';
            comment(out, line_start, indent, "u/l", 1, kw);
            for (const Bytes &f : e.fragments) {
                size_t ls = out.size();
                out.append(size_t(indent) + 2, ' ');
                tag_vr(out, tags::Item, "pi");
                Element frag(tags::Item, VR::OB, Bytes::view(f.data(), f.size()));
                if (f.empty()) out += "(no value available)";
                else if (!binary_text(out, frag, opt.max_value_chars)) out += "...";
                std::snprintf(lenbuf, sizeof lenbuf, "%zu", f.size());
                comment(out, ls, indent + 2, lenbuf, 1, "Item");
            }
            delimiter_line(out, indent, tags::SequenceDelimitationItem, "SequenceDelimitationItem");
            continue;
        }
        tag_vr(out, e.tag, vr_name(e.vr == VR::None ? VR::UN : e.vr));
        if (e.value.empty()) {
            out += "(no value available)";
        } else if (vr_is_string(e.vr)) {
            std::string text = value_text(ds, e, 0);
            bool cut = opt.max_value_chars && text.size() > opt.max_value_chars;
            if (cut) {
                size_t n = opt.max_value_chars;
                while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // whole code points
                text.resize(n);
            }
            out += '[';
            out += text;
            out += cut ? "..." : "]";
        } else if (!binary_text(out, e, opt.max_value_chars)) {
            out += "...";
        }
        std::snprintf(lenbuf, sizeof lenbuf, "%zu", e.value.size());
        comment(out, line_start, indent, lenbuf, e.count(), kw);
    }
}

void dump(std::string &out, const DicomFile &file, const DumpOptions &opt) {
    const TransferSyntax ts = file.syntax();
    if (!file.meta.empty() || file.has_preamble) {
        out += "\n# Dicom-File-Format\n";
        if (opt.meta) {
            out += "\n# Dicom-Meta-Information-Header\n# Used TransferSyntax: Little Endian Explicit\n";
            dump_dataset(out, file.meta, opt, 0);
        }
    }
    out += "\n# Dicom-Data-Set\n# Used TransferSyntax: ";
    out += ts.known ? std::string(ts.name) : file.transfer_syntax;
    out += '\n';
    DumpOptions data_opt = opt;
    data_opt.transfer_syntax = file.transfer_syntax;
    dump_dataset(out, file.dataset, data_opt, 0);
}

}  // namespace dcmkit
