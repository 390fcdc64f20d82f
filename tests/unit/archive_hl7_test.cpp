// HL7 v2 orders into the archive's worklist, in process: the Index's order calls (put_worklist_order,
// worklist_order, update_worklist_patient) on SqliteIndex, the mapping of ORM^O01/OMI^O23/ADT^A08
// (IHE RAD TF-2 Appendix B) through apply_hl7, the MLLP listener's bounds (message size, idle
// timeout, connections) and the audit trail's Order Record (PS3.15 A.5.3.9, EventID 110109) for
// what the server's listener did. 127.0.0.1 only, port 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "index_backends.h"
#include "dcmkit/archive_hl7.h"
#include "dcmkit/archive_server.h"
#include "dcmkit/dataset.h"
#include "peer.h"

using namespace dcmkit;
using namespace dcmkit::archive;
namespace hl7 = dcmkit::hl7;

namespace {

constexpr Tag kSps{0x0040, 0x0100}, kSpsId{0x0040, 0x0009}, kSpsStatus{0x0040, 0x0020}, kName{0x0010, 0x0010},
    kPid{0x0010, 0x0020}, kIssuer{0x0010, 0x0021}, kAccession{0x0008, 0x0050};

std::string seg(const std::string &id, const std::map<int, std::string> &fields) {
    std::string s = id;
    const int last = fields.empty() ? 0 : fields.rbegin()->first;
    for (int f = 1; f <= last; ++f) {
        s += '|';
        auto it = fields.find(f);
        if (it != fields.end()) s += it->second;
    }
    return s + "\r";
}

std::string msh(const std::string &type, const std::string &control, const std::string &charset = {}) {
    std::map<int, std::string> f = {{1, "^~\\&"}, {2, "RIS"}, {4, "PACS"}, {8, type}, {9, control}, {10, "P"}, {11, "2.5.1"}};
    if (!charset.empty()) f[17] = charset;
    return seg("MSH", f);  // numbered from MSH-2
}

std::string order(const std::string &control, const std::string &orc1, const std::string &filler,
                  const std::string &sps, const std::string &orc5 = "SC", const std::string &pid = "P1^^^HOSP") {
    return msh("ORM^O01", control) + seg("PID", {{3, pid}, {5, "Doe^John"}, {7, "19700215"}, {8, "M"}}) +
           seg("ORC", {{1, orc1}, {2, "PL-" + filler}, {3, filler + "^PACS"}, {5, orc5}}) +
           seg("OBR", {{1, "1"}, {4, "CT^CT Head^L"}, {18, "ACC-" + filler}, {19, "RP-" + filler}, {20, sps}, {24, "CT"}});
}

Hl7Outcome apply_text(Index &index, const std::string &message) { return apply_hl7(index, hl7::Message::parse(message)); }

Dataset item(const std::string &patient, const std::string &issuer, const std::string &sps, const std::string &status) {
    Dataset d;
    d.set_string(Tag(0x0008, 0x0005), "ISO_IR 192", VR::CS);
    d.set_string(kName, "Old^Name", VR::PN);
    d.set_string(kPid, patient, VR::LO);
    d.set_string(kIssuer, issuer, VR::LO);
    Dataset step;
    step.set_string(kSpsId, sps, VR::SH);
    step.set_string(kSpsStatus, status, VR::CS);
    d.set_sequence(kSps, {step});
    return d;
}

std::string step_status(const Dataset &d) { return d.get_items(kSps).at(0).get_string_or(kSpsStatus, ""); }

/// A plain TCP connection to 127.0.0.1:port.
int connect_to(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// Whether the peer closes `fd` within `ms` (reading and dropping what it sends).
bool closed_within(int fd, int ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) != 1) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return true;
    }
    return false;
}

}  // namespace

// The order calls on both index backends (SQLite, and PostgreSQL in the test cluster).
class ArchiveHl7Index : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Backends, ArchiveHl7Index, ::testing::ValuesIn(index_backends()), backend_name);

