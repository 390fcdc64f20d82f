// dcmkit services — PS3.4 C.2.2.2 attribute matching on UTF-8 values.
#include "dcmkit/services/matching_detail.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "dcmkit/charset.h"
#include "dcmkit/dictionary.h"

namespace dcmkit::matching {

QueryError::QueryError(Kind kind, const std::string &message, Tag offending)
    : Error(Errc::invalid_argument, message, -1, offending.value), kind_(kind) {}

uint16_t QueryError::status() const noexcept {
    return kind_ == Kind::identifier_does_not_match_sop_class ? 0xA900 : 0xC000;
}

namespace detail {

namespace {

// -- UTF-8 ------------------------------------------------------------------------------------------

// Decodes one code point at s[i]; an invalid byte decodes as itself (0x80-0xFF) and advances by one.
char32_t next_cp(std::string_view s, size_t &i) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
        ++i;
        return b;
    }
    int n = (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
    if (n < 0 || i + size_t(n) >= s.size()) {
        ++i;
        return b;
    }
    char32_t cp = b & (0x3F >> n);
    for (int k = 1; k <= n; ++k) {
        auto c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xC0) != 0x80) {
            ++i;
            return char32_t(b);
        }
        cp = (cp << 6) | (c & 0x3F);
    }
    i += size_t(n) + 1;
    return cp;
}

std::vector<char32_t> decode_cps(std::string_view s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) out.push_back(next_cp(s, i));
    return out;
}

char32_t fold_cp(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if ((c <= 0x137 || (c >= 0x14A && c <= 0x177)) && (c & 1) == 0) return c + 1;
        if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && (c & 1) == 1) return c + 1;
        if (c == 0x178) return 0xFF;
        return c;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c == 0x3C2) return 0x3C3;  // final sigma
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
    return c;
}

std::string_view trim_spaces(std::string_view v) {
    while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    for (;;) {
        size_t p = s.find(sep, start);
        out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
        if (p == std::string_view::npos) break;
        start = p + 1;
    }
    return out;
}

// -- dates and times ----------------------------------------------------------------------------------

int days_in_month(int y, int m) {
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return kDays[(m - 1) % 12];
}

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
void civil_from_days(int64_t z, int &y, int &m, int &d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = int(doy - (153 * mp + 2) / 5 + 1);
    m = int(mp < 10 ? mp + 3 : mp - 9);
    y = int(yy + (m <= 2));
}

void fill_time(Time &t, bool upper) {
    if (!upper) return;  // absent components are already zero
    if (t.precision < 2) t.minute = 59;
    if (t.precision < 3) t.second = 59;
    if (t.precision < 4) t.microsecond = 999999;
}

std::string format_dt(int y, int mo, int d, const Time &t) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d.%06d", y % 10000, mo % 100, d % 100, t.hour % 100,
                  t.minute % 100, t.second % 100, t.microsecond % 1000000);
    return buf;
}

bool parses_as(VR vr, std::string_view v) {
    if (v.empty()) return true;
    switch (vr) {
    case VR::DA: return !da_key(v).empty();
    case VR::TM: return !tm_key(v, false).empty();
    default: return !dt_key(v, false).empty();
    }
}

std::string bound_key(VR vr, std::string_view v, bool upper, std::string *utc) {
    switch (vr) {
    case VR::DA: return da_key(v);
    case VR::TM: return tm_key(v, upper);
    default: return dt_key(v, upper, utc);
    }
}

// Splits a DA/TM/DT key into a range "lo-hi" (either side may be empty). Returns false when the value
// is a single value. DT values may carry a "-ZZXX" offset, so every '-' is tried.
bool split_range(VR vr, std::string_view v, std::string_view &lo, std::string_view &hi) {
    if (vr == VR::DT && !dt_key(v, false).empty()) return false;
    if (v.find('-') == std::string_view::npos) return false;
    for (size_t p = v.find('-'); p != std::string_view::npos; p = v.find('-', p + 1)) {
        std::string_view a = trim_spaces(v.substr(0, p)), b = trim_spaces(v.substr(p + 1));
        if (parses_as(vr, a) && parses_as(vr, b)) {
            lo = a;
            hi = b;
            return true;
        }
    }
    // Not a valid range: report the whole value as the bad one.
    lo = v;
    hi = v;
    return true;
}

