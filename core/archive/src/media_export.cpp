// dcmkit — export to media: selection, de-identification, File IDs, DICOMDIR (see media_export.h).
#include "dcmkit/media_export.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "dcmkit/archive.h"
#include "dcmkit/dicomdir.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/services/audit.h"
#include "iso_image.h"

namespace dcmkit::archive {

namespace {

constexpr Tag kPatientName{0x0010, 0x0010}, kPatientID{0x0010, 0x0020}, kBirthDate{0x0010, 0x0030},
    kSex{0x0010, 0x0040}, kStudyUID{0x0020, 0x000D}, kSeriesUID{0x0020, 0x000E};
constexpr const char *kImplicitLE = "1.2.840.10008.1.2";
constexpr const char *kExplicitLE = "1.2.840.10008.1.2.1";

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    size_t b = 0;
    while (b < s.size() && s[b] == ' ') ++b;
    return s.substr(b);
}

std::string text(const Dataset &ds, Tag tag) { return trimmed(ds.get_string_or(tag, "")); }

bool is_dir(const std::string &path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// The files under `path` (folders recursed, sorted; hidden names skipped).
void collect(const std::string &path, std::vector<std::string> &out) {
    if (!is_dir(path)) {
        out.push_back(path);
        return;
    }
    DIR *d = ::opendir(path.c_str());
    if (!d) throw Error(Errc::io, "cannot read the folder " + path + ": " + std::strerror(errno));
    std::vector<std::string> names;
    while (dirent *e = ::readdir(d))
        if (e->d_name[0] != '.') names.push_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto &n : names) collect(path + "/" + n, out);
}

std::string absolute(const std::string &path) {
    if (!path.empty() && path[0] == '/') return path;
    char buf[4096];
    if (!::getcwd(buf, sizeof buf)) return path;
    return std::string(buf) + "/" + path;
}

bool valid_fileset_id(const std::string &id) {
    if (id.size() > 16) return false;
    for (char c : id)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_')) return false;
    return true;
}

std::string numbered(char letter, size_t n) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%c%07zu", letter, n);
    return buf;
}

/// What the export made, removed again when it fails (the files, then the folders, deepest first).
struct Undo {
    std::vector<std::string> files, dirs;
    bool armed = true;
    ~Undo() {
        if (!armed) return;
        for (auto it = files.rbegin(); it != files.rend(); ++it) ::unlink(it->c_str());
        for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());
    }
    void mkdir(const std::string &path) {
        if (::mkdir(path.c_str(), 0755) == 0) {
            dirs.push_back(path);
        } else if (errno != EEXIST) {
            throw Error(Errc::io, "cannot make the folder " + path + ": " + std::strerror(errno));
        }
    }
};

struct Identity {
    std::string name, birth_date, sex, first_source;
};

/// Two values of one attribute disagree (an empty one agrees with anything).
bool differ(const std::string &a, const std::string &b) { return !a.empty() && !b.empty() && a != b; }

struct PatientDir {
    std::string component;  // Pnnnnnnn
    size_t studies = 0;
    std::map<std::string, std::pair<std::string, size_t>> study_dirs;  // study UID -> (Snnnnnnn, series count)
};

/// What the audit message names of the instances exported: per original Patient ID, its name and,
/// per study, the SOP classes and their counts.
struct AuditPatient {
    std::string name;
    std::map<std::string, std::map<std::string, uint64_t>> studies;
};

