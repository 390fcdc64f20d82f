#include "dcmkit/dataset.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "dcmkit/charset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"

namespace dcmkit {

// -- helpers ----------------------------------------------------------------------------------------

std::string_view trim_value(std::string_view v, VR vr) {
    // PS3.5 6.2: trailing spaces (and a UI's trailing NUL) are padding; leading spaces are
    // insignificant except in LT, ST, UT and UR... and UR forbids them anyway.
    while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
    if (vr != VR::LT && vr != VR::ST && vr != VR::UT) {
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    }
    return v;
}

std::vector<std::string_view> split_values(std::string_view raw, VR vr) {
    std::vector<std::string_view> out;
    if (vr_is_single_valued_text(vr)) {
        out.push_back(trim_value(raw, vr));
        return out;
    }
    size_t start = 0;
    for (;;) {
        size_t p = raw.find('\\', start);
        out.push_back(trim_value(raw.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start), vr));
        if (p == std::string_view::npos) break;
        start = p + 1;
    }
    return out;
}

size_t Element::count() const noexcept {
    if (vr == VR::SQ) return items.size();
    if (is_encapsulated()) return 1;
    if (value.empty()) return 0;
    if (vr_is_string(vr)) {
        if (vr_is_single_valued_text(vr)) return 1;
        return size_t(std::count(value.str().begin(), value.str().end(), '\\')) + 1;
    }
    unsigned sz = vr_value_size(vr);
    if (sz == 0 || vr == VR::OB || vr == VR::OW || vr == VR::OF || vr == VR::OD || vr == VR::OL ||
        vr == VR::OV || vr == VR::UN)
        return 1;
    return value.size() / sz;
}

Tag tag_from_keyword(std::string_view keyword) {
    if (const DictEntry *e = dict_find(keyword)) {
        if (e->mask() != 0xFFFFFFFFu)
            throw Error(Errc::invalid_argument, "keyword '" + std::string(keyword) + "' names a repeating group; use a tag");
        return Tag(e->tag);
    }
    try {
        return Tag::parse(keyword);
    } catch (const Error &) {
        throw Error(Errc::not_found, "unknown keyword '" + std::string(keyword) + "'");
    }
}

// -- PN, DA, TM, DT -----------------------------------------------------------------------------------

static std::vector<std::string_view> split_on(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        size_t p = s.find(sep, start);
        parts.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
        if (p == std::string_view::npos) return parts;
        start = p + 1;
    }
}

PersonName PersonName::parse(std::string_view s) {
    PersonName pn;
    PersonNameGroup *groups[3] = {&pn.alphabetic, &pn.ideographic, &pn.phonetic};
    auto gs = split_on(s, '=');
    for (size_t g = 0; g < gs.size() && g < 3; ++g) {
        auto cs = split_on(gs[g], '^');
        std::string *fields[5] = {&groups[g]->family, &groups[g]->given, &groups[g]->middle, &groups[g]->prefix,
                                  &groups[g]->suffix};
        for (size_t c = 0; c < cs.size() && c < 5; ++c) *fields[c] = std::string(trim_value(cs[c], VR::PN));
    }
    return pn;
}

static std::string group_str(const PersonNameGroup &g) {
    std::string parts[5] = {g.family, g.given, g.middle, g.prefix, g.suffix};
    int last = 4;
    while (last >= 0 && parts[last].empty()) --last;
    std::string out;
    for (int i = 0; i <= last; ++i) {
        if (i) out += '^';
        out += parts[i];
    }
    return out;
}

std::string PersonName::str() const {
    std::string g[3] = {group_str(alphabetic), group_str(ideographic), group_str(phonetic)};
    int last = 2;
    while (last > 0 && g[last].empty()) --last;
    std::string out = g[0];
    for (int i = 1; i <= last; ++i) out += "=" + g[i];
    return out;
}

