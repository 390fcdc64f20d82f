// Tests for dcmkit::CharacterSet. The byte strings are the encoded representations printed in
// DICOM PS3.5 Annexes H, I, J and K, and those of the DICOM character set test files by
// D. Clunie (chrFren, chrGreek, ...), which pydicom ships; expected texts are the annexes' strings.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "dcmkit/charset.h"
#include "dcmkit/error.h"
#include "dcmkit/tag.h"

using dcmkit::CharacterSet;
using dcmkit::Errc;
using dcmkit::Error;
using dcmkit::VR;

namespace {

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list) s += char(b);
    return s;
}

/// True when `s` is well-formed UTF-8 (Unicode Table 3-7).
bool valid_utf8(const std::string &s) {
    for (size_t i = 0; i < s.size();) {
        const auto b = [&](size_t k) { return k < s.size() ? uint8_t(s[k]) : 0; };
        const uint8_t lead = b(i);
        size_t n;
        uint8_t lo = 0x80, hi = 0xBF;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            n = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            n = 3, lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            n = 4, lo = lead == 0xF0 ? 0x90 : 0x80, hi = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (b(i + 1) < lo || b(i + 1) > hi) return false;
        for (size_t k = 2; k < n; ++k)
            if (b(i + k) < 0x80 || b(i + k) > 0xBF) return false;
        i += n;
    }
    return true;
}

Errc error_code_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const Error &e) {
        return e.code();
    }
    return Errc::ok;
}

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Checks decode(encoded) == text and, where the standard's encoding is the canonical one this
// encoder produces, encode(text) == encoded.
void expect_decodes(const char *scs, VR vr, const std::string &encoded, const std::string &text,
                    bool canonical = true) {
    const CharacterSet cs = CharacterSet::from_value(scs);
    EXPECT_EQ(cs.decode(encoded, vr), text) << scs;
    if (canonical) {
        EXPECT_EQ(cs.encode(text, vr), encoded) << scs;
    }
}

}  // namespace

// --- Specific Character Set values ----------------------------------------------------------

TEST(CharacterSet, DefaultRepertoire) {
    const CharacterSet cs;
    EXPECT_TRUE(cs.is_default());
    EXPECT_TRUE(cs.terms().empty());
    EXPECT_EQ(cs.decode("Doe^John", VR::PN), "Doe^John");
    EXPECT_EQ(cs.encode("Doe^John", VR::PN), "Doe^John");
    // Lenient: bytes >= 0x80 without a declared character set are read as ISO 8859-1.
    EXPECT_EQ(cs.decode(bytes({'J', 0xE9, 'r', 0xF4, 'm', 'e'}), VR::LO), "Jérôme");
    EXPECT_EQ(error_code_of([&] { cs.encode("Jérôme", VR::LO); }), Errc::charset);
}

TEST(CharacterSet, ParsesTerms) {
    EXPECT_TRUE(CharacterSet::from_value("").is_default());
    EXPECT_TRUE(CharacterSet::from_value("   ").is_default());
    EXPECT_TRUE(CharacterSet::from_value("ISO_IR 6").is_default());
    EXPECT_TRUE(CharacterSet::from_value("ISO 2022 IR 6").is_default());
    EXPECT_FALSE(CharacterSet::from_value("ISO_IR 100").is_default());
    EXPECT_FALSE(CharacterSet::from_value("ISO_IR 192").is_default());
    EXPECT_FALSE(CharacterSet::from_value("\\ISO 2022 IR 87").is_default());

    const CharacterSet padded = CharacterSet::from_value(" ISO_IR 100 ");
    EXPECT_EQ(padded.terms(), std::vector<std::string>{"ISO_IR 100"});
    EXPECT_EQ(padded.decode(bytes({0xE9}), VR::SH), "é");

    const CharacterSet japanese = CharacterSet::from_value("\\ISO 2022 IR 87 ");
    EXPECT_EQ(japanese.terms(), (std::vector<std::string>{"", "ISO 2022 IR 87"}));

    for (const char *term : {"ISO_IR 101", "ISO_IR 109", "ISO_IR 110", "ISO_IR 144", "ISO_IR 127",
                             "ISO_IR 126", "ISO_IR 138", "ISO_IR 148", "ISO_IR 203", "ISO_IR 13",
                             "ISO_IR 166", "GB18030", "GBK", "ISO 2022 IR 100", "ISO 2022 IR 13",
                             "ISO 2022 IR 166", "ISO 2022 IR 203",
                             "ISO 2022 IR 6\\ISO 2022 IR 87\\ISO 2022 IR 159",
                             "\\ISO 2022 IR 149", "\\ISO 2022 IR 58"}) {
        EXPECT_NO_THROW(CharacterSet::from_value(term)) << term;
    }
    // Common misspellings are read as the defined term.
    for (const char *term : {"ISO IR 100", "ISO-IR 100", "ISO_IR100"}) {
        EXPECT_EQ(CharacterSet::from_value(term).decode(bytes({0xE9}), VR::LO), "é") << term;
    }
}

