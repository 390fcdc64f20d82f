// MPPS (PS3.4 Annex F) and Storage Commitment Push Model (PS3.4 Annex J) end to end between our SCU
// and our SCP over loopback, and the DIMSE-N layer's answers to misuse.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <fstream>
#include <thread>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/net/ae_config.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/normalized.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "dcmkit/services/workflow.h"
#include "dcmkit/uid.h"
#include "peer.h"

using namespace dcmkit;
namespace net = dcmkit::net;

namespace {

constexpr const char *kImplicit = "1.2.840.10008.1.2";
constexpr const char *kCtImage = "1.2.840.10008.5.1.4.1.1.2";

net::AeConfig config(const std::string &title) {
    net::AeConfig c;
    c.ae_title = title;
    c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 5000;
    c.add(dcmkit::uids::ModalityPerformedProcedureStep, {kImplicit}, true, true);
    c.add(dcmkit::uids::StorageCommitmentPushModel, {kImplicit}, true, true);
    return c;
}

/// An MPPS N-CREATE as a modality sends it (PS3.4 Table F.7.2-1, the type 1 attributes).
Dataset mpps_create_attributes() {
    Dataset ds;
    Dataset step;
    step.set_string(Tag(0x0020, 0x000D), generate_uid(), VR::UI);  // Study Instance UID
    step.set_string(Tag(0x0008, 0x0050), "ACC-1", VR::SH);         // Accession Number
    step.set_string(Tag(0x0040, 0x0009), "SPS-1", VR::SH);         // Scheduled Procedure Step ID
    ds.set_sequence(Tag(0x0040, 0x0270), {step});
    ds.set_string(Tag(0x0010, 0x0010), "Doe^Jane", VR::PN);
    ds.set_string(Tag(0x0010, 0x0020), "P-1", VR::LO);
    ds.set_string(Tag(0x0040, 0x0253), "PPS-1", VR::SH);
    ds.set_string(Tag(0x0040, 0x0241), "MODALITY", VR::AE);
    ds.set_string(Tag(0x0040, 0x0244), "20261126", VR::DA);
    ds.set_string(Tag(0x0040, 0x0245), "101500", VR::TM);
    ds.set_string(Tag(0x0040, 0x0252), "IN PROGRESS", VR::CS);
    ds.set_string(Tag(0x0008, 0x0060), "CT", VR::CS);
    return ds;
}

struct Performer {
    dk_test::TempDir tmp{"dcmkit-workflow"};
    std::shared_ptr<net::MppsStore> mpps = std::make_shared<net::MppsStore>(tmp / "mpps");
    std::map<std::string, std::string> held;  // SOP Instance UID -> file content it must still have
    std::unique_ptr<net::Server> server;
    std::vector<std::string> changes;
    std::mutex m;