void send_audit(const MediaExportOptions &options, const std::map<std::string, AuditPatient> &patients,
                const std::string &root, std::vector<std::string> &warnings) {
    namespace au = dcmkit::audit;
    const AuditSettings &s = options.audit;
    au::Source source;
    source.id = s.source_id.empty() ? options.audit_source_id : s.source_id;
    source.enterprise_site = s.site;
    au::AuditLogger::Options o;
    o.destination = au::Destination::parse(s.destination);
    o.destination.ca_file = s.ca_file;
    o.destination.cert_file = s.cert_file;
    o.destination.key_file = s.key_file;
    o.spool = !s.spool.empty() ? s.spool : options.archive_storage.empty() ? "" : options.archive_storage + "/audit-spool";
    o.log = [&warnings](const std::string &line) { warnings.push_back("audit: " + line); };
    au::AuditLogger logger(std::move(o));
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = 0;
    au::Participant exporter = au::application(std::to_string(::getpid()), {source.id}, host, true);
    au::Participant media;
    media.user_id = options.iso_path.empty() ? "file://" + root : "file://" + absolute(options.iso_path);
    media.roles = {au::codes::DestinationMedia};
    media.media_type = options.iso_path.empty() ? au::Code{"110037", "DCM", "URI"} : au::Code{"110032", "DCM", "CD"};
    for (const auto &[id, p] : patients) {
        au::Instances what;
        what.patient_id = id;
        what.patient_name = p.name;
        for (const auto &[study, classes] : p.studies) {
            std::vector<au::SopClassCount> counts;
            for (const auto &[uid, n] : classes) counts.push_back({uid, n, {}});
            what.studies.push_back(au::study(study, counts));
        }
        logger.log(au::data_export(source, exporter, media, what));
    }
    if (!logger.flush(5000)) warnings.push_back("audit: the Data Export messages are not delivered yet (kept in the spool when one is set)");
    logger.stop(0);
}

}  // namespace