TEST(CharacterSet, UnknownTermThrows) {
    for (const char *value : {"ISO_IR 999", "LATIN1", "ISO_IR 87", "ISO 2022 IR 192", "UTF-8",
                              "ISO 2022 IR 6\\ISO 2022 IR 12345", "ISO_IR 100\\BOGUS"}) {
        try {
            CharacterSet::from_value(value);
            ADD_FAILURE() << "no error for " << value;
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::charset) << value;
            EXPECT_EQ(e.tag(), 0x00080005u);
        }
    }
}

TEST(CharacterSet, StandAloneCodesIgnoreCodeExtensions) {
    // PS3.5 6.1.2.4 Note 3: UTF-8 and GB18030 take no code extensions; read leniently.
    const std::string utf8 = "Wang^XiaoDong=王^小東=";
    EXPECT_EQ(CharacterSet::from_value("ISO_IR 192\\ISO 2022 IR 87").decode(utf8, VR::PN), utf8);
    const CharacterSet latin1 = CharacterSet::from_value("ISO 2022 IR 100\\ISO_IR 192");
    EXPECT_EQ(latin1.decode(bytes({'B', 'u', 'c', 0xE9}), VR::PN), "Bucé");
}

TEST(CharacterSet, OtherVrsPassThrough) {
    const CharacterSet cs = CharacterSet::from_value("\\ISO 2022 IR 87");
    const std::string raw = bytes({'A', 0x1B, 0x24, 0x42, 0xFF, 0x80});
    for (VR vr : {VR::CS, VR::AE, VR::DA, VR::UI, VR::UR, VR::OB, VR::UN}) {
        EXPECT_EQ(cs.decode(raw, vr), raw);
        EXPECT_EQ(cs.encode(raw, vr), raw);
    }
}

// --- Single-byte character sets without code extensions (PS3.3 Table C.12-2) ---------------

TEST(CharacterSet, Latin1) {
    // chrFren / chrGerm: (0010,0010) under ISO_IR 100.
    expect_decodes("ISO_IR 100", VR::PN, bytes({'B', 'u', 'c', '^', 'J', 0xE9, 'r', 0xF4, 'm', 'e'}),
                   "Buc^Jérôme");
    expect_decodes("ISO_IR 100", VR::PN,
                   bytes({0xC4, 'n', 'e', 'a', 's', '^', 'R', 0xFC, 'd', 'i', 'g', 'e', 'r'}),
                   "Äneas^Rüdiger");
    // Multi-valued: the backslash stays a delimiter (chrFrenMulti).
    expect_decodes("ISO_IR 100", VR::PN,
                   bytes({'B', 'u', 'c', '^', 'J', 0xE9, 'r', 0xF4, 'm', 'e', '\\', 'B', 'u', 'c'}),
                   "Buc^Jérôme\\Buc");
}

TEST(CharacterSet, Greek) {
    // chrGreek: ISO_IR 126.
    expect_decodes("ISO_IR 126", VR::PN, bytes({0xC4, 0xE9, 0xEF, 0xED, 0xF5, 0xF3, 0xE9, 0xEF, 0xF2}),
                   "Διονυσιος");
}

TEST(CharacterSet, Cyrillic) {
    // chrRuss: ISO_IR 144 (the sample mixes in the Latin letters c, e, y, p).
    expect_decodes("ISO_IR 144", VR::PN, bytes({0xBB, 0xEE, 0xDA, 0x63, 0x65, 0xDC, 0xD1, 0x79, 0x70, 0xD3}),
                   "Люкceмбypг");
}

TEST(CharacterSet, Arabic) {
    // chrArab: ISO_IR 127.
    expect_decodes("ISO_IR 127", VR::PN,
                   bytes({0xE2, 0xC8, 0xC7, 0xE6, 0xEA, '^', 0xE4, 0xE6, 0xD2, 0xC7, 0xD1}),
                   "قباني^لنزار");
}

TEST(CharacterSet, Hebrew) {
    // chrHbrw: ISO_IR 138.
    expect_decodes("ISO_IR 138", VR::PN,
                   bytes({0xF9, 0xF8, 0xE5, 0xEF, '^', 0xE3, 0xE1, 0xE5, 0xF8, 0xE4}), "שרון^דבורה");
}

TEST(CharacterSet, Thai) {
    // ISO_IR 166: TIS 620-2533 in G1.
    expect_decodes("ISO_IR 166", VR::LO, bytes({0xC0, 0xD2, 0xC9, 0xD2, 0xE4, 0xB7, 0xC2}), "ภาษาไทย");
}

TEST(CharacterSet, OtherLatinSets) {
    expect_decodes("ISO_IR 101", VR::LO, bytes({0xA3, 0xF3, 'd', 0xBC}), "Łódź");
    expect_decodes("ISO_IR 109", VR::LO, bytes({0xA1}), "Ħ");
    expect_decodes("ISO_IR 110", VR::LO, bytes({0xC0, 0xAA}), "ĀĒ");
    expect_decodes("ISO_IR 148", VR::LO, bytes({0xD0}), "Ğ");
    expect_decodes("ISO_IR 203", VR::LO, bytes({0xA4}), "€");
}

TEST(CharacterSet, JisX0201Romaji) {
    // PS3.5 6.1.2.3 Note 3: ISO-IR 14 has YEN SIGN at 05/12 and OVERLINE at 07/14.
    const CharacterSet cs = CharacterSet::from_value("ISO_IR 13");
    EXPECT_EQ(cs.decode(bytes({'1', '0', '0', 0x5C, 0x7E}), VR::LT), "100¥‾");
    EXPECT_EQ(cs.encode("100¥‾", VR::LT), bytes({'1', '0', '0', 0x5C, 0x7E}));
    // In multi-valued VRs 05/12 is the value delimiter (PS3.5 6.1.2.5.3).
    EXPECT_EQ(cs.decode(bytes({'A', 0x5C, 'B'}), VR::LO), "A\\B");
    EXPECT_EQ(cs.encode("A\\B", VR::LO), bytes({'A', 0x5C, 'B'}));
    EXPECT_EQ(error_code_of([&] { cs.encode("¥", VR::LO); }), Errc::charset);
    // ISO-IR 14 has no REVERSE SOLIDUS or TILDE, and no code extension is declared.
    EXPECT_EQ(error_code_of([&] { cs.encode("a\\b", VR::LT); }), Errc::charset);
    // Half-width katakana in G1.
    EXPECT_EQ(cs.decode(bytes({0xD4, 0xCF, 0xC0, 0xDE}), VR::PN), "ﾔﾏﾀﾞ");
    // ASCII G0 designated explicitly: 05/12 is REVERSE SOLIDUS again.
    const CharacterSet ext = CharacterSet::from_value("ISO 2022 IR 13\\ISO 2022 IR 6");
    EXPECT_EQ(ext.decode(bytes({0x5C, 0x1B, 0x28, 0x42, 0x5C, 0x1B, 0x28, 0x4A}), VR::LT), "¥\\");
    EXPECT_EQ(ext.encode("¥\\", VR::LT), bytes({0x5C, 0x1B, 0x28, 0x42, 0x5C, 0x1B, 0x28, 0x4A}));
}

// --- Japanese (PS3.5 Annex H) ---------------------------------------------------------------

TEST(CharacterSet, AnnexH31JapaneseWithIso2022Ir6) {
    // PS3.5 Example H.3-1: (0008,0005) \ISO 2022 IR 87.
    const std::string encoded = bytes({
        0x59, 0x61, 0x6D, 0x61, 0x64, 0x61, 0x5E, 0x54, 0x61, 0x72, 0x6F, 0x75, 0x3D,  // Yamada^Tarou=
        0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42, 0x5E,              // 山田^
        0x1B, 0x24, 0x42, 0x42, 0x40, 0x4F, 0x3A, 0x1B, 0x28, 0x42, 0x3D,              // 太郎=
        0x1B, 0x24, 0x42, 0x24, 0x64, 0x24, 0x5E, 0x24, 0x40, 0x1B, 0x28, 0x42, 0x5E,  // やまだ^
        0x1B, 0x24, 0x42, 0x24, 0x3F, 0x24, 0x6D, 0x24, 0x26, 0x1B, 0x28, 0x42,        // たろう
    });
    expect_decodes("\\ISO 2022 IR 87", VR::PN, encoded, "Yamada^Tarou=山田^太郎=やまだ^たろう");
    expect_decodes("ISO 2022 IR 6\\ISO 2022 IR 87", VR::PN, encoded, "Yamada^Tarou=山田^太郎=やまだ^たろう");
}