static bool digits(std::string_view s, size_t pos, size_t n, int &out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

/// Days in a month of the Gregorian calendar (PS3.5 6.2 DA: "a valid date").
static int days_in_month(int year, int month) {
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return 0;
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
    return kDays[month - 1];
}

Date Date::parse(std::string_view s) {
    s = trim_value(s, VR::DA);
    Date d;
    bool ok = false;
    if (s.size() == 8) {
        ok = digits(s, 0, 4, d.year) && digits(s, 4, 2, d.month) && digits(s, 6, 2, d.day);
    } else if (s.size() == 10 && s[4] == '.' && s[7] == '.') {  // ACR-NEMA 300 form, PS3.5 6.2 note
        ok = digits(s, 0, 4, d.year) && digits(s, 5, 2, d.month) && digits(s, 8, 2, d.day);
    }
    if (!ok || d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(d.year, d.month))
        throw Error(Errc::bad_value, "not a DA value: '" + std::string(s) + "'");
    return d;
}

std::string Date::str() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", year % 10000, month % 100, day % 100);
    return buf;
}

static size_t parse_time_into(std::string_view s, Time &t) {
    // "HH[MM[SS[.FFFFFF]]]", also the ACR-NEMA "HH:MM:SS.frac".
    size_t pos = 0;
    auto bad = [&] { throw Error(Errc::bad_value, "not a TM value: '" + std::string(s) + "'"); };
    if (!digits(s, pos, 2, t.hour)) bad();
    pos += 2;
    t.precision = 1;
    if (pos < s.size() && s[pos] == ':') ++pos;
    if (digits(s, pos, 2, t.minute)) {
        pos += 2;
        t.precision = 2;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (digits(s, pos, 2, t.second)) {
            pos += 2;
            t.precision = 3;
            if (pos < s.size() && s[pos] == '.') {
                ++pos;
                int n = 0, frac = 0;
                while (pos < s.size() && n < 6 && s[pos] >= '0' && s[pos] <= '9') {
                    frac = frac * 10 + (s[pos] - '0');
                    ++pos;
                    ++n;
                }
                if (n == 0) bad();
                for (int i = n; i < 6; ++i) frac *= 10;
                t.microsecond = frac;
                t.precision = 4;
            }
        }
    }
    if (t.hour > 23 || t.minute > 59 || t.second > 60) bad();
    return pos;
}

Time Time::parse(std::string_view s) {
    s = trim_value(s, VR::TM);
    Time t;
    if (parse_time_into(s, t) != s.size()) throw Error(Errc::bad_value, "not a TM value: '" + std::string(s) + "'");
    return t;
}

std::string Time::str() const {
    char buf[32];
    switch (precision) {
    case 1: std::snprintf(buf, sizeof buf, "%02d", hour % 100); break;
    case 2: std::snprintf(buf, sizeof buf, "%02d%02d", hour % 100, minute % 100); break;
    case 3: std::snprintf(buf, sizeof buf, "%02d%02d%02d", hour % 100, minute % 100, second % 100); break;
    default:
        std::snprintf(buf, sizeof buf, "%02d%02d%02d.%06d", hour % 100, minute % 100, second % 100,
                      microsecond % 1000000);
    }
    return buf;
}

DateTime DateTime::parse(std::string_view s) {
    s = trim_value(s, VR::DT);
    DateTime dt;
    auto bad = [&] { throw Error(Errc::bad_value, "not a DT value: '" + std::string(s) + "'"); };
    size_t off = s.find_first_of("+-");
    std::string_view body = s.substr(0, off);
    if (off != std::string_view::npos) {
        std::string_view z = s.substr(off);
        int hh = 0, mm = 0;
        if (z.size() != 5 || !digits(z, 1, 2, hh) || !digits(z, 3, 2, mm) || mm > 59) bad();
        dt.has_offset = true;
        dt.offset_minutes = (z[0] == '-' ? -1 : 1) * (hh * 60 + mm);
        // PS3.5 6.2 DT: the offset from UTC ranges from -1200 to +1400.
        if (dt.offset_minutes < -12 * 60 || dt.offset_minutes > 14 * 60) bad();
    }
    if (!digits(body, 0, 4, dt.date.year)) bad();
    size_t pos = 4;
    if (body.size() > pos) {
        if (!digits(body, pos, 2, dt.date.month) || dt.date.month < 1 || dt.date.month > 12) bad();
        pos += 2;
    }
    if (body.size() > pos) {
        if (!digits(body, pos, 2, dt.date.day) || dt.date.day < 1 ||
            dt.date.day > days_in_month(dt.date.year, dt.date.month))
            bad();
        pos += 2;
    }
    if (body.size() > pos) {
        if (parse_time_into(body.substr(pos), dt.time) != body.size() - pos) bad();
    }
    return dt;
}

