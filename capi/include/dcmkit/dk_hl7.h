/* dcmkit — HL7 v2 over MLLP (HL7 Implementation Guide, Transport Specification: MLLP release 1):
 * sending a message and reading its acknowledgement, as `dcmkit hl7 send` does. A client for HL7
 * listeners such as the archive's order listener (dk_archive_options.hl7_port).
 *
 *   char *ack = NULL;
 *   if (dk_hl7_send(&ack, "ris-gateway", 2575, msg, strlen(msg), 30000) == DK_OK) {
 *       puts(ack);  // "MSH|^~\&|...\rMSA|AA|<the message's MSH-10>..."
 *       dk_free(ack);
 *   }
 */
#ifndef DCMKIT_DK_HL7_H
#define DCMKIT_DK_HL7_H

#include "dcmkit/dk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Sends one HL7 v2 message over MLLP to host:port (a new TCP connection, closed afterwards) and
 *  returns the reply, the acknowledgement. The message is sent as given (its bytes in the character
 *  set its MSH-18 names), framed by MLLP's start block (0x0B) and end block (0x1C 0x0D).
 *
 *  @param[out] reply       receives the reply without its framing, NUL-terminated (segments end with
 *                          '\r'), malloc'ed (free with dk_free); NULL on failure
 *  @param      host        a host name or address
 *  @param      port        the listener's port (1 to 65535)
 *  @param      message     the message: ER7 text, segments ended by '\r'
 *  @param      size        its length in bytes (> 0)
 *  @param      timeout_ms  the connection and the reply must come within this (> 0)
 *  @return DK_OK; DK_EINVAL for a NULL argument, port 0, size 0 or timeout_ms <= 0; DK_ENETWORK when
 *          the connection fails or closes before a reply; DK_ETIMEOUT when no reply comes in time;
 *          DK_EPROTOCOL for a reply that is not an MLLP frame; DK_EBADLENGTH for one larger than 1 MiB */
DK_EXTERN(dk_result) dk_hl7_send(char **reply, const char *host, uint16_t port, const char *message, size_t size,
                                 int32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif
