#include "dcmkit/tag.h"

#include <cstdio>

#include "dcmkit/error.h"

namespace dcmkit {

std::string Tag::str() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "(%04X,%04X)", group(), element());
    return buf;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Tag Tag::parse(std::string_view text) {
    std::string_view t = text;
    if (t.size() >= 2 && t.front() == '(' && t.back() == ')') t = t.substr(1, t.size() - 2);
    std::string digits;
    if (t.size() == 9 && t[4] == ',') {
        digits = std::string(t.substr(0, 4)) + std::string(t.substr(5, 4));
    } else if (t.size() == 8) {
        digits = std::string(t);
    } else {
        throw Error(Errc::bad_value, "not a tag: '" + std::string(text) + "'");
    }
    uint32_t v = 0;
    for (char c : digits) {
        int h = hexval(c);
        if (h < 0) throw Error(Errc::bad_value, "not a tag: '" + std::string(text) + "'");
        v = (v << 4) | uint32_t(h);
    }
    return Tag(v);
}

static const char *const kVrNames[] = {
    "??", "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL",
    "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
};

const char *vr_name(VR vr) noexcept {
    auto i = static_cast<unsigned>(vr);
    return i < sizeof kVrNames / sizeof kVrNames[0] ? kVrNames[i] : "??";
}

VR vr_from_chars(char a, char b) noexcept {
    // Perfect enough: a 26x26 table built once would be faster, but a switch on the packed pair is
    // already branch-predictable and allocation-free.
    switch ((unsigned(uint8_t(a)) << 8) | uint8_t(b)) {
#define DK_VR(x, y, v) case (unsigned(x) << 8 | unsigned(y)): return VR::v;
    DK_VR('A','E',AE) DK_VR('A','S',AS) DK_VR('A','T',AT) DK_VR('C','S',CS) DK_VR('D','A',DA)
    DK_VR('D','S',DS) DK_VR('D','T',DT) DK_VR('F','D',FD) DK_VR('F','L',FL) DK_VR('I','S',IS)
    DK_VR('L','O',LO) DK_VR('L','T',LT) DK_VR('O','B',OB) DK_VR('O','D',OD) DK_VR('O','F',OF)
    DK_VR('O','L',OL) DK_VR('O','V',OV) DK_VR('O','W',OW) DK_VR('P','N',PN) DK_VR('S','H',SH)
    DK_VR('S','L',SL) DK_VR('S','Q',SQ) DK_VR('S','S',SS) DK_VR('S','T',ST) DK_VR('S','V',SV)
    DK_VR('T','M',TM) DK_VR('U','C',UC) DK_VR('U','I',UI) DK_VR('U','L',UL) DK_VR('U','N',UN)
    DK_VR('U','R',UR) DK_VR('U','S',US) DK_VR('U','T',UT) DK_VR('U','V',UV)
#undef DK_VR
    default: return VR::None;
    }
}

bool vr_has_long_length(VR vr) noexcept {
    switch (vr) {
    case VR::OB: case VR::OD: case VR::OF: case VR::OL: case VR::OV: case VR::OW: case VR::SQ:
    case VR::SV: case VR::UC: case VR::UN: case VR::UR: case VR::UT: case VR::UV:
        return true;
    default:
        return false;
    }
}

bool vr_is_string(VR vr) noexcept {
    switch (vr) {
    case VR::AE: case VR::AS: case VR::CS: case VR::DA: case VR::DS: case VR::DT: case VR::IS:
    case VR::LO: case VR::LT: case VR::PN: case VR::SH: case VR::ST: case VR::TM: case VR::UC:
    case VR::UI: case VR::UR: case VR::UT:
        return true;
    default:
        return false;
    }
}

bool vr_uses_charset(VR vr) noexcept {
    switch (vr) {
    case VR::SH: case VR::LO: case VR::ST: case VR::LT: case VR::PN: case VR::UC: case VR::UT:
        return true;
    default:
        return false;
    }
}

bool vr_is_single_valued_text(VR vr) noexcept {
    return vr == VR::LT || vr == VR::ST || vr == VR::UT || vr == VR::UR;
}

unsigned vr_value_size(VR vr) noexcept {
    switch (vr) {
    case VR::OB: case VR::UN: return 1;
    case VR::US: case VR::SS: case VR::OW: return 2;
    case VR::UL: case VR::SL: case VR::FL: case VR::OF: case VR::OL: case VR::AT: return 4;
    case VR::FD: case VR::OD: case VR::SV: case VR::UV: case VR::OV: return 8;
    default: return 0;
    }
}

char vr_padding(VR vr) noexcept {
    return (vr == VR::UI || !vr_is_string(vr)) ? '\0' : ' ';
}

}  // namespace dcmkit
