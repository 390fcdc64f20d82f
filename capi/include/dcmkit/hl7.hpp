// dcmkit C++ wrapper: HL7 v2 over MLLP (dk_hl7.h).
//
//   std::string ack = dk::hl7_send("ris-gateway", 2575, message);  // "MSH|...\rMSA|AA|..."
#ifndef DCMKIT_HL7_HPP
#define DCMKIT_HL7_HPP

#include <cstdint>
#include <string>

#include "dcmkit/common.hpp"
#include "dcmkit/dk_dataset.h"
#include "dcmkit/dk_hl7.h"

namespace dk {

/// Sends one HL7 v2 message (ER7, segments ended by '\r') over MLLP to host:port and returns the
/// reply, the acknowledgement, without its framing. Throws dk::NetworkError,
/// dk::NetworkTimeoutError, dk::ProtocolError (a reply that is not an MLLP frame),
/// dk::InvalidArgumentError.
inline std::string hl7_send(const std::string &host, uint16_t port, const std::string &message,
                            int32_t timeout_ms = 30000) {
    char *reply = nullptr;
    check(dk_hl7_send(&reply, host.c_str(), port, message.data(), message.size(), timeout_ms));
    std::string out(reply ? reply : "");
    dk_free(reply);
    return out;
}

}  // namespace dk

#endif