TEST_P(ArchiveHl7Index, OrdersFileReplaceAndRemoveTheirItems) {
    DK_SKIP_UNLESS_BACKEND(GetParam());
    dk_test::TempDir tmp("dcmkit-hl7-index");
    const std::string spec = new_index_spec(GetParam(), tmp.path());
    const auto owned = open_index(spec);
    Index &index = *owned;
    EXPECT_TRUE(index.worklist_order("filler:F1").empty());
    const auto ids = index.put_worklist_order("filler:F1", {item("P1", "H", "S1", "SCHEDULED"), item("P1", "H", "S2", "SCHEDULED")});
    ASSERT_EQ(ids.size(), 2u);
    index.add_worklist_item(item("P9", "H", "S9", "SCHEDULED"));  // not an order's
    EXPECT_EQ(index.stats().worklist_items, 3u);
    auto items = index.worklist_order("filler:F1");
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].get_items(kSps)[0].get_string(kSpsId), "S1");
    // Replaced: the old items go, the new ones come, the other item stays.
    index.put_worklist_order("filler:F1", {item("P1", "H", "S3", "SCHEDULED")});
    items = index.worklist_order("filler:F1");
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].get_items(kSps)[0].get_string(kSpsId), "S3");
    EXPECT_EQ(index.stats().worklist_items, 2u);
    // Removed by an empty list; an item removed by id leaves its order too.
    index.put_worklist_order("filler:F1", {});
    EXPECT_TRUE(index.worklist_order("filler:F1").empty());
    EXPECT_EQ(index.stats().worklist_items, 1u);
    const auto again = index.put_worklist_order("placer:X", {item("P2", "", "S4", "SCHEDULED")});
    EXPECT_TRUE(index.remove_worklist_item(again.at(0)));
    EXPECT_TRUE(index.worklist_order("placer:X").empty());
    EXPECT_THROW(index.put_worklist_order("", {}), Error);
    // An order outlives the process: a reopened index holds it.
    index.put_worklist_order("filler:F2", {item("P3", "", "S5", "SCHEDULED")});
    const auto reopened = open_index(spec);
    EXPECT_EQ(reopened->worklist_order("filler:F2").size(), 1u);
}

TEST_P(ArchiveHl7Index, PatientUpdateSkipsOtherIssuersAndPerformedItems) {
    DK_SKIP_UNLESS_BACKEND(GetParam());
    dk_test::TempDir tmp("dcmkit-hl7-patient");
    const auto owned = open_backend(GetParam(), tmp.path());
    Index &index = *owned;
    index.add_worklist_item(item("P1", "H", "S1", "SCHEDULED"));
    index.add_worklist_item(item("P1", "OTHER", "S2", "SCHEDULED"));
    index.add_worklist_item(item("P1", "H", "S3", "COMPLETED"));
    index.add_worklist_item(item("P2", "H", "S4", "SCHEDULED"));
    Dataset demo;
    demo.set_string(Tag(0x0008, 0x0005), "ISO_IR 100", VR::CS);
    demo.set_string(kName, "M\xC3\xBCller^Hans", VR::PN);  // encoded in Latin-1, stored in the item's UTF-8
    EXPECT_EQ(index.update_worklist_patient("P1", "H", demo), 1u);
    std::map<std::string, std::string> names;
    Dataset keys;
    keys.set(Element(kName, VR::PN));
    keys.set_sequence(kSps, {[] {
                          Dataset s;
                          s.set(Element(kSpsId, VR::SH));
                          return s;
                      }()});
    for (const Dataset &d : index.find_worklist(keys)) names[d.get_items(kSps).at(0).get_string(kSpsId)] = d.get_string(kName);
    EXPECT_EQ(names["S1"], "M\xC3\xBCller^Hans");
    EXPECT_EQ(names["S2"], "Old^Name");  // another issuer's patient
    EXPECT_EQ(names["S3"], "Old^Name");  // performed: kept as performed
    EXPECT_EQ(names["S4"], "Old^Name");
    // Without an issuer: every scheduled item of the ID.
    EXPECT_EQ(index.update_worklist_patient("P1", "", demo), 2u);
    EXPECT_THROW(index.update_worklist_patient("", "", demo), Error);
}

