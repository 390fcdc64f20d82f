// dcmkit::archive::Config: the `key = value` file of `dcmkit serve --config` (its values, its errors
// naming FILE:LINE) and the association configuration the archive negotiates with.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "dcmkit/archive_server.h"
#include "dcmkit/error.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/workflow.h"

namespace archive = dcmkit::archive;
namespace net = dcmkit::net;

namespace {

/// The message of the Error `text` throws when parsed (empty when it parses).
std::string parse_error(const std::string &text, dcmkit::Errc *code = nullptr) {
    try {
        archive::Config::parse(text, "serve.conf");
    } catch (const dcmkit::Error &e) {
        if (code) *code = e.code();
        return e.message();
    }
    return "";
}

}  // namespace

TEST(ArchiveConfig, DefaultsAreServes) {
    const archive::Config c;
    EXPECT_EQ(c.ae_title, "DCMKIT");
    EXPECT_TRUE(c.check_called_ae);
    EXPECT_TRUE(c.commitment_report_same);
    EXPECT_EQ(c.services.size(), 6u);
    EXPECT_EQ(c.max_associations, 32u);
    EXPECT_EQ(c.max_pdu, 262144u);
}

TEST(ArchiveConfig, ParsesEveryKey) {
    const archive::Config c = archive::Config::parse(
        "# an archive\n"
        "ae_title = ARCHIVE   # trailing comment\n"
        "port = 11112\n"
        "bind = 127.0.0.1\n"
        "storage = /srv/archive\n"
        "index = postgresql://archive@db.example/pacs?sslmode=require\n"
        "services = verification, storage query-retrieve\n"
        "storage_transfer_syntaxes = ExplicitVRLittleEndian 1.2.840.10008.1.2\n"
        "allow = MODALITY, VIEWER\n"
        "dest = VIEWER=10.0.0.2:104\n"
        "dest = PACS=pacs.example:11112\n"
        "max_dataset_size = 2M\n"
        "min_free_space = 1G\n"
        "max_associations = 8\n"
        "max_associations_per_address = 0\n"
        "max_pending = 10\n"
        "max_pending_per_address = 3\n"
        "idle_timeout = 90\n"
        "request_timeout = 7\n"
        "check_called_ae = no\n"
        "commitment_report = new\n"
        "max_pdu = 16384\n"
        "timeout = 12\n"
        "dimse_timeout = 40\n");
    EXPECT_EQ(c.ae_title, "ARCHIVE");
    EXPECT_EQ(c.port, 11112);
    EXPECT_EQ(c.bind, "127.0.0.1");
    EXPECT_EQ(c.storage, "/srv/archive");
    EXPECT_EQ(c.index, "postgresql://archive@db.example/pacs?sslmode=require");
    EXPECT_TRUE(archive::is_postgresql_spec(c.index));
    EXPECT_TRUE(archive::is_postgresql_spec("host=/run/postgresql dbname=pacs"));
    EXPECT_FALSE(archive::is_postgresql_spec("/srv/archive"));
    EXPECT_FALSE(archive::is_postgresql_spec("sqlite:/srv/a=b"));
    EXPECT_FALSE(archive::is_postgresql_spec("/srv/a=b"));
    EXPECT_TRUE(archive::is_postgresql_spec("dbname = pacs"));
    EXPECT_EQ(c.services, (std::set<std::string>{"verification", "storage", "query-retrieve"}));
    EXPECT_EQ(c.storage_transfer_syntaxes, (std::vector<std::string>{"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"}));
    EXPECT_EQ(c.allow, (std::vector<std::string>{"MODALITY", "VIEWER"}));
    ASSERT_EQ(c.destinations.size(), 2u);
    EXPECT_EQ(c.destinations.at("PACS").host, "pacs.example");
    EXPECT_EQ(c.destinations.at("PACS").port, 11112);
    EXPECT_EQ(c.destinations.at("VIEWER").host, "10.0.0.2");
    EXPECT_EQ(c.max_dataset_size, 2u << 20);
    EXPECT_EQ(c.min_free_space, uint64_t(1) << 30);
    EXPECT_EQ(c.max_associations, 8u);
    EXPECT_EQ(c.max_associations_per_address, 0u);
    EXPECT_EQ(c.max_pending, 10u);
    EXPECT_EQ(c.max_pending_per_address, 3u);
    EXPECT_EQ(c.idle_timeout_s, 90);
    EXPECT_EQ(c.request_timeout_s, 7);
    EXPECT_FALSE(c.check_called_ae);
    EXPECT_FALSE(c.commitment_report_same);
    EXPECT_EQ(c.max_pdu, 16384u);
    EXPECT_EQ(c.timeout_s, 12);
    EXPECT_EQ(c.dimse_timeout_s, 40);
}