    explicit Performer(net::CommitReportOptions reports = {}) {
        net::ServiceHandlers h;
        h.n_handlers[dcmkit::uids::ModalityPerformedProcedureStep] = mpps->handler();
        h.n_handlers[dcmkit::uids::StorageCommitmentPushModel] = net::storage_commitment_handler(
            [this](const std::string &cls, const std::string &inst) -> uint16_t {
                if (cls != kCtImage) return 0x0122;
                auto it = held.find(inst);
                if (it == held.end()) return 0x0112;
                return dk_test::read_bytes(tmp / inst) == it->second ? 0 : 0x0110;
            },
            std::move(reports));
        mpps->on_change = [this](const std::string &uid, const Dataset &ds) {
            std::lock_guard<std::mutex> l(m);
            changes.push_back(uid + " " + ds.get_string_or(Tag(0x0040, 0x0252), ""));
        };
        server = std::make_unique<net::Server>(config("PERFORMER"), std::move(h));
        server->start("127.0.0.1", 0);
    }
    std::unique_ptr<net::Association> connect() {
        return net::Association::connect(config("MODALITY"), "127.0.0.1", server->port(), "PERFORMER");
    }
};

TEST(Mpps, CreateThenCompleteThenNoMoreUpdates) {
    Performer p;
    auto a = p.connect();
    const std::string uid = generate_uid();
    net::NResult r = net::n_create(*a, dcmkit::uids::ModalityPerformedProcedureStep, uid, mpps_create_attributes());
    EXPECT_EQ(r.status, 0x0000) << r.error_comment;
    EXPECT_EQ(r.sop_instance_uid, uid);
    EXPECT_EQ(r.sop_class_uid, dcmkit::uids::ModalityPerformedProcedureStep);

    // The same instance again: Duplicate SOP Instance (PS3.7 C.5.8).
    r = net::n_create(*a, dcmkit::uids::ModalityPerformedProcedureStep, uid, mpps_create_attributes());
    EXPECT_EQ(r.status, 0x0111);

    // COMPLETED without the end date and time is refused (F.7.2.2.2) and changes nothing.
    Dataset done;
    done.set_string(Tag(0x0040, 0x0252), "COMPLETED", VR::CS);
    r = net::n_set(*a, dcmkit::uids::ModalityPerformedProcedureStep, uid, done);
    EXPECT_EQ(r.status, 0x0110);
    EXPECT_EQ(p.mpps->get(uid)->get_string(Tag(0x0040, 0x0252)), "IN PROGRESS");

    done.set_string(Tag(0x0040, 0x0250), "20261126", VR::DA);
    done.set_string(Tag(0x0040, 0x0251), "103000", VR::TM);
    Dataset series;
    series.set_string(Tag(0x0020, 0x000E), generate_uid(), VR::UI);
    done.set_sequence(Tag(0x0040, 0x0340), {series});  // Performed Series Sequence
    r = net::n_set(*a, dcmkit::uids::ModalityPerformedProcedureStep, uid, done);
    EXPECT_EQ(r.status, 0x0000) << r.error_comment;
    const Dataset stored = *p.mpps->get(uid);
    EXPECT_EQ(stored.get_string(Tag(0x0040, 0x0252)), "COMPLETED");
    EXPECT_EQ(stored.get_string(Tag(0x0040, 0x0253)), "PPS-1");  // kept from the N-CREATE
    EXPECT_EQ(stored.get_items(Tag(0x0040, 0x0340)).size(), 1u);

    // Final: any further N-SET fails with Processing Failure, "may no longer be updated" (A710).
    Dataset again;
    again.set_string(Tag(0x0040, 0x0252), "DISCONTINUED", VR::CS);
    r = net::n_set(*a, dcmkit::uids::ModalityPerformedProcedureStep, uid, again);
    EXPECT_EQ(r.status, 0x0110);
    EXPECT_NE(r.error_comment.find("no longer"), std::string::npos) << r.error_comment;
    a->release();
    std::lock_guard<std::mutex> l(p.m);
    EXPECT_EQ(p.changes, (std::vector<std::string>{uid + " IN PROGRESS", uid + " COMPLETED"}));
}

TEST(Mpps, RequiredAttributesAndUnknownInstances) {
    Performer p;
    auto a = p.connect();
    for (Tag missing : {Tag(0x0040, 0x0270), Tag(0x0040, 0x0252), Tag(0x0008, 0x0060)}) {
        Dataset ds = mpps_create_attributes();
        ds.remove(missing);
        const net::NResult r = net::n_create(*a, dcmkit::uids::ModalityPerformedProcedureStep, generate_uid(), ds);
        EXPECT_EQ(r.status, 0x0120) << missing.str();  // Missing Attribute
    }
    Dataset ds = mpps_create_attributes();
    ds.set_string(Tag(0x0040, 0x0252), "COMPLETED", VR::CS);
    EXPECT_EQ(net::n_create(*a, dcmkit::uids::ModalityPerformedProcedureStep, generate_uid(), ds).status, 0x0106);
    Dataset set;
    set.set_string(Tag(0x0040, 0x0252), "DISCONTINUED", VR::CS);
    EXPECT_EQ(net::n_set(*a, dcmkit::uids::ModalityPerformedProcedureStep, generate_uid(), set).status, 0x0112);
    // An operation MPPS does not take, and a SOP class without a performer.
    EXPECT_EQ(net::n_delete(*a, dcmkit::uids::ModalityPerformedProcedureStep, generate_uid()).status, 0x0211);
    a->release();
}

TEST(StorageCommitment, ReportOnTheSameAssociationWithAFailureForAnAlteredFile) {
    Performer p;
    std::vector<net::CommitItem> items;
    for (int i = 0; i < 3; ++i) {
        const std::string uid = generate_uid();
        dk_test::write_bytes(p.tmp / uid, "instance " + std::to_string(i));
        p.held[uid] = "instance " + std::to_string(i);
        items.push_back({kCtImage, uid, 0});
    }
    dk_test::write_bytes(p.tmp / items[1].sop_instance_uid, "altered");  // its digest no longer matches
    items.push_back({kCtImage, generate_uid(), 0});                     // never stored
    auto a = p.connect();
    const net::CommitResult r = net::request_commitment(*a, items, 5000);
    EXPECT_EQ(r.action_status, 0x0000);
    ASSERT_TRUE(r.report_received);
    EXPECT_EQ(r.event_type, 2);  // some failed
    ASSERT_EQ(r.committed.size(), 2u);
    EXPECT_EQ(r.committed[0].sop_instance_uid, items[0].sop_instance_uid);
    EXPECT_EQ(r.committed[1].sop_instance_uid, items[2].sop_instance_uid);
    ASSERT_EQ(r.failed.size(), 2u);
    EXPECT_EQ(r.failed[0].sop_instance_uid, items[1].sop_instance_uid);
    EXPECT_EQ(r.failed[0].failure_reason, 0x0110);  // Processing failure
    EXPECT_EQ(r.failed[1].failure_reason, 0x0112);  // No such object instance

    // All present and intact: event type 1, no Failed SOP Sequence.
    dk_test::write_bytes(p.tmp / items[1].sop_instance_uid, "instance 1");
    items.pop_back();
    const net::CommitResult ok = net::request_commitment(*a, items, 5000);
    ASSERT_TRUE(ok.report_received);
    EXPECT_EQ(ok.event_type, 1);
    EXPECT_EQ(ok.committed.size(), 3u);
    EXPECT_TRUE(ok.failed.empty());
    EXPECT_NE(ok.transaction_uid, r.transaction_uid);
    a->release();
}

/// The SCU's listener for reports on associations the performer opens: accepts the Storage
/// Commitment Push Model in the SCU role only, and records the roles each requestor proposed.
struct ReportListener {
    net::CommitmentReports reports;
    std::mutex m;
    std::vector<net::RoleSelection> proposed_roles;
    std::unique_ptr<net::Server> server;