TEST(ArchiveHl7Apply, OrderControlsCreateChangeCancelDiscontinueAndSetStatus) {
    dk_test::TempDir tmp("dcmkit-hl7-apply");
    SqliteIndex index(tmp.path());
    Hl7Outcome o = apply_text(index, order("1", "NW", "F1", "S1"));
    ASSERT_EQ(o.code, hl7::AckCode::AA) << o.description;
    ASSERT_EQ(o.orders.size(), 1u);
    EXPECT_EQ(o.orders[0].order_key, "filler:F1^PACS");
    EXPECT_EQ(o.orders[0].items, 1u);
    EXPECT_EQ(o.patient_id, "P1");
    auto items = index.worklist_order("filler:F1^PACS");
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].get_string(kAccession), "ACC-F1");
    EXPECT_EQ(items[0].get_string(Tag(0x0040, 0x1001)), "RP-F1");
    EXPECT_EQ(items[0].get_string(Tag(0x0020, 0x000D)).rfind("2.25.", 0), 0u);  // no ZDS: a UID made
    EXPECT_EQ(step_status(items[0]), "SCHEDULED");

    // NW again: AE 205, nothing changed; XO of an unknown order: AE 204.
    o = apply_text(index, order("2", "NW", "F1", "S9"));
    EXPECT_EQ(o.code, hl7::AckCode::AE);
    EXPECT_EQ(o.error->condition, hl7::Condition::duplicate_key_identifier);
    EXPECT_EQ(index.worklist_order("filler:F1^PACS")[0].get_items(kSps)[0].get_string(kSpsId), "S1");
    o = apply_text(index, order("3", "XO", "F2", "S2"));
    EXPECT_EQ(o.code, hl7::AckCode::AE);
    EXPECT_EQ(o.error->condition, hl7::Condition::unknown_key_identifier);
    EXPECT_EQ(o.error->segment, "ORC");

    o = apply_text(index, order("4", "XO", "F1", "S1B"));
    EXPECT_EQ(o.code, hl7::AckCode::AA) << o.description;
    EXPECT_EQ(index.worklist_order("filler:F1^PACS")[0].get_items(kSps)[0].get_string(kSpsId), "S1B");
    o = apply_text(index, order("5", "SC", "F1", "S1B", "IP"));
    EXPECT_EQ(o.code, hl7::AckCode::AA) << o.description;
    EXPECT_EQ(step_status(index.worklist_order("filler:F1^PACS")[0]), "STARTED");
    o = apply_text(index, order("6", "SC", "F1", "S1B", "CM"));
    EXPECT_EQ(step_status(index.worklist_order("filler:F1^PACS")[0]), "COMPLETED");
    o = apply_text(index, order("7", "DC", "F1", "S1B"));
    EXPECT_EQ(step_status(index.worklist_order("filler:F1^PACS")[0]), "DISCONTINUED");
    o = apply_text(index, order("8", "ZZ", "F1", "S1B"));
    EXPECT_EQ(o.code, hl7::AckCode::AE);
    EXPECT_EQ(o.error->field, 1u);
    o = apply_text(index, order("9", "CA", "F1", "S1B"));
    EXPECT_EQ(o.code, hl7::AckCode::AA);
    EXPECT_TRUE(index.worklist_order("filler:F1^PACS").empty());
    EXPECT_EQ(index.stats().worklist_items, 0u);
}

