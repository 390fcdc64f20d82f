// dcmkit — the DICOM JSON Model (PS3.18 Annex F): the writer. See dcmkit/json.h for the rules and
// decisions.
#include "dcmkit/json.h"

#include <cstdio>
#include <limits>

#include "dcmkit/base64.h"
#include "dcmkit/error.h"
#include "json_detail.h"

namespace dcmkit {

namespace {

using namespace json_detail;

/// Shortest text that reads back to the same float (single) or double.
std::string format_float(double v, bool single) {
#ifdef DK_FLOAT_CHARCONV
    char buf[64];
    auto r = single ? std::to_chars(buf, buf + sizeof buf, float(v)) : std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
#else
    std::string s;
    for (int prec = 1; prec <= 17; ++prec) {
        std::ostringstream o;
        o.imbue(std::locale::classic());
        o.precision(prec);
        o << v;
        s = o.str();
        double back = 0;
        if (single) {
            float f = 0;
            if (parse_float(s, f) && f == float(v)) break;
        } else if (parse_float(s, back) && back == v) {
            break;
        }
    }
    return s;
#endif
}

// =====================================================================================================
// Writer
// =====================================================================================================

class JsonWriter {
public:
    explicit JsonWriter(const JsonWriteOptions &opt) : opt_(opt) {}

    std::string take() { return std::move(out_); }

    void dataset(const Dataset &ds, const std::string &inherited_cs, int level) {
        const std::string cs = own_charset(ds, inherited_cs);
        out_ += '{';
        bool first = true;
        for (const Element &e : ds) {
            // PS3.18 F.2.2: Group Length (gggg,0000) attributes shall not be included.
            if (e.tag.is_group_length()) continue;
            if (!first) out_ += ',';
            first = false;
            newline(level + 1);
            tag_string(e.tag);
            colon();
            element(e, cs, level + 1);
        }
        if (!first) newline(level);
        out_ += '}';
    }

private:
    void newline(int level) {
        if (!opt_.pretty) return;
        out_ += '\n';
        out_.append(size_t(level) * 2, ' ');
    }
    void colon() { out_ += opt_.pretty ? ": " : ":"; }

    void tag_string(Tag t) {
        static const char hex[] = "0123456789ABCDEF";
        out_ += '"';
        for (int shift = 28; shift >= 0; shift -= 4) out_ += hex[(t.value >> shift) & 0xF];
        out_ += '"';
    }

    /// A JSON string; bytes that are not UTF-8 (a non-charset VR holding 8-bit text) are read as
    /// ISO 8859-1, like CharacterSet's default-repertoire fallback, so the output is always valid JSON.
    void quoted(std::string_view s) {
        static const char hex[] = "0123456789abcdef";
        out_ += '"';
        size_t i = 0;
        while (i < s.size()) {
            size_t run = i;
            while (i < s.size()) {
                unsigned char c = static_cast<unsigned char>(s[i]);
                if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
                ++i;
            }
            out_.append(s.data() + run, i - run);
            if (i >= s.size()) break;
            unsigned char c = static_cast<unsigned char>(s[i]);
            if (c >= 0x80) {
                size_t end = i;
                if (next_utf8(s, end) != kInvalidUtf8) {
                    out_.append(s.data() + i, end - i);
                    i = end;
                } else {
                    append_utf8(out_, c);
                    ++i;
                }
                continue;
            }
            switch (c) {
            case '"': out_ += "\\\""; break;
            case '\\': out_ += "\\\\"; break;
            case '\b': out_ += "\\b"; break;
            case '\f': out_ += "\\f"; break;
            case '\n': out_ += "\\n"; break;
            case '\r': out_ += "\\r"; break;
            case '\t': out_ += "\\t"; break;
            default:
                out_ += "\\u00";
                out_ += hex[c >> 4];
                out_ += hex[c & 0xF];
            }
            ++i;
        }
        out_ += '"';
    }

    void member(const char *name, int level) {
        out_ += ',';
        newline(level);
        out_ += '"';
        out_ += name;
        out_ += '"';
        colon();
    }

    /// Writes `"Value": [ ... ]` with `n` entries, calling `each(i)` to write entry i.
    template <typename F>
    void value_array(size_t n, int level, F &&each) {
        member("Value", level);
        out_ += '[';
        for (size_t i = 0; i < n; ++i) {
            if (i) out_ += ',';
            newline(level + 1);
            each(i);
        }
        newline(level);
        out_ += ']';
    }