    ReportListener() {
        net::AeConfig c;
        c.ae_title = "MODALITY";
        c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 5000;
        c.add(dcmkit::uids::StorageCommitmentPushModel, {kImplicit}, false, true);
        net::ServiceHandlers h;
        h.n_handlers[dcmkit::uids::StorageCommitmentPushModel] = reports.handler();
        h.on_associate = [this](const net::AAssociateRq &rq, const std::string &) -> std::optional<net::AAssociateRj> {
            std::lock_guard<std::mutex> l(m);
            proposed_roles.insert(proposed_roles.end(), rq.user.roles.begin(), rq.user.roles.end());
            return std::nullopt;
        };
        server = std::make_unique<net::Server>(c, std::move(h));
        server->start("127.0.0.1", 0);
    }
    net::CommitReportOptions options(bool same_association) const {
        net::CommitReportOptions o;
        o.same_association = same_association;
        o.ae = config("PERFORMER");
        const uint16_t port = server->port();
        o.locate = [port](const std::string &ae) -> std::optional<std::pair<std::string, uint16_t>> {
            if (ae != "MODALITY") return std::nullopt;
            return std::make_pair(std::string("127.0.0.1"), port);
        };
        return o;
    }
};

std::vector<net::CommitItem> held_items(Performer &p, int n) {
    std::vector<net::CommitItem> items;
    for (int i = 0; i < n; ++i) {
        const std::string uid = generate_uid();
        dk_test::write_bytes(p.tmp / uid, "instance " + std::to_string(i));
        p.held[uid] = "instance " + std::to_string(i);
        items.push_back({kCtImage, uid, 0});
    }
    return items;
}

TEST(StorageCommitment, ReportOnANewAssociationWhenTheScuReleasesAtOnce) {
    // PS3.4 J.3.3.1.3: an SCU that releases as soon as the N-ACTION is answered gets the report on
    // an association the SCP opens, proposing the SCP role of the class.
    ReportListener scu;
    Performer p(scu.options(true));
    std::vector<net::CommitItem> items = held_items(p, 3);
    items.push_back({kCtImage, generate_uid(), 0});  // never stored
    for (int round = 0; round < 3; ++round) {  // the report meets the release at different moments
        auto a = p.connect();
        net::CommitResult r = net::request_commitment(*a, items, 0);
        EXPECT_EQ(r.action_status, 0x0000);
        EXPECT_FALSE(r.report_received);
        a->release();
        ASSERT_TRUE(scu.reports.wait(r, 15000)) << "round " << round;
        EXPECT_EQ(r.event_type, 2);
        ASSERT_EQ(r.committed.size(), 3u);
        for (int i = 0; i < 3; ++i) EXPECT_EQ(r.committed[i].sop_instance_uid, items[i].sop_instance_uid);
        ASSERT_EQ(r.failed.size(), 1u);
        EXPECT_EQ(r.failed[0].sop_instance_uid, items[3].sop_instance_uid);
        EXPECT_EQ(r.failed[0].failure_reason, 0x0112);
    }
    std::lock_guard<std::mutex> l(scu.m);
    ASSERT_FALSE(scu.proposed_roles.empty());
    for (const net::RoleSelection &rs : scu.proposed_roles) {
        EXPECT_EQ(rs.sop_class_uid, dcmkit::uids::StorageCommitmentPushModel);
        EXPECT_FALSE(rs.scu);  // SCU role 0, SCP role 1 (PS3.4 J.3.3.1.3 note)
        EXPECT_TRUE(rs.scp);
    }
}

TEST(StorageCommitment, ReportAlwaysOnANewAssociationWhileTheFirstIsStillOpen) {
    ReportListener scu;
    Performer p(scu.options(false));
    const std::vector<net::CommitItem> items = held_items(p, 2);
    auto a = p.connect();
    net::CommitResult r = net::request_commitment(*a, items, 0);
    EXPECT_EQ(r.action_status, 0x0000);
    ASSERT_TRUE(scu.reports.wait(r, 15000));
    EXPECT_EQ(r.event_type, 1);
    EXPECT_EQ(r.committed.size(), 2u);
    EXPECT_TRUE(r.failed.empty());
    // Nothing came on the N-ACTION's association: it is still usable.
    EXPECT_EQ(net::request_commitment(*a, items, 0).action_status, 0x0000);
    a->release();
    net::CommitResult second;
    EXPECT_FALSE(scu.reports.wait(second, 0));  // an unknown transaction: nothing
}

TEST(StorageCommitment, AReportForAnUnknownAeIsLoggedAsLost) {
    ReportListener scu;
    net::CommitReportOptions o = scu.options(false);
    o.attempts = 2;
    o.retry_delay_ms = 50;
    std::mutex m;
    std::vector<std::string> errors;
    o.ae.log = [&](net::LogLevel level, const std::string &message) {
        std::lock_guard<std::mutex> l(m);
        if (level == net::LogLevel::error) errors.push_back(message);
    };
    o.locate = [](const std::string &) { return std::nullopt; };
    {
        Performer p(o);
        auto a = p.connect();
        net::CommitResult r = net::request_commitment(*a, held_items(p, 1), 0);
        EXPECT_EQ(r.action_status, 0x0000);
        a->release();
        EXPECT_FALSE(scu.reports.wait(r, 300));
    }  // the performer's end waits for its report sender
    std::lock_guard<std::mutex> l(m);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("no address is configured for AE MODALITY"), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find("attempt 2"), std::string::npos) << errors[0];
}