TEST(ArchiveHl7Apply, RefusedMessagesStoreNothing) {
    dk_test::TempDir tmp("dcmkit-hl7-refused");
    SqliteIndex index(tmp.path());
    // Two orders, the second without its SPS ID: neither is stored (checked before anything is done).
    const std::string two = order("1", "NW", "F1", "S1") +
                             seg("ORC", {{1, "NW"}, {3, "F2^PACS"}}) + seg("OBR", {{1, "2"}, {18, "ACC2"}});
    Hl7Outcome o = apply_text(index, two);
    EXPECT_EQ(o.code, hl7::AckCode::AE);
    EXPECT_EQ(o.error->condition, hl7::Condition::required_field_missing);
    EXPECT_EQ(o.error->segment, "OBR");
    EXPECT_EQ(o.error->field, 20u);
    EXPECT_EQ(index.stats().worklist_items, 0u);
    // No Patient ID.
    o = apply_text(index, order("2", "NW", "F3", "S3", "SC", ""));
    EXPECT_EQ(o.code, hl7::AckCode::AE);
    EXPECT_EQ(o.error->segment, "PID");
    EXPECT_EQ(o.error->field, 3u);
    // A birth date that is no date; a Study Instance UID that is no UID.
    std::string bad_date = order("3", "NW", "F4", "S4");
    bad_date.replace(bad_date.find("19700215"), 8, "1970-02-");
    EXPECT_EQ(apply_text(index, bad_date).error->condition, hl7::Condition::data_type_error);
    std::string bad_uid = msh("ORM^O01", "5") + seg("PID", {{3, "P1"}}) + seg("ORC", {{1, "NW"}, {3, "F6"}}) +
                          seg("OBR", {{1, "1"}, {20, "S6"}}) + seg("ZDS", {{1, "1.2.x^100"}});
    o = apply_text(index, bad_uid);
    EXPECT_EQ(o.code, hl7::AckCode::AE);
    EXPECT_EQ(o.error->segment, "ZDS");
    // Message types and versions the listener does not take: AR.
    o = apply_text(index, msh("ORU^R01", "6") + seg("PID", {{3, "P1"}}));
    EXPECT_EQ(o.code, hl7::AckCode::AR);
    EXPECT_EQ(o.error->condition, hl7::Condition::unsupported_message_type);
    o = apply_text(index, msh("ORM^O02", "7") + seg("PID", {{3, "P1"}}));
    EXPECT_EQ(o.error->condition, hl7::Condition::unsupported_event_code);
    std::string v3 = order("8", "NW", "F7", "S7");
    v3.replace(v3.find("2.5.1"), 5, "3.0");
    EXPECT_EQ(apply_text(index, v3).error->condition, hl7::Condition::unsupported_version_id);
    EXPECT_EQ(index.stats().worklist_items, 0u);
}

TEST(ArchiveHl7Apply, Latin1NamesAndAdtA08) {
    dk_test::TempDir tmp("dcmkit-hl7-adt");
    SqliteIndex index(tmp.path());
    std::string latin1 = order("1", "NW", "F1", "S1");
    latin1.replace(latin1.find("Doe^John"), 8, "M\xFCller^J\xF6rg");
    latin1.replace(0, latin1.find('\r'), msh("ORM^O01", "1", "8859/1").substr(0, msh("ORM^O01", "1", "8859/1").size() - 1));
    ASSERT_EQ(apply_text(index, latin1).code, hl7::AckCode::AA);
    Dataset d = index.worklist_order("filler:F1^PACS").at(0);
    EXPECT_EQ(d.get_string(Tag(0x0008, 0x0005)), "ISO_IR 192");
    EXPECT_EQ(d.get_string(kName), "M\xC3\xBCller^J\xC3\xB6rg");
    // ADT^A08 renames the patient of scheduled items (issuer HOSP from PID-3.4).
    Hl7Outcome o = apply_text(index, msh("ADT^A08", "2") + seg("EVN", {{1, "A08"}}) +
                                    seg("PID", {{3, "P1^^^HOSP"}, {5, "Doe^Jane"}, {7, "19700216"}, {8, "F"}}));
    ASSERT_EQ(o.code, hl7::AckCode::AA) << o.description;
    EXPECT_EQ(o.orders.at(0).items, 1u);
    d = index.worklist_order("filler:F1^PACS").at(0);
    EXPECT_EQ(d.get_string(kName), "Doe^Jane");
    EXPECT_EQ(d.get_string(Tag(0x0010, 0x0030)), "19700216");
    EXPECT_EQ(d.get_string(Tag(0x0010, 0x0040)), "F");
    EXPECT_EQ(d.get_string(kAccession), "ACC-F1");  // the order's attributes stay
    // Another issuer's P1 is another patient: nothing updated.
    o = apply_text(index, msh("ADT^A08", "3") + seg("PID", {{3, "P1^^^ELSEWHERE"}, {5, "Other^One"}}));
    EXPECT_EQ(o.orders.at(0).items, 0u);
    EXPECT_EQ(index.worklist_order("filler:F1^PACS").at(0).get_string(kName), "Doe^Jane");
}

