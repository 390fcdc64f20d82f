// dcmkit — the command-line tool: the command table (names, synopses, summaries, options) and the
// dispatch. Every usage text, `dcmkit help` and each `dcmkit COMMAND --help`, is printed from the table.
#include <cstdio>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"

namespace dcmkit_cli {
namespace {

/// One option line: its spellings and value ("-r, --recursive", "--frame N") and what it does
/// (lines after the first are continuations, printed under the first).
struct Option {
    const char *flags;
    const char *text;
};

/// The shared option sections a command also takes.
enum Sections : unsigned { kNone = 0, kNetwork = 1, kServerLimits = 2 };

/// A command: how it is called, what it does, its options, and the function that runs it.
struct Command {
    const char *name;
    const char *synopsis;  ///< the arguments after the name
    const char *summary;   ///< one line
    std::vector<Option> options;
    const char *notes;  ///< more about what it does, printed under the summary (or "")
    unsigned sections;
    int (*run)(const std::string &name, const Args &args);
};

const std::vector<Option> kTranscodeOptions = {
    {"-t, --ts SYNTAX", "the transfer syntax: implicit, explicit, big, deflate, rle, jpeg,\n"
                        "jpeg-extended, jpeg-lossless, jpeg-lossless-14, jpegls, jpegls-near,\n"
                        "j2k-lossless, j2k, htj2k-lossless, htj2k-rpcl, htj2k, or a UID or keyword"},
    {"-q, --quality Q", "JPEG quality 1..100 (default 90)"},
    {"--ratio R", "JPEG 2000 / HTJ2K lossy compression ratio (e.g. 10)"},
    {"--near N", "JPEG-LS near-lossless error bound (default 2)"},
    {"--predictor SV, --sv SV", "JPEG lossless selection value 1..7 (jpeg-lossless-14)"},
    {"--lossy-to-lossless", "allow re-encoding lossy pixel data in a lossless syntax"},
    {"--extended-offset-table", "write an Extended Offset Table"},
    {"--keep-uid", "keep the SOP Instance UID after lossy compression"},
    {"--threads N", "frames coded at once (default: one per core)"},
    {"--no-fsync", "do not wait for OUT to reach the disk (by default it is flushed\n"
                   "before the command returns, then renamed into place)"},
    {"-v, --verbose", "the syntaxes and the time taken (and, on a terminal, the frames done)"},
};

const Option kKeyOption = {"-k, --key KEY[=VALUE]",
                           "a key: 0010,0010=DOE*, PatientName=DOE*, StudyDate=2024-,\n"
                           "0020,000D (return key), Seq[0].Keyword=VALUE; the level is\n"
                           "QueryRetrieveLevel / 0008,0052 (default STUDY)"};

const std::vector<Command> &commands() {
    static const std::vector<Command> table = {
        {"dump", "FILE...", "print every element, one per line (like dcmdump)",
         {{"--json", "print DICOM JSON (PS3.18 Annex F) instead"},
          {"-L, --print-all", "print long values in full"},
          {"--no-meta", "do not print the meta information header"},
          {"--stop-before-pixels", "do not read pixel data"}}, "", kNone, cmd_dump},
        {"transcode", "IN OUT --ts SYNTAX", "re-encode IN as OUT in another transfer syntax", kTranscodeOptions, "",
         kNone,
         cmd_transcode},
        {"convert", "IN OUT --ts SYNTAX", "the same as transcode", kTranscodeOptions, "", kNone, cmd_transcode},
        {"export", "IN OUT.png|OUT.jpg", "render frames to PNG or JPEG (Modality LUT, VOI LUT, palettes)",
         {{"-f, --frame N", "only frame N, from 0, written to OUT (default: every frame)"},
          {"-w, --window C W", "window centre and width (default: the file's, else min-max)"},
          {"--voi N", "use the file's Nth window or VOI LUT (default 1)"},
          {"--min-max", "stretch the frame's minimum..maximum"},
          {"--format jpeg|png", "the output format (default: from OUT's extension, .jpg/.jpeg or .png)"},
          {"-q, --quality Q", "JPEG quality 1..100 (default 90; baseline JPEG)"},
          {"-v, --verbose", "progress of a multi-frame export, and the time taken"}},
         "A multi-frame image without --frame is written one file per frame, numbered from 1:\n"
         "OUT_0001.jpg for frame 0, OUT_0002.jpg for frame 1, ..., and the names are printed.\n"
         "A single frame goes to OUT.\n"
         "The files are written atomically (a temporary file renamed into place).",
         kNone, cmd_export},
        {"dicomdir", "create DIR | add DICOMDIR FILE|DIR... | list DICOMDIR",
         "make, extend or print a DICOMDIR (PS3.10 media directory)",
         {{"--fileset-id ID, +F ID", "create: the File-set ID (up to 16 of A-Z, 0-9, space, _);\n"
                                     "add: replaces the DICOMDIR's"},
          {"--out FILE, +D FILE", "write the DICOMDIR there (default DIR/DICOMDIR, or in place)"},
          {"--no-map", "fail on a file whose path is no valid File ID instead of copying it"},
          {"-v, --verbose", "also name the files skipped (not Part 10 DICOM)"}},
         "create references every Part 10 file under DIR: PATIENT, STUDY, SERIES, then IMAGE,\n"
         "SR DOCUMENT, PRESENTATION, RT DOSE… by SOP class, with the keys of PS3.3 F.5.\n"
         "A file whose path under DIR is no valid File ID (at most 8 components of 1-8\n"
         "characters from A-Z, 0-9 and _) is copied to DICOM/Dnnnnnnn/Innnnnnn and referenced\n"
         "there. A Type 1 key an instance leaves empty (Study ID, Series Number…) is invented\n"
         "and a warning says so. add keeps the records and adds the instances not yet referenced.\n"
         "list prints the record tree.",
         kNone, cmd_dicomdir},
        {"deidentify", "IN... --out DIR --key FILE", "de-identify files and folders (PS3.15 Annex E, keyed pseudonyms)",
         {{"--out DIR", "the folder written: one file per instance, named by its new\n"
                        "SOP Instance UID (no patient data in file names)"},
          {"--key FILE", "the secret key (raw bytes, at least 16): the same key gives the\n"
                         "same UIDs, Patient IDs and date shifts across runs and machines"},
          {"--new-key FILE", "write a new random 32-byte key to FILE (mode 0600) and exit"},
          {"--retain LIST", "options of Table E.1-1, comma-separated: safe-private, uids,\n"
                            "device, institution, patient-chars, full-dates, modified-dates"},
          {"--clean LIST", "descriptors, structured-content, graphics"},
          {"--burned-in MODE", "refuse (default): a file whose pixels likely hold text (Burned\n"
                               "In Annotation YES, US, Secondary Capture, SCREEN SAVE) is not\n"
                               "written; flag: written with a warning; ignore"},
          {"--no-fsync", "do not wait for the files to reach the disk (by default they\n"
                         "are flushed together, once, at the end) (not durable)"},
          {"-j, --jobs N", "files de-identified at once, one thread each (default: the\n"
                           "hardware threads); the output does not depend on it"},
          {"--copy-range", "copy the pixel data from the input with copy_file_range: a\n"
                           "clone on XFS or Btrfs, a server-side copy on NFS"},
          {"-v, --verbose", "one line per file"}},
         "The Basic Application Level Confidentiality Profile: attributes removed, emptied or\n"
         "replaced as Table E.1-1 says; UIDs remapped by HMAC-SHA256 of the key (references stay\n"
         "consistent), Patient ID and Name a keyed pseudonym, private elements removed; Patient\n"
         "Identity Removed (0012,0062) and the method codes (0012,0064) added. Folders are recursed.",
         kNone, cmd_deidentify},
        {"export-media",
         "OUT_DIR [FILE|DIR...] [--archive STORAGE|CONFIG --patient ID... --study UID...] "
         "[--deidentify --key FILE ...] [--iso OUT.iso]",
         "write patients or studies to a media folder with its DICOMDIR (and an ISO image)",
         {{"--archive STORAGE|CONFIG", "take instances from an archive: its storage folder, or the\n"
                                       "dcmkit serve configuration file naming it (its audit\n"
                                       "trail then gets a Data Export message per patient)"},
          {"--patient ID", "export this Patient ID (repeatable)"},
          {"--study UID", "export this Study Instance UID (repeatable)"},
          {"--deidentify", "de-identify each instance on its way (PS3.15 Annex E); then:"},
          {"--key FILE", "the secret key, as dcmkit deidentify takes it"},
          {"--retain LIST, --clean LIST", "the profile's options, as dcmkit deidentify takes them"},
          {"--burned-in MODE", "refuse (default: such an instance is left out, with a warning),\n"
                               "flag or ignore"},
          {"--refusal-fatal", "an instance the de-identification refuses fails the export"},
          {"--iso FILE", "also write an ISO 9660 image of the folder (needs xorriso)"},
          {"--volume LABEL", "the ISO volume label (A-Z, 0-9, _; default DICOM)"},
          {"--fileset-id ID, +F ID", "the File-set ID (up to 16 of A-Z, 0-9, space, _)"},
          {"--no-fsync", "do not wait for the files to reach the disk (by default they are\n"
                         "flushed together, once, before the DICOMDIR is written)"},
          {"-v, --verbose", "one line per file, and the files skipped"}},
         "OUT_DIR must be new or empty. Instances are selected by Patient ID or Study Instance UID\n"
         "(from the archive, and among FILEs and DIRs; without --patient/--study every input file),\n"
         "written as DICOM/Pnnnnnnn/Snnnnnnn/Rnnnnnnn/Innnnnnn (one P per patient, after\n"
         "de-identification per pseudonym), then OUT_DIR/DICOMDIR. A failed export removes what it\n"
         "wrote; it never leaves a partial DICOMDIR. Two patients under one Patient ID are refused.",
         kNone, cmd_export_media},
        {"echo", "HOST PORT", "C-ECHO a peer (Verification SCU)", {{"--repeat N", "send N echoes on the association"}},
         "", kNetwork, cmd_echo},
        {"send", "HOST PORT FILE|DIR...", "C-STORE files to a peer (Storage SCU)",
         {{"-r, --recursive", "descend into folders"}}, "", kNetwork, cmd_send},
        {"recv", "PORT --out DIR", "receive C-STOREs into DIR until interrupted (Storage SCP)",
         {{"--out DIR, -od DIR", "the folder the files are written to"},
          {"--bind ADDRESS", "the address to listen on (default: all)"},
          {"--max-associations N", "concurrent associations (default 32)"},
          {"--check-called-ae", "reject a Called AE Title other than -aet (default: any)"},
          {"--allow AE", "accept only these calling AE titles (repeatable)"},
          {"--no-fsync", "reply Success without waiting for the disk (not durable)"},
          {"--max-dataset-size SIZE", "refuse (A700) a dataset larger than SIZE (bytes, or 500M, 2G…)"},
          {"--min-free-space SIZE", "refuse (A700) when less than SIZE would stay free on the disk"}},
         "recv and serve refuse, leaving no file, a dataset that does not parse completely (C000),\n"
         "an invalid SOP Instance UID (0117), and one that is not the announced instance (A900).",
         kNetwork | kServerLimits, cmd_recv},
        {"find", "HOST PORT -k KEY...", "C-FIND (Query/Retrieve FIND SCU), one row per match",
         {{"-S | -P | -W", "study root (default), patient root, modality worklist"},
          kKeyOption,
          {"--json", "print the matches as a DICOM JSON array"},
          {"--cancel N", "send C-CANCEL after N matches"}}, "", kNetwork, cmd_find},
        {"mwl", "HOST PORT -k KEY...", "Modality Worklist C-FIND (find -W)",
         {kKeyOption,
          {"--json", "print the matches as a DICOM JSON array"},
          {"--cancel N", "send C-CANCEL after N matches"}},
         "", kNetwork, cmd_mwl},
        {"move", "HOST PORT --dest AE -k KEY...", "C-MOVE what the keys select to AE",
         {{"--dest AE, -aem AE", "the move destination (also --move AE)"},
          {"-S | -P", "study root (default) or patient root"},
          kKeyOption}, "", kNetwork, cmd_move},
        {"get", "HOST PORT --out DIR -k KEY...", "C-GET into DIR, streamed to disk",
         {{"--out DIR, -od DIR", "the folder the instances are written to"},
          {"--no-fsync", "do not wait for the files to reach the disk (by default they\n"
                         "are flushed together, once, before get reports)\n"
                         "(not durable; as getscu does)"},
          {"--uncompressed", "have the peer decode compressed instances (by default every\n"
                             "syntax is proposed and files arrive as the peer holds them)"},
          {"-S | -P", "study root (default) or patient root"},
          kKeyOption}, "", kNetwork, cmd_get},
        {"mpps", "HOST PORT create|set ATTRS.json [--uid UID]", "MPPS N-CREATE / N-SET (prints the UID)",
         {{"--uid UID", "the SOP Instance UID (set: required; create: default a new one)"}}, "", kNetwork, cmd_mpps},
        {"commit", "HOST PORT FILE...", "Storage Commitment of the files' instances",
         {{"--wait SECONDS", "how long the report is awaited (default 30), on the request's\n"
                             "association unless --listen"},
          {"--listen PORT", "release at once and take the report on an association the\n"
                            "archive opens to PORT (as -aet; PS3.4 J.3.3.1.3)"}}, "", kNetwork, cmd_commit},
        {"serve", "PORT --storage DIR", "the embedded archive (files and a SQLite index under DIR)",
         {{"--storage DIR", "the archive's folder (index.sqlite, files, mpps, quarantine)"},
          {"--index SPEC", "the index on PostgreSQL (postgresql://… or a libpq connection string):\n"
                           "several serve processes may share it and one --storage folder"},
          {"--port PORT", "the port, as PORT"},
          {"--bind ADDRESS", "the address to listen on (default: all)"},
          {"--http PORT", "serve DICOMweb on PORT too (http_port = in the configuration file):\n"
                          "QIDO-RS, WADO-RS (instances, metadata, bulk data, frames, rendered),\n"
                          "STOW-RS and WADO-URI under http://HOST:PORT/dicomweb"},
          {"--dest AE=HOST:PORT", "a C-MOVE destination, and where Storage Commitment reports go\n"
                                  "when they cannot use the request's association (repeatable)"},
          {"--config FILE", "key = value settings (ae_title, port, storage, services,\n"
                            "storage_transfer_syntaxes, allow, dest, max_associations,\n"
                            "commitment_report = same | new, max_pdu, timeout,\n"
                            "dimse_timeout, max_dataset_size, min_free_space,\n"
                            "check_called_ae = yes | no, and the server limits below;\n"
                            "the audit trail: audit = udp://HOST:PORT | tcp://HOST:PORT |\n"
                            "tls://HOST:PORT | file:PATH, audit_ca, audit_cert, audit_key\n"
                            "(PEM, for tls://), audit_spool (default DIR/audit-spool),\n"
                            "audit_source_id (default the AE title), audit_site;\n"
                            "user identities: identity = required | optional,\n"
                            "identity_password_file (dcmkit passwd), identity_jwt_secret_file,\n"
                            "identity_jwt_public_key, identity_jwt_audience,\n"
                            "identity_jwt_issuer, identity_username_only = yes | no;\n"
                            "access: permit = WHO OPERATION... [dest:AE]... (WHO: *, ae:TITLE,\n"
                            "user:NAME, ae:TITLE+user:NAME; OPERATION: store find move get\n"
                            "worklist mpps commitment; others get 0124H);\n"
                            "TLS: tls = yes | no, tls_key, tls_certificate, tls_key_password,\n"
                            "tls_ca_file, tls_ca_folder, tls_crl, tls_profile = bcp195-nd |\n"
                            "bcp195 | bcp195-ex, tls_peer_certificate = require | verify |\n"
                            "ignore, tls_ae_certificate = AE IDENTITY (repeatable; IDENTITY:\n"
                            "sha256:FINGERPRINT, dns:NAME, uri:URI, cn:NAME; once given, a\n"
                            "calling AE title whose certificate is not bound to it is\n"
                            "rejected, reason 3));\n"
                            "a de-identifying gateway: deidentify_on_receipt = KEYFILE\n"
                            "[retain=LIST] [clean=LIST] [burned_in=MODE] (as dcmkit\n"
                            "deidentify): instances are de-identified before they are\n"
                            "indexed, stored under their new UID; refused ones get 0110;\n"
                            "deidentify_on_export = the same for what C-MOVE/C-GET send;\n"
                            "HL7 orders: hl7_port, hl7_max_message_size, hl7_max_connections,\n"
                            "hl7_timeout;\n"
                            "the command line overrides"},
          {"--hl7 PORT", "an HL7 v2 listener (MLLP) on PORT (0: a free one): ORM^O01 and\n"
                         "OMI^O23 orders create, change (XO), cancel (CA), discontinue (DC)\n"
                         "and set the status (SC) of worklist items, ADT^A08 updates their\n"
                         "patient; each message answered with an ACK (AA, AE or AR)"},
          {"--audit DEST", "send DICOM audit messages (PS3.15 A.5, IHE ATNA syslog) to DEST,\n"
                           "as audit = in the configuration file: application start/stop,\n"
                           "instances received (per association and patient), queries,\n"
                           "retrievals (begin and end), refused associations"},
          {"--max-associations N", "concurrent associations (default 32)"},
          {"--no-check-called-ae", "answer to any Called AE Title (default: -aet only)"},
          {"--max-dataset-size SIZE, --min-free-space SIZE", "as for recv; at start, files an interruption left\n"
                                                             "unindexed are checked as C-STOREs are: those that\n"
                                                             "fail go to DIR/quarantine"}},
         "Verification, Storage, Q/R FIND/MOVE/GET (study and patient root), Modality Worklist,\n"
         "MPPS and Storage Commitment, until interrupted.",
         kNetwork | kServerLimits, cmd_serve},
        {"worklist", "add --storage DIR ITEM.json...", "add worklist items (DICOM JSON) to an archive", {}, "", kNone,
         cmd_worklist},
        {"hl7", "send HOST PORT FILE...", "send HL7 v2 messages over MLLP and print the acknowledgements",
         {{"FILE", "one or more messages (each starting with MSH; segments on lines\n"
                   "ended by CR, LF or CR LF, sent ended by CR)"},
          {"--timeout SECONDS", "how long each acknowledgement is awaited (default 30)"}},
         "A test client for HL7 listeners such as serve --hl7. Exit status by the worst MSA-1:\n"
         "0 AA, 3 AE, 4 AR; 1 when a file cannot be read or the peer gives no acknowledgement.",
         kNone, cmd_hl7},
        {"archive", "conflicts --storage DIR | migrate --from SPEC --to SPEC",
         "list the patient conflicts the archive recorded; copy an index (SQLite to PostgreSQL)",
         {{"--index SPEC", "conflicts of another index: postgresql://… or a libpq connection string"},
          {"--from SPEC, --to SPEC", "migrate: sqlite:DIR (DIR/index.sqlite) or postgresql://…"}},
         "A conflict: the same Patient ID and Issuer stored with another name, birth date or sex.\n"
         "migrate copies every instance (recorded path, size, SHA-256), the patient records and\n"
         "conflicts and the worklist; run again, it copies what changed.",
         kNone, cmd_archive},
        {"passwd", "FILE USER [--password PW]", "add a user to (or change a password in) an archive's password file",
         {{"--password PW", "the password (default: the first line of standard input)"},
          {"--pbkdf2", "PBKDF2-HMAC-SHA256 instead of scrypt (for hosts short of memory)"}},
         "serve's identity_password_file: username+passcode identities (PS3.7 D.3.3.7) are checked\n"
         "against its salted scrypt hashes; the file is rewritten atomically with mode 0600.",
         kNone, cmd_passwd},
        {"conformance", "serve [--config FILE] [-aet T]", "the DICOM Conformance Statement of dcmkit serve",
         {{"--format md|html", "Markdown (default) or a standalone HTML page; with these settings,\n"
                               "generated from the configuration it negotiates with (serve's\n"
                               "options: --config, --port, --max-associations, --dest, …)"}},
         "", kNetwork, cmd_conformance},
        {"audit-test", "DEST", "send one DICOM audit message (PS3.15 A.5) to an audit repository",
         {{"DEST", "udp://HOST:PORT (RFC 5426), tcp://HOST:PORT (octet counting),\n"
                   "tls://HOST:PORT (RFC 5425) or file:PATH"},
          {"--ca FILE", "tls: the CA certificates the repository's certificate is checked with"},
          {"--cert FILE, --key FILE", "tls: a client certificate and its key (PEM)"},
          {"--source-id ID", "the AuditSourceID (default dcmkit)"},
          {"--timeout SECONDS", "how long delivery is tried (default 10)"},
          {"--print", "also print the message's XML"}},
         "An Application Activity (Application Start) message as RFC 5424 syslog (MSGID\n"
         "IHE+RFC-3881); exits 0 once delivered, 1 when it cannot be.", kNone, cmd_audit_test},
        {"web", "store|search|retrieve URL ...", "a DICOMweb client: STOW-RS, QIDO-RS, WADO-RS (PS3.18)",
         {{"store URL FILE|DIR...", "send Part 10 files (a folder's files; -r its sub-folders too)\n"
                                    "in one streamed multipart/related request; --study UID\n"
                                    "posts to /studies/UID"},
          {"  --json", "send DICOM JSON (application/dicom+json) with bulk data parts\n"
                       "(also when every FILE is .json); --bulk-threshold N bytes (1024)"},
          {"search URL", "QIDO-RS; prints each result's elements (--json: DICOM JSON)"},
          {"  --level study|series|instance", "the level (default study; series under --study,\n"
                                              "instance under --series)"},
          {"  --study UID, --series UID", "search under this study (and series)"},
          {"  -k KEY=VALUE, -k KEY", "a match key (PatientName=DOE*, StudyDate=2024-, 0010,0020=P1),\n"
                                     "or without a value a field to include"},
          {"  --include FIELD", "includefield (a keyword, ggggeeee, or all)"},
          {"  --limit N, --offset N, --fuzzy", "paging; fuzzymatching=true"},
          {"retrieve URL --study UID", "WADO-RS: the study (--series UID, --instance UID: a series\n"
                                       "or an instance) written to --out DIR as SOPInstanceUID.dcm,\n"
                                       "streamed; a file appears only once complete"},
          {"  --ts UID|keyword", "ask for this transfer syntax (* for the stored one)"},
          {"  --metadata", "print the metadata (DICOM JSON) instead; with --out FILE|DIR\n"
                           "streamed to FILE (DIR/metadata.json) as it arrives"},
          {"  --frames 1,2", "these frames of --instance into --out DIR as frame_N.EXT\n"
                             "(.raw, .jpg, .jls, .jp2, .jph, .rle... from each part's type)"},
          {"  --frame-type T, --accept A", "ask for frames as jls, jpeg, jp2, jph, rle... (T), or\n"
                                           "with this Accept header (A); --ts adds a transfer syntax"},
          {"  --rendered OUT.jpg|OUT.png", "--instance rendered by the server (a frame with --frames N);\n"
                                           "without --instance: the series or study into folder OUT\n"
                                           "as rendered_N.jpg (--media-type image/png)"},
          {"  --bulkdata URI --out FILE", "a BulkDataURI (absolute or under URL) to FILE;\n"
                                          "--range FIRST-LAST for some of its bytes"},
          {"--token T", "an OAuth bearer token (Authorization: Bearer)"},
          {"--user NAME --password PW", "HTTP Basic authentication"},
          {"--ca FILE, --cert FILE, --key FILE", "https: trust this CA (PEM); a client certificate and key"},
          {"--insecure", "https: do not verify the server's certificate or host name"},
          {"--timeout S", "give up on a transfer that stalls for S s (default 60)"},
          {"-v, --verbose", "each file sent or received"}},
         "Errors name the HTTP status and the server's reason; exit status 1 when a request fails or\n"
         "an instance is refused.",
         kNone, cmd_web},
        {"version", "", "print the version", {}, "", kNone, nullptr},
        {"help", "[COMMAND]", "this overview, or a command's usage (as dcmkit COMMAND --help)", {}, "", kNone, nullptr},
    };
    return table;
}

const std::vector<Option> kNetworkOptions = {
    {"-aet TITLE", "our AE title (default DCMKIT)"},
    {"-aec TITLE", "the peer's AE title (default ANY-SCP)"},
    {"--max-pdu N, -pdu N", "largest PDU we receive (default 262144)"},
    {"-to SECONDS", "connection and ARTIM timeout (default 30)"},
    {"-ta SECONDS", "DIMSE timeout (default 60)"},
    {"-usr, --user NAME [-pwd, --password PW]", "user identity negotiation (PS3.7 D.3.3.7): a username,\n"
                                              "or a username and passcode"},
    {"--jwt FILE, --saml FILE, -kt FILE", "user identity: a JSON Web Token, a SAML assertion or a\n"
                                         "Kerberos ticket read from FILE"},
    {"-rsp, --pos-response", "ask the acceptor to confirm the identity (positive response)"},
    {"-v, --verbose", "progress and association details"},
    {"-d, --debug", "everything, the state machine included"},
};

const std::vector<Option> kTlsOptions = {
    {"-tls, --disable-tls", "plain TCP (default)"},
    {"+tls KEY CERT, --enable-tls", "TLS with this private key and certificate (PEM files)"},
    {"+tla, --anonymous-tls", "TLS without a certificate of ours (SCUs)"},
    {"+pw PASSWORD, -pw", "the private key's password; -pw: none"},
    {"+cf FILE, --add-cert-file", "trust the CA certificate(s) in FILE (repeatable)"},
    {"+cd DIR, --add-cert-dir", "trust the CA certificates in DIR (hashed names; repeatable)"},
    {"+crl FILE, --add-crl-file", "check peer certificates against this revocation list"},
    {"+py, --profile-bcp195-nd", "Non-Downgrading BCP 195 profile (default): TLS 1.2 with\n"
                                 "ECDHE/DHE AES-GCM suites only, and TLS 1.3"},
    {"+px, --profile-bcp195", "BCP 195 profile: the same plus TLS_RSA_WITH_AES_128_CBC_SHA"},
    {"+pz, --profile-bcp195-ex", "Extended BCP 195 profile: TLS 1.2 only, AES-GCM with ECDHE/DHE"},
    {"-rc, --require-peer-cert", "verify the peer's certificate, fail without one (default;\n"
                                 "on an SCP: mutual authentication)"},
    {"-vc, --verify-peer-cert", "verify a certificate the peer presents; an SCP lets a client\n"
                                "without one in"},
    {"-ic, --ignore-peer-cert", "do not verify the peer's certificate"},
    {"+hn, -hn", "SCUs: check that the server's certificate names the host\n"
                 "(default), or not"},
};

const std::vector<Option> kServerLimitOptions = {
    {"--request-timeout S", "a connection's A-ASSOCIATE-RQ must arrive whole within S s\n"
                            "(default 5; -to applies too if shorter), else it is closed"},
    {"--idle-timeout S", "an association with no request for S s is aborted (default 60)"},
    {"--max-associations-per-address N", "associations from one IP address (default 16; 0 = no\n"
                                         "limit); past it or --max-associations: A-ASSOCIATE-RJ,\n"
                                         "rejected-transient, local-limit-exceeded"},
    {"--max-pending N", "connections still sending their request (default 64)"},
    {"--max-pending-per-address N", "of those, from one IP address (default 16); past either\n"
                                    "limit, the one waiting longest is closed"},
};

const char *kExitStatus =
    "Exit status: 0 on success, 1 when an input could not be read or an output written, 2 on a usage error.\n";

constexpr size_t kColumn = 31;  ///< where the descriptions start

/// `left` then `text` at kColumn (on the next line when `left` is too long), continuations under it.
void format_entry(std::string &out, const std::string &left, const std::string &text) {
    out += left;
    if (left.size() + 1 > kColumn) out += "\n" + std::string(kColumn, ' ');
    else out += std::string(kColumn - left.size(), ' ');
    for (char c : text) {
        out += c;
        if (c == '\n') out += std::string(kColumn, ' ');
    }
    out += '\n';
}

void format_options(std::string &out, const std::vector<Option> &options, const char *indent) {
    for (const Option &o : options) format_entry(out, std::string(indent) + o.flags, o.text);
}

void format_sections(std::string &out, unsigned sections) {
    if (sections & kNetwork) {
        out += "\nnetwork options (DCMTK style):\n";
        format_options(out, kNetworkOptions, "  ");
        out += "\ntransport layer security (TLS, PS3.15 Annex B; TLS 1.0/1.1 never):\n";
        format_options(out, kTlsOptions, "  ");
    }
    if (sections & kServerLimits) {
        out += "\nserver limits (recv and serve; serve's --config keys are the same with '_' for '-'):\n";
        format_options(out, kServerLimitOptions, "  ");
    }
}

/// `dcmkit help`: every command with its synopsis and summary, then the shared options.
std::string overview() {
    std::string out = "usage: dcmkit <command> [options]\n\ncommands:\n";
    for (const Command &c : commands())
        format_entry(out, std::string("  ") + c.name + (*c.synopsis ? " " : "") + c.synopsis, c.summary);
    out += "\n'dcmkit COMMAND --help' (or -h) prints a command's options.\n";
    format_sections(out, kNetwork | kServerLimits);
    out += "\n";
    out += kExitStatus;
    return out;
}

/// `dcmkit COMMAND --help`: its synopsis, summary and options, and the shared options it takes.
std::string command_usage(const Command &c) {
    std::string out = std::string("usage: dcmkit ") + c.name + (*c.synopsis ? " " : "") + c.synopsis +
                      (c.options.empty() && !c.sections ? "" : " [options]") + "\n" + c.summary + "\n";
    if (*c.notes) out += std::string("\n") + c.notes + "\n";
    if (!c.options.empty()) {
        out += "\noptions:\n";
        format_options(out, c.options, "  ");
    }
    format_sections(out, c.sections);
    out += "\n";
    out += kExitStatus;
    return out;
}

const Command *find_command(const std::string &name) {
    for (const Command &c : commands())
        if (name == c.name) return &c;
    return nullptr;
}

}  // namespace
}  // namespace dcmkit_cli

int main(int argc, char **argv) {
    using namespace dcmkit_cli;
    if (argc < 2) {
        std::fputs(overview().c_str(), stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    if (cmd == "-h" || cmd == "--help") {
        write_all(overview());
        return 0;
    }
    if (cmd == "--version") {
        std::printf("dcmkit %s\n", DCMKIT_VERSION_STRING);
        return 0;
    }
    const Command *c = find_command(cmd);
    if (!c) return usage_error("unknown command '" + cmd + "'");
    if (wants_help(args)) {
        write_all(command_usage(*c));
        return 0;
    }
    if (cmd == "help") {  // dcmkit help [COMMAND]
        if (args.empty()) {
            write_all(overview());
            return 0;
        }
        const Command *about = find_command(args[0]);
        if (!about) return usage_error("help: unknown command '" + args[0] + "'");
        write_all(command_usage(*about));
        return 0;
    }
    if (cmd == "version") {
        std::printf("dcmkit %s\n", DCMKIT_VERSION_STRING);
        return 0;
    }
    return c->run(cmd, args);
}