bool numeric_equal(std::string_view a, std::string_view b) {
    std::string sa(a), sb(b);
    char *ea = nullptr, *eb = nullptr;
    double da = std::strtod(sa.c_str(), &ea), db = std::strtod(sb.c_str(), &eb);
    if (ea && *ea == '\0' && eb && *eb == '\0' && !sa.empty() && !sb.empty()) return da == db;
    return a == b;
}

bool wildcard_vr(VR vr) {
    switch (vr) {
    case VR::AE: case VR::CS: case VR::LO: case VR::LT: case VR::PN: case VR::SH: case VR::ST: case VR::UC:
    case VR::UR: case VR::UT: case VR::UN: return true;
    default: return false;
    }
}

bool pn_group_match(const Alternative &a, std::string_view key, std::string_view value) {
    if (a.type == Alternative::wildcard) return wildcard_match(key, value);
    return key == value;
}

bool pn_match(const Alternative &a, std::string_view entity) {
    const std::string &key = a.value;
    if (key.find('=') != std::string::npos) {
        auto kg = split(key, '=');
        auto eg = split(entity, '=');
        for (size_t g = 0; g < kg.size(); ++g) {
            if (kg[g].empty()) continue;
            std::string_view ev = g < eg.size() ? eg[g] : std::string_view();
            if (!pn_group_match(a, kg[g], ev)) return false;
        }
        return true;
    }
    if (pn_group_match(a, key, entity)) return true;
    auto eg = split(entity, '=');
    if (eg.size() == 1) return false;
    for (auto g : eg)
        if (!g.empty() && pn_group_match(a, key, g)) return true;
    return false;
}

}  // namespace

// -- public helpers -------------------------------------------------------------------------------------

std::string fold_case(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
        for (char c : s) out += (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
        return out;
    }
    for (size_t i = 0; i < s.size();) {
        size_t start = i;
        char32_t cp = next_cp(s, i);
        if (i - start == 1 && static_cast<unsigned char>(s[start]) >= 0x80) {
            out += s[start];  // an invalid byte stays as it is
            continue;
        }
        append_utf8(out, fold_cp(cp));
    }
    return out;
}

bool has_wildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

bool wildcard_match(std::string_view pattern, std::string_view text) {
    auto p = decode_cps(pattern);
    auto t = decode_cps(text);
    size_t pi = 0, ti = 0, star = std::string::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && (p[pi] == U'?' || (p[pi] != U'*' && p[pi] == t[ti]))) {
            ++pi;
            ++ti;
        } else if (pi < p.size() && p[pi] == U'*') {
            star = pi++;
            mark = ti;
        } else if (star != std::string::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == U'*') ++pi;
    return pi == p.size();
}

std::string normalize_pn(std::string_view pn) {
    auto groups = split(trim_spaces(pn), '=');
    std::vector<std::string> gs;
    for (auto g : groups) {
        auto comps = split(g, '^');
        std::vector<std::string_view> cs;
        for (auto c : comps) cs.push_back(trim_spaces(c));
        while (!cs.empty() && cs.back().empty()) cs.pop_back();
        gs.push_back(join(cs, '^'));
    }
    while (gs.size() > 1 && gs.back().empty()) gs.pop_back();
    return join(gs, '=');
}

std::string da_key(std::string_view da) {
    da = trim_spaces(da);
    if (da.empty()) return {};
    try {
        return Date::parse(da).str();
    } catch (const Error &) {
        return {};
    }
}

std::string tm_key(std::string_view tm, bool upper) {
    tm = trim_spaces(tm);
    if (tm.empty()) return {};
    try {
        Time t = Time::parse(tm);
        fill_time(t, upper);
        char buf[32];
        std::snprintf(buf, sizeof buf, "%02d%02d%02d.%06d", t.hour % 100, t.minute % 100, t.second % 100,
                      t.microsecond % 1000000);
        return buf;
    } catch (const Error &) {
        return {};
    }
}

std::string dt_key(std::string_view dt, bool upper, std::string *utc) {
    dt = trim_spaces(dt);
    if (dt.empty()) return {};
    DateTime v;
    try {
        v = DateTime::parse(dt);
    } catch (const Error &) {
        return {};
    }
    int y = v.date.year, mo = v.date.month, d = v.date.day;
    if (mo == 0) mo = upper ? 12 : 1;
    if (d == 0) d = upper ? days_in_month(y, mo) : 1;
    Time t = v.time;
    if (t.precision == 0) {
        t.hour = upper ? 23 : 0;
        t.precision = 1;
    }
    fill_time(t, upper);
    std::string local = format_dt(y, mo, d, t);
    if (utc) {
        utc->clear();
        if (v.has_offset) {
            int64_t minutes = days_from_civil(y, unsigned(mo), unsigned(d)) * 1440 + t.hour * 60 + t.minute -
                              v.offset_minutes;
            int64_t days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
            int64_t rem = minutes - days * 1440;
            int uy, um, ud;
            civil_from_days(days, uy, um, ud);
            Time u = t;
            u.hour = int(rem / 60);
            u.minute = int(rem % 60);
            *utc = format_dt(uy, um, ud, u);
        }
    }
    return local;
}

// -- KeyMatcher -----------------------------------------------------------------------------------------

KeyMatcher KeyMatcher::compile(VR vr, std::string_view key, const FindOptions &options, Tag tag) {
    KeyMatcher m;
    m.vr_ = vr;
    m.fold_ = vr == VR::PN && options.pn_case_insensitive;
    key = vr_is_single_valued_text(vr) ? key : trim_spaces(key);
    if (key.empty()) return m;  // C.2.2.2.3 universal
    if (options.empty_value_matching && key == "\"\"") {
        m.universal_ = false;
        Alternative a;
        a.type = Alternative::empty;
        m.alts_.push_back(a);
        return m;
    }
    std::vector<std::string_view> values;
    if (vr_is_single_valued_text(vr)) values.push_back(key);
    else values = split(key, '\\');
    for (auto raw : values) {
        std::string_view v = vr_is_single_valued_text(vr) ? raw : trim_spaces(raw);
        if (v == "*") {  // wild card "*" == universal (C.2.2.2.4)
            m.alts_.clear();
            m.universal_ = true;
            return m;
        }
        Alternative a;
        if (vr == VR::DA || vr == VR::TM || vr == VR::DT) {
            std::string_view lo, hi;
            bool range = split_range(vr, v, lo, hi);
            if (!range) lo = hi = v;
            a.type = Alternative::range;
            a.is_range_form = range;
            if (!lo.empty()) {
                a.lo = bound_key(vr, lo, false, &a.lo_utc);
                if (a.lo.empty())
                    throw QueryError(QueryError::Kind::unable_to_process,
                                     std::string("cannot parse ") + vr_name(vr) + " key '" + std::string(v) + "'", tag);
            }
            if (!hi.empty()) {
                a.hi = bound_key(vr, hi, true, &a.hi_utc);
                if (a.hi.empty())
                    throw QueryError(QueryError::Kind::unable_to_process,
                                     std::string("cannot parse ") + vr_name(vr) + " key '" + std::string(v) + "'", tag);
            }
            if (vr == VR::DA && !range) a.hi = a.lo;
        } else if (wildcard_vr(vr) && has_wildcard(v)) {
            a.type = Alternative::wildcard;
            a.value = m.fold_ ? fold_case(v) : std::string(v);
        } else {
            a.type = Alternative::single;
            if (vr == VR::PN) a.value = normalize_pn(m.fold_ ? fold_case(v) : std::string(v));
            else a.value = std::string(v);
        }
        m.alts_.push_back(std::move(a));
    }
    m.universal_ = m.alts_.empty();
    return m;
}