TEST(ArchiveHl7Apply, JapaneseNamesThroughIso2022Escapes) {
    // MSH-18 "ASCII~ISO IR87": JIS X 0208 reached with \M2442\ (ESC $ B), left with \C2842\ (ESC
    // ( B); the second PID-5 repetition, XPN-8 "I", is the ideographic group. The name is
    // PS3.5 Annex H's example, Yamada^Tarou=山田^太郎 (JIS 3B33 4544, 4240 4F3A).
    dk_test::TempDir tmp("dcmkit-hl7-jis");
    SqliteIndex index(tmp.path());
    std::string m = order("1", "NW", "F1", "S1");
    m.replace(0, m.find('\r'), msh("ORM^O01", "1", "ASCII~ISO IR87").substr(0, msh("ORM^O01", "1", "ASCII~ISO IR87").size() - 1));
    m.replace(m.find("Doe^John"), 8, "Yamada^Tarou~\\M2442\\;3ED\\C2842\\^\\M2442\\B@O:\\C2842\\^^^^^^I");
    const Hl7Outcome o = apply_text(index, m);
    ASSERT_EQ(o.code, hl7::AckCode::AA) << o.description;
    const Dataset d = index.worklist_order("filler:F1^PACS").at(0);
    EXPECT_EQ(d.get_string(kName), "Yamada^Tarou=\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E");
}

