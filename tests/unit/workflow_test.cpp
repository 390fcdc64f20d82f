// MPPS (PS3.4 Annex F) and Storage Commitment Push Model (PS3.4 Annex J) end to end between our SCU
// and our SCP over loopback, and the DIMSE-N layer's answers to misuse.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/net/ae_config.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/normalized.h"
#include "dcmkit/net/query.h"
#include "dcmkit/net/services.h"
#include "dcmkit/net/workflow.h"
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
    c.add(net::sop::ModalityPerformedProcedureStep, {kImplicit}, true, true);
    c.add(net::sop::StorageCommitmentPushModel, {kImplicit}, true, true);
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

    Performer() {
        net::ServiceHandlers h;
        h.n_handlers[net::sop::ModalityPerformedProcedureStep] = mpps->handler();
        h.n_handlers[net::sop::StorageCommitmentPushModel] =
            net::storage_commitment_handler([this](const std::string &cls, const std::string &inst) -> uint16_t {
                if (cls != kCtImage) return 0x0122;
                auto it = held.find(inst);
                if (it == held.end()) return 0x0112;
                return dk_test::read_bytes(tmp / inst) == it->second ? 0 : 0x0110;
            });
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
    net::NResult r = net::n_create(*a, net::sop::ModalityPerformedProcedureStep, uid, mpps_create_attributes());
    EXPECT_EQ(r.status, 0x0000) << r.error_comment;
    EXPECT_EQ(r.sop_instance_uid, uid);
    EXPECT_EQ(r.sop_class_uid, net::sop::ModalityPerformedProcedureStep);

    // The same instance again: Duplicate SOP Instance (PS3.7 C.5.8).
    r = net::n_create(*a, net::sop::ModalityPerformedProcedureStep, uid, mpps_create_attributes());
    EXPECT_EQ(r.status, 0x0111);

    // COMPLETED without the end date and time is refused (F.7.2.2.2) and changes nothing.
    Dataset done;
    done.set_string(Tag(0x0040, 0x0252), "COMPLETED", VR::CS);
    r = net::n_set(*a, net::sop::ModalityPerformedProcedureStep, uid, done);
    EXPECT_EQ(r.status, 0x0110);
    EXPECT_EQ(p.mpps->get(uid)->get_string(Tag(0x0040, 0x0252)), "IN PROGRESS");

    done.set_string(Tag(0x0040, 0x0250), "20261126", VR::DA);
    done.set_string(Tag(0x0040, 0x0251), "103000", VR::TM);
    Dataset series;
    series.set_string(Tag(0x0020, 0x000E), generate_uid(), VR::UI);
    done.set_sequence(Tag(0x0040, 0x0340), {series});  // Performed Series Sequence
    r = net::n_set(*a, net::sop::ModalityPerformedProcedureStep, uid, done);
    EXPECT_EQ(r.status, 0x0000) << r.error_comment;
    const Dataset stored = *p.mpps->get(uid);
    EXPECT_EQ(stored.get_string(Tag(0x0040, 0x0252)), "COMPLETED");
    EXPECT_EQ(stored.get_string(Tag(0x0040, 0x0253)), "PPS-1");  // kept from the N-CREATE
    EXPECT_EQ(stored.get_items(Tag(0x0040, 0x0340)).size(), 1u);

    // Final: any further N-SET fails with Processing Failure, "may no longer be updated" (A710).
    Dataset again;
    again.set_string(Tag(0x0040, 0x0252), "DISCONTINUED", VR::CS);
    r = net::n_set(*a, net::sop::ModalityPerformedProcedureStep, uid, again);
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
        const net::NResult r = net::n_create(*a, net::sop::ModalityPerformedProcedureStep, generate_uid(), ds);
        EXPECT_EQ(r.status, 0x0120) << missing.str();  // Missing Attribute
    }
    Dataset ds = mpps_create_attributes();
    ds.set_string(Tag(0x0040, 0x0252), "COMPLETED", VR::CS);
    EXPECT_EQ(net::n_create(*a, net::sop::ModalityPerformedProcedureStep, generate_uid(), ds).status, 0x0106);
    Dataset set;
    set.set_string(Tag(0x0040, 0x0252), "DISCONTINUED", VR::CS);
    EXPECT_EQ(net::n_set(*a, net::sop::ModalityPerformedProcedureStep, generate_uid(), set).status, 0x0112);
    // An operation MPPS does not take, and a SOP class without a performer.
    EXPECT_EQ(net::n_delete(*a, net::sop::ModalityPerformedProcedureStep, generate_uid()).status, 0x0211);
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

TEST(StorageCommitment, MisuseGetsTheStatusesOfPs37) {
    Performer p;
    auto a = p.connect();
    // Action type 2 does not exist (No Such Action Type, 0123H).
    Dataset info;
    info.set_string(Tag(0x0008, 0x1195), generate_uid(), VR::UI);
    net::NResult r = net::n_action(*a, net::sop::StorageCommitmentPushModel, net::sop::StorageCommitmentPushModelInstance,
                                   2, &info);
    EXPECT_EQ(r.status, 0x0123);
    EXPECT_EQ(r.action_or_event_type, 2);
    // No Referenced SOP Sequence: Missing Attribute.
    r = net::n_action(*a, net::sop::StorageCommitmentPushModel, net::sop::StorageCommitmentPushModelInstance, 1, &info);
    EXPECT_EQ(r.status, 0x0120);
    // N-GET on a performer that has no N-GET.
    r = net::n_get(*a, net::sop::StorageCommitmentPushModel, net::sop::StorageCommitmentPushModelInstance, {});
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
    c.add(net::qr_uids::StudyRootFind, {kImplicit}, true, true);
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
    scu.add(net::qr_uids::StudyRootFind, {kImplicit}, true, true);
    auto a = net::Association::connect(scu, "127.0.0.1", s.port(), "PERFORMER");
    Dataset q;
    q.set_string(Tag(0x0008, 0x0052), "STUDY", VR::CS);
    q.set_string(Tag(0x0020, 0x000D), "", VR::UI);
    size_t matches = 0;
    const net::FindResult r = net::find(*a, net::qr_uids::StudyRootFind, q, [&](const Dataset &) { return ++matches, true; });
    EXPECT_EQ(r.status, 0x0000);
    EXPECT_EQ(matches, 1u);
    a->release();
}

}  // namespace
