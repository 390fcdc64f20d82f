// dcmkit C ABI — HL7 v2 over MLLP (dk_hl7.h) over dcmkit::hl7::mllp_send.
#include "dcmkit/dk_hl7.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "dcmkit/services/hl7.h"
#include "internal.h"

using dk::fail;
using dk::need;

dk_result dk_hl7_send(char **reply, const char *host, uint16_t port, const char *message, size_t size,
                      int32_t timeout_ms) {
    return dk::guard([&] {
        need(reply, "reply");
        *reply = nullptr;
        need(host, "host");
        need(message, "message");
        if (port == 0) fail(DK_EINVAL, "port 0: the listener's port is needed");
        if (size == 0) fail(DK_EINVAL, "the message is empty");
        if (timeout_ms <= 0) fail(DK_EINVAL, "timeout_ms must be > 0, not " + std::to_string(timeout_ms));
        const std::string answer = dcmkit::hl7::mllp_send(host, port, std::string_view(message, size), timeout_ms);
        char *out = static_cast<char *>(std::malloc(answer.size() + 1));
        if (!out) fail(DK_ENOMEM, "out of memory for the reply");
        std::memcpy(out, answer.c_str(), answer.size() + 1);
        *reply = out;
    });
}