MediaExportResult export_media(const MediaExportOptions &options, const MediaExportProgress &progress) {
    MediaExportResult result;
    if (options.inputs.empty() && options.archive_storage.empty())
        throw Error(Errc::invalid_argument, "nothing to export from: give files or folders, or an archive");
    if (options.output.empty()) throw Error(Errc::invalid_argument, "no output folder given");
    if (!valid_fileset_id(options.fileset_id))
        throw Error(Errc::invalid_argument, "the File-set ID '" + options.fileset_id +
                                                "' is not up to 16 of A-Z, 0-9, space and _ (PS3.10 8.5)");
    if (!options.archive_storage.empty() && options.patient_ids.empty() && options.study_uids.empty())
        throw Error(Errc::invalid_argument, "exporting from an archive needs the patients or studies to export "
                                            "(Patient IDs or Study Instance UIDs)");
    const std::string root = absolute(options.output);
    const std::string label = options.volume_label.empty() ? "DICOM" : options.volume_label;
    if (!options.iso_path.empty()) {
        const std::string iso = absolute(options.iso_path);
        if (iso.compare(0, root.size() + 1, root + "/") == 0)
            throw Error(Errc::invalid_argument, "the ISO image " + options.iso_path +
                                                    " cannot be inside the media folder it is made of");
        struct stat st {};
        if (::stat(options.iso_path.c_str(), &st) == 0)
            throw Error(Errc::invalid_argument, "the ISO image " + options.iso_path + " exists already");
    }

    // The output folder: new, or empty.
    Undo undo;
    if (is_dir(root)) {
        std::vector<std::string> inside;
        DIR *d = ::opendir(root.c_str());
        if (!d) throw Error(Errc::io, "cannot read the folder " + options.output + ": " + std::strerror(errno));
        while (dirent *e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) inside.push_back(e->d_name);
        ::closedir(d);
        if (!inside.empty())
            throw Error(Errc::invalid_argument, "the output folder " + options.output + " is not empty (it holds " +
                                                    inside.front() + (inside.size() > 1 ? ", …" : "") +
                                                    "): media are written to a new or empty folder");
    } else {
        struct stat st {};
        if (::stat(root.c_str(), &st) == 0)
            throw Error(Errc::invalid_argument, "the output " + options.output + " exists and is not a folder");
    }
    if (!options.iso_path.empty()) {
        // Fail before any file is written when the image cannot be made.
        check_volume_label(label);
        const bool found = !find_on_path("xorriso").empty();
        if (!found)
            throw Error(Errc::not_found, "an ISO image was asked for, but xorriso is not on PATH (install it, e.g. "
                                         "apt-get install xorriso, or leave out the ISO)");
    }

    // The candidates: the archive's files for the selection, and the input files.
    struct Candidate {
        std::string path;
        bool from_archive;
    };
    std::vector<Candidate> candidates;
    std::set<std::string> seen_paths;
    std::map<std::string, size_t> patient_hits, study_hits;
    for (const auto &p : options.patient_ids) patient_hits[p] = 0;
    for (const auto &s : options.study_uids) study_hits[s] = 0;
    if (!options.archive_storage.empty()) {
        struct stat st {};
        if (::stat((options.archive_storage + "/index.sqlite").c_str(), &st) != 0)
            throw Error(Errc::not_found, "no archive index in " + options.archive_storage +
                                             " (index.sqlite; dcmkit serve --storage makes one)");
        SqliteIndex index(options.archive_storage);
        auto take = [&](Level level, Tag key, const std::string &value, Root root_model, size_t &hits) {
            Dataset q;
            q.set_string(key, value, VR::None);
            for (const auto &f : index.files_for(level, q, root_model)) {
                ++hits;
                const std::string path = f.path.empty() || f.path[0] == '/' ? f.path : options.archive_storage + "/" + f.path;
                if (seen_paths.insert(path).second) candidates.push_back({path, true});
            }
        };
        for (const auto &p : options.patient_ids) take(Level::patient, kPatientID, p, Root::patient_root, patient_hits[p]);
        for (const auto &s : options.study_uids) take(Level::study, kStudyUID, s, Root::study_root, study_hits[s]);
    }
    {
        std::vector<std::string> files;
        for (const auto &in : options.inputs) {
            struct stat st {};
            if (::stat(in.c_str(), &st) != 0)
                throw Error(Errc::not_found, "cannot read " + in + ": " + std::strerror(errno));
            collect(in, files);
        }
        for (auto &f : files)
            if (seen_paths.insert(f).second) candidates.push_back({f, false});
    }

    // Selection, on the headers of the input files (the archive's are selected by its index).
    const bool select_all = options.patient_ids.empty() && options.study_uids.empty();
    std::vector<std::string> selected;
    for (const auto &c : candidates) {
        if (c.from_archive) {
            selected.push_back(c.path);
            continue;
        }
        DicomFile header;
        try {
            ReadOptions ro;
            ro.stop_before_pixels = true;
            header = read_file(c.path, ro);
        } catch (const Error &e) {
            result.skipped.emplace_back(c.path, e.message());
            continue;
        }
        if (header.meta.empty()) {
            result.skipped.emplace_back(c.path, "not a Part 10 file (no File Meta Information)");
            continue;
        }
        if (text(header.meta, tags::MediaStorageSOPClassUID) == kMediaStorageDirectoryStorage) {
            result.skipped.emplace_back(c.path, "a DICOMDIR (a new one is written)");
            continue;
        }
        if (select_all) {
            selected.push_back(c.path);
            continue;
        }
        const std::string pid = text(header.dataset, kPatientID), study = text(header.dataset, kStudyUID);
        auto p = patient_hits.find(pid);
        auto s = study_hits.find(study);
        if (p != patient_hits.end()) ++p->second;
        if (s != study_hits.end()) ++s->second;
        if (p != patient_hits.end() || s != study_hits.end()) selected.push_back(c.path);
    }
    for (const auto &[id, hits] : patient_hits)
        if (hits == 0) throw Error(Errc::not_found, "no instance of Patient ID '" + id + "' in what was given");
    for (const auto &[uid, hits] : study_hits)
        if (hits == 0) throw Error(Errc::not_found, "no instance of the study " + uid + " in what was given");
    if (selected.empty()) throw Error(Errc::not_found, "no DICOM instance to export in what was given");

    if (!is_dir(root)) undo.mkdir(root);
    undo.mkdir(root + "/DICOM");

    std::map<std::string, PatientDir> patients;               // patient key (after de-identification) -> folder
    std::map<std::string, Identity> identities;               // the same key -> the identity first seen
    std::map<std::string, std::string> series_dirs;           // patient, study, series -> its folder (relative)
    std::map<std::string, size_t> series_counts;              // the same -> instances written
    std::map<std::string, std::string> written_sop;           // SOP Instance UID -> its source
    std::map<std::string, std::string> folder_patient;        // Pnnnnnnn -> patient key
    std::map<std::string, AuditPatient> audited;              // original Patient ID -> what was exported
    for (size_t n = 0; n < selected.size(); ++n) {
        const std::string &src = selected[n];
        if (progress && !progress(n, selected.size(), src)) throw Error(Errc::io, "the export was cancelled");
        DicomFile file = read_file(src);
        const Identity original{text(file.dataset, kPatientName), text(file.dataset, kBirthDate),
                                text(file.dataset, kSex), src};
        const std::string original_id = text(file.dataset, kPatientID), original_study = text(file.dataset, kStudyUID),
                          sop_class = text(file.dataset, tags::SOPClassUID);
        if (options.deidentify) {
            DeidReport report;
            try {
                deidentify(file, *options.deidentify, report);
            } catch (const Error &e) {
                if (e.code() != Errc::unsupported) throw;
                if (options.refusal_is_fatal)
                    throw Error(Errc::unsupported, src + ": not de-identified: " + e.message());
                result.refused.emplace_back(src, e.message());
                continue;
            }
            if (report.burned_in_flagged)
                result.warnings.push_back(src + ": burned-in text may remain in the pixels (" + report.burned_in_reason + ")");
        }
        const std::string pid = text(file.dataset, kPatientID);
        const std::string key = pid.empty() ? "name:" + text(file.dataset, kPatientName) : pid;
        const std::string study = text(file.dataset, kStudyUID), series = text(file.dataset, kSeriesUID);
        const std::string sop = text(file.dataset, tags::SOPInstanceUID);
        if (sop.empty()) throw Error(Errc::invalid_argument, src + ": no SOP Instance UID (a DICOMDIR needs it)");
        if (auto w = written_sop.find(sop); w != written_sop.end()) {
            result.warnings.push_back(src + ": the same instance as " + w->second + ", exported once");
            continue;
        }
        // One patient per record: the same Patient ID with another name, birth date or sex is refused.
        auto [id_it, fresh] = identities.emplace(key, original);
        if (!fresh) {
            const Identity &first = id_it->second;
            const char *what = differ(first.name, original.name)               ? "Patient's Name"
                               : differ(first.birth_date, original.birth_date) ? "Patient's Birth Date"
                               : differ(first.sex, original.sex)               ? "Patient's Sex"
                                                                               : nullptr;
            if (what)
                throw Error(Errc::invalid_argument,
                            std::string("two patients under one Patient ID: ") + src + " and " + first.first_source +
                                " have the same Patient ID but another " + what +
                                " (they would share a PATIENT record; export them separately, or correct the ID)");
        }
        PatientDir &pd = patients[key];
        if (pd.component.empty()) {
            pd.component = numbered('P', patients.size());
            folder_patient[pd.component] = key;
        }
        auto &sd = pd.study_dirs[study];
        if (sd.first.empty()) sd.first = numbered('S', ++pd.studies);
        // Keyed by patient and study too: instances without a Series Instance UID stay apart.
        const std::string series_key = key + '\n' + study + '\n' + series;
        std::string &rel_series = series_dirs[series_key];
        if (rel_series.empty()) {
            rel_series = "DICOM/" + pd.component + "/" + sd.first + "/" + numbered('R', ++sd.second);
            undo.mkdir(root + "/DICOM/" + pd.component);
            undo.mkdir(root + "/DICOM/" + pd.component + "/" + sd.first);
            undo.mkdir(root + "/" + rel_series);
            ++result.series;
        }
        const std::string file_id = rel_series + "/" + numbered('I', ++series_counts[series_key]);
        WriteOptions wo;
        wo.transfer_syntax = file.transfer_syntax == kImplicitLE ? kExplicitLE : file.transfer_syntax;
        wo.atomic = false;  // a new name; the export as a whole is undone on failure
        wo.fsync = false;  // flushed together, once, below
        undo.files.push_back(root + "/" + file_id);
        write_file(root + "/" + file_id, file, wo);
        written_sop[sop] = src;
        AuditPatient &ap = audited[original_id];
        if (ap.name.empty()) ap.name = original.name;
        ++ap.studies[original_study][sop_class];
        result.files.emplace_back(src, file_id);
        ++result.exported;
    }
    if (result.exported == 0)
        throw Error(Errc::unsupported, "nothing was exported: the de-identification refused every instance (" +
                                           (result.refused.empty() ? std::string() : result.refused.front().second) + ")");
    if (options.fsync) {
        // One syncfs for every file written (much faster than one fsync each), before the DICOMDIR
        // that references them.
        const int dfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const bool synced = dfd >= 0 && ::syncfs(dfd) == 0;
        if (dfd >= 0) ::close(dfd);
        if (!synced) throw Error(Errc::io, "cannot flush the files written to " + options.output + ": " + std::strerror(errno));
    }
    result.patients = patients.size();
    for (const auto &[k, pd] : patients) result.studies += pd.study_dirs.size();

    // The DICOMDIR, under a temporary name, checked, then renamed into place.
    const std::string partial = root + "/.DICOMDIR.partial";
    DicomDirOptions dopt;
    dopt.fileset_id = options.fileset_id;
    dopt.output = partial;
    dopt.map_nonconforming = false;
    undo.files.push_back(partial);
    DicomDirWriteResult dr = create_dicomdir(root, dopt);
    for (auto &w : dr.warnings) result.warnings.push_back(std::move(w));
    if (dr.added != result.exported)
        throw Error(Errc::malformed, "the DICOMDIR references " + std::to_string(dr.added) + " instances, not the " +
                                         std::to_string(result.exported) + " written");
    const DicomDir dir = read_dicomdir(partial);
    std::map<std::string, size_t> folder_record;  // Pnnnnnnn -> its PATIENT record
    std::map<size_t, std::string> record_folder;
    for (size_t i = 0; i < dir.records.size(); ++i) {
        const DirectoryRecord &r = dir.records[i];
        if (r.file_id.empty()) continue;
        size_t top = i;
        while (dir.records[top].parent != DirectoryRecord::npos) top = dir.records[top].parent;
        const std::string folder = r.file_id.substr(6, 8);  // DICOM/Pnnnnnnn/…
        auto [f, f_new] = folder_record.emplace(folder, top);
        auto [g, g_new] = record_folder.emplace(top, folder);
        if (dir.records[top].type != "PATIENT" || f->second != top || g->second != folder)
            throw Error(Errc::malformed, "the DICOMDIR puts " + r.file_id + " under the record of another patient");
    }
    if (::rename(partial.c_str(), (root + "/DICOMDIR").c_str()) != 0)
        throw Error(Errc::io, "cannot rename the DICOMDIR into place in " + options.output + ": " + std::strerror(errno));
    undo.files.back() = root + "/DICOMDIR";
    result.dicomdir = root + "/DICOMDIR";

    if (!options.iso_path.empty()) {
        write_iso_image(root, options.iso_path, label);
        result.iso = options.iso_path;
    }
    undo.armed = false;
    if (options.audit.enabled()) {
        try {
            send_audit(options, audited, root, result.warnings);
        } catch (const Error &e) {
            result.warnings.push_back("audit: no Data Export message: " + e.message());
        }
    }
    return result;
}

}  // namespace dcmkit::archive