TEST(ArchiveConfig, ErrorsNameTheLine) {
    dcmkit::Errc code = dcmkit::Errc::ok;
    EXPECT_EQ(parse_error("port = 104\n\ncolour = blue\n", &code), "serve.conf:3: unknown key 'colour'");
    EXPECT_EQ(code, dcmkit::Errc::invalid_argument);
    EXPECT_EQ(parse_error("just words\n"), "serve.conf:1: expected key = value");
    EXPECT_EQ(parse_error("port = 0\n"), "serve.conf:1: port takes a number from 1 to 65535");
    EXPECT_EQ(parse_error("max_associations = 5000\n"), "serve.conf:1: max_associations takes a number from 1 to 4096");
    EXPECT_EQ(parse_error("idle_timeout = 1s\n"), "serve.conf:1: idle_timeout takes a number from 1 to 86400");
    EXPECT_EQ(parse_error("ae_title = SEVENTEEN_CHARS_AE\n"), "serve.conf:1: an AE title has 1 to 16 characters");
    EXPECT_EQ(parse_error("services = storage fax\n"), "serve.conf:1: unknown service 'fax'");
    EXPECT_EQ(parse_error("dest = PACS:104\n"), "serve.conf:1: a destination is AE=HOST:PORT, not 'PACS:104'");
    EXPECT_EQ(parse_error("check_called_ae = maybe\n"), "serve.conf:1: check_called_ae is 'yes' or 'no'");
    EXPECT_EQ(parse_error("commitment_report = later\n"), "serve.conf:1: commitment_report is 'same' or 'new'");
    EXPECT_EQ(parse_error("max_dataset_size = 2X\n"),
              "serve.conf:1: max_dataset_size takes a size in bytes (or with K, M, G, T)");
    EXPECT_NE(parse_error("storage_transfer_syntaxes = NoSuchSyntax\n").find("serve.conf:1: "), std::string::npos);
}

TEST(ArchiveConfig, ParseFileNamesTheFile) {
    try {
        archive::Config::parse_file("/nonexistent/serve.conf");
        FAIL() << "a missing file parsed";
    } catch (const dcmkit::Error &e) {
        EXPECT_EQ(e.code(), dcmkit::Errc::not_found);
        EXPECT_EQ(e.message(), "cannot read configuration file /nonexistent/serve.conf");
    }
    const std::string path = ::testing::TempDir() + "archive_config_test.conf";
    {
        std::ofstream f(path);
        f << "ae_title = FROMFILE\nport = x\n";
    }
    try {
        archive::Config::parse_file(path);
        FAIL() << "a bad port parsed";
    } catch (const dcmkit::Error &e) {
        EXPECT_EQ(e.message(), path + ":2: port takes a number from 1 to 65535");
    }
    std::remove(path.c_str());
}