TEST(StorageCommitment, TheScuListenerAnswersMalformedReportsWithPs37Statuses) {
    ReportListener scu;
    net::AeConfig c = config("PERFORMER");
    c.sop_classes.clear();
    c.add(dcmkit::uids::StorageCommitmentPushModel, {kImplicit}, true, false);
    auto a = net::Association::connect(c, "127.0.0.1", scu.server->port(), "MODALITY");
    Dataset report;
    report.set_string(Tag(0x0008, 0x1195), generate_uid(), VR::UI);
    net::NResult r = net::n_event_report(*a, dcmkit::uids::StorageCommitmentPushModel,
                                         dcmkit::uids::StorageCommitmentPushModelInstance, 3, &report);
    EXPECT_EQ(r.status, 0x0113);  // No Such Event Type
    report.set_string(Tag(0x0008, 0x1195), "not a UID", VR::UI);
    r = net::n_event_report(*a, dcmkit::uids::StorageCommitmentPushModel, dcmkit::uids::StorageCommitmentPushModelInstance, 1,
                            &report);
    EXPECT_EQ(r.status, 0x0106);  // Invalid Attribute Value
    const std::string transaction = generate_uid();
    report.set_string(Tag(0x0008, 0x1195), transaction, VR::UI);
    r = net::n_event_report(*a, dcmkit::uids::StorageCommitmentPushModel, dcmkit::uids::StorageCommitmentPushModelInstance, 1,
                            &report);
    EXPECT_EQ(r.status, 0x0000);
    a->release();
    net::CommitResult got;
    got.transaction_uid = transaction;
    ASSERT_TRUE(scu.reports.wait(got, 1000));
    EXPECT_EQ(got.event_type, 1);
}