std::string DateTime::str() const {
    char buf[16];
    std::string out;
    std::snprintf(buf, sizeof buf, "%04d", date.year % 10000);
    out = buf;
    if (date.month) {
        std::snprintf(buf, sizeof buf, "%02d", date.month % 100);
        out += buf;
        if (date.day) {
            std::snprintf(buf, sizeof buf, "%02d", date.day % 100);
            out += buf;
            if (time.precision) out += time.str();
        }
    }
    if (has_offset) {
        int m = offset_minutes < 0 ? -offset_minutes : offset_minutes;
        std::snprintf(buf, sizeof buf, "%c%02d%02d", offset_minutes < 0 ? '-' : '+', (m / 60) % 100, m % 60);
        out += buf;
    }
    return out;
}

// -- Dataset: elements ------------------------------------------------------------------------------

static bool tag_less(const Element &e, Tag t) { return e.tag < t; }

const Element *Dataset::find(Tag tag) const noexcept {
    auto it = std::lower_bound(elements_.begin(), elements_.end(), tag, tag_less);
    return (it != elements_.end() && it->tag == tag) ? &*it : nullptr;
}

Element *Dataset::find(Tag tag) noexcept {
    auto it = std::lower_bound(elements_.begin(), elements_.end(), tag, tag_less);
    return (it != elements_.end() && it->tag == tag) ? &*it : nullptr;
}

Element &Dataset::set(Element e) {
    auto it = std::lower_bound(elements_.begin(), elements_.end(), e.tag, tag_less);
    if (it != elements_.end() && it->tag == e.tag) {
        *it = std::move(e);
        return *it;
    }
    return *elements_.insert(it, std::move(e));
}

Element &Dataset::append(Element e) {
    if (elements_.empty() || elements_.back().tag < e.tag) {
        elements_.push_back(std::move(e));
        return elements_.back();
    }
    return set(std::move(e));
}

bool Dataset::remove(Tag tag) {
    auto it = std::lower_bound(elements_.begin(), elements_.end(), tag, tag_less);
    if (it == elements_.end() || it->tag != tag) return false;
    elements_.erase(it);
    return true;
}

const Element &Dataset::require(Tag tag) const {
    const Element *e = find(tag);
    if (!e) throw Error(Errc::not_found, std::string("no element ") + dict_keyword(tag), -1, tag.value);
    return *e;
}

// -- Dataset: character set ---------------------------------------------------------------------------

std::string Dataset::specific_character_set() const {
    if (const Element *e = find(tags::SpecificCharacterSet)) return std::string(e->value.str());
    return inherited_charset_;
}

static const CharacterSet &charset_for(const std::string &value) {
    // Datasets of a study share a handful of values: cache the parsed character sets per thread.
    thread_local std::unordered_map<std::string, CharacterSet> cache;
    auto it = cache.find(value);
    if (it != cache.end()) return it->second;
    if (cache.size() > 64) cache.clear();
    return cache.emplace(value, CharacterSet::from_value(value)).first->second;
}