TEST(ArchiveHl7Listener, AnswersSeveralConnectionsAndEnforcesItsBounds) {
    dk_test::TempDir tmp("dcmkit-hl7-listener");
    auto index = std::make_shared<SqliteIndex>(tmp.path());
    Hl7ListenerOptions o;
    o.bind = "127.0.0.1";
    o.max_message_size = 4096;
    o.timeout_s = 1;
    std::vector<std::string> warnings;
    std::mutex mu;
    Hl7Listener listener(index, o, {}, [&](const std::string &w) {
        std::lock_guard<std::mutex> lock(mu);
        warnings.push_back(w);
    });
    listener.start();
    ASSERT_NE(listener.port(), 0);
    // Three clients at once, each with its own order.
    std::vector<std::thread> clients;
    std::vector<std::string> codes(3);
    for (int i = 0; i < 3; ++i)
        clients.emplace_back([&, i] {
            const std::string reply = hl7::mllp_send("127.0.0.1", listener.port(),
                                                     order("C" + std::to_string(i), "NW", "F" + std::to_string(i), "S"), 10000);
            codes[size_t(i)] = hl7::Message::parse(reply).get("MSA", 1) + "/" + hl7::Message::parse(reply).get("MSA", 2);
        });
    for (auto &t : clients) t.join();
    EXPECT_EQ(codes, (std::vector<std::string>{"AA/C0", "AA/C1", "AA/C2"}));
    EXPECT_EQ(index->stats().worklist_items, 3u);
    // Two messages in one write on one connection: two ACKs, in order.
    {
        const int fd = connect_to(listener.port());
        ASSERT_GE(fd, 0);
        const std::string both = hl7::mllp_frame(order("D1", "XO", "F0", "S0")) + hl7::mllp_frame(order("D2", "CA", "F0", "S0"));
        ASSERT_EQ(::send(fd, both.data(), both.size(), MSG_NOSIGNAL), ssize_t(both.size()));
        hl7::MllpDecoder dec;
        std::vector<std::string> acks;
        char buf[4096];
        for (int tries = 0; acks.size() < 2 && tries < 100; ++tries) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 100) != 1) continue;
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            for (auto &m : dec.feed(buf, size_t(n))) acks.push_back(hl7::Message::parse(m).get("MSA", 2));
        }
        EXPECT_EQ(acks, (std::vector<std::string>{"D1", "D2"}));
        ::close(fd);
    }
    EXPECT_EQ(index->stats().worklist_items, 2u);
    // A frame over max_message_size: the connection is closed, nothing stored.
    {
        const int fd = connect_to(listener.port());
        ASSERT_GE(fd, 0);
        const std::string big = hl7::mllp_frame(order("E1", "NW", "F9", "S9") + std::string(8000, 'x'));
        (void)::send(fd, big.data(), big.size(), MSG_NOSIGNAL);
        EXPECT_TRUE(closed_within(fd, 3000));
        ::close(fd);
    }
    // A frame left unfinished: closed after the timeout (1 s), not held open.
    {
        const int fd = connect_to(listener.port());
        ASSERT_GE(fd, 0);
        const std::string part = "\x0bMSH|^~\\&|A";
        (void)::send(fd, part.data(), part.size(), MSG_NOSIGNAL);
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_TRUE(closed_within(fd, 5000));
        EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(800));
        ::close(fd);
    }
    // Not HL7 at all (an HTTP request): closed.
    {
        const int fd = connect_to(listener.port());
        const std::string http = "GET / HTTP/1.0\r\n\r\n";
        (void)::send(fd, http.data(), http.size(), MSG_NOSIGNAL);
        EXPECT_TRUE(closed_within(fd, 3000));
        ::close(fd);
    }
    EXPECT_EQ(index->stats().worklist_items, 2u);
    listener.stop();
    std::lock_guard<std::mutex> lock(mu);
    std::string all;
    for (auto &w : warnings) all += w + "\n";
    EXPECT_NE(all.find("larger than 4096 bytes"), std::string::npos) << all;
}

TEST(ArchiveHl7Listener, RefusesConnectionsOverItsLimit) {
    dk_test::TempDir tmp("dcmkit-hl7-limit");
    auto index = std::make_shared<SqliteIndex>(tmp.path());
    Hl7ListenerOptions o;
    o.bind = "127.0.0.1";
    o.max_connections = 1;
    o.timeout_s = 10;
    Hl7Listener listener(index, o);
    listener.start();
    // One connection, served (its ACK proves it is counted)...
    const int held = connect_to(listener.port());
    ASSERT_GE(held, 0);
    auto exchange = [&](int fd, const std::string &message) {
        const std::string frame = hl7::mllp_frame(message);
        EXPECT_EQ(::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL), ssize_t(frame.size()));
        hl7::MllpDecoder dec;
        char buf[4096];
        for (int tries = 0; tries < 100; ++tries) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 100) != 1) continue;
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            for (auto &m : dec.feed(buf, size_t(n))) return hl7::Message::parse(m).get("MSA", 1);
        }
        return std::string("none");
    };
    EXPECT_EQ(exchange(held, order("L1", "NW", "F1", "S1")), "AA");
    // ...so a second one is closed at once, long before the 10 s idle timeout.
    const int extra = connect_to(listener.port());
    EXPECT_TRUE(closed_within(extra, 3000));
    ::close(extra);
    // The first one still works.
    EXPECT_EQ(exchange(held, order("L2", "CA", "F1", "S1")), "AA");
    ::close(held);
    EXPECT_EQ(index->stats().worklist_items, 0u);
    listener.stop();
}

