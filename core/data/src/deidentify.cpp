// dcmkit — de-identification by PS3.15 Annex E (Table E.1-1 and its options), with keyed pseudonyms.
#include "dcmkit/deidentify.h"
#include "dcmkit/uid.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "deid_profile.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/sha256.h"

namespace dcmkit {

using namespace deid_detail;

namespace {

constexpr Tag kPatientName{0x0010, 0x0010};
constexpr Tag kPatientID{0x0010, 0x0020};
constexpr Tag kModality{0x0008, 0x0060};
constexpr Tag kImageType{0x0008, 0x0008};
constexpr Tag kBurnedInAnnotation{0x0028, 0x0301};
constexpr Tag kPatientIdentityRemoved{0x0012, 0x0062};
constexpr Tag kDeidMethod{0x0012, 0x0063};
constexpr Tag kDeidMethodCodes{0x0012, 0x0064};
constexpr Tag kLongitudinalModified{0x0028, 0x0303};
constexpr Tag kCodeValue{0x0008, 0x0100};
constexpr Tag kCodingScheme{0x0008, 0x0102};
constexpr Tag kCodeMeaning{0x0008, 0x0104};

// PS3.16 CID 7050 "De-identification Method": the codes of the profile and its options.
struct MethodCode {
    const char *value, *meaning;
};
constexpr MethodCode kBasicCode{"113100", "Basic Application Confidentiality Profile"};

// Safe private attributes (PS3.15 Table E.3.10-1, generated from standard/safe_private.tsv), kept by
// Retain Safe Private.
const std::vector<SafePrivate> &safe_private() {
    static const std::vector<SafePrivate> list = [] {
        std::vector<SafePrivate> v;
        v.reserve(kSafePrivateCount);
        for (size_t i = 0; i < kSafePrivateCount; ++i) {
            const SafePrivateRow &r = kSafePrivateRows[i];
            v.push_back({r.creator, r.group, r.offset, r.vr, r.name});
        }
        return v;
    }();
    return list;
}

bool is_text_vr(VR vr) {
    switch (vr) {
    case VR::LO: case VR::LT: case VR::SH: case VR::ST: case VR::UT: case VR::UC: case VR::PN: case VR::CS:
    case VR::AE:
        return true;
    default:
        return false;
    }
}

// The row of Table E.1-1 for a tag: an exact row, else a row with wildcard digits (50xxxxxx, 60xx3000).
const ProfileRow *find_row(uint32_t tag) {
    static const size_t exact_count = [] {
        size_t n = 0;
        while (n < kProfileCount && kProfile[n].mask == 0xFFFFFFFFu) ++n;
        return n;
    }();
    const ProfileRow *end = kProfile + exact_count;
    const ProfileRow *it = std::lower_bound(kProfile, end, tag, [](const ProfileRow &r, uint32_t t) { return r.tag < t; });
    if (it != end && it->tag == tag) return it;
    for (size_t i = exact_count; i < kProfileCount; ++i)
        if ((tag & kProfile[i].mask) == kProfile[i].tag) return &kProfile[i];
    return nullptr;
}

std::string digest_decimal_uid(const Sha256Digest &d) {
    std::array<uint8_t, 16> b;
    std::memcpy(b.data(), d.data(), b.size());
    b[6] = uint8_t((b[6] & 0x0F) | 0x80);  // RFC 9562 version 8 (a name-based, custom UUID)
    b[8] = uint8_t((b[8] & 0x3F) | 0x80);  // RFC 9562 variant
    return uuid_to_uid(b);
}

// Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + int64_t(doe) - 719468;
}
void civil_from_days(int64_t z, int64_t &y, unsigned &m, unsigned &d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = unsigned(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = int64_t(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

// Shifts "YYYYMMDD" by `days`; false when the text is no full date.
bool shift_date(std::string &yyyymmdd, int days) {
    if (yyyymmdd.size() != 8 || !std::all_of(yyyymmdd.begin(), yyyymmdd.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    const int y = std::stoi(yyyymmdd.substr(0, 4));
    const unsigned m = unsigned(std::stoi(yyyymmdd.substr(4, 2))), d = unsigned(std::stoi(yyyymmdd.substr(6, 2)));
    if (m < 1 || m > 12 || d < 1 || d > 31) return false;
    int64_t ny;
    unsigned nm, nd;
    civil_from_days(days_from_civil(y, m, d) + days, ny, nm, nd);
    if (ny < 0 || ny > 9999) return false;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u", int(ny), nm, nd);
    yyyymmdd = buf;
    return true;
}

std::vector<std::string> split_raw(std::string_view raw, VR vr) {
    std::vector<std::string> out;
    for (std::string_view v : split_values(raw, vr)) out.emplace_back(v);
    return out;
}

Bytes join_padded(const std::vector<std::string> &values, VR vr) {
    std::string s;
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) s += '\\';
        s += values[i];
    }
    if (s.size() & 1) s += vr_padding(vr);
    return Bytes::copy(s);
}

Bytes padded(std::string s, VR vr) {
    if (s.size() & 1) s += vr_padding(vr);
    return Bytes::copy(s);
}

class Deidentifier {
public:
    Deidentifier(const DeidOptions &o, DeidReport &r) : opt_(o), rep_(r) {
        const bool on[kColumnCount] = {true,
                                       o.retain_safe_private,
                                       o.retain_uids,
                                       o.retain_device_identity,
                                       o.retain_institution_identity,
                                       o.retain_patient_characteristics,
                                       o.retain_long_full_dates,
                                       o.retain_long_modified_dates,
                                       o.clean_descriptors,
                                       o.clean_structured_content,
                                       o.clean_graphics};
        std::copy(on, on + kColumnCount, on_);
    }

    void prepare(const Dataset &ds) {
        const std::string pid = ds.get_string_or(kPatientID, "");
        const std::string pname = ds.get_string_or(kPatientName, "");
        const std::string subject = !pid.empty() ? "id:" + pid : "name:" + pname;
        const Sha256Digest p = mac("patient:" + subject);
        pseudonym_ = "DK" + to_hex(p).substr(0, 20);
        for (char &c : pseudonym_) c = char(std::toupper(static_cast<unsigned char>(c)));
        const Sha256Digest d = mac("date-offset:" + subject);
        const uint32_t r = uint32_t(d[0]) << 24 | uint32_t(d[1]) << 16 | uint32_t(d[2]) << 8 | d[3];
        date_offset_ = -int(1 + r % 3650);
        rep_.patient_pseudonym = pseudonym_;
        rep_.date_offset_days = opt_.retain_long_modified_dates ? date_offset_ : 0;
        // Identifying values that Clean Descriptors / Clean Graphics mask inside free text.
        static const uint32_t sources[] = {0x00100010, 0x00100020, 0x00101000, 0x00101001, 0x00080050, 0x00100030,
                                           0x00080080, 0x00080081, 0x00080090, 0x00081050, 0x00081070, 0x00200010,
                                           0x00101040, 0x00102154, 0x00101060};
        for (uint32_t t : sources) {
            const Element *e = ds.find(Tag(t));
            if (!e || e->is_sequence()) continue;
            for (std::string v : split_raw(e->value.str(), e->vr)) {
                if (e->vr == VR::PN) {
                    for (char &c : v)
                        if (c == '^' || c == '=') c = ' ';
                }
                add_tokens(v);
            }
        }
    }

    void run(Dataset &ds, unsigned depth) {
        if (depth > 64) throw Error(Errc::too_deep, "de-identification: sequences nest deeper than 64 levels");
        std::vector<Tag> drop;
        bool any_private = false;
        for (Element &e : ds) {
            const Tag t = e.tag;
            if (t.is_group_length() && t.group() != 0x0002) {
                drop.push_back(t);
                continue;
            }
            if (t.is_private()) {
                any_private = true;
                if (t.is_private_creator()) continue;  // decided below
                if (!keep_private(ds, t)) {
                    drop.push_back(t);
                    ++rep_.removed;
                } else {
                    ++rep_.kept;
                    if (e.is_sequence())
                        for (Dataset &item : e.items) run(item, depth + 1);
                }
                continue;
            }
            if (t == kPatientID || t == kPatientName) {
                // As a name, the pseudonym is the family name: "DK…^" (a bare single component is
                // the retired ACR-NEMA form to dicom3tools).
                e.value = padded(e.vr == VR::PN ? pseudonym_ + "^" : pseudonym_, e.vr);
                e.items.clear();
                ++rep_.replaced;
                continue;
            }
            const ProfileRow *row = find_row(t.value);
            if (!row) {
                if (e.is_sequence())
                    for (Dataset &item : e.items) run(item, depth + 1);
                continue;
            }
            const std::string act = action(*row);
            if (act == "X") {
                drop.push_back(t);
                ++rep_.removed;
            } else if (act == "Z") {
                e.value = Bytes();
                e.items.clear();
                e.fragments.clear();
                ++rep_.emptied;
            } else if (act == "K") {
                ++rep_.kept;
                if (e.is_sequence())
                    for (Dataset &item : e.items) run(item, depth + 1);
            } else if (act == "U") {
                remap(e);
            } else if (act == "D") {
                dummy(e, depth);
            } else if (act == "C") {
                clean(e, depth, drop);
            } else {  // X/Z/U*: a sequence whose items are processed (their UIDs remapped)
                if (e.is_sequence()) {
                    for (Dataset &item : e.items) run(item, depth + 1);
                    ++rep_.kept;
                } else if (e.vr == VR::UI) {
                    remap(e);
                } else {
                    e.value = Bytes();
                    ++rep_.emptied;
                }
            }
        }
        for (Tag t : drop) ds.remove(t);
        if (any_private) drop_unused_creators(ds);
    }

    std::string uid(const std::string &u) const {
        if (u.empty() || uid_find(u) != nullptr) return u;  // empty, or a well-known UID of PS3.6
        return digest_decimal_uid(hmac_sha256(opt_.key.data(), opt_.key.size(), u.data(), u.size()));
    }

private:
    Sha256Digest mac(const std::string &msg) const {
        return hmac_sha256(opt_.key.data(), opt_.key.size(), msg.data(), msg.size());
    }

    // The action for a row under the chosen options: an option's column overrides the Basic
    // Profile's; between two options, K (retain) wins over C (clean). Compound actions become the
    // one that keeps the dataset valid without knowing the IOD.
    std::string action(const ProfileRow &row) const {
        std::string a = row.actions[kBasic];
        bool have_k = false, have_c = false;
        std::string other;
        for (int c = 1; c < kColumnCount; ++c) {
            if (!on_[c] || !*row.actions[c]) continue;
            const std::string v = row.actions[c];
            if (v == "K") have_k = true;
            else if (v == "C") have_c = true;
            else other = v;
        }
        if (have_k) a = "K";
        else if (have_c) a = "C";
        else if (!other.empty()) a = other;
        if (a == "X/Z") return "Z";
        if (a == "X/D" || a == "Z/D" || a == "X/Z/D") return "D";
        return a;
    }

    bool keep_private(const Dataset &ds, Tag t) const {
        if (!opt_.retain_safe_private || t.element() < 0x1000) return false;
        const std::string creator = ds.private_creator_of(t);
        for (const SafePrivate &s : safe_private())
            if (s.group == t.group() && s.offset == (t.element() & 0xFF) && creator == s.creator) return true;
        return false;
    }

    static void drop_unused_creators(Dataset &ds) {
        std::vector<Tag> unused;
        for (const Element &e : ds) {
            if (!e.tag.is_private_creator()) continue;
            const uint32_t lo = (uint32_t(e.tag.group()) << 16) | (uint32_t(e.tag.element()) << 8);
            bool used = false;
            for (const Element &o : ds)
                if (o.tag.value >= lo && o.tag.value <= lo + 0xFF) {
                    used = true;
                    break;
                }
            if (!used) unused.push_back(e.tag);
        }
        for (Tag t : unused) ds.remove(t);
    }

    void remap(Element &e) {
        if (e.vr != VR::UI && e.vr != VR::UN) {
            e.value = Bytes();
            ++rep_.emptied;
            return;
        }
        std::vector<std::string> values = split_raw(e.value.str(), VR::UI);
        for (std::string &v : values) v = uid(v);
        e.vr = VR::UI;
        Bytes b = join_padded(values, VR::UI);
        e.value = std::move(b);
        ++rep_.uids_remapped;
    }

    void dummy(Element &e, unsigned depth) {
        ++rep_.replaced;
        switch (e.vr) {
        case VR::SQ:
            for (Dataset &item : e.items) run(item, depth + 1);
            return;
        case VR::UI:
            --rep_.replaced;
            remap(e);
            return;
        case VR::DA: e.value = padded("19000101", e.vr); return;
        case VR::DT: e.value = padded("19000101000000", e.vr); return;
        case VR::TM: e.value = padded("000000", e.vr); return;
        case VR::DS: case VR::IS: e.value = padded("0", e.vr); return;
        case VR::AS: e.value = padded("000Y", e.vr); return;
        case VR::UR: e.value = padded("urn:dcmkit:deidentified", e.vr); return;
        case VR::AE: case VR::CS: case VR::LO: case VR::LT: case VR::SH: case VR::ST: case VR::UT: case VR::UC:
        case VR::PN:
            e.value = padded("DEIDENTIFIED", e.vr);
            return;
        default:  // binary: zeros of the same length
            e.value = Bytes(std::vector<uint8_t>(e.value.size(), 0));
            e.fragments.clear();
            return;
        }
    }

    void clean(Element &e, unsigned depth, std::vector<Tag> &drop) {
        ++rep_.cleaned;
        if (e.is_sequence()) {
            for (Dataset &item : e.items) run(item, depth + 1);
            return;
        }
        if (e.vr == VR::DA || e.vr == VR::DT) {
            std::vector<std::string> values = split_raw(e.value.str(), e.vr);
            for (std::string &v : values) {
                std::string date = v.substr(0, std::min<size_t>(8, v.size()));
                if (shift_date(date, date_offset_)) v = date + v.substr(8);
                else v.clear();  // a partial date cannot be shifted by days
            }
            e.value = join_padded(values, e.vr);
            return;
        }
        if (e.vr == VR::TM) return;  // times of day stay; the shift is whole days
        if (is_text_vr(e.vr)) {
            std::string s(e.value.str());
            for (const std::string &tok : tokens_) mask(s, tok);
            e.value = Bytes::copy(s);
            return;
        }
        if (e.vr == VR::UI) {
            --rep_.cleaned;
            remap(e);
            return;
        }
        // Binary graphics (overlay bitmaps, curve data) cannot be inspected for text: removed.
        drop.push_back(e.tag);
    }

    void add_tokens(const std::string &v) {
        std::string word;
        auto flush = [&] {
            if (word.size() >= 3) tokens_.push_back(word);
            word.clear();
        };
        if (v.size() >= 3) tokens_.push_back(v);
        for (char c : v) {
            if (c == ' ') flush();
            else word += c;
        }
        flush();
    }

    // Masks whole-word occurrences of `tok` (case-insensitive) with '*'.
    static void mask(std::string &s, const std::string &tok) {
        if (tok.empty() || tok.size() > s.size()) return;
        auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || (c & 0x80); };
        for (size_t i = 0; i + tok.size() <= s.size(); ++i) {
            if (i > 0 && word_char(s[i - 1])) continue;
            const size_t end = i + tok.size();
            if (end < s.size() && word_char(s[end])) continue;
            bool eq = true;
            for (size_t k = 0; k < tok.size() && eq; ++k)
                eq = std::toupper(static_cast<unsigned char>(s[i + k])) == std::toupper(static_cast<unsigned char>(tok[k]));
            if (eq) {
                std::fill(s.begin() + long(i), s.begin() + long(end), '*');
                i = end - 1;
            }
        }
    }

    const DeidOptions &opt_;
    DeidReport &rep_;
    bool on_[kColumnCount];
    std::string pseudonym_;
    int date_offset_ = 0;
    std::vector<std::string> tokens_;
};

std::string burned_in_reason(const Dataset &ds) {
    if (ds.get_string_or(kBurnedInAnnotation, "") == "YES") return "Burned In Annotation (0028,0301) is YES";
    if (ds.get_string_or(kModality, "") == "US") return "the modality is US (ultrasound images usually carry burned-in text)";
    const std::string cls = ds.get_string_or(tags::SOPClassUID, "");
    if (cls.rfind("1.2.840.10008.5.1.4.1.1.7", 0) == 0)
        return "the SOP class " + cls + " is a Secondary Capture (screen captures usually carry burned-in text)";
    if (const Element *e = ds.find(kImageType))
        for (std::string_view v : split_values(e->value.str(), VR::CS))
            if (v == "SCREEN SAVE") return "Image Type (0008,0008) holds SCREEN SAVE";
    return {};
}

std::vector<MethodCode> method_codes(const DeidOptions &o) {
    std::vector<MethodCode> out{kBasicCode};
    if (o.clean_graphics) out.push_back({"113103", "Clean Graphics Option"});
    if (o.clean_structured_content) out.push_back({"113104", "Clean Structured Content Option"});
    if (o.clean_descriptors) out.push_back({"113105", "Clean Descriptors Option"});
    if (o.retain_long_full_dates) out.push_back({"113106", "Retain Longitudinal Temporal Information Full Dates Option"});
    if (o.retain_long_modified_dates)
        out.push_back({"113107", "Retain Longitudinal Temporal Information Modified Dates Option"});
    if (o.retain_patient_characteristics) out.push_back({"113108", "Retain Patient Characteristics Option"});
    if (o.retain_device_identity) out.push_back({"113109", "Retain Device Identity Option"});
    if (o.retain_uids) out.push_back({"113110", "Retain UIDs Option"});
    if (o.retain_safe_private) out.push_back({"113111", "Retain Safe Private Option"});
    if (o.retain_institution_identity) out.push_back({"113112", "Retain Institution Identity Option"});
    return out;
}

void check_options(const DeidOptions &o) {
    if (o.key.size() < kDeidMinKeySize)
        throw Error(Errc::invalid_argument, "de-identification needs a key of at least " + std::to_string(kDeidMinKeySize) +
                                                " bytes (got " + std::to_string(o.key.size()) + ")");
    if (o.retain_long_full_dates && o.retain_long_modified_dates)
        throw Error(Errc::invalid_argument,
                    "Retain Longitudinal Temporal Information: choose Full Dates or Modified Dates, not both");
}

}  // namespace

std::string deid_uid(const std::vector<uint8_t> &key, const std::string &uid) {
    if (key.size() < kDeidMinKeySize)
        throw Error(Errc::invalid_argument, "de-identification needs a key of at least " + std::to_string(kDeidMinKeySize) + " bytes");
    if (uid.empty() || uid_find(uid) != nullptr) return uid;
    return digest_decimal_uid(hmac_sha256(key.data(), key.size(), uid.data(), uid.size()));
}

std::string deid_burned_in_reason(const Dataset &ds) { return burned_in_reason(ds); }

void deidentify(Dataset &ds, const DeidOptions &options, DeidReport &report) {
    check_options(options);
    report = DeidReport{};
    const std::string reason = burned_in_reason(ds);
    if (!reason.empty()) {
        report.burned_in_reason = reason;
        if (options.burned_in == BurnedIn::refuse)
            throw Error(Errc::unsupported, "burned-in text is likely in the pixel data (" + reason +
                                               "); dcmkit does not clean pixel data: refused (flag or ignore to proceed)");
        report.burned_in_flagged = options.burned_in == BurnedIn::flag;
        if (report.burned_in_flagged) report.notes.push_back("burned-in text likely: " + reason);
    }
    Deidentifier d(options, report);
    d.prepare(ds);
    d.run(ds, 0);

    ds.set_string(kPatientIdentityRemoved, "YES", VR::CS);
    const std::vector<MethodCode> codes = method_codes(options);
    std::vector<std::string> meanings;
    std::vector<Dataset> items;
    for (const MethodCode &c : codes) {
        meanings.emplace_back(c.meaning);
        Dataset item;
        item.set_string(kCodeValue, c.value, VR::SH);
        item.set_string(kCodingScheme, "DCM", VR::SH);
        item.set_string(kCodeMeaning, c.meaning, VR::LO);
        items.push_back(std::move(item));
    }
    ds.set_strings(kDeidMethod, meanings, VR::LO);
    ds.set_sequence(kDeidMethodCodes, std::move(items));
    ds.set_string(kLongitudinalModified,
                  options.retain_long_modified_dates ? "MODIFIED" : options.retain_long_full_dates ? "UNMODIFIED" : "REMOVED",
                  VR::CS);
    if (report.burned_in_flagged) report.notes.push_back("the Clean Pixel Data Option is not claimed");
}

void deidentify(DicomFile &file, const DeidOptions &options, DeidReport &report) {
    deidentify(file.dataset, options, report);
    // The meta information: the UIDs follow the dataset when written; AE titles and private
    // information of the sender go.
    for (uint16_t e : {0x0003, 0x0016, 0x0017, 0x0018, 0x0100, 0x0102}) file.meta.remove(Tag(0x0002, e));
    file.preamble.fill(0);
}

const std::vector<SafePrivate> &deid_safe_private_list() { return safe_private(); }

void parse_deid_list(DeidOptions &o, const std::string &kind, const std::string &list) {
    if (kind != "retain" && kind != "clean")
        throw Error(Errc::invalid_argument, "de-identification options are retain or clean, not '" + kind + "'");
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        const std::string w = list.substr(start, comma - start);
        start = comma + 1;
        if (w.empty()) continue;
        bool *f = nullptr;
        if (kind == "retain") {
            f = w == "safe-private" ? &o.retain_safe_private : w == "uids" ? &o.retain_uids
              : w == "device" ? &o.retain_device_identity : w == "institution" ? &o.retain_institution_identity
              : w == "patient-chars" ? &o.retain_patient_characteristics
              : w == "full-dates" ? &o.retain_long_full_dates : w == "modified-dates" ? &o.retain_long_modified_dates
              : nullptr;
            if (!f)
                throw Error(Errc::invalid_argument, "retain: unknown option '" + w + "' (known: safe-private, uids, device, "
                                                    "institution, patient-chars, full-dates, modified-dates)");
        } else {
            f = w == "descriptors" ? &o.clean_descriptors : w == "structured-content" ? &o.clean_structured_content
              : w == "graphics" ? &o.clean_graphics : nullptr;
            if (!f)
                throw Error(Errc::invalid_argument,
                            "clean: unknown option '" + w + "' (known: descriptors, structured-content, graphics)");
        }
        *f = true;
    }
}

BurnedIn parse_burned_in(const std::string &mode) {
    if (mode == "refuse") return BurnedIn::refuse;
    if (mode == "flag") return BurnedIn::flag;
    if (mode == "ignore") return BurnedIn::ignore;
    throw Error(Errc::invalid_argument, "burned-in: '" + mode + "' is not refuse, flag or ignore");
}

std::vector<uint8_t> read_deid_key(const std::string &path) {
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error(Errc::io, "cannot open the key file " + path + ": " + std::strerror(errno));
    std::vector<uint8_t> key;
    uint8_t buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        key.insert(key.end(), buf, buf + n);
        if (key.size() > (1u << 20)) {
            std::fclose(f);
            throw Error(Errc::invalid_argument, "the key file " + path + " is larger than 1 MB: is it the right file?");
        }
    }
    std::fclose(f);
    if (key.size() < kDeidMinKeySize)
        throw Error(Errc::invalid_argument, "the key file " + path + " holds " + std::to_string(key.size()) +
                                                " bytes; a de-identification key needs at least " +
                                                std::to_string(kDeidMinKeySize) + " (make one with dcmkit deidentify --new-key FILE)");
    return key;
}

}  // namespace dcmkit
