// De-identification (PS3.15 Annex E): SHA-256/HMAC against FIPS 180-4 and RFC 4231 vectors, every
// row of Table E.1-1 (read from the standard's table itself, core/data/standard/deid_profile.tsv)
// under each option, keyed UIDs, the date shift, private elements, the method codes (PS3.16 CID 7050)
// and burned-in text.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/deidentify.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/sha256.h"

using namespace dcmkit;

namespace {

std::vector<uint8_t> bytes_of(const std::string &s) { return {s.begin(), s.end()}; }
std::vector<uint8_t> key_a() { return bytes_of("0123456789abcdef0123456789abcdef"); }
std::vector<uint8_t> key_b() { return bytes_of("another key, also 32 bytes long!"); }

std::string hex_hmac(const std::vector<uint8_t> &key, const std::string &msg) {
    return to_hex(hmac_sha256(key.data(), key.size(), msg.data(), msg.size()));
}

}  // namespace

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf") and the 1,000,000 x 'a' vector.
TEST(Sha256, FipsVectors) {
    EXPECT_EQ(to_hex(sha256("abc", 3)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(to_hex(sha256("", 0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    EXPECT_EQ(to_hex(sha256(two.data(), two.size())), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    Sha256 s;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 1000; ++i) s.update(chunk);
    EXPECT_EQ(to_hex(s.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// RFC 4231 test cases 1, 2, 3 and 6 (a key longer than the block).
TEST(Sha256, HmacRfc4231) {
    EXPECT_EQ(hex_hmac(std::vector<uint8_t>(20, 0x0b), "Hi There"),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    EXPECT_EQ(hex_hmac(bytes_of("Jefe"), "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(hex_hmac(std::vector<uint8_t>(20, 0xaa), std::string(50, '\xdd')),
              "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    EXPECT_EQ(hex_hmac(std::vector<uint8_t>(131, 0xaa), "Test Using Larger Than Block-Size Key - Hash Key First"),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

namespace {

// The columns of Table E.1-1 in deid_profile.tsv and the option each one is.
const char *const kColumns[] = {"basicProfile", "rtnSafePrivOpt", "rtnUIDsOpt", "rtnDevIdOpt", "rtnInstIdOpt",
                                "rtnPatCharsOpt", "rtnLongFullDatesOpt", "rtnLongModifDatesOpt", "cleanDescOpt",
                                "cleanStructContOpt", "cleanGraphOpt"};

struct Row {
    uint32_t tag;
    std::string name;
    std::map<std::string, std::string> actions;
};

// Reads the standard's table (a name split over two lines is joined, as in the source table).
std::vector<Row> read_table() {
    std::ifstream f(std::string(DCMKIT_STANDARD_DIR) + "/deid_profile.tsv");
    std::vector<std::string> lines;
    std::string line;
    std::getline(f, line);
    std::vector<std::string> header;
    {
        std::stringstream ss(line);
        std::string c;
        while (std::getline(ss, c, '\t')) header.push_back(c);
    }
    while (std::getline(f, line)) {
        if (!lines.empty() && std::count(lines.back().begin(), lines.back().end(), '\t') < long(header.size()) - 1)
            lines.back() += " " + line;
        else
            lines.push_back(line);
    }
    std::vector<Row> rows;
    for (const std::string &l : lines) {
        std::vector<std::string> cells;
        std::string cell;
        for (char c : l) {
            if (c == '\t') {
                cells.push_back(cell);
                cell.clear();
            } else {
                cell += c;
            }
        }
        cells.push_back(cell);
        std::string tag = cells[0];
        if (tag.size() != 8 || tag.find_first_not_of("0123456789ABCDEFX") != std::string::npos) continue;
        // A wildcard row (50XXXXXX, 60XX3000) stands for its first instance.
        if (tag == "50XXXXXX") tag = "50003000";
        for (char &c : tag)
            if (c == 'X') c = '0';
        Row r{uint32_t(std::stoul(tag, nullptr, 16)), cells[1], {}};
        for (size_t i = 0; i < header.size() && i < cells.size(); ++i) r.actions[header[i]] = cells[i];
        rows.push_back(r);
    }
    return rows;
}

// A value valid for the VR, distinct per tag.
Element sample(Tag t, VR vr) {
    char buf[64];
    auto text = [&](const std::string &s) {
        std::string v = s;
        if (v.size() & 1) v += vr_padding(vr);
        return Element(t, vr, Bytes::copy(v));
    };
    switch (vr) {
    case VR::AE: return text("STATION1");
    case VR::AS: return text("045Y");
    case VR::CS: return text("VALUE1");
    case VR::DA: return text("20200315");
    case VR::DT: return text("20200315101010");
    case VR::TM: return text("101010");
    case VR::DS: return text("1.5");
    case VR::IS: return text("7");
    case VR::PN: return text("Smith^Anna");
    case VR::UI:
        std::snprintf(buf, sizeof buf, "1.2.826.0.1.3680043.2.1143.%u", t.value);
        return text(buf);
    case VR::UR: return text("http://example.org/x");
    case VR::SQ: {
        Element e(t, VR::SQ);
        Dataset item;
        item.set_string(Tag(0x0008, 0x0100), "ABC", VR::SH);
        item.set_string(Tag(0x0008, 0x1155), "1.2.826.0.1.3680043.2.1143.9", VR::UI);
        e.items.push_back(item);
        return e;
    }
    case VR::LO: case VR::SH: case VR::LT: case VR::ST: case VR::UT: case VR::UC:
        std::snprintf(buf, sizeof buf, "T%08X", t.value);
        return text(buf);
    case VR::US: case VR::SS: return Element(t, vr, Bytes::copy("\x05\x00", 2));
    case VR::AT: return Element(t, vr, Bytes::copy("\x10\x00\x20\x00", 4));
    default: return Element(t, vr, Bytes::copy("\x05\x06\x07\x08", 4));
    }
}

// The expected action under a set of options, from the table: an option's column overrides the
// basic profile; K (retain) wins over C (clean).
std::string expected_action(const Row &r, const std::vector<std::string> &options) {
    std::string a = r.actions.at("basicProfile");
    bool k = false, c = false;
    std::string other;
    for (const std::string &o : options) {
        const std::string v = r.actions.count(o) ? r.actions.at(o) : "";
        if (v == "K") k = true;
        else if (v == "C") c = true;
        else if (!v.empty()) other = v;
    }
    if (k) return "K";
    if (c) return "C";
    if (!other.empty()) return other;
    return a;
}

DeidOptions options_for(const std::vector<std::string> &opts) {
    DeidOptions o;
    o.key = key_a();
    o.burned_in = BurnedIn::ignore;
    for (const std::string &s : opts) {
        if (s == "rtnSafePrivOpt") o.retain_safe_private = true;
        if (s == "rtnUIDsOpt") o.retain_uids = true;
        if (s == "rtnDevIdOpt") o.retain_device_identity = true;
        if (s == "rtnInstIdOpt") o.retain_institution_identity = true;
        if (s == "rtnPatCharsOpt") o.retain_patient_characteristics = true;
        if (s == "rtnLongFullDatesOpt") o.retain_long_full_dates = true;
        if (s == "rtnLongModifDatesOpt") o.retain_long_modified_dates = true;
        if (s == "cleanDescOpt") o.clean_descriptors = true;
        if (s == "cleanStructContOpt") o.clean_structured_content = true;
        if (s == "cleanGraphOpt") o.clean_graphics = true;
    }
    return o;
}

std::string shifted(const std::string &yyyymmdd, int days) {
    std::tm tm{};
    tm.tm_year = std::stoi(yyyymmdd.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(yyyymmdd.substr(4, 2)) - 1;
    tm.tm_mday = std::stoi(yyyymmdd.substr(6, 2)) + days;
    tm.tm_hour = 12;
    const time_t t = timegm(&tm);
    std::tm out{};
    gmtime_r(&t, &out);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y%m%d", &out);
    return buf;
}

std::string str(const Element *e) { return e ? std::string(trim_value(e->value.str(), e->vr)) : "<absent>"; }

}  // namespace

// Every row of Table E.1-1, in a dataset holding every attribute of the table, under no option,
// each option alone, and all retain options with all clean options.
TEST(Deidentify, EveryRowOfTableE11UnderEachOption) {
    const std::vector<Row> rows = read_table();
    ASSERT_GT(rows.size(), 600u);  // the 2024e table has 621 rows with a tag
    std::vector<std::vector<std::string>> sets = {{}};
    for (size_t i = 1; i < std::size(kColumns); ++i) sets.push_back({kColumns[i]});
    sets.push_back({"rtnSafePrivOpt", "rtnUIDsOpt", "rtnDevIdOpt", "rtnInstIdOpt", "rtnPatCharsOpt",
                    "rtnLongModifDatesOpt", "cleanDescOpt", "cleanStructContOpt", "cleanGraphOpt"});
    size_t checked = 0;
    for (const auto &set : sets) {
        Dataset ds;
        std::map<uint32_t, Element> original;
        for (const Row &r : rows) {
            VR vr = dict_vr(Tag(r.tag));
            if (vr == VR::None || vr == VR::UN) vr = VR::LO;
            Element e = sample(Tag(r.tag), vr);
            original[r.tag] = e;
            ds.set(e);
        }
        DeidReport rep;
        deidentify(ds, options_for(set), rep);
        std::string label;
        for (const auto &s : set) label += s + " ";
        for (const Row &r : rows) {
            const Element &orig = original[r.tag];
            const Element *e = ds.find(Tag(r.tag));
            std::string act = expected_action(r, set);
            SCOPED_TRACE(label + Tag(r.tag).str() + " " + r.name + " action " + act + " value " + str(e));
            if (r.tag == 0x00100010u || r.tag == 0x00100020u) {  // replaced by the keyed pseudonym
                ASSERT_NE(e, nullptr);
                EXPECT_EQ(str(e), rep.patient_pseudonym + (r.tag == 0x00100010u ? "^" : ""));
                continue;
            }
            // The dataset's own de-identification attributes are written after the table is applied.
            if (r.tag == 0x00120062u || r.tag == 0x00120063u || r.tag == 0x00120064u || r.tag == 0x00280303u) continue;
            ++checked;
            if (act == "X") {
                EXPECT_EQ(e, nullptr);
            } else if (act == "Z" || act == "X/Z") {
                ASSERT_NE(e, nullptr);
                EXPECT_TRUE(e->value.empty() && e->items.empty());
            } else if (act == "K") {
                ASSERT_NE(e, nullptr);
                EXPECT_EQ(e->value.str(), orig.value.str());
                EXPECT_EQ(e->items.size(), orig.items.size());
            } else if (act == "U" || (orig.vr == VR::UI && (act == "D" || act == "X/D" || act == "Z/D" || act == "X/Z/D"))) {
                ASSERT_NE(e, nullptr);
                EXPECT_EQ(str(e), deid_uid(key_a(), str(&orig)));
                EXPECT_EQ(str(e).rfind("2.25.", 0), 0u);
            } else if (act == "D" || act == "X/D" || act == "Z/D" || act == "X/Z/D") {
                ASSERT_NE(e, nullptr);
                if (orig.vr == VR::SQ) {
                    EXPECT_EQ(e->items.size(), 1u);
                } else {
                    EXPECT_FALSE(e->value.empty());
                    EXPECT_NE(e->value.str(), orig.value.str());
                }
            } else if (act == "X/Z/U*") {
                ASSERT_NE(e, nullptr);
                ASSERT_EQ(e->items.size(), 1u);
                // the UID inside the item is remapped (unless UIDs are retained)
                const std::string inner = e->items[0].get_string(Tag(0x0008, 0x1155));
                if (rep.uids_remapped) {
                    EXPECT_EQ(inner, deid_uid(key_a(), "1.2.826.0.1.3680043.2.1143.9"));
                }
            } else if (act == "C") {
                if (orig.vr == VR::DA) {
                    ASSERT_NE(e, nullptr);
                    EXPECT_EQ(str(e), shifted("20200315", rep.date_offset_days));
                } else if (orig.vr == VR::DT) {
                    ASSERT_NE(e, nullptr);
                    EXPECT_EQ(str(e), shifted("20200315", rep.date_offset_days) + "101010");
                } else if (orig.vr == VR::SQ) {
                    ASSERT_NE(e, nullptr);
                    EXPECT_EQ(e->items.size(), 1u);
                } else if (orig.vr == VR::OB || orig.vr == VR::OW || orig.vr == VR::OF) {
                    EXPECT_EQ(e, nullptr);  // binary graphics cannot be inspected: removed
                } else {
                    ASSERT_NE(e, nullptr);  // text holding no identifying value stays as it is
                    EXPECT_EQ(e->value.str(), orig.value.str());
                }
            } else {
                ADD_FAILURE() << "unknown action " << act;
            }
        }
    }
    EXPECT_GT(checked, 12u * 600u);
}

TEST(Deidentify, PseudonymsAreKeyedAndConsistent) {
    auto make = [](const std::string &pid) {
        Dataset ds;
        ds.set_string(Tag(0x0010, 0x0010), "Doe^John", VR::PN);
        ds.set_string(Tag(0x0010, 0x0020), pid, VR::LO);
        ds.set_string(Tag(0x0020, 0x000D), "1.2.3.4.5", VR::UI);
        ds.set_string(Tag(0x0020, 0x0052), "1.2.3.4.6", VR::UI);
        ds.set_string(Tag(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.2", VR::UI);
        ds.set_string(Tag(0x0008, 0x0020), "20200315", VR::DA);
        Dataset ref;
        ref.set_string(Tag(0x0008, 0x1150), "1.2.840.10008.5.1.4.1.1.2", VR::UI);
        ref.set_string(Tag(0x0008, 0x1155), "1.2.3.4.7", VR::UI);
        ds.set_sequence(Tag(0x0008, 0x1140), {ref});
        return ds;
    };
    DeidOptions o;
    o.key = key_a();
    o.retain_long_modified_dates = true;
    Dataset a = make("P1"), b = make("P1"), c = make("P2");
    DeidReport ra, rb, rc;
    deidentify(a, o, ra);
    deidentify(b, o, rb);
    deidentify(c, o, rc);
    std::string why;
    EXPECT_TRUE(a.equals(b, &why)) << why;
    EXPECT_EQ(a.get_string(Tag(0x0020, 0x000D)), deid_uid(key_a(), "1.2.3.4.5"));
    EXPECT_EQ(a.get_string(Tag(0x0020, 0x0052)), deid_uid(key_a(), "1.2.3.4.6"));
    EXPECT_EQ(a.get_items(Tag(0x0008, 0x1140))[0].get_string(Tag(0x0008, 0x1155)), deid_uid(key_a(), "1.2.3.4.7"));
    // SOP Class UIDs are not identifying: kept.
    EXPECT_EQ(a.get_items(Tag(0x0008, 0x1140))[0].get_string(Tag(0x0008, 0x1150)), "1.2.840.10008.5.1.4.1.1.2");
    EXPECT_NE(ra.patient_pseudonym, rc.patient_pseudonym);
    EXPECT_EQ(a.get_string(Tag(0x0010, 0x0020)), ra.patient_pseudonym);
    EXPECT_EQ(ra.patient_pseudonym.substr(0, 2), "DK");
    EXPECT_LT(ra.date_offset_days, 0);
    EXPECT_GE(ra.date_offset_days, -3650);
    EXPECT_EQ(a.get_string(Tag(0x0008, 0x0020)), shifted("20200315", ra.date_offset_days));
    // Another key: other UIDs, another pseudonym.
    DeidOptions o2 = o;
    o2.key = key_b();
    Dataset d = make("P1");
    DeidReport rd;
    deidentify(d, o2, rd);
    EXPECT_NE(d.get_string(Tag(0x0020, 0x000D)), a.get_string(Tag(0x0020, 0x000D)));
    EXPECT_NE(rd.patient_pseudonym, ra.patient_pseudonym);
    // A remapped UID is a valid 2.25 UID: at most 64 characters, no leading zero.
    const std::string u = deid_uid(key_a(), "1.2.3.4.5");
    EXPECT_LE(u.size(), 64u);
    EXPECT_NE(u[5], '0');
}

TEST(Deidentify, PrivateElementsRemovedUnlessSafe) {
    auto make = [] {
        Dataset ds;
        ds.set_string(Tag(0x0043, 0x0010), "GEMS_PARM_01", VR::LO);
        ds.set_string(Tag(0x0043, 0x1027), "1.375:1", VR::SH);  // Scan Pitch Ratio: safe
        ds.set_string(Tag(0x0043, 0x1028), "secret", VR::LO);
        ds.set_string(Tag(0x0029, 0x0010), "ACME 1.0", VR::LO);
        ds.set_string(Tag(0x0029, 0x1001), "Doe^John", VR::LO);
        return ds;
    };
    DeidOptions o;
    o.key = key_a();
    Dataset a = make();
    DeidReport r;
    deidentify(a, o, r);
    for (uint32_t t : {0x00430010u, 0x00431027u, 0x00431028u, 0x00290010u, 0x00291001u})
        EXPECT_FALSE(a.contains(Tag(t))) << Tag(t).str();
    o.retain_safe_private = true;
    Dataset b = make();
    deidentify(b, o, r);
    EXPECT_EQ(b.get_string(Tag(0x0043, 0x1027)), "1.375:1");
    EXPECT_EQ(b.get_string(Tag(0x0043, 0x0010)), "GEMS_PARM_01");
    EXPECT_FALSE(b.contains(Tag(0x0043, 0x1028)));
    EXPECT_FALSE(b.contains(Tag(0x0029, 0x0010)));
    EXPECT_FALSE(b.contains(Tag(0x0029, 0x1001)));
}

TEST(Deidentify, MethodCodesOfCid7050) {
    Dataset ds;
    ds.set_string(Tag(0x0010, 0x0020), "P1", VR::LO);
    DeidOptions o;
    o.key = key_a();
    o.retain_uids = true;
    o.retain_safe_private = true;
    o.clean_descriptors = true;
    o.retain_long_full_dates = true;
    DeidReport r;
    deidentify(ds, o, r);
    EXPECT_EQ(ds.get_string(Tag(0x0012, 0x0062)), "YES");
    std::vector<std::string> codes;
    for (const Dataset &item : ds.get_items(Tag(0x0012, 0x0064))) {
        EXPECT_EQ(item.get_string(Tag(0x0008, 0x0102)), "DCM");
        codes.push_back(item.get_string(Tag(0x0008, 0x0100)));
    }
    // PS3.16 CID 7050: 113100 Basic, 113105 Clean Descriptors, 113106 Full Dates, 113110 Retain UIDs,
    // 113111 Retain Safe Private.
    std::sort(codes.begin(), codes.end());
    EXPECT_EQ(codes, (std::vector<std::string>{"113100", "113105", "113106", "113110", "113111"}));
    EXPECT_EQ(ds.get_string(Tag(0x0028, 0x0303)), "UNMODIFIED");
    EXPECT_FALSE(ds.get_strings(Tag(0x0012, 0x0063)).empty());
}

TEST(Deidentify, CleanDescriptorsMasksIdentifyingValues) {
    Dataset ds;
    ds.set_string(Tag(0x0010, 0x0010), "Doe^Johnathan", VR::PN);
    ds.set_string(Tag(0x0010, 0x0020), "MRN12345", VR::LO);
    ds.set_string(Tag(0x0008, 0x1030), "CT chest for johnathan doe MRN12345", VR::LO);  // Study Description
    DeidOptions o;
    o.key = key_a();
    o.clean_descriptors = true;
    DeidReport r;
    deidentify(ds, o, r);
    EXPECT_EQ(ds.get_string(Tag(0x0008, 0x1030)), "CT chest for ********* *** ********");
    o.clean_descriptors = false;
    Dataset plain;
    plain.set_string(Tag(0x0008, 0x1030), "CT chest", VR::LO);
    deidentify(plain, o, r);
    EXPECT_FALSE(plain.contains(Tag(0x0008, 0x1030)));  // Basic Profile: X
}

TEST(Deidentify, BurnedInRefusedFlaggedOrIgnored) {
    auto make = [](const char *modality) {
        Dataset ds;
        ds.set_string(Tag(0x0008, 0x0060), modality, VR::CS);
        ds.set_string(Tag(0x0010, 0x0020), "P1", VR::LO);
        return ds;
    };
    DeidOptions o;
    o.key = key_a();
    Dataset us = make("US");
    DeidReport r;
    try {
        deidentify(us, o, r);
        FAIL() << "an ultrasound image was de-identified though its pixels may hold text";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::unsupported);
    }
    EXPECT_EQ(us.get_string(Tag(0x0010, 0x0020)), "P1");  // left unchanged
    Dataset sc = make("OT");
    sc.set_string(Tag(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.7", VR::UI);
    EXPECT_THROW(deidentify(sc, o, r), Error);
    Dataset ss = make("CT");
    ss.set_string(Tag(0x0008, 0x0008), "DERIVED\\SECONDARY\\SCREEN SAVE", VR::CS);
    EXPECT_THROW(deidentify(ss, o, r), Error);
    Dataset yes = make("CT");
    yes.set_string(Tag(0x0028, 0x0301), "YES", VR::CS);
    EXPECT_THROW(deidentify(yes, o, r), Error);
    o.burned_in = BurnedIn::flag;
    deidentify(us, o, r);
    EXPECT_TRUE(r.burned_in_flagged);
    EXPECT_NE(r.burned_in_reason.find("US"), std::string::npos);
    Dataset ct = make("CT");
    deidentify(ct, o, r);
    EXPECT_FALSE(r.burned_in_flagged);
}

TEST(Deidentify, BadKeysAndConflictingOptionsRefused) {
    Dataset ds;
    DeidOptions o;
    DeidReport r;
    o.key = bytes_of("short");
    EXPECT_THROW(deidentify(ds, o, r), Error);
    o.key = key_a();
    o.retain_long_full_dates = o.retain_long_modified_dates = true;
    try {
        deidentify(ds, o, r);
        FAIL();
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
    }
}