TEST(CharacterSet, AnnexH32JapaneseWithIso2022Ir13) {
    // PS3.5 Example H.3-2: (0008,0005) ISO 2022 IR 13\ISO 2022 IR 87.
    const std::string encoded = bytes({
        0xD4, 0xCF, 0xC0, 0xDE, 0x5E, 0xC0, 0xDB, 0xB3, 0x3D,                          // ﾔﾏﾀﾞ^ﾀﾛｳ=
        0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x4A, 0x5E,              // 山田^
        0x1B, 0x24, 0x42, 0x42, 0x40, 0x4F, 0x3A, 0x1B, 0x28, 0x4A, 0x3D,              // 太郎=
        0x1B, 0x24, 0x42, 0x24, 0x64, 0x24, 0x5E, 0x24, 0x40, 0x1B, 0x28, 0x4A, 0x5E,  // やまだ^
        0x1B, 0x24, 0x42, 0x24, 0x3F, 0x24, 0x6D, 0x24, 0x26, 0x1B, 0x28, 0x4A,        // たろう
    });
    expect_decodes("ISO 2022 IR 13\\ISO 2022 IR 87", VR::PN, encoded, "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう");
    // Seen in the wild (dcm4che #869): ISO_IR 13 as value 1 of a multi-valued set.
    expect_decodes("ISO_IR 13\\ISO 2022 IR 87", VR::PN, encoded, "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう");
}

TEST(CharacterSet, JapaneseMultiValuedAndText) {
    // chrJapMulti: (0010,1001) two PN values; the backslash resets to the initial state.
    const std::string name = bytes({0x1B, 0x24, 0x42, 0x24, 0x64, 0x24, 0x5E, 0x24, 0x40, 0x1B, 0x28, 0x42,
                                    0x5E, 0x1B, 0x24, 0x42, 0x24, 0x3F, 0x24, 0x6D, 0x24, 0x26, 0x1B, 0x28, 0x42});
    expect_decodes("\\ISO 2022 IR 87", VR::PN, name + "\\" + name, "やまだ^たろう\\やまだ^たろう");
    // LT: '^' is no delimiter, the G0 set only changes at escapes and control characters.
    expect_decodes("\\ISO 2022 IR 87", VR::LT,
                   bytes({0x1B, 0x24, 0x42, 0x24, 0x64, 0x21, 0x21, 0x24, 0x5E, 0x1B, 0x28, 0x42, '^', '\\',
                          0x0D, 0x0A, 0x1B, 0x24, 0x42, 0x24, 0x40, 0x1B, 0x28, 0x42}),
                   "や　ま^\\\r\nだ");
    // PS3.5 H.2: SPACE needs no escape in DICOM, even while JIS X 0208 is in G0.
    expect_decodes("\\ISO 2022 IR 87", VR::LO,
                   bytes({0x1B, 0x24, 0x42, 0x24, 0x64, 0x20, 0x24, 0x5E, 0x1B, 0x28, 0x42}), "や ま");
}

TEST(CharacterSet, JisX0212) {
    // ISO 2022 IR 159: G0-DESIGNATE 94^n-SET with final byte 04/04 keeps I byte 02/08 (PS3.5 H.1).
    const CharacterSet cs = CharacterSet::from_value("\\ISO 2022 IR 87\\ISO 2022 IR 159");
    const std::string encoded = bytes({'A', 0x1B, 0x24, 0x28, 0x44, 0x30, 0x21, 0x2A, 0x26,
                                       0x1B, 0x24, 0x42, 0x3B, 0x33, 0x1B, 0x28, 0x42});
    EXPECT_EQ(cs.decode(encoded, VR::LO), "A丂Ǎ山");
    EXPECT_EQ(cs.encode("A丂Ǎ山", VR::LO), encoded);
}

// --- Korean (PS3.5 Annex I) -----------------------------------------------------------------

TEST(CharacterSet, AnnexI2Korean) {
    // PS3.5 Example I.2-1: (0008,0005) \ISO 2022 IR 149; KS X 1001 in G1 re-designated per component.
    const std::string encoded = bytes({
        0x48, 0x6F, 0x6E, 0x67, 0x5E, 0x47, 0x69, 0x6C, 0x64, 0x6F, 0x6E, 0x67, 0x3D,  // Hong^Gildong=
        0x1B, 0x24, 0x29, 0x43, 0xFB, 0xF3, 0x5E,                                      // 洪^
        0x1B, 0x24, 0x29, 0x43, 0xD1, 0xCE, 0xD4, 0xD7, 0x3D,                          // 吉洞=
        0x1B, 0x24, 0x29, 0x43, 0xC8, 0xAB, 0x5E,                                      // 홍^
        0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE6, 0xB5, 0xBF,                                // 길동
    });
    expect_decodes("\\ISO 2022 IR 149", VR::PN, encoded, "Hong^Gildong=洪^吉洞=홍^길동");
}