bool KeyMatcher::compile_combined(std::string_view date_text, std::string_view time_text, Tag tag, KeyMatcher &out) {
    date_text = trim_spaces(date_text);
    time_text = trim_spaces(time_text);
    if (date_text.empty() || time_text.empty() || date_text.find('\\') != std::string_view::npos ||
        time_text.find('\\') != std::string_view::npos)
        return false;
    std::string_view dlo, dhi, tlo, thi;
    bool dr = split_range(VR::DA, date_text, dlo, dhi);
    bool tr = split_range(VR::TM, time_text, tlo, thi);
    if (dr != tr) return false;
    if (!dr) {
        dlo = dhi = date_text;
        tlo = thi = time_text;
    }
    if (dlo.empty() != tlo.empty() || dhi.empty() != thi.empty()) return false;
    Alternative a;
    a.type = Alternative::range;
    a.is_range_form = dr;
    auto bad = [&] {
        return QueryError(QueryError::Kind::unable_to_process,
                          "cannot parse date/time range '" + std::string(date_text) + "' '" + std::string(time_text) + "'",
                          tag);
    };
    if (!dlo.empty()) {
        std::string d = da_key(dlo), t = tm_key(tlo, false);
        if (d.empty() || t.empty()) throw bad();
        a.lo = d + t;
    }
    if (!dhi.empty()) {
        std::string d = da_key(dhi), t = tm_key(thi, true);
        if (d.empty() || t.empty()) throw bad();
        a.hi = d + t;
    }
    out = KeyMatcher{};
    out.vr_ = VR::DT;
    out.universal_ = false;
    out.combined_ = true;
    out.alts_.push_back(std::move(a));
    return true;
}

bool KeyMatcher::matches_key(std::string_view key, std::string_view key_utc) const {
    if (universal_) return true;
    for (const auto &a : alts_) {
        if (a.type == Alternative::empty) {
            if (key.empty()) return true;
            continue;
        }
        if (key.empty()) continue;
        // DT: compare in UTC when both the entity value and the bound carry an offset.
        bool lo_ok = a.lo.empty() ||
                     (!key_utc.empty() && !a.lo_utc.empty() ? a.lo_utc <= key_utc : std::string_view(a.lo) <= key);
        bool hi_ok = a.hi.empty() ||
                     (!key_utc.empty() && !a.hi_utc.empty() ? key_utc <= a.hi_utc : key <= std::string_view(a.hi));
        if (lo_ok && hi_ok) return true;
    }
    return false;
}

bool KeyMatcher::matches(std::string_view value) const {
    if (universal_) return true;
    value = vr_is_single_valued_text(vr_) ? value : trim_spaces(value);
    switch (vr_) {
    case VR::DA: return matches_key(da_key(value));
    case VR::TM: {
        // An entity time is a moment: its lower key (absent components zero).
        return matches_key(tm_key(value, false));
    }
    case VR::DT: {
        std::string utc;
        std::string k = dt_key(value, false, &utc);
        return matches_key(k, utc);
    }
    default: break;
    }
    std::string folded;
    std::string_view v = value;
    if (vr_ == VR::PN) {
        folded = normalize_pn(fold_ ? fold_case(value) : std::string(value));
        v = folded;
    }
    for (const auto &a : alts_) {
        switch (a.type) {
        case Alternative::empty:
            if (v.empty()) return true;
            break;
        case Alternative::wildcard:
            if (vr_ == VR::PN ? pn_match(a, v) : wildcard_match(a.value, v)) return true;
            break;
        case Alternative::single:
            if (vr_ == VR::PN) {
                if (pn_match(a, v)) return true;
            } else if (vr_ == VR::IS || vr_ == VR::DS) {
                if (numeric_equal(a.value, v)) return true;
            } else if (a.value == v) {
                return true;
            }
            break;
        case Alternative::range: break;
        }
    }
    return false;
}

bool KeyMatcher::matches_any(const std::vector<std::string> &values) const {
    if (universal_) return true;
    if (values.empty()) return matches(std::string_view());
    for (const auto &v : values)
        if (matches(v)) return true;
    return false;
}

// -- CompiledKeys -------------------------------------------------------------------------------------

bool is_control_key(Tag tag) noexcept {
    return tag.group() < 0x0008 || tag.is_group_length() || tag == tags::SpecificCharacterSet ||
           tag == Tag(0x0008, 0x0052);
}

