// dcmkit — the command-line tool: the commands, one function each, grouped by file
// (data.cpp, scu.cpp, scp.cpp); main.cpp holds the table that names and describes them.
#pragma once

#include <string>
#include <vector>

namespace dcmkit_cli {

/// Each command takes the name it was called by (transcode or convert, find or mwl) and the
/// arguments after it, and returns the exit status: 0 on success, 1 when an input could not be
/// read or an output written (or a peer refused), 2 on a usage error.
using Args = std::vector<std::string>;

// data.cpp: files
int cmd_dump(const std::string &name, const Args &args);
int cmd_transcode(const std::string &name, const Args &args);
int cmd_export(const std::string &name, const Args &args);

// dicomdir.cpp: media directories
int cmd_dicomdir(const std::string &name, const Args &args);
// deid.cpp: de-identification
int cmd_deidentify(const std::string &name, const Args &args);
// media.cpp: export to media (DICOMDIR, de-identification, ISO image)
int cmd_export_media(const std::string &name, const Args &args);

// scu.cpp: requests to a peer
int cmd_echo(const std::string &name, const Args &args);
int cmd_send(const std::string &name, const Args &args);
int cmd_find(const std::string &name, const Args &args);
int cmd_mwl(const std::string &name, const Args &args);
int cmd_move(const std::string &name, const Args &args);
int cmd_get(const std::string &name, const Args &args);
int cmd_mpps(const std::string &name, const Args &args);
int cmd_commit(const std::string &name, const Args &args);

// scp.cpp: the receiver and the archive
int cmd_recv(const std::string &name, const Args &args);
int cmd_serve(const std::string &name, const Args &args);
int cmd_conformance(const std::string &name, const Args &args);
int cmd_worklist(const std::string &name, const Args &args);
int cmd_archive(const std::string &name, const Args &args);
int cmd_passwd(const std::string &name, const Args &args);

// hl7.cpp: HL7 v2 over MLLP
int cmd_hl7(const std::string &name, const Args &args);

// audit.cpp: the audit trail
int cmd_audit_test(const std::string &name, const Args &args);

// web.cpp: the DICOMweb client (STOW-RS, QIDO-RS, WADO-RS)
int cmd_web(const std::string &name, const Args &args);

}  // namespace dcmkit_cli
