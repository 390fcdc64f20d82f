// Linking dcmkit::core installs the codecs as the pixel transcoder of the layers below them before
// main(), although this program names no codec: the Storage SCU and the Q/R SCP's sub-operations
// can then decode and re-encode pixel data for a peer.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "dcmkit/transcoder.h"

using namespace dcmkit;

TEST(CoreInstallsCodecs, TranscoderInstalledBeforeMain) {
    ASSERT_NE(pixel_transcoder(), nullptr);
    EXPECT_TRUE(can_decode_pixels("1.2.840.10008.1.2.5"));     // RLE Lossless
    EXPECT_TRUE(can_decode_pixels("1.2.840.10008.1.2.4.70"));  // JPEG Lossless SV1 (ours, in every build)
    EXPECT_TRUE(can_decode_pixels("1.2.840.10008.1.2.1"));
    EXPECT_FALSE(can_decode_pixels("1.2.840.10008.1.2.4.100"));  // MPEG2: no codec
    const auto lossless = lossless_encodable_syntaxes();
    EXPECT_NE(std::find(lossless.begin(), lossless.end(), "1.2.840.10008.1.2.5"), lossless.end());
    EXPECT_NE(std::find(lossless.begin(), lossless.end(), "1.2.840.10008.1.2.4.70"), lossless.end());
    EXPECT_EQ(std::find(lossless.begin(), lossless.end(), "1.2.840.10008.1.2.4.50"), lossless.end());  // lossy
}