namespace {
// Attributes an identifier may carry that are returned but never matched.
bool is_return_only(Tag tag) {
    switch (tag.value) {
    case 0x00080053:  // Query/Retrieve View
    case 0x00080054:  // Retrieve AE Title
    case 0x00080056:  // Instance Availability
    case 0x00080201:  // Timezone Offset From UTC
    case 0x00081190:  // Retrieve URL
    case 0x00880130:  // Storage Media File-Set ID
    case 0x00880140:  // Storage Media File-Set UID
        return true;
    default: return false;
    }
}

// Date attributes and their time partner for combined date-time matching (C.2.2.2.5).
Tag time_partner(Tag date) {
    switch (date.value) {
    case 0x00080020: return Tag(0x0008, 0x0030);  // Study
    case 0x00080021: return Tag(0x0008, 0x0031);  // Series
    case 0x00080022: return Tag(0x0008, 0x0032);  // Acquisition
    case 0x00080023: return Tag(0x0008, 0x0033);  // Content
    case 0x00400002: return Tag(0x0040, 0x0003);  // Scheduled Procedure Step Start
    case 0x00400004: return Tag(0x0040, 0x0005);  // Scheduled Procedure Step End
    case 0x00400244: return Tag(0x0040, 0x0245);  // Performed Procedure Step Start
    case 0x00400250: return Tag(0x0040, 0x0251);  // Performed Procedure Step End
    case 0x00100030: return Tag(0x0010, 0x0032);  // Patient Birth
    default: return Tag(0xFFFFFFFFu);
    }
}

VR key_vr(const Element &e) { return e.vr == VR::UN || e.vr == VR::None ? dict_vr(e.tag) : e.vr; }

bool is_text_vr(VR vr) { return vr_is_string(vr) || vr == VR::UN; }

std::vector<std::string> entity_strings(const Dataset &entity, Tag tag) {
    const Element *e = entity.find(tag);
    if (!e || e->is_sequence() || e->value.empty()) return {};
    if (!is_text_vr(e->vr)) return {};
    try {
        return entity.get_strings(tag);
    } catch (const Error &) {
        return {};
    }
}

std::string entity_string(const Dataset &entity, Tag tag) {
    const Element *e = entity.find(tag);
    if (!e || e->is_sequence() || e->value.empty() || !is_text_vr(e->vr)) return {};
    try {
        return entity.get_string(tag);
    } catch (const Error &) {
        return {};
    }
}
}  // namespace

CompiledKeys CompiledKeys::compile(const Dataset &identifier, const FindOptions &options,
                                   bool (*skip)(Tag, const void *), const void *skip_arg) {
    CompiledKeys ck;
    std::vector<Tag> consumed;
    for (const Element &e : identifier) {
        if (is_control_key(e.tag) || is_return_only(e.tag) || e.tag.is_private()) continue;
        if (skip && skip(e.tag, skip_arg)) continue;
        if (std::find(consumed.begin(), consumed.end(), e.tag) != consumed.end()) continue;
        Key k;
        k.tag = e.tag;
        if (e.is_sequence()) {
            k.sequence = true;
            if (!e.items.empty() && !e.items[0].empty())
                k.item = std::make_shared<CompiledKeys>(compile(e.items[0], options));
            if (k.item && k.item->empty()) k.item.reset();
            if (k.item) ck.keys_.push_back(std::move(k));
            continue;
        }
        if (e.value.empty()) continue;
        VR vr = key_vr(e);
        if (!is_text_vr(vr)) continue;  // binary keys: matching not supported (returned only)
        std::string text;
        try {
            text = identifier.get_string(e.tag);
        } catch (const Error &err) {
            throw QueryError(QueryError::Kind::unable_to_process, std::string("cannot decode key: ") + err.message(),
                             e.tag);
        }
        if (options.combined_datetime && vr == VR::DA) {
            Tag tt = time_partner(e.tag);
            const Element *te = tt.value != 0xFFFFFFFFu ? identifier.find(tt) : nullptr;
            if (te && !te->value.empty()) {
                KeyMatcher m;
                if (KeyMatcher::compile_combined(text, identifier.get_string(tt), e.tag, m)) {
                    k.time_tag = tt;
                    k.matcher = std::move(m);
                    consumed.push_back(tt);
                    ck.keys_.push_back(std::move(k));
                    continue;
                }
            }
        }
        k.matcher = KeyMatcher::compile(vr, text, options, e.tag);
        if (!k.matcher.universal()) ck.keys_.push_back(std::move(k));
    }
    return ck;
}