    void element(const Element &e, const std::string &cs, int level) {
        const VR vr = e.vr == VR::None ? VR::UN : e.vr;
        out_ += '{';
        newline(level + 1);
        out_ += "\"vr\"";
        colon();
        out_ += '"';
        out_ += vr_name(vr);
        out_ += '"';
        if (vr == VR::SQ) {
            sequence(e, cs, level + 1);
        } else if (e.is_encapsulated()) {
            binary(e, encapsulated_value_field(e), level + 1);
        } else if (is_bulk_binary_vr(vr)) {
            if (!e.value.empty()) binary(e, e.value.str(), level + 1);
        } else if (!e.value.empty()) {
            if (vr == VR::PN) person_names(e, cs, level + 1);
            else if (vr == VR::AT) tags_value(e, level + 1);
            else if (is_number_vr(vr)) numbers(e, vr, level + 1);
            else text(e, vr, cs, level + 1);
        }
        newline(level);
        out_ += '}';
    }

    void sequence(const Element &e, const std::string &cs, int level) {
        // PS3.18 F.2.5: an empty sequence has no "Value"; an empty item is {}.
        if (e.items.empty()) return;
        if (path_.size() >= kMaxDepthCap)
            throw Error(Errc::too_deep, "sequences nest deeper than " + std::to_string(kMaxDepthCap) + " levels", -1,
                        e.tag.value);
        path_.push_back(e.tag);
        value_array(e.items.size(), level, [&](size_t i) { dataset(e.items[i], cs, level + 1); });
        path_.pop_back();
    }

    /// PS3.18 F.2.7 InlineBinary (base64 of the whole Value Field), or F.2.6 BulkDataURI.
    void binary(const Element &e, std::string_view bytes, int level) {
        if (opt_.bulk_uri && bytes.size() > opt_.bulk_data_threshold) {
            std::string uri = opt_.bulk_uri(e, path_);
            if (!uri.empty()) {
                member("BulkDataURI", level);
                quoted(uri);
                return;
            }
        }
        member("InlineBinary", level);
        out_ += '"';
        append_base64(out_, reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
        out_ += '"';
    }

    std::string decoded(const Element &e, VR vr, const std::string &cs) {
        if (!vr_uses_charset(vr)) return std::string(e.value.str());
        if (cs.empty() && is_ascii(e.value.str())) return std::string(e.value.str());
        return charsets_.get_lenient(cs).decode(e.value.str(), vr);
    }

    void text(const Element &e, VR vr, const std::string &cs, int level) {
        // Decode first: in ISO 2022 multi-byte text a 0x5C byte may be half of a character.
        const std::string utf8 = decoded(e, vr, cs);
        const std::vector<std::string_view> values = split_values(utf8, vr);
        // A value of padding only is an empty element (F.2.5: no "Value").
        if (values.size() == 1 && values[0].empty()) return;
        value_array(values.size(), level, [&](size_t i) {
            std::string_view v = values[i];
            if (v.empty()) {
                out_ += "null";  // F.2.5: an empty value of a multi-valued attribute
            } else if (json_number_for(vr, v)) {
                out_.append(v.data(), v.size());  // F.2.3: Number, verbatim so no digit is lost
            } else {
                quoted(v);  // F.2.3 note: a String keeps a DS/IS that is no JSON number as it was
            }
        });
    }

    /// Whether a DS or IS value is written as a JSON number: when its text already is one, and is a
    /// value PS3.5 6.2 allows (DS: at most 16 characters; IS: an integer of at most 12), so that
    /// from_json reads it back unchanged.
    static bool json_number_for(VR vr, std::string_view v) {
        if (vr == VR::DS) return v.size() <= 16 && is_json_number(v);
        if (vr == VR::IS) return v.size() <= 12 && is_json_number(v) && !has_fraction_or_exponent(v);
        return false;
    }

    void person_names(const Element &e, const std::string &cs, int level) {
        const std::string utf8 = decoded(e, VR::PN, cs);
        const std::vector<std::string_view> values = split_values(utf8, VR::PN);
        // One value without any name ("" or "==") is an empty element (F.2.5: no "Value").
        if (values.size() == 1 && values[0].find_first_not_of('=') == std::string_view::npos) return;
        static const char *const kGroups[3] = {"Alphabetic", "Ideographic", "Phonetic"};
        value_array(values.size(), level, [&](size_t i) {
            std::string_view groups[3];
            std::string_view v = values[i];
            for (int g = 0; g < 3; ++g) {
                size_t eq = g < 2 ? v.find('=') : std::string_view::npos;
                groups[g] = trim_value(v.substr(0, eq), VR::PN);
                v = eq == std::string_view::npos ? std::string_view() : v.substr(eq + 1);
            }
            if (groups[0].empty() && groups[1].empty() && groups[2].empty()) {
                out_ += "null";
                return;
            }
            // PS3.18 F.2.2: the non-empty component groups, as strings named Alphabetic, Ideographic, Phonetic.
            out_ += '{';
            bool first = true;
            for (int g = 0; g < 3; ++g) {
                if (groups[g].empty()) continue;
                if (!first) out_ += ',';
                first = false;
                newline(level + 2);
                out_ += '"';
                out_ += kGroups[g];
                out_ += '"';
                colon();
                quoted(groups[g]);
            }
            newline(level + 1);
            out_ += '}';
        });
    }

    void check_multiple(const Element &e, unsigned unit) {
        if (e.value.size() % unit)
            throw Error(Errc::bad_length,
                        std::string("value of ") + std::to_string(e.value.size()) + " bytes is not a multiple of " +
                            std::to_string(unit) + " for VR " + vr_name(e.vr),
                        -1, e.tag.value);
    }

    void tags_value(const Element &e, int level) {
        // PS3.18 F.2.3: AT as the eight character uppercase hexadecimal representation of the tag.
        check_multiple(e, 4);
        const uint8_t *p = e.value.data();
        value_array(e.value.size() / 4, level, [&](size_t i) {
            tag_string(Tag(load_le<uint16_t>(p + 4 * i), load_le<uint16_t>(p + 4 * i + 2)));
        });
    }

    void integer(int64_t v) {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, r.ptr);
    }