std::string Dataset::decode_text(std::string_view raw, VR vr) const {
    if (!vr_uses_charset(vr)) return std::string(raw);
    std::string cs = specific_character_set();
    if (cs.empty()) {
        // Default repertoire: bytes over 0x7F are not ASCII; decode leniently rather than fail.
        bool ascii = std::all_of(raw.begin(), raw.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        if (ascii) return std::string(raw);
    }
    return charset_for(cs).decode(raw, vr);
}

// -- Dataset: typed reading ---------------------------------------------------------------------------

std::string Dataset::get_string(Tag tag) const {
    const Element &e = require(tag);
    if (!vr_is_string(e.vr) && e.vr != VR::UN)
        throw Error(Errc::bad_value, std::string("not a string element (VR ") + vr_name(e.vr) + ")", -1, tag.value);
    std::string_view raw = e.value.str();
    if (vr_is_single_valued_text(e.vr)) raw = trim_value(raw, e.vr);
    else {
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\0')) raw.remove_suffix(1);
        while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
    }
    return decode_text(raw, e.vr);
}

std::string Dataset::get_string_or(Tag tag, std::string_view fallback) const {
    const Element *e = find(tag);
    if (!e || e->value.empty()) return std::string(fallback);
    return get_string(tag);
}

std::vector<std::string> Dataset::get_strings(Tag tag) const {
    const Element &e = require(tag);
    std::vector<std::string> out;
    if (e.value.empty()) return out;
    if (!vr_is_string(e.vr) && e.vr != VR::UN)
        throw Error(Errc::bad_value, std::string("not a string element (VR ") + vr_name(e.vr) + ")", -1, tag.value);
    // Decode first: in ISO 2022 multi-byte text a 0x5C byte may be half of a character.
    std::string text = decode_text(e.value.str(), e.vr);
    for (auto v : split_values(text, e.vr)) out.emplace_back(v);
    return out;
}

/// PS3.5 6.2: DS and IS are decimal text: digits, sign, point and exponent only (strtod alone would
/// also take "0x10", "inf" or "nan").
static bool decimal_chars(std::string_view s) {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E')) return false;
    return true;
}

/// "value 1 ('abc') of VR DS is not a number": the index, the text and the VR, for a person to act on.
static std::string bad_text(size_t index, std::string_view text, VR vr, const char *what) {
    std::string t(text.substr(0, 64));
    if (text.size() > 64) t += "...";
    return "value " + std::to_string(index) + " ('" + t + "') of VR " + vr_name(vr) + " is not " + what;
}

static bool parse_double(std::string_view s, double &out) {
    if (s.empty() || s.size() > 64 || !decimal_chars(s)) return false;
    char buf[72];
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = 0;
    char *end = nullptr;
    errno = 0;
    out = std::strtod(buf, &end);
    return end == buf + s.size() && errno != ERANGE && std::isfinite(out);
}

static bool parse_int(std::string_view s, int64_t &out) {
    if (s.empty() || s.size() > 24 || !decimal_chars(s)) return false;
    char buf[32];
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = 0;
    char *end = nullptr;
    errno = 0;
    out = std::strtoll(buf, &end, 10);
    return end == buf + s.size() && errno != ERANGE;
}

template <typename T>
static T load(const uint8_t *p) {
    T v;
    std::memcpy(&v, p, sizeof v);  // values are held little endian; hosts we build for are too
    return v;
}

static bool binary_number(const Element &e, size_t index, double *d, int64_t *i) {
    unsigned sz = vr_value_size(e.vr);
    if (sz == 0 || e.vr == VR::OB || e.vr == VR::UN || e.vr == VR::AT) return false;
    if ((uint64_t(index) + 1) * sz > e.value.size()) return false;
    const uint8_t *p = e.value.data() + index * sz;
    switch (e.vr) {
    case VR::US: case VR::OW: { auto v = load<uint16_t>(p); *d = v; *i = v; return true; }
    case VR::SS: { auto v = load<int16_t>(p); *d = v; *i = v; return true; }
    case VR::UL: case VR::OL: { auto v = load<uint32_t>(p); *d = v; *i = v; return true; }
    case VR::SL: { auto v = load<int32_t>(p); *d = v; *i = v; return true; }
    case VR::UV: case VR::OV: { auto v = load<uint64_t>(p); *d = double(v); *i = int64_t(v); return true; }
    case VR::SV: { auto v = load<int64_t>(p); *d = double(v); *i = v; return true; }
    case VR::FL: case VR::OF: { auto v = load<float>(p); *d = v; *i = int64_t(v); return true; }
    case VR::FD: case VR::OD: { auto v = load<double>(p); *d = v; *i = int64_t(v); return true; }
    default: return false;
    }
}

double Dataset::get_number(Tag tag, size_t index) const {
    const Element &e = require(tag);
    if (e.vr == VR::DS || e.vr == VR::IS) {
        auto vals = split_values(e.value.str(), e.vr);
        double d;
        if (index >= vals.size())
            throw Error(Errc::bad_value, "no value " + std::to_string(index) + " (" + std::to_string(vals.size()) + " values)", -1, tag.value);
        if (!parse_double(vals[index], d))
            throw Error(Errc::bad_value, bad_text(index, vals[index], e.vr, "a number"), -1, tag.value);
        return d;
    }
    double d;
    int64_t i;
    if (!binary_number(e, index, &d, &i))
        throw Error(Errc::bad_value, std::string("no numeric value ") + std::to_string(index) + " (VR " + vr_name(e.vr) + ")", -1, tag.value);
    return d;
}

std::vector<double> Dataset::get_numbers(Tag tag) const {
    const Element &e = require(tag);
    std::vector<double> out;
    size_t n = (e.vr == VR::DS || e.vr == VR::IS) ? (e.value.empty() ? 0 : split_values(e.value.str(), e.vr).size())
                                                   : (vr_value_size(e.vr) ? e.value.size() / vr_value_size(e.vr) : 0);
    out.reserve(n);
    for (size_t k = 0; k < n; ++k) out.push_back(get_number(tag, k));
    return out;
}

int64_t Dataset::get_int(Tag tag, size_t index) const {
    const Element &e = require(tag);
    if (e.vr == VR::IS || e.vr == VR::DS) {
        auto vals = split_values(e.value.str(), e.vr);
        int64_t v;
        if (index < vals.size() && parse_int(vals[index], v)) return v;
        double d;
        if (index < vals.size() && parse_double(vals[index], d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
            return int64_t(d);
        if (index >= vals.size())
            throw Error(Errc::bad_value, "no value " + std::to_string(index) + " (" + std::to_string(vals.size()) + " values)", -1, tag.value);
        throw Error(Errc::bad_value, bad_text(index, vals[index], e.vr, "an integer"), -1, tag.value);
    }
    double d;
    int64_t i;
    if (!binary_number(e, index, &d, &i))
        throw Error(Errc::bad_value, std::string("no integer value ") + std::to_string(index) + " (VR " + vr_name(e.vr) + ")", -1, tag.value);
    return i;
}

std::optional<int64_t> Dataset::get_int_opt(Tag tag, size_t index) const {
    const Element *e = find(tag);
    if (!e || e->value.empty()) return std::nullopt;
    try {
        return get_int(tag, index);
    } catch (const Error &) {
        return std::nullopt;
    }
}

static std::string value_at(const std::vector<std::string> &v, size_t index, Tag tag) {
    if (index >= v.size()) throw Error(Errc::not_found, "no value " + std::to_string(index), -1, tag.value);
    return v[index];
}

PersonName Dataset::get_person_name(Tag tag, size_t index) const {
    return PersonName::parse(value_at(get_strings(tag), index, tag));
}
Date Dataset::get_date(Tag tag, size_t index) const { return Date::parse(value_at(get_strings(tag), index, tag)); }
Time Dataset::get_time(Tag tag, size_t index) const { return Time::parse(value_at(get_strings(tag), index, tag)); }
DateTime Dataset::get_datetime(Tag tag, size_t index) const {
    return DateTime::parse(value_at(get_strings(tag), index, tag));
}

std::vector<Tag> Dataset::get_tags(Tag tag) const {
    const Element &e = require(tag);
    if (e.vr != VR::AT) throw Error(Errc::bad_value, "not an AT element", -1, tag.value);
    std::vector<Tag> out;
    for (size_t p = 0; p + 4 <= e.value.size(); p += 4)
        out.emplace_back(load_u16le(e.value.data() + p), load_u16le(e.value.data() + p + 2));
    return out;
}

const std::vector<Dataset> &Dataset::get_items(Tag tag) const {
    static const std::vector<Dataset> kNone;
    const Element *e = find(tag);
    return e ? e->items : kNone;
}

// -- Dataset: typed writing ---------------------------------------------------------------------------

static VR resolve_vr(Tag tag, VR vr) {
    if (vr != VR::None) return vr;
    VR d = dict_vr(tag);
    return d;
}

void Dataset::set_string(Tag tag, std::string_view utf8, VR vr) {
    vr = resolve_vr(tag, vr);
    std::string raw;
    if (vr_uses_charset(vr)) {
        std::string cs = tag == tags::SpecificCharacterSet ? std::string() : specific_character_set();
        bool ascii = std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        if (!ascii && cs.empty())
            throw Error(Errc::charset, "non-ASCII text needs a Specific Character Set (0008,0005)", -1, tag.value);
        raw = cs.empty() ? std::string(utf8) : charset_for(cs).encode(utf8, vr);
    } else {
        raw = std::string(utf8);
    }
    if (raw.size() & 1) raw += vr_padding(vr);
    set(Element(tag, vr, Bytes::copy(raw)));
}

void Dataset::set_strings(Tag tag, const std::vector<std::string> &values, VR vr) {
    std::string joined;
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) joined += '\\';
        joined += values[i];
    }
    set_string(tag, joined, vr);
}

static std::string format_ds(double v) {
    // PS3.5 6.2: DS holds at most 16 characters.
    char buf[32];
    for (int prec = 16; prec > 0; --prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strlen(buf) <= 16) break;
    }
    return buf;
}