bool CompiledKeys::matches(const Dataset &entity) const {
    for (const auto &k : keys_) {
        if (k.sequence) {
            const Element *e = entity.find(k.tag);
            if (!e || !e->is_sequence()) return false;
            bool any = false;
            for (const auto &item : e->items)
                if (k.item->matches(item)) {
                    any = true;
                    break;
                }
            if (!any) return false;
        } else if (k.time_tag.value != 0xFFFFFFFFu) {
            std::string d = da_key(entity_string(entity, k.tag));
            if (d.empty()) return false;
            std::string t = tm_key(entity_string(entity, k.time_tag), false);
            if (t.empty()) t = "000000.000000";
            if (!k.matcher.matches_key(d + t)) return false;
        } else if (!k.matcher.matches_any(entity_strings(entity, k.tag))) {
            return false;
        }
    }
    return true;
}

const CompiledKeys *CompiledKeys::item_keys(Tag sequence) const {
    for (const auto &k : keys_)
        if (k.sequence && k.tag == sequence) return k.item.get();
    return nullptr;
}

// -- projection ---------------------------------------------------------------------------------------

void copy_attribute(const Dataset &entity, Tag tag, VR vr, Dataset &out) {
    const Element *e = entity.find(tag);
    if (vr == VR::SQ) {
        std::vector<Dataset> items;
        if (e && e->is_sequence()) {
            for (const auto &it : e->items) {
                Dataset o;
                o.set_inherited_character_set(out.specific_character_set());
                copy_dataset(it, o);
                items.push_back(std::move(o));
            }
        }
        out.set_sequence(tag, std::move(items));
        return;
    }
    if (!e || e->is_sequence() || e->value.empty()) {
        out.set(Element(tag, vr == VR::None ? VR::UN : vr));
        return;
    }
    if (vr_uses_charset(e->vr)) {
        out.set_string(tag, entity.get_string(tag), e->vr);
    } else {
        out.set(Element(tag, e->vr, Bytes::copy(e->value.data(), e->value.size())));
    }
}

void copy_dataset(const Dataset &src, Dataset &out) {
    for (const Element &e : src) {
        if (e.tag == tags::SpecificCharacterSet || e.tag.is_group_length()) continue;
        copy_attribute(src, e.tag, e.is_sequence() ? VR::SQ : e.vr, out);
    }
}

void project(const Dataset &entity, const Dataset &identifier, const CompiledKeys *compiled, Dataset &out) {
    for (const Element &k : identifier) {
        if (is_control_key(k.tag) || k.tag.is_private()) continue;
        if (!k.is_sequence()) {
            copy_attribute(entity, k.tag, key_vr(k), out);
            continue;
        }
        const Element *ee = entity.find(k.tag);
        const Dataset *key_item = k.items.empty() || k.items[0].empty() ? nullptr : &k.items[0];
        const CompiledKeys *ik = compiled ? compiled->item_keys(k.tag) : nullptr;
        std::vector<Dataset> items;
        if (ee && ee->is_sequence()) {
            for (const auto &it : ee->items) {
                if (ik && !ik->matches(it)) continue;
                Dataset o;
                o.set_inherited_character_set(out.specific_character_set());
                if (key_item) project(it, *key_item, ik, o);
                else copy_dataset(it, o);
                items.push_back(std::move(o));
            }
        }
        out.set_sequence(k.tag, std::move(items));
    }
}

}  // namespace detail

bool match_dataset(const Dataset &entity, const Dataset &identifier, const FindOptions &options) {
    return detail::CompiledKeys::compile(identifier, options).matches(entity);
}

}  // namespace dcmkit::matching