TEST(CharacterSet, AnnexI3KoreanLongText) {
    // PS3.5 Example I.3-1: the escape at the head of each line; Hangul and ASCII then mix freely.
    // (Not the encoder's canonical form: it designates G1 just before the first Hangul.)
    const std::string encoded = bytes({0x1B, 0x24, 0x29, 0x43}) + "The first line includes " +
                                bytes({0xC7, 0xD1, 0xB1, 0xDB}) + ".\r\n" + bytes({0x1B, 0x24, 0x29, 0x43}) +
                                "The second line includes " + bytes({0xC7, 0xD1, 0xB1, 0xDB}) +
                                ", too.\r\nThe third line";
    const std::string text = "The first line includes 한글.\r\nThe second line includes 한글, too.\r\nThe third line";
    expect_decodes("\\ISO 2022 IR 149", VR::LT, encoded, text, /*canonical=*/false);
    const CharacterSet cs = CharacterSet::from_value("\\ISO 2022 IR 149");
    EXPECT_EQ(cs.decode(cs.encode(text, VR::LT), VR::LT), text);
    // Each line starts in the initial state: without a new escape, GR bytes are not KS X 1001.
    EXPECT_EQ(cs.decode(bytes({0x1B, 0x24, 0x29, 0x43, 0xC7, 0xD1, 0x0D, 0x0A, 0xC7, 0xD1}), VR::LT),
              "한\r\nÇÑ");
}

TEST(CharacterSet, KoreanMultiFromTestFiles) {
    // chrKoreanMulti: a redundant ESC ( B at the end of the value.
    const CharacterSet cs = CharacterSet::from_value("\\ISO 2022 IR 149");
    const std::string value =
        bytes({0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE8, 0xC8, 0xF1, 0xC1, 0xDF, 0x1B, 0x28, 0x42});
    EXPECT_EQ(cs.decode(value + "\\" + value + " ", VR::PN), "김희중\\김희중 ");
    // Lenient: ISO 2022 IR 149 alone (EUC-KR without escapes).
    EXPECT_EQ(CharacterSet::from_value("ISO 2022 IR 149").decode(bytes({0xB1, 0xE8}), VR::PN), "김");
}

// --- Unicode, GB18030, GBK (PS3.5 Annex J) --------------------------------------------------

TEST(CharacterSet, AnnexJ1Utf8PersonName) {
    // PS3.5 Example J.1-1: (0008,0005) ISO_IR 192.
    const std::string encoded = bytes({0x57, 0x61, 0x6E, 0x67, 0x5E, 0x58, 0x69, 0x61, 0x6F, 0x44, 0x6F,
                                       0x6E, 0x67, 0x3D, 0xE7, 0x8E, 0x8B, 0x5E, 0xE5, 0xB0, 0x8F, 0xE6,
                                       0x9D, 0xB1, 0x3D});
    expect_decodes("ISO_IR 192", VR::PN, encoded, "Wang^XiaoDong=王^小東=");
}

TEST(CharacterSet, AnnexJ2Utf8LongText) {
    // PS3.5 Example J.2-1.
    const std::string encoded =
        "The first line includes" + bytes({0xE4, 0xB8, 0xAD, 0xE6, 0x96, 0x87}) + ".\r\n" +
        "The second line includes" + bytes({0xE4, 0xB8, 0xAD, 0xE6, 0x96, 0x87}) + ", too.\r\n" +
        "The third line.\r\n";
    expect_decodes("ISO_IR 192", VR::LT, encoded,
                   "The first line includes中文.\r\nThe second line includes中文, too.\r\nThe third line.\r\n");
}

TEST(CharacterSet, AnnexJ3Gb18030AndGbkPersonName) {
    // PS3.5 Example J.3-1: (0008,0005) GB18030; the same bytes are GBK (PS3.5 Annex J introduction).
    const std::string encoded = bytes({0x57, 0x61, 0x6E, 0x67, 0x5E, 0x58, 0x69, 0x61, 0x6F, 0x44, 0x6F,
                                       0x6E, 0x67, 0x3D, 0xCD, 0xF5, 0x5E, 0xD0, 0xA1, 0xB6, 0xAB, 0x3D});
    expect_decodes("GB18030", VR::PN, encoded, "Wang^XiaoDong=王^小东=");
    expect_decodes("GBK", VR::PN, encoded, "Wang^XiaoDong=王^小东=");
}

TEST(CharacterSet, AnnexJ4Gb18030LongText) {
    // PS3.5 Example J.4-1.
    const std::string encoded = "The first line includes" + bytes({0xD6, 0xD0, 0xCE, 0xC4}) + ".\r\n" +
                                "The second line includes" + bytes({0xD6, 0xD0, 0xCE, 0xC4}) + ", too.\r\n" +
                                "The third line.\r\n";
    expect_decodes("GB18030", VR::LT, encoded,
                   "The first line includes中文.\r\nThe second line includes中文, too.\r\nThe third line.\r\n");
}