template <typename T>
static void append_le(std::vector<uint8_t> &out, T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof v);
    out.insert(out.end(), b, b + sizeof v);
}

void Dataset::set_numbers(Tag tag, const std::vector<double> &values, VR vr) {
    vr = resolve_vr(tag, vr);
    if (vr == VR::DS || vr == VR::IS) {
        std::vector<std::string> s;
        for (double v : values) {
            if (vr == VR::IS) {
                if (v != std::floor(v) || std::fabs(v) > 2147483647.0)
                    throw Error(Errc::bad_value, "IS value must be an integer", -1, tag.value);
                s.push_back(std::to_string(int64_t(v)));
            } else {
                s.push_back(format_ds(v));
            }
        }
        set_strings(tag, s, vr);
        return;
    }
    std::vector<uint8_t> out;
    for (double v : values) {
        switch (vr) {
        case VR::US: case VR::OW: append_le<uint16_t>(out, uint16_t(v)); break;
        case VR::SS: append_le<int16_t>(out, int16_t(v)); break;
        case VR::UL: case VR::OL: append_le<uint32_t>(out, uint32_t(v)); break;
        case VR::SL: append_le<int32_t>(out, int32_t(v)); break;
        case VR::UV: case VR::OV: append_le<uint64_t>(out, uint64_t(v)); break;
        case VR::SV: append_le<int64_t>(out, int64_t(v)); break;
        case VR::FL: case VR::OF: append_le<float>(out, float(v)); break;
        case VR::FD: case VR::OD: append_le<double>(out, v); break;
        default: throw Error(Errc::bad_value, std::string("VR ") + vr_name(vr) + " holds no numbers", -1, tag.value);
        }
    }
    set(Element(tag, vr, Bytes(std::move(out))));
}