TEST(ArchiveConfig, AeConfigHasTheServicesAndLimits) {
    archive::Config c = archive::Config::parse("services = verification storage\nmax_associations = 4\nallow = A B\n");
    net::AeConfig ae = c.to_ae_config();
    EXPECT_NE(ae.find("1.2.840.10008.1.1"), nullptr);                  // Verification
    EXPECT_NE(ae.find("1.2.840.10008.5.1.4.1.1.7"), nullptr);          // Secondary Capture storage
    EXPECT_EQ(ae.find(dcmkit::uids::StudyRootQueryRetrieveInformationModelFind), nullptr);          // no Query/Retrieve
    EXPECT_EQ(ae.find(dcmkit::uids::ModalityWorklistInformationModelFind), nullptr);   // no worklist
    EXPECT_EQ(ae.find(dcmkit::uids::StorageCommitmentPushModel), nullptr);
    EXPECT_EQ(ae.max_associations, 4u);
    EXPECT_TRUE(ae.check_called_ae);
    EXPECT_EQ(ae.allowed_calling_aes, (std::vector<std::string>{"A", "B"}));

    ae = archive::Config().to_ae_config();
    EXPECT_NE(ae.find(dcmkit::uids::StudyRootQueryRetrieveInformationModelFind), nullptr);
    EXPECT_NE(ae.find(dcmkit::uids::PatientRootQueryRetrieveInformationModelGet), nullptr);
    EXPECT_NE(ae.find(dcmkit::uids::ModalityWorklistInformationModelFind), nullptr);
    EXPECT_NE(ae.find(dcmkit::uids::ModalityPerformedProcedureStep), nullptr);
    EXPECT_NE(ae.find(dcmkit::uids::StorageCommitmentPushModel), nullptr);
    EXPECT_EQ(ae.timeouts.idle_ms, 60000);
    EXPECT_EQ(ae.timeouts.request_ms, 5000);
}

TEST(ArchiveConfig, DeidentifyOnReceipt) {
    const std::string key = ::testing::TempDir() + "archive_config_test.key";
    const std::string short_key = ::testing::TempDir() + "archive_config_test.short";
    {
        std::ofstream(key) << "0123456789abcdef0123456789abcdef";
        std::ofstream(short_key) << "fifteen bytes!!";
    }
    EXPECT_FALSE(archive::Config().deidentify_on_receipt.has_value());
    const archive::Config c = archive::Config::parse("deidentify_on_receipt = " + key +
                                                     " retain=uids,modified-dates clean=descriptors burned_in=flag\n");
    ASSERT_TRUE(c.deidentify_on_receipt.has_value());
    const dcmkit::DeidOptions &o = *c.deidentify_on_receipt;
    EXPECT_EQ(o.key.size(), 32u);
    EXPECT_TRUE(o.retain_uids && o.retain_long_modified_dates && o.clean_descriptors);
    EXPECT_FALSE(o.retain_safe_private || o.retain_long_full_dates || o.clean_graphics);
    EXPECT_EQ(o.burned_in, dcmkit::BurnedIn::flag);
    EXPECT_FALSE(archive::Config::parse("deidentify_on_receipt = " + key + "\ndeidentify_on_receipt = no\n")
                     .deidentify_on_receipt.has_value());
    const archive::Config e = archive::Config::parse("deidentify_on_export = " + key + " retain=full-dates\n");
    EXPECT_FALSE(e.deidentify_on_receipt.has_value());
    ASSERT_TRUE(e.deidentify_on_export.has_value());
    EXPECT_TRUE(e.deidentify_on_export->retain_long_full_dates);
    EXPECT_EQ(parse_error("deidentify_on_export = " + short_key + "\n").rfind("serve.conf:1: deidentify_on_export: ", 0), 0u);
    EXPECT_NE(parse_error("deidentify_on_receipt = " + short_key + "\n").find("at least 16"), std::string::npos);
    EXPECT_NE(parse_error("deidentify_on_receipt = /nonexistent.key\n").find("cannot open the key file"), std::string::npos);
    EXPECT_NE(parse_error("deidentify_on_receipt = " + key + " retain=everything\n").find("unknown option 'everything'"),
              std::string::npos);
    EXPECT_NE(parse_error("deidentify_on_receipt = " + key + " burned_in=maybe\n").find("maybe"), std::string::npos);
    EXPECT_NE(parse_error("deidentify_on_receipt = " + key + " retain=full-dates,modified-dates\n").find("exclude"),
              std::string::npos);
    EXPECT_EQ(parse_error("deidentify_on_receipt = " + key + " retain\n").rfind("serve.conf:1: ", 0), 0u);
    std::remove(key.c_str());
    std::remove(short_key.c_str());
}