TEST(CharacterSet, Gb18030FourByteAndGbkLimits) {
    const CharacterSet gb18030 = CharacterSet::from_value("GB18030");
    EXPECT_EQ(gb18030.encode("😀", VR::LO), bytes({0x94, 0x39, 0xFC, 0x36}));
    EXPECT_EQ(gb18030.decode(bytes({0x94, 0x39, 0xFC, 0x36}), VR::LO), "😀");
    EXPECT_EQ(error_code_of([] { CharacterSet::from_value("GBK").encode("😀", VR::LO); }), Errc::charset);
}

// --- Chinese GB 2312 with code extensions (PS3.5 Annex K) -----------------------------------

TEST(CharacterSet, AnnexK2ChinesePersonName) {
    // PS3.5 Example K.2-1: (0008,0005) \ISO 2022 IR 58 (the trailing 0x20 is the value's padding).
    const std::string encoded = bytes({0x5A, 0x68, 0x61, 0x6E, 0x67, 0x5E, 0x58, 0x69, 0x61, 0x6F, 0x44,
                                       0x6F, 0x6E, 0x67, 0x3D, 0x1B, 0x24, 0x29, 0x41, 0xD5, 0xC5, 0x5E,
                                       0x1B, 0x24, 0x29, 0x41, 0xD0, 0xA1, 0xB6, 0xAB, 0x3D});
    expect_decodes("\\ISO 2022 IR 58", VR::PN, encoded, "Zhang^XiaoDong=张^小东=");
    EXPECT_EQ(CharacterSet::from_value("\\ISO 2022 IR 58").decode(encoded + " ", VR::PN),
              "Zhang^XiaoDong=张^小东= ");
}

TEST(CharacterSet, AnnexK3ChineseLongText) {
    // PS3.5 Example K.3-1: every line re-designates GB 2312 to G1.
    const std::string encoded = bytes({
        0x31, 0x2E, 0x1B, 0x24, 0x29, 0x41, 0xB5, 0xDA, 0xD2, 0xBB, 0xD0, 0xD0, 0xCE, 0xC4, 0xD7, 0xD6, 0xA1, 0xA3, 0x0D, 0x0A,
        0x32, 0x2E, 0x1B, 0x24, 0x29, 0x41, 0xB5, 0xDA, 0xB6, 0xFE, 0xD0, 0xD0, 0xCE, 0xC4, 0xD7, 0xD6, 0xA1, 0xA3, 0x0D, 0x0A,
        0x33, 0x2E, 0x1B, 0x24, 0x29, 0x41, 0xB5, 0xDA, 0xC8, 0xFD, 0xD0, 0xD0, 0xCE, 0xC4, 0xD7, 0xD6, 0xA1, 0xA3, 0x0D, 0x0A,
    });
    expect_decodes("\\ISO 2022 IR 58", VR::LT, encoded, "1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n");
}

// --- Code extensions between single-byte sets -----------------------------------------------

TEST(CharacterSet, SwitchesG1AndRestoresValue1) {
    // PS3.5 6.1.2.5.3: value 1 (ISO-IR 100) active again before '^' and the end of the value.
    const CharacterSet cs = CharacterSet::from_value("ISO 2022 IR 100\\ISO 2022 IR 126");
    const std::string encoded = bytes({'J', 0xE9, ' ', 0x1B, 0x2D, 0x46, 0xC4, 0x1B, 0x2D, 0x41, '^',
                                       0xE9, 0x1B, 0x2D, 0x46, 0xC4, 0x1B, 0x2D, 0x41});
    EXPECT_EQ(cs.encode("Jé Δ^éΔ", VR::PN), encoded);
    EXPECT_EQ(cs.decode(encoded, VR::PN), "Jé Δ^éΔ");
    // Mixed with a multi-byte set.
    const CharacterSet mixed = CharacterSet::from_value("ISO 2022 IR 100\\ISO 2022 IR 149");
    EXPECT_EQ(mixed.decode(mixed.encode("é한é", VR::LO), VR::LO), "é한é");
    EXPECT_EQ(mixed.encode("é한é", VR::LO),
              bytes({0xE9, 0x1B, 0x24, 0x29, 0x43, 0xC7, 0xD1, 0x1B, 0x2D, 0x41, 0xE9}));
}

// --- Errors and bad input -------------------------------------------------------------------