void Dataset::set_number(Tag tag, double value, VR vr) { set_numbers(tag, {value}, vr); }

void Dataset::set_ints(Tag tag, const std::vector<int64_t> &values, VR vr) {
    vr = resolve_vr(tag, vr);
    if (vr == VR::IS || vr == VR::DS) {
        std::vector<std::string> s;
        for (auto v : values) s.push_back(std::to_string(v));
        set_strings(tag, s, vr);
        return;
    }
    if (vr == VR::UV || vr == VR::SV || vr == VR::OV) {  // keep 64-bit values exact
        std::vector<uint8_t> out;
        for (auto v : values) append_le<int64_t>(out, v);
        set(Element(tag, vr, Bytes(std::move(out))));
        return;
    }
    std::vector<double> d(values.begin(), values.end());
    set_numbers(tag, d, vr);
}

void Dataset::set_int(Tag tag, int64_t value, VR vr) { set_ints(tag, {value}, vr); }

void Dataset::set_tags(Tag tag, const std::vector<Tag> &values) {
    std::vector<uint8_t> out;
    for (Tag t : values) {
        append_le<uint16_t>(out, t.group());
        append_le<uint16_t>(out, t.element());
    }
    set(Element(tag, VR::AT, Bytes(std::move(out))));
}

void Dataset::set_bytes(Tag tag, VR vr, Bytes value) { set(Element(tag, vr, std::move(value))); }