TEST(StorageCommitment, MisuseGetsTheStatusesOfPs37) {
    Performer p;
    auto a = p.connect();
    // Action type 2 does not exist (No Such Action Type, 0123H).
    Dataset info;
    info.set_string(Tag(0x0008, 0x1195), generate_uid(), VR::UI);
    net::NResult r = net::n_action(*a, dcmkit::uids::StorageCommitmentPushModel, dcmkit::uids::StorageCommitmentPushModelInstance,
                                   2, &info);
    EXPECT_EQ(r.status, 0x0123);
    EXPECT_EQ(r.action_or_event_type, 2);
    // No Referenced SOP Sequence: Missing Attribute.
    r = net::n_action(*a, dcmkit::uids::StorageCommitmentPushModel, dcmkit::uids::StorageCommitmentPushModelInstance, 1, &info);
    EXPECT_EQ(r.status, 0x0120);
    // N-GET on a performer that has no N-GET.
    r = net::n_get(*a, dcmkit::uids::StorageCommitmentPushModel, dcmkit::uids::StorageCommitmentPushModelInstance, {});
    EXPECT_EQ(r.status, 0x0211);
    a->release();

    // A SOP class the performer has no handler for: No Such SOP Class (0118H).
    net::AeConfig c = config("PERFORMER");
    c.add("1.2.840.10008.5.1.1.40", {kImplicit}, true, true);  // Printer SOP Class, not performed here
    net::ServiceHandlers h;
    net::Server other(c, std::move(h));
    other.start("127.0.0.1", 0);
    net::AeConfig scu = config("MODALITY");
    scu.add("1.2.840.10008.5.1.1.40", {kImplicit}, true, true);
    auto b = net::Association::connect(scu, "127.0.0.1", other.port(), "PERFORMER");
    r = net::n_get(*b, "1.2.840.10008.5.1.1.40", "1.2.840.10008.5.1.1.17", {});
    EXPECT_EQ(r.status, 0x0118);
    b->release();
}

TEST(QueryScp, AnOperationLongerThanTheIdleTimeoutCompletes) {
    // The association's idle timer must not end it while a C-FIND runs on the SCP's worker thread
    // (the peer waits for responses, it is not idle).
    net::AeConfig c = config("PERFORMER");
    c.add(dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, {kImplicit}, true, true);
    c.timeouts.idle_ms = 200;
    net::ServiceHandlers h;
    h.on_find = [](net::QueryRequest &rq) -> uint16_t {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        Dataset m;
        m.set_string(Tag(0x0020, 0x000D), "1.2.3", VR::UI);
        rq.emit(m);
        return 0;
    };
    net::Server s(c, std::move(h));
    s.start("127.0.0.1", 0);
    net::AeConfig scu = config("MODALITY");
    scu.add(dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, {kImplicit}, true, true);
    auto a = net::Association::connect(scu, "127.0.0.1", s.port(), "PERFORMER");
    Dataset q;
    q.set_string(Tag(0x0008, 0x0052), "STUDY", VR::CS);
    q.set_string(Tag(0x0020, 0x000D), "", VR::UI);
    size_t matches = 0;
    const net::FindResult r = net::find(*a, dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, q, [&](const Dataset &) { return ++matches, true; });
    EXPECT_EQ(r.status, 0x0000);
    EXPECT_EQ(matches, 1u);
    a->release();
}

}  // namespace