TEST(CharacterSet, UnencodableCharacterThrows) {
    EXPECT_EQ(error_code_of([] { CharacterSet::from_value("ISO_IR 100").encode("Δ", VR::PN); }), Errc::charset);
    EXPECT_EQ(error_code_of([] { CharacterSet::from_value("\\ISO 2022 IR 87").encode("한", VR::PN); }),
              Errc::charset);
    EXPECT_EQ(error_code_of([] { CharacterSet::from_value("ISO_IR 166").encode("é", VR::LO); }), Errc::charset);
    try {
        CharacterSet::from_value("ISO_IR 126").encode("Jérôme", VR::PN);
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::charset);
        EXPECT_EQ(e.offset(), 1);
        EXPECT_NE(e.message().find("U+00E9"), std::string::npos) << e.message();
    }
    // Invalid UTF-8 and a raw ESC are refused too.
    for (const char *scs : {"", "ISO_IR 100", "ISO_IR 192", "GB18030", "\\ISO 2022 IR 87"}) {
        const CharacterSet cs = CharacterSet::from_value(scs);
        EXPECT_EQ(error_code_of([&] { cs.encode(bytes({'a', 0xC3}), VR::LO); }), Errc::charset) << scs;
        EXPECT_EQ(error_code_of([&] { cs.encode(bytes({0xED, 0xA0, 0x80}), VR::LO); }), Errc::charset) << scs;
    }
    EXPECT_EQ(error_code_of([] { CharacterSet::from_value("\\ISO 2022 IR 87").encode("\x1b$B", VR::LO); }),
              Errc::charset);
}

TEST(CharacterSet, InvalidBytesBecomeReplacementCharacters) {
    const std::string r = kReplacement;
    EXPECT_EQ(CharacterSet::from_value("ISO_IR 192").decode(bytes({'a', 0xFF, 'b', 0xE4, 0xB8}), VR::LO),
              "a" + r + "b" + r);
    EXPECT_EQ(CharacterSet::from_value("ISO_IR 192").decode(bytes({0xC0, 0xAF, 0xED, 0xA0, 0x80}), VR::LO),
              r + r + r + r + r);
    EXPECT_EQ(CharacterSet::from_value("GB18030").decode(bytes({'a', 0x81}), VR::LO), "a" + r);
    EXPECT_EQ(CharacterSet::from_value("GBK").decode(bytes({0xFF, 'a'}), VR::LO), r + "a");
    const CharacterSet jp = CharacterSet::from_value("\\ISO 2022 IR 87");
    EXPECT_EQ(jp.decode(bytes({0x1B, 0x24, 0x42, 0x3B}), VR::LO), r);                 // truncated pair
    EXPECT_EQ(jp.decode(bytes({'a', 0x1B}), VR::LO), "a" + r);                        // ESC at the end
    EXPECT_EQ(jp.decode(bytes({0x1B, 0x28, 0x5A, 'a'}), VR::LO), r + "a");            // unknown escape
    EXPECT_EQ(jp.decode(bytes({0x1B, 0x24, 0x42, 0x74, 0x7E, 0x1B, 0x28, 0x42}), VR::LO), r);  // unmapped
    const CharacterSet kr = CharacterSet::from_value("\\ISO 2022 IR 149");
    EXPECT_EQ(kr.decode(bytes({0x1B, 0x24, 0x29, 0x43, 0xB1}), VR::LO), r);           // lone lead byte
    EXPECT_EQ(kr.decode(bytes({0x1B, 0x24, 0x29, 0x43, 0x85, 'a'}), VR::LO), r + "a");  // C1 byte
    EXPECT_EQ(CharacterSet::from_value("ISO_IR 109").decode(bytes({0xA5}), VR::LO), r);  // unassigned
}

TEST(CharacterSet, RandomBytesDecodeToValidUtf8) {
    std::mt19937 rng(20240601);
    std::uniform_int_distribution<int> byte(0, 255), length(0, 24);
    const char *values[] = {"", "ISO_IR 100", "ISO_IR 13", "ISO_IR 166", "ISO_IR 192", "GB18030", "GBK",
                            "ISO 2022 IR 13\\ISO 2022 IR 87\\ISO 2022 IR 159",
                            "ISO 2022 IR 100\\ISO 2022 IR 149\\ISO 2022 IR 58\\ISO 2022 IR 126"};
    const std::string escapes[] = {"\x1b$B", "\x1b(B", "\x1b(J", "\x1b$)C", "\x1b$)A", "\x1b-F", "\x1b$(D", "\x1b)I"};
    for (const char *value : values) {
        const CharacterSet cs = CharacterSet::from_value(value);
        for (int n = 0; n < 1500; ++n) {
            std::string in;
            for (int k = length(rng); k > 0; --k) {
                const int b = byte(rng);
                if (b < 8) in += escapes[b];
                else in += char(byte(rng));
            }
            for (VR vr : {VR::PN, VR::LO, VR::LT}) {
                const std::string text = cs.decode(in, vr);
                ASSERT_TRUE(valid_utf8(text)) << value;
                // Whatever decodes either encodes back to something that decodes the same, or is
                // refused with Errc::charset (U+FFFD, controls the set cannot hold, ...).
                try {
                    EXPECT_EQ(cs.decode(cs.encode(text, vr), vr), text) << value;
                } catch (const Error &e) {
                    EXPECT_EQ(e.code(), Errc::charset);
                }
            }
        }
    }
}

