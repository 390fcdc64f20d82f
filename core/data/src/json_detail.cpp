// dcmkit — the DICOM JSON Model (PS3.18 Annex F): the helpers the reader and the writer share
// (see json_detail.h).
#include "json_detail.h"

#include "dcmkit/error.h"

namespace dcmkit::json_detail {

bool is_json_number(std::string_view s) {
    size_t i = 0;
    const size_t n = s.size();
    if (i < n && s[i] == '-') ++i;
    if (i >= n) return false;
    if (s[i] == '0') {
        ++i;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && is_digit(s[i])) ++i;
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        while (i < n && is_digit(s[i])) ++i;
        if (i == start) return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
        size_t start = i;
        while (i < n && is_digit(s[i])) ++i;
        if (i == start) return false;
    }
    return i == n;
}

bool is_bulk_binary_vr(VR vr) {
    switch (vr) {
    case VR::OB: case VR::OD: case VR::OF: case VR::OL: case VR::OV: case VR::OW: case VR::UN:
        return true;
    default:
        return false;
    }
}

bool is_number_vr(VR vr) {
    switch (vr) {
    case VR::US: case VR::SS: case VR::UL: case VR::SL: case VR::UV: case VR::SV: case VR::FL: case VR::FD:
        return true;
    default:
        return false;
    }
}

// -- encapsulated pixel data (PS3.5 A.4) ----------------------------------------------------------------

void append_item_header(std::string &out, uint16_t element, uint32_t length) {
    store_le<uint16_t>(out, 0xFFFE);
    store_le<uint16_t>(out, element);
    store_le<uint32_t>(out, length);
}

/// The Value Field of encapsulated pixel data: an item per fragment (BOT first), then the Sequence
/// Delimitation Item.
std::string encapsulated_value_field(const Element &e) {
    std::string out;
    for (const Bytes &f : e.fragments) {
        if (f.size() > 0xFFFFFFFEu) throw Error(Errc::bad_length, "fragment too long", -1, e.tag.value);
        append_item_header(out, 0xE000, uint32_t(f.size() + (f.size() & 1)));
        out.append(f.str());
        if (f.size() & 1) out += '\0';
    }
    append_item_header(out, 0xE0DD, 0);
    return out;
}

/// Splits a PS3.5 A.4 item sequence into fragments; false when the bytes are not one (then they are
/// native pixel data). A missing final Sequence Delimitation Item is tolerated.
bool split_encapsulated(const std::vector<uint8_t> &b, std::vector<Bytes> &fragments) {
    fragments.clear();
    const size_t n = b.size();
    size_t p = 0;
    while (p + 8 <= n) {
        const uint16_t group = load_le<uint16_t>(&b[p]);
        const uint16_t element = load_le<uint16_t>(&b[p + 2]);
        const uint32_t length = load_le<uint32_t>(&b[p + 4]);
        if (group != 0xFFFE) return false;
        if (element == 0xE0DD) return length == 0 && p + 8 == n && !fragments.empty();
        if (element != 0xE000 || length == 0xFFFFFFFFu || length > n - p - 8) return false;
        fragments.push_back(Bytes::copy(&b[p + 8], length));
        p += 8 + size_t(length);
    }
    return p == n && !fragments.empty();
}

std::string own_charset(const Dataset &ds, const std::string &inherited) {
    if (const Element *e = ds.find(tags::SpecificCharacterSet)) return std::string(e->value.str());
    return inherited;
}

}  // namespace dcmkit::json_detail