    void float_value(double v, bool single) {
        if (std::isnan(v)) {
            out_ += "\"NaN\"";  // JSON has no NaN or infinity (RFC 8259 section 6)
        } else if (std::isinf(v)) {
            out_ += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
        } else {
            out_ += format_float(v, single);
        }
    }

    void numbers(const Element &e, VR vr, int level) {
        const unsigned unit = vr_value_size(vr);
        check_multiple(e, unit);
        const uint8_t *p = e.value.data();
        // PS3.18 F.2.3 note: beyond 2^53 a JSON number read as a double loses digits; use a string.
        constexpr uint64_t kExact = uint64_t(1) << 53;
        value_array(e.value.size() / unit, level, [&](size_t i) {
            const uint8_t *q = p + i * unit;
            switch (vr) {
            case VR::US: integer(load_le<uint16_t>(q)); break;
            case VR::SS: integer(load_le<int16_t>(q)); break;
            case VR::UL: integer(load_le<uint32_t>(q)); break;
            case VR::SL: integer(load_le<int32_t>(q)); break;
            case VR::FL: float_value(load_le<float>(q), true); break;
            case VR::FD: float_value(load_le<double>(q), false); break;
            case VR::UV: {
                uint64_t v = load_le<uint64_t>(q);
                char buf[32];
                auto r = std::to_chars(buf, buf + sizeof buf, v);
                if (v > kExact) out_ += '"';
                out_.append(buf, r.ptr);
                if (v > kExact) out_ += '"';
                break;
            }
            case VR::SV: {
                int64_t v = load_le<int64_t>(q);
                const bool exact = v >= -int64_t(kExact) && v <= int64_t(kExact);
                if (!exact) out_ += '"';
                integer(v);
                if (!exact) out_ += '"';
                break;
            }
            default: break;
            }
        });
    }

    const JsonWriteOptions &opt_;
    std::string out_;
    std::vector<Tag> path_;
    CharsetCache charsets_;
};

}  // namespace

std::string to_json(const Dataset &ds, const JsonWriteOptions &opt) {
    JsonWriter w(opt);
    w.dataset(ds, ds.specific_character_set(), 0);
    return w.take();
}

}  // namespace dcmkit