Element &Dataset::set_sequence(Tag tag, std::vector<Dataset> items) {
    Element e(tag, VR::SQ);
    std::string cs = specific_character_set();
    for (auto &item : items)
        if (!cs.empty()) item.set_inherited_character_set(cs);
    e.items = std::move(items);
    return set(std::move(e));
}

// -- private tags -------------------------------------------------------------------------------------

uint8_t Dataset::reserve_private_block(uint16_t group, std::string_view creator) {
    if (!(group & 1) || group <= 0x0007 || group == 0xFFFF)
        throw Error(Errc::invalid_argument, "group is not private");
    int free_block = -1;
    for (unsigned b = 0x10; b <= 0xFF; ++b) {
        const Element *e = find(Tag(group, uint16_t(b)));
        if (!e) {
            if (free_block < 0) free_block = int(b);
            continue;
        }
        if (trim_value(e->value.str(), VR::LO) == creator) return uint8_t(b);
    }
    if (free_block < 0) throw Error(Errc::invalid_argument, "private group is full");
    set_string(Tag(group, uint16_t(free_block)), creator, VR::LO);
    return uint8_t(free_block);
}

std::optional<Tag> Dataset::find_private(uint16_t group, std::string_view creator, uint8_t offset) const {
    for (unsigned b = 0x10; b <= 0xFF; ++b) {
        const Element *e = find(Tag(group, uint16_t(b)));
        if (e && trim_value(e->value.str(), VR::LO) == creator) return Tag(group, uint16_t((b << 8) | offset));
    }
    return std::nullopt;
}

std::string Dataset::private_creator_of(Tag tag) const {
    if (!tag.is_private() || tag.element() < 0x1000) return {};
    const Element *e = find(Tag(tag.group(), uint16_t(tag.element() >> 8)));
    return e ? std::string(trim_value(e->value.str(), VR::LO)) : std::string();
}

// -- comparison ---------------------------------------------------------------------------------------

static std::string_view padded_view(const Element &e) {
    std::string_view v = e.value.str();
    if (vr_is_string(e.vr))
        while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
    return v;
}

bool Dataset::equals(const Dataset &other, std::string *why) const {
    auto fail = [&](const std::string &msg) {
        if (why) *why = msg;
        return false;
    };
    if (elements_.size() != other.elements_.size()) {
        // Report the first tag present in one and not the other.
        for (const auto &e : elements_)
            if (!other.find(e.tag)) return fail(e.tag.str() + " missing on the right");
        for (const auto &e : other.elements_)
            if (!find(e.tag)) return fail(e.tag.str() + " missing on the left");
        return fail("element counts differ");
    }
    for (size_t i = 0; i < elements_.size(); ++i) {
        const Element &a = elements_[i], &b = other.elements_[i];
        if (a.tag != b.tag) return fail(a.tag.str() + " vs " + b.tag.str());
        if (a.vr != b.vr) return fail(a.tag.str() + " VR " + vr_name(a.vr) + " vs " + vr_name(b.vr));
        if (a.items.size() != b.items.size()) return fail(a.tag.str() + " item counts differ");
        for (size_t k = 0; k < a.items.size(); ++k) {
            std::string sub;
            if (!a.items[k].equals(b.items[k], &sub))
                return fail(a.tag.str() + " item " + std::to_string(k) + ": " + sub);
        }
        if (a.fragments.size() != b.fragments.size()) return fail(a.tag.str() + " fragment counts differ");
        for (size_t k = 0; k < a.fragments.size(); ++k)
            if (a.fragments[k].str() != b.fragments[k].str())
                return fail(a.tag.str() + " fragment " + std::to_string(k) + " differs");
        if (padded_view(a) != padded_view(b)) return fail(a.tag.str() + " values differ");
    }
    return true;
}

}  // namespace dcmkit