TEST(CharacterSet, ConcurrentUse) {
    const CharacterSet jp = CharacterSet::from_value("ISO 2022 IR 13\\ISO 2022 IR 87\\ISO 2022 IR 159");
    const CharacterSet gbk = CharacterSet::from_value("GBK");
    const std::string text = "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう";
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int n = 0; n < 200; ++n) {
                try {
                    if (jp.decode(jp.encode(text, VR::PN), VR::PN) != text) ++failures[t];
                    if (gbk.decode(gbk.encode("王^小东", VR::PN), VR::PN) != "王^小东") ++failures[t];
                } catch (const Error &) {
                    ++failures[t];
                }
            }
        });
    }
    for (std::thread &thread : threads) thread.join();
    for (int f : failures) EXPECT_EQ(f, 0);
}

// --- Goldens from the DICOM character set test files, where pydicom's copy is installed -------

namespace {

/// (0008,0005) and (0010,0010) of a top-level explicit VR little endian data set, raw.
bool read_names(const std::string &path, std::string &charset, std::string &name) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return false;
    const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (data.size() < 132 || data.compare(128, 4, "DICM") != 0) return false;
    const auto u16 = [&](size_t p) { return unsigned(uint8_t(data[p])) | unsigned(uint8_t(data[p + 1])) << 8; };
    size_t pos = 132;
    while (pos + 8 <= data.size()) {
        const uint32_t tag = uint32_t(u16(pos)) << 16 | u16(pos + 2);
        const VR vr = dcmkit::vr_from_chars(data[pos + 4], data[pos + 5]);
        size_t length, header;
        if (dcmkit::vr_has_long_length(vr)) {
            if (pos + 12 > data.size()) return false;
            length = u16(pos + 8) | size_t(u16(pos + 10)) << 16, header = 12;
        } else {
            length = u16(pos + 6), header = 8;
        }
        if (length == 0xFFFFFFFF || pos + header + length > data.size()) return false;
        const std::string value = data.substr(pos + header, length);
        if (tag == 0x00080005) charset = value;
        if (tag == 0x00100010) {
            name = value;
            return true;
        }
        pos += header + length;
    }
    return false;
}

}  // namespace

TEST(CharacterSet, PydicomCharsetFiles) {
    const std::string dir = "/usr/lib/python3/dist-packages/pydicom/data/charset_files/";
    if (!std::ifstream(dir + "chrH31.dcm")) GTEST_SKIP() << "python3-pydicom's charset_files not installed";
    struct Golden {
        const char *file;
        const char *name;
        bool canonical;  // encode() reproduces the file's bytes
    };
    const Golden goldens[] = {
        {"chrArab.dcm", "قباني^لنزار", true},
        {"chrFren.dcm", "Buc^Jérôme", true},
        {"chrFrenMulti.dcm", "Buc^Jérôme", true},
        {"chrGerm.dcm", "Äneas^Rüdiger", true},
        {"chrGreek.dcm", "Διονυσιος", true},
        {"chrH31.dcm", "Yamada^Tarou=山田^太郎=やまだ^たろう", true},
        {"chrH32.dcm", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", true},
        {"chrHbrw.dcm", "שרון^דבורה", true},
        {"chrI2.dcm", "Hong^Gildong=洪^吉洞=홍^길동", true},
        {"chrJapMulti.dcm", "やまだ^たろう", true},
        {"chrJapMultiExplicitIR6.dcm", "やまだ^たろう", true},
        {"chrKoreanMulti.dcm", "김희중", false},
        {"chrRuss.dcm", "Люкceмбypг", true},
        {"chrX1.dcm", "Wang^XiaoDong=王^小東=", true},
        {"chrX2.dcm", "Wang^XiaoDong=王^小东=", true},
    };
    int checked = 0;
    for (const Golden &g : goldens) {
        std::string charset, raw;
        if (!read_names(dir + g.file, charset, raw)) continue;
        while (!raw.empty() && raw.back() == ' ') raw.pop_back();
        const CharacterSet cs = CharacterSet::from_value(charset);
        EXPECT_EQ(cs.decode(raw, VR::PN), g.name) << g.file;
        if (g.canonical) {
            EXPECT_EQ(cs.encode(g.name, VR::PN), raw) << g.file;
        }
        ++checked;
    }
    EXPECT_GE(checked, 10);
}
