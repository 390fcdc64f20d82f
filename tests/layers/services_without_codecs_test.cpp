// The services layer without the codecs: this test links dcmkit_services (net and data below it),
// not dcmkit::core, so no codec is installed (dcmkit/transcoder.h). The Storage SCU still sends
// uncompressed data (re-encoded between native syntaxes), and refuses, with a clear error and
// before anything is sent, a file whose compressed pixel data it would have to decode.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "dcmkit/dictionary.h"
#include "dcmkit/services/services.h"
#include "dcmkit/transcoder.h"

using namespace dcmkit;

namespace {

constexpr const char *kSecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
constexpr const char *kRle = "1.2.840.10008.1.2.5";
constexpr const char *kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char *kImplicitLE = "1.2.840.10008.1.2";

DicomFile instance(const std::string &sop_instance, const std::string &transfer_syntax) {
    DicomFile f;
    f.transfer_syntax = transfer_syntax;
    f.dataset.set_string(tags::SOPClassUID, kSecondaryCapture, VR::UI);
    f.dataset.set_string(tags::SOPInstanceUID, sop_instance, VR::UI);
    f.dataset.set_string(Tag(0x0010, 0x0010), "DOE^JANE", VR::PN);
    return f;
}

}  // namespace

TEST(ServicesWithoutCodecs, NoTranscoderIsInstalled) {
    EXPECT_EQ(pixel_transcoder(), nullptr);
    EXPECT_TRUE(can_decode_pixels(kExplicitLE));
    EXPECT_TRUE(can_decode_pixels(kImplicitLE));
    EXPECT_FALSE(can_decode_pixels(kRle));
    EXPECT_TRUE(lossless_encodable_syntaxes().empty());

    DicomFile rle = instance("1.2.3.4.1", kRle);
    try {
        transcode_pixels(rle, kExplicitLE);
        FAIL() << "re-encoding RLE without codecs did not throw";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::unsupported);
        EXPECT_NE(std::string(e.what()).find("no codecs"), std::string::npos) << e.what();
    }
    EXPECT_EQ(rle.transfer_syntax, kRle);  // unchanged

    DicomFile native = instance("1.2.3.4.2", kImplicitLE);
    transcode_pixels(native, kExplicitLE);  // between native syntaxes: no codec needed
    EXPECT_EQ(native.transfer_syntax, kExplicitLE);
}

TEST(ServicesWithoutCodecs, StorageScuSendsNativeAndRefusesCompressed) {
    net::AeConfig scp;
    scp.ae_title = "STORESCP";
    scp.check_called_ae = false;
    scp.add(kSecondaryCapture, {kExplicitLE}, true, false);
    scp.log = [](net::LogLevel, const std::string &) {};
    std::atomic<int> received{0};
    net::ServiceHandlers h;
    h.on_store = [&](net::StoreRequest &rq) -> uint16_t {
        Dataset ds = rq.assoc.receive_dataset(10000);
        if (ds.get_string_or(Tag(0x0010, 0x0010), "") == "DOE^JANE") ++received;
        return 0;
    };
    net::Server server(scp, h);
    server.start("127.0.0.1", 0);

    net::AeConfig scu;
    scu.ae_title = "STORESCU";
    scu.add(kSecondaryCapture, {kExplicitLE, kRle}, false, true);
    scu.log = [](net::LogLevel, const std::string &) {};
    auto assoc = net::Association::connect(scu, "127.0.0.1", server.port(), "STORESCP");

    // Implicit VR data to a peer that takes Explicit VR only: re-encoded without a codec.
    net::StoreResult r = net::store(*assoc, instance("1.2.3.4.3", kImplicitLE));
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(r.transcoded);
    EXPECT_EQ(r.transfer_syntax, kExplicitLE);

    // RLE data to the same peer: would need the RLE decoder; refused before anything is sent.
    try {
        net::store(*assoc, instance("1.2.3.4.4", kRle));
        FAIL() << "sending RLE data to an uncompressed-only peer without codecs did not throw";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::refused) << e.what();
    }
    EXPECT_TRUE(assoc->established());
    assoc->release();
    server.stop();
    EXPECT_EQ(received.load(), 1);
}