TEST(ArchiveHl7Server, ListenerFromConfigAuditsOrderRecords) {
    dk_test::TempDir tmp("dcmkit-hl7-server");
    const std::string log = tmp / "audit.log";
    Config c = Config::parse("storage = " + tmp.path() + "/store\nhl7_port = 0\nhl7_max_message_size = 64K\n"
                             "hl7_timeout = 5\naudit = file:" + log + "\n");
    EXPECT_EQ(c.hl7.port, 0);
    EXPECT_EQ(c.hl7.max_message_size, 65536u);
    std::string err;
    EXPECT_FALSE(c.set("hl7_port", "70000", err));
    EXPECT_FALSE(c.set("hl7_max_message_size", "0", err));
    c.log = [](net::LogLevel, const std::string &) {};
    {
        Server s(c);
        s.start("127.0.0.1", 0);
        ASSERT_NE(s.hl7_port(), 0);
        const hl7::Message ack = hl7::Message::parse(hl7::mllp_send("127.0.0.1", s.hl7_port(), order("A1", "NW", "F1", "S1")));
        EXPECT_EQ(ack.get("MSA", 1), "AA");
        EXPECT_EQ(hl7::Message::parse(hl7::mllp_send("127.0.0.1", s.hl7_port(), order("A2", "CA", "F1", "S1"))).get("MSA", 1), "AA");
        EXPECT_EQ(hl7::Message::parse(hl7::mllp_send("127.0.0.1", s.hl7_port(), order("A3", "CA", "F1", "S1"))).get("MSA", 1), "AE");
        EXPECT_EQ(s.counters().hl7_messages, 3u);
        s.stop(1000);
        EXPECT_EQ(s.hl7_port(), 0);
    }
    const std::string text = dk_test::read_bytes(log);
    // Order Record (110109): created (C), deleted (D), and the refused one as a failure (4).
    size_t n = 0;
    for (size_t p = text.find("csd-code=\"110109\""); p != std::string::npos; p = text.find("csd-code=\"110109\"", p + 1)) ++n;
    EXPECT_EQ(n, 3u) << text;
    EXPECT_NE(text.find("EventActionCode=\"C\""), std::string::npos);
    EXPECT_NE(text.find("EventActionCode=\"D\""), std::string::npos);
    EXPECT_NE(text.find("EventOutcomeIndicator=\"4\""), std::string::npos);
    EXPECT_NE(text.find("P1"), std::string::npos);
    // Each message valid against the schema of PS3.15 A.5.1.
    if (dk_test::have_tools({"xmllint"})) {
        std::istringstream in(text);
        std::string line;
        int checked = 0;
        while (std::getline(in, line)) {
            const size_t bom = line.find("\xEF\xBB\xBF");
            if (bom == std::string::npos) continue;
            dk_test::write_bytes(tmp / "m.xml", line.substr(bom + 3));
            const auto v = dk_test::run({"xmllint", "--noout", "--relaxng",
                                         std::string(DCMKIT_TEST_DATA_DIR) + "/audit/audit-message.rng", tmp / "m.xml"});
            EXPECT_EQ(v.status, 0) << v.all() << line;
            ++checked;
        }
        EXPECT_GE(checked, 5);  // Application Start and Stop, three Order Records
    }
    // Without hl7_port there is no listener.
    Config none;
    none.storage = tmp.path() + "/store2";
    none.log = c.log;
    Server s(none);
    s.start("127.0.0.1", 0);
    EXPECT_EQ(s.hl7_port(), 0);
    s.stop(0);
}
