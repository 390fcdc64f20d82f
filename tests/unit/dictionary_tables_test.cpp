// The generated dictionary tables against the registries they are generated from
// (core/data/standard: PS3.6 Tables 6-1, 7-1, E.1-1 and A-1; the vendors' private dictionary), row by
// row: the entries keep their strings as offsets into string pools (deflated in size-optimized
// builds), so every keyword, name, VM, creator and UID is read back through the accessors.
// Also the raw deflate decoder those builds use, on streams made by zlib.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "../../core/data/src/dictionary_tables.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/tag.h"

#if DK_TEST_HAVE_ZLIB
#include <zlib.h>
#endif

using namespace dcmkit;

namespace {

/// Rows of a TSV file under core/data/standard, the header row dropped.
std::vector<std::vector<std::string>> read_tsv(const std::string &name) {
    std::ifstream in(std::string(DCMKIT_STANDARD_DIR) + "/" + name);
    EXPECT_TRUE(in) << name;
    std::vector<std::vector<std::string>> rows;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, '\t')) cells.push_back(cell);
        if (!line.empty() && line.back() == '\t') cells.emplace_back();
        rows.push_back(cells);
    }
    return rows;
}

/// "OB or OW" -> {OB, OW}; "NONE" or "" -> {None, None}.
std::pair<VR, VR> vrs(const std::string &field) {
    VR v[2] = {VR::None, VR::None};
    size_t n = 0, pos = 0;
    while (n < 2 && pos <= field.size()) {
        size_t end = field.find(" or ", pos);
        if (end == std::string::npos) end = field.size();
        const VR vr = vr_from_string(std::string_view(field).substr(pos, end - pos));
        if (vr != VR::None) v[n++] = vr;
        pos = end + 4;
    }
    return {v[0], v[1]};
}

TEST(DictionaryTables, EveryElementRowReadsBack) {
    const auto rows = read_tsv("elements.tsv");
    ASSERT_GT(rows.size(), 5000u);
    size_t repeating = 0;
    for (const auto &r : rows) {
        ASSERT_EQ(r.size(), 6u);
        SCOPED_TRACE(r[0] + " " + r[1]);
        const DictEntry *e = nullptr;
        if (r[0].find('x') == std::string::npos) {
            e = dict_find(Tag(uint32_t(std::stoul(r[0], nullptr, 16))));
            ASSERT_NE(e, nullptr);
            EXPECT_EQ(e->mask(), 0xFFFFFFFFu);
        } else {
            // A repeating group (60xx,0010): looked up by keyword, its mask has the x digits clear.
            ++repeating;
            e = dict_find(std::string_view(r[1]));
            ASSERT_NE(e, nullptr);
            uint32_t mask = 0, tag = 0;
            for (char c : r[0]) {
                mask = mask << 4 | (c == 'x' ? 0u : 0xFu);
                tag = tag << 4 | (c == 'x' ? 0u : uint32_t(std::stoul(std::string(1, c), nullptr, 16)));
            }
            EXPECT_EQ(e->mask(), mask);
            EXPECT_EQ(e->tag, tag);
        }
        EXPECT_STREQ(e->keyword(), r[1].c_str());
        EXPECT_STREQ(e->name(), r[2].c_str());
        EXPECT_EQ(e->vr, vrs(r[3]).first);
        EXPECT_EQ(e->vr_alt, vrs(r[3]).second);
        EXPECT_STREQ(e->vm(), r[4].c_str());
        EXPECT_EQ(e->retired, r[5] == "Y");
        if (!r[1].empty()) {
            EXPECT_EQ(dict_find(std::string_view(r[1])), e);
        }
    }
    EXPECT_GT(repeating, 50u);
}

TEST(DictionaryTables, EveryUidRowReadsBack) {
    const auto rows = read_tsv("uids.tsv");
    ASSERT_GT(rows.size(), 400u);
    for (const auto &r : rows) {
        ASSERT_EQ(r.size(), 6u);
        SCOPED_TRACE(r[0]);
        const UidEntry *e = uid_find(r[0]);
        ASSERT_NE(e, nullptr);
        EXPECT_STREQ(e->uid(), r[0].c_str());
        EXPECT_STREQ(e->keyword(), r[1].c_str());
        EXPECT_STREQ(e->name(), r[2].c_str());
        EXPECT_STREQ(e->type(), r[3].c_str());
        EXPECT_STREQ(e->info(), r[4].c_str());
        EXPECT_EQ(e->retired, r[5] == "Y");
        if (!r[1].empty()) {
            EXPECT_EQ(uid_find_keyword(r[1]), e);
        }
    }
}

TEST(DictionaryTables, EveryPrivateRowReadsBack) {
    auto rows = read_tsv("private.tsv");
    ASSERT_GT(rows.size(), 8000u);
    // The table's order: creator (bytes), element byte, first group.
    std::sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
        return std::make_tuple(a[0], std::stoul(a[3], nullptr, 16), std::stoul(a[1], nullptr, 16)) <
               std::make_tuple(b[0], std::stoul(b[3], nullptr, 16), std::stoul(b[1], nullptr, 16));
    });
    size_t n = 0;
    const PrivateDictEntry *table = private_dict_table(n);
    ASSERT_EQ(n, rows.size());
    for (size_t i = 0; i < n; ++i) {
        const auto &r = rows[i];
        const PrivateDictEntry &e = table[i];
        ASSERT_EQ(r.size(), 8u);
        SCOPED_TRACE(r[0] + " " + r[1] + " " + r[3]);
        EXPECT_STREQ(e.creator(), r[0].c_str());
        EXPECT_EQ(e.group, std::stoul(r[1], nullptr, 16));
        EXPECT_EQ(e.group_last, std::stoul(r[2], nullptr, 16));
        EXPECT_EQ(e.element, std::stoul(r[3], nullptr, 16));
        EXPECT_EQ(e.vr, vrs(r[4]).first);
        EXPECT_STREQ(e.vm(), r[5].c_str());
        EXPECT_STREQ(e.keyword(), r[6].c_str());
        EXPECT_STREQ(e.name(), r[7].c_str());
        // Found again by its creator, in its first group, in block 0x10 and block 0xFF (rows for the
        // groups PS3.5 7.8.1 does not make private, such as 0003, are in the table but never match).
        if (!Tag(e.group, 0x1000).is_private()) continue;
        for (uint16_t block : {0x10, 0xFF}) {
            const PrivateDictEntry *f = private_dict_find(r[0], Tag(e.group, uint16_t(block << 8 | e.element)));
            ASSERT_NE(f, nullptr);
            EXPECT_STREQ(f->creator(), e.creator());
            EXPECT_EQ(f->element, e.element);
            EXPECT_TRUE(f->group <= e.group && e.group <= f->group_last);
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The raw deflate decoder (RFC 1951)

std::vector<unsigned char> inflate_to(const std::vector<unsigned char> &z, size_t size, bool *ok) {
    std::vector<unsigned char> out(size + 1);
    *ok = detail::inflate_raw(z.data(), z.size(), out.data(), size);
    out.resize(size);
    return out;
}

TEST(DictionaryInflate, FixedAndStoredBlocks) {
    // Made with Python's zlib: compressobj(9, DEFLATED, -15).compress(b"hello hello hello hello"),
    // a fixed-Huffman block with a back reference, and level 0 on b"abc", a stored block.
    const std::vector<unsigned char> fixed = {0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x27, 0x01};
    const std::vector<unsigned char> stored = {0x01, 0x03, 0x00, 0xfc, 0xff, 0x61, 0x62, 0x63};
    bool ok = false;
    auto out = inflate_to(fixed, 23, &ok);
    EXPECT_TRUE(ok);
    EXPECT_EQ(std::string(out.begin(), out.end()), "hello hello hello hello");
    out = inflate_to(stored, 3, &ok);
    EXPECT_TRUE(ok);
    EXPECT_EQ(std::string(out.begin(), out.end()), "abc");
}

TEST(DictionaryInflate, RefusesTruncatedCorruptOrMissizedStreams) {
    const std::vector<unsigned char> fixed = {0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x27, 0x01};
    bool ok = true;
    inflate_to(fixed, 22, &ok);  // more output than room
    EXPECT_FALSE(ok);
    inflate_to(fixed, 24, &ok);  // less output than expected
    EXPECT_FALSE(ok);
    for (size_t cut = 0; cut < fixed.size(); ++cut) {
        inflate_to(std::vector<unsigned char>(fixed.begin(), fixed.begin() + long(cut)), 23, &ok);
        EXPECT_FALSE(ok) << cut;
    }
    // A stored block whose length and its complement disagree.
    inflate_to({0x01, 0x03, 0x00, 0xfd, 0xff, 0x61, 0x62, 0x63}, 3, &ok);
    EXPECT_FALSE(ok);
    // Block type 3 is reserved.
    inflate_to({0x07, 0x00}, 0, &ok);
    EXPECT_FALSE(ok);
    // A back reference before the start of the output: fixed block, length code 257 (3 bytes),
    // distance code 0 (1 byte back) as the first symbol.
    inflate_to({0x03, 0x02, 0x00}, 3, &ok);
    EXPECT_FALSE(ok);
}

#if DK_TEST_HAVE_ZLIB
std::vector<unsigned char> deflate_raw(const std::string &in, int level, int strategy) {
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, -15, 9, strategy), Z_OK);
    std::vector<unsigned char> out(deflateBound(&z, uLong(in.size())) + 16);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
    z.avail_in = uInt(in.size());
    z.next_out = out.data();
    z.avail_out = uInt(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

TEST(DictionaryInflate, StreamsMadeByZlib) {
    // Text like the dictionary's pools, bytes that do not compress (stored blocks), long runs
    // (matches of 258 bytes at distance 1), over several blocks, at every level and strategy.
    std::string text, noise, runs;
    for (int i = 0; i < 20000; ++i) text += std::string("Referenced Image Sequence\0ReferencedImageSequence\0", 50) + std::to_string(i % 97);
    uint32_t x = 12345;
    for (int i = 0; i < 200000; ++i) noise += char((x = x * 1103515245u + 12345u) >> 24);
    for (int i = 0; i < 300; ++i) runs += std::string(size_t(i * 7 + 1), char('a' + i % 26));
    for (const std::string *in : {&text, &noise, &runs}) {
        for (int level : {0, 1, 6, 9}) {
            for (int strategy : {Z_DEFAULT_STRATEGY, Z_FIXED, Z_HUFFMAN_ONLY, Z_RLE}) {
                SCOPED_TRACE(std::to_string(in->size()) + " level " + std::to_string(level) + " strategy " +
                             std::to_string(strategy));
                bool ok = false;
                auto out = inflate_to(deflate_raw(*in, level, strategy), in->size(), &ok);
                EXPECT_TRUE(ok);
                EXPECT_TRUE(std::string(out.begin(), out.end()) == *in);
            }
        }
    }
}
#endif

}  // namespace
