// dcmkit archive — the SQL index's lookups (SqlCore, for SQLite and PostgreSQL alike): C-FIND (PS3.4
// keys as SQL), C-MOVE/C-GET file lists, Storage Commitment checks and the Modality Worklist; and
// SQLite's connections. Ingest is in index_store.cpp, PostgreSQL's side in pg_index.cpp.
#include <algorithm>
#include <cstring>

#include "dcmkit/lazy_library.h"
#include "dcmkit/archive.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/file.h"
#include "dcmkit/services/matching_detail.h"
#include "sql_core.h"
#include "sqlite_index.h"

namespace dcmkit::archive {

using matching::detail::CompiledKeys;
using matching::detail::KeyMatcher;

// -- small public pieces ------------------------------------------------------------------------------

const char *level_name(Level level) noexcept {
    switch (level) {
    case Level::patient: return "PATIENT";
    case Level::study: return "STUDY";
    case Level::series: return "SERIES";
    case Level::image: return "IMAGE";
    }
    return "?";
}

bool parse_level(std::string_view text, Level &out) noexcept {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.remove_suffix(1);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text == "PATIENT") out = Level::patient;
    else if (text == "STUDY") out = Level::study;
    else if (text == "SERIES") out = Level::series;
    else if (text == "IMAGE") out = Level::image;
    else return false;
    return true;
}

const char *verification_name(Verification v) noexcept {
    switch (v) {
    case Verification::ok: return "ok";
    case Verification::not_found: return "not_found";
    case Verification::sop_class_mismatch: return "sop_class_mismatch";
    case Verification::file_missing: return "file_missing";
    case Verification::digest_mismatch: return "digest_mismatch";
    }
    return "?";
}

std::vector<Dataset> Index::find(Level level, const Dataset &identifier, Root root, const FindOptions &options) {
    std::vector<Dataset> out;
    find(level, identifier, root, [&](Dataset &&d) { out.push_back(std::move(d)); return true; }, options);
    return out;
}

std::vector<Dataset> Index::find(const Dataset &identifier, Root root, const FindOptions &options) {
    constexpr Tag kLevel{0x0008, 0x0052};
    Level level;
    std::string text;
    try {
        text = identifier.get_string_or(kLevel, "");
    } catch (const Error &) {
    }
    if (!parse_level(text, level))
        throw QueryError(QueryError::Kind::identifier_does_not_match_sop_class,
                         "Query/Retrieve Level (0008,0052) missing or invalid: '" + text + "'", kLevel);
    return find(level, identifier, root, options);
}

std::vector<Dataset> Index::find_worklist(const Dataset &identifier, const FindOptions &options) {
    std::vector<Dataset> out;
    find_worklist(identifier, [&](Dataset &&d) { out.push_back(std::move(d)); return true; }, options);
    return out;
}

// -- SQL plumbing ----------------------------------------------------------------------------------

using namespace db;
using sqlite::kMatcherPointerType;

namespace {

constexpr Tag kQueryLevel{0x0008, 0x0052};
constexpr Tag kSpsSequence{0x0040, 0x0100};
constexpr Tag kSpsId{0x0040, 0x0009};
constexpr Tag kSpsStatus{0x0040, 0x0020};
constexpr Tag kRequestedProcedureId{0x0040, 0x1001};

// dk_match(value, matcher): PS3.4 C.2.2.2 matching of PN values, with the C++ matcher bound as a pointer.
void dk_match_fn(sqlite3_context *ctx, int, sqlite3_value **argv) {
    const auto *m = static_cast<const KeyMatcher *>(sqlite3_value_pointer(argv[1], kMatcherPointerType));
    if (!m) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    const unsigned char *t = sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    bool ok = m->matches(t ? std::string_view(reinterpret_cast<const char *>(t), size_t(n)) : std::string_view());
    sqlite3_result_int(ctx, ok ? 1 : 0);
}

// -- the keys the index holds ------------------------------------------------------------------------

enum class Kind { uid, text, pn, date, time, integer, modalities, computed, computed_list };

struct KeyDef {
    uint32_t tag;
    int level;          ///< 0 patient, 1 study, 2 series, 3 image (patient root); patient keys are study keys in study root
    Kind kind;
    const char *ret;    ///< SQL expression of the value returned
    const char *match;  ///< SQL expression matched (nullptr: not matched)
};

// PS3.4 C.6.1.1.2-5 / C.6.2.1.2-4: unique (U), required (R) and the optional (O) keys we hold.
const KeyDef kKeys[] = {
    {0x00100010, 0, Kind::pn, "p.patient_name", "p.patient_name"},    // R Patient's Name
    {0x00100020, 0, Kind::text, "p.patient_id", "p.patient_id"},      // U (patient root) Patient ID
    {0x00100021, 0, Kind::text, "p.issuer", "p.issuer"},              // O Issuer of Patient ID
    {0x00100030, 0, Kind::date, "p.birth_date", "p.birth_date_key"},      // O Patient's Birth Date
    {0x00100040, 0, Kind::text, "p.sex", "p.sex"},                    // O Patient's Sex
    {0x00201200, 0, Kind::computed, "(SELECT COUNT(*) FROM study c WHERE c.patient_pk=p.pk)", nullptr},
    {0x00201202, 0, Kind::computed,
     "(SELECT COUNT(*) FROM series c JOIN study d ON c.study_pk=d.pk WHERE d.patient_pk=p.pk)", nullptr},
    {0x00201204, 0, Kind::computed,
     "(SELECT COUNT(*) FROM instance c JOIN series d ON c.series_pk=d.pk JOIN study e ON d.study_pk=e.pk "
     "WHERE e.patient_pk=p.pk)",
     nullptr},
    {0x0020000D, 1, Kind::uid, "st.study_uid", "st.study_uid"},        // U Study Instance UID
    {0x00080020, 1, Kind::date, "st.study_date", "st.study_date_key"},     // R Study Date
    {0x00080030, 1, Kind::time, "st.study_time", "st.study_time_key"}, // R Study Time
    {0x00080050, 1, Kind::text, "st.accession", "st.accession"},       // R Accession Number
    {0x00200010, 1, Kind::text, "st.study_id", "st.study_id"},         // R Study ID
    {0x00081030, 1, Kind::text, "st.description", "st.description"},  // O Study Description
    {0x00080090, 1, Kind::pn, "st.referring", "st.referring"},         // O Referring Physician's Name
    {0x00080061, 1, Kind::modalities,                                   // O Modalities in Study
     "(SELECT group_concat(DISTINCT c.modality) FROM series c WHERE c.study_pk=st.pk AND c.modality<>'')", "x"},
    {0x00080062, 1, Kind::computed_list,                                // O SOP Classes in Study
     "(SELECT group_concat(DISTINCT c.sop_class_uid) FROM instance c JOIN series d ON c.series_pk=d.pk "
     "WHERE d.study_pk=st.pk)",
     nullptr},
    {0x00201206, 1, Kind::computed, "(SELECT COUNT(*) FROM series c WHERE c.study_pk=st.pk)", nullptr},
    {0x00201208, 1, Kind::computed,
     "(SELECT COUNT(*) FROM instance c JOIN series d ON c.series_pk=d.pk WHERE d.study_pk=st.pk)", nullptr},
    {0x0020000E, 2, Kind::uid, "se.series_uid", "se.series_uid"},              // U Series Instance UID
    {0x00080060, 2, Kind::text, "se.modality", "se.modality"},                 // R Modality
    {0x00200011, 2, Kind::integer, "se.series_number_text", "se.series_number"}, // R Series Number
    {0x0008103E, 2, Kind::text, "se.description", "se.description"},           // O Series Description
    {0x00080021, 2, Kind::date, "se.series_date", "se.series_date_key"},           // O Series Date
    {0x00080031, 2, Kind::time, "se.series_time", "se.series_time_key"},       // O Series Time
    {0x00180015, 2, Kind::text, "se.body_part", "se.body_part"},               // O Body Part Examined
    {0x00201209, 2, Kind::computed, "(SELECT COUNT(*) FROM instance c WHERE c.series_pk=se.pk)", nullptr},
    {0x00080018, 3, Kind::uid, "i.sop_instance_uid", "i.sop_instance_uid"},    // U SOP Instance UID
    {0x00080016, 3, Kind::uid, "i.sop_class_uid", "i.sop_class_uid"},          // O SOP Class UID
    {0x00200013, 3, Kind::integer, "i.instance_number_text", "i.instance_number"}, // R Instance Number
    {0x00083002, 3, Kind::uid, "i.transfer_syntax", "i.transfer_syntax"},      // O Available Transfer Syntax UID
};

// Keys of PS3.4 C.6.1.1 / C.6.2.1 the index does not hold, with their level — so that a key below the
// query level is refused (A900). They are returned zero-length, or read from the file at IMAGE level.
const std::pair<uint32_t, int> kOtherKeys[] = {
    {0x00101000, 0}, {0x00101001, 0}, {0x00101002, 0}, {0x00100032, 0}, {0x00102160, 0}, {0x00104000, 0},
    {0x00100024, 0}, {0x00102201, 0}, {0x00102292, 0}, {0x00102297, 0}, {0x00102298, 0}, {0x00102299, 0},
    {0x00081080, 1}, {0x00101010, 1}, {0x00101020, 1}, {0x00101030, 1}, {0x00102180, 1}, {0x001021B0, 1},
    {0x00081060, 1}, {0x00201070, 1}, {0x00081032, 1}, {0x00321060, 1}, {0x00080051, 1}, {0x00321033, 1},
    {0x00400244, 2}, {0x00400245, 2}, {0x00400275, 2}, {0x00400253, 2}, {0x00080070, 2}, {0x00181030, 2},
    {0x00280010, 3}, {0x00280011, 3}, {0x00280100, 3}, {0x00280008, 3}, {0x0040A730, 3}, {0x00080023, 3},
    {0x00080033, 3}, {0x00080022, 3}, {0x00080032, 3}, {0x0008002A, 3}, {0x00200020, 3}, {0x00080008, 3},
    {0x00200032, 3}, {0x00200037, 3}, {0x00201041, 3}, {0x0040A043, 3}, {0x0040A491, 3}, {0x0040A493, 3},
};

const KeyDef *find_def(Tag tag) {
    for (const auto &d : kKeys)
        if (d.tag == tag.value) return &d;
    return nullptr;
}

int effective_level(int level, Root root) { return root == Root::study_root && level == 0 ? 1 : level; }

// Level of a key for the A900 check; -1 when unknown (treated as a key at the query level).
int key_level(Tag tag, Root root) {
    if (const KeyDef *d = find_def(tag)) return effective_level(d->level, root);
    for (const auto &o : kOtherKeys)
        if (o.first == tag.value) return effective_level(o.second, root);
    return -1;
}

const char *const kFrom[4] = {
    " FROM patient p",
    " FROM study st JOIN patient p ON p.pk=st.patient_pk",
    " FROM series se JOIN study st ON st.pk=se.study_pk JOIN patient p ON p.pk=st.patient_pk",
    " FROM instance i JOIN series se ON se.pk=i.series_pk JOIN study st ON st.pk=se.study_pk"
    " JOIN patient p ON p.pk=st.patient_pk",
};
const char *const kLevelPk[4] = {"p.pk", "st.pk", "se.pk", "i.pk"};

// PostgreSQL: LIKE with '\\' as its escape; "?" is one character (the database is UTF-8).
std::string like_escape(std::string_view dicom_pattern) {
    std::string out;
    for (char c : dicom_pattern) {
        if (c == '*') out += '%';
        else if (c == '?') out += '_';
        else if (c == '%' || c == '_' || c == '\\') (out += '\\') += c;
        else out += c;
    }
    return out;
}

std::string glob_escape(std::string_view dicom_pattern) {
    // DICOM's "*" and "?" are GLOB's; "[" is the only other GLOB special and is matched literally.
    std::string out;
    for (char c : dicom_pattern) {
        if (c == '[') out += "[[]";
        else out += c;
    }
    return out;
}

struct Sql {
    Dialect dialect = Dialect::sqlite;
    std::string where;
    std::vector<Bind> binds;
    std::vector<std::unique_ptr<KeyMatcher>> matchers;  // bound by pointer: alive while the query runs

    void text(std::string s) {
        Bind b;
        b.s = std::move(s);
        binds.push_back(std::move(b));
    }
    void integer(int64_t v) {
        Bind b;
        b.kind = Bind::integer;
        b.i = v;
        binds.push_back(b);
    }
    void and_(const std::string &cond) {
        where += where.empty() ? " WHERE " : " AND ";
        where += cond;
    }
};

// The condition of one key on a text column (single, wildcard, empty alternatives).
std::string text_condition(const std::string &expr, const KeyMatcher &m, Sql &sql) {
    std::string out;
    for (const auto &a : m.alternatives()) {
        if (!out.empty()) out += " OR ";
        switch (a.type) {
        case matching::detail::Alternative::single:
            out += expr + "=?";
            sql.text(a.value);
            break;
        case matching::detail::Alternative::wildcard:
            if (sql.dialect == Dialect::postgresql) {
                out += expr + " LIKE ? ESCAPE '\\'";
                sql.text(like_escape(a.value));
            } else {
                out += expr + " GLOB ?";
                sql.text(glob_escape(a.value));
            }
            break;
        case matching::detail::Alternative::empty: out += expr + "=''"; break;
        case matching::detail::Alternative::range: out += "1=0"; break;
        }
    }
    return "(" + out + ")";
}

std::string range_condition(const std::string &expr, const KeyMatcher &m, Sql &sql) {
    std::string out;
    for (const auto &a : m.alternatives()) {
        if (!out.empty()) out += " OR ";
        if (a.type == matching::detail::Alternative::empty) {
            out += expr + "=''";
            continue;
        }
        out += "(" + expr + "<>''";
        if (!a.lo.empty()) {
            out += " AND " + expr + ">=?";
            sql.text(a.lo);
        }
        if (!a.hi.empty()) {
            out += " AND " + expr + "<=?";
            sql.text(a.hi);
        }
        out += ")";
    }
    return "(" + out + ")";
}

std::string key_condition(const KeyDef &d, const KeyMatcher &m, Sql &sql, Tag tag) {
    const std::string expr = d.match;
    switch (d.kind) {
    case Kind::uid: {
        std::string out = expr + " IN (";
        bool first = true;
        for (const auto &a : m.alternatives()) {
            if (a.type == matching::detail::Alternative::empty) continue;
            out += first ? "?" : ",?";
            first = false;
            sql.text(a.value);
        }
        bool has_empty = std::any_of(m.alternatives().begin(), m.alternatives().end(),
                                     [](const auto &a) { return a.type == matching::detail::Alternative::empty; });
        if (first) return has_empty ? "(" + expr + "='')" : "1=0";
        out += ")";
        return has_empty ? "(" + out + " OR " + expr + "='')" : out;
    }
    case Kind::text: return text_condition(expr, m, sql);
    case Kind::pn: {
        auto owned = std::make_unique<KeyMatcher>(m);
        Bind b;
        b.kind = Bind::pointer;
        b.p = owned.get();
        sql.binds.push_back(b);
        sql.matchers.push_back(std::move(owned));
        return "dk_match(" + expr + ",?)";
    }
    case Kind::date:
    case Kind::time: return range_condition(expr, m, sql);
    case Kind::integer: {
        std::string out;
        for (const auto &a : m.alternatives()) {
            if (!out.empty()) out += " OR ";
            if (a.type == matching::detail::Alternative::empty) {
                out += expr + " IS NULL";
                continue;
            }
            char *end = nullptr;
            long long v = std::strtoll(a.value.c_str(), &end, 10);
            if (a.value.empty() || !end || *end != '\0')
                throw QueryError(QueryError::Kind::unable_to_process, "not an integer: '" + a.value + "'", tag);
            out += expr + "=?";
            sql.integer(v);
        }
        return "(" + out + ")";
    }
    case Kind::modalities:
        return "EXISTS (SELECT 1 FROM series mx WHERE mx.study_pk=st.pk AND " + text_condition("mx.modality", m, sql) +
               ")";
    case Kind::computed:
    case Kind::computed_list: break;
    }
    return "1=1";
}

class VectorSink : public Sink {
public:
    void write(const uint8_t *data, size_t size) override { bytes.insert(bytes.end(), data, data + size); }
    std::vector<uint8_t> bytes;
};

std::vector<uint8_t> encode_item(const Dataset &ds) {
    VectorSink sink;
    write_dataset(sink, ds, uids::ExplicitVRLittleEndian);
    return std::move(sink.bytes);
}

Dataset decode_item(std::vector<uint8_t> bytes) {
    return read_dataset(Source::from_vector(std::move(bytes)), uids::ExplicitVRLittleEndian);
}

VR element_vr(const Element &e) { return e.vr == VR::UN || e.vr == VR::None ? dict_vr(e.tag) : e.vr; }

std::string join_list(std::string csv) {
    // group_concat's commas to DICOM's backslashes, in a stable order.
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= csv.size() && !csv.empty()) {
        size_t p = csv.find(',', start);
        parts.push_back(csv.substr(start, p == std::string::npos ? std::string::npos : p - start));
        if (p == std::string::npos) break;
        start = p + 1;
    }
    std::sort(parts.begin(), parts.end());
    return matching::detail::join(parts, '\\');
}

/// A C-FIND response: `fill` adds its keys after (0008,0005). In the identifier's character set
/// `query_cs` when FindOptions::respond_in_query_charset asks for it and every value can be encoded
/// in it, else in ISO_IR 192 (archive.h).
template <class Fill>
Dataset respond(const FindOptions &options, const std::string &query_cs, const Fill &fill) {
    auto build = [&](const std::string &cs, bool with_cs) {
        Dataset out;
        if (with_cs) out.set_string(tags::SpecificCharacterSet, cs, VR::CS);
        fill(out);
        return out;
    };
    if (options.respond_in_query_charset) {
        try {
            return build(query_cs, !query_cs.empty());
        } catch (const Error &err) {
            if (err.code() != Errc::charset) throw;
        }
    }
    return build("ISO_IR 192", true);
}

void check_level(Level level, Root root) {
    if (root == Root::study_root && level == Level::patient)
        throw QueryError(QueryError::Kind::identifier_does_not_match_sop_class,
                         "PATIENT level is not part of the Study Root information model", kQueryLevel);
}

void check_identifier_level(Level level, const Dataset &identifier) {
    const Element *e = identifier.find(kQueryLevel);
    if (!e || e->value.empty()) return;
    Level given;
    std::string text = str_of(identifier, kQueryLevel.value);
    if (!parse_level(text, given) || given != level)
        throw QueryError(QueryError::Kind::identifier_does_not_match_sop_class,
                         "Query/Retrieve Level '" + text + "' does not match the query", kQueryLevel);
}

}  // namespace

// -- SqliteIndex ------------------------------------------------------------------------------------

std::unique_ptr<db::Conn> SqliteIndex::Impl::open() {
    lazy::require("sqlite3", "The archive index");
    auto c = std::make_unique<sqlite::Conn>();
    int rc = sqlite3_open_v2(path.c_str(), &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) sqlite::fail(c->db, "open " + path);
    sqlite3_busy_timeout(c->db, options.busy_timeout_ms);
    c->exec("PRAGMA journal_mode=WAL");
    c->exec("PRAGMA synchronous=NORMAL");
    c->exec("PRAGMA foreign_keys=ON");
    if (sqlite3_create_function_v2(c->db, "dk_match", 2, SQLITE_UTF8, nullptr, dk_match_fn, nullptr, nullptr,
                                   nullptr) != SQLITE_OK)
        sqlite::fail(c->db, "create function");
    return c;
}

// -- C-FIND ---------------------------------------------------------------------------------------------

void SqlCore::find(Level level, const Dataset &identifier, Root root, const std::function<bool(Dataset &&)> &on_match,
                   const FindOptions &options) {
    check_level(level, root);
    check_identifier_level(level, identifier);
    const int q = int(level);
    auto c = acquire();

    // Where each returned key comes from.
    struct Ret {
        Tag tag;
        VR vr;
        enum { db, header, empty } src;
        const KeyDef *def = nullptr;
        int column = -1;
    };
    std::vector<Ret> rets;
    std::vector<std::string> columns;
    Sql sql;
    sql.dialect = c->dialect();
    // PN keys where the database cannot call the matcher (PostgreSQL): matched in a first query on
    // the rows the other keys select (their PN columns only); the second query returns the keys of
    // those that match (so that computed keys are not counted for rows that do not).
    std::vector<std::pair<std::string, KeyMatcher>> post_match;
    Dataset header_keys;  // IMAGE level: keys matched against / filled from the stored file
    std::vector<Tag> consumed;

    // C.2.2.2.5 combined date-time matching on the pairs the index holds.
    if (options.combined_datetime) {
        struct Pair {
            uint32_t date, time;
            int level;
            const char *date_col, *time_col;
        };
        static const Pair kPairs[] = {{0x00080020, 0x00080030, 1, "st.study_date_key", "st.study_time_key"},
                                      {0x00080021, 0x00080031, 2, "se.series_date_key", "se.series_time_key"}};
        for (const auto &pr : kPairs) {
            if (pr.level > q) continue;
            std::string d = str_of(identifier, pr.date), t = str_of(identifier, pr.time);
            KeyMatcher m;
            if (d.empty() || t.empty() || !KeyMatcher::compile_combined(d, t, Tag(pr.date), m)) continue;
            std::string expr = std::string("(") + pr.date_col + " || CASE WHEN " + pr.time_col +
                               "='' THEN '000000.000000' ELSE " + pr.time_col + " END)";
            std::string cond = range_condition(expr, m, sql);
            sql.and_("(" + std::string(pr.date_col) + "<>'' AND " + cond + ")");
            consumed.push_back(Tag(pr.date));
            consumed.push_back(Tag(pr.time));
        }
    }

    for (const Element &e : identifier) {
        if (matching::detail::is_control_key(e.tag) || e.tag.is_private()) continue;
        int kl = key_level(e.tag, root);
        if (kl > q)
            throw QueryError(QueryError::Kind::identifier_does_not_match_sop_class,
                             std::string("key ") + e.tag.str() + " is below the " + level_name(level) + " level",
                             e.tag);
        VR vr = e.is_sequence() ? VR::SQ : element_vr(e);
        const KeyDef *def = find_def(e.tag);
        if (def && !e.is_sequence()) {
            Ret r{e.tag, dict_vr(e.tag), Ret::db, def, int(columns.size())};
            columns.push_back(def->ret);
            rets.push_back(r);
            bool matched = std::find(consumed.begin(), consumed.end(), e.tag) != consumed.end();
            if (def->match && !e.value.empty() && !matched) {
                std::string text;
                try {
                    text = identifier.get_string(e.tag);
                } catch (const Error &err) {
                    throw QueryError(QueryError::Kind::unable_to_process, "cannot decode key: " + err.message(), e.tag);
                }
                KeyMatcher m = KeyMatcher::compile(dict_vr(e.tag), text, options, e.tag);
                if (m.universal()) continue;
                if (def->kind == Kind::pn && sql.dialect != Dialect::sqlite) {
                    post_match.emplace_back(def->match, std::move(m));
                } else {
                    sql.and_(key_condition(*def, m, sql, e.tag));
                }
            }
            continue;
        }
        if (q == 3) {
            rets.push_back(Ret{e.tag, vr, Ret::header});
            header_keys.set(e);
        } else {
            rets.push_back(Ret{e.tag, vr, Ret::empty});
        }
    }
    if (!header_keys.empty()) {
        header_keys.set_inherited_character_set(identifier.specific_character_set());
        if (const Element *cs = identifier.find(tags::SpecificCharacterSet)) header_keys.set(*cs);
    }
    CompiledKeys header_match = CompiledKeys::compile(header_keys, options);
    const bool need_header = !header_keys.empty();

    if (!post_match.empty()) {
        std::string first = std::string("SELECT ") + kLevelPk[q];
        for (const auto &pm : post_match) first += ", " + pm.first;
        first += kFrom[q] + sql.where + " ORDER BY " + kLevelPk[q];
        std::string pks;
        {
            Stmt s(*c, first);
            s.stream().bind_all(sql.binds);
            while (s.step()) {
                bool all = true;
                for (size_t k = 0; k < post_match.size() && all; ++k) all = post_match[k].second.matches(s.text(int(k) + 1));
                if (all) pks += (pks.empty() ? "" : ",") + std::to_string(s.i64(0));
            }
        }
        if (pks.empty()) return;
        sql.and_(std::string(kLevelPk[q]) + " = ANY(?::bigint[])");
        sql.text("{" + pks + "}");
    }

    std::string text = std::string("SELECT ") + kLevelPk[q];
    if (need_header) text += ", i.path";
    const int first_col = need_header ? 2 : 1;
    for (const auto &col : columns) text += ", " + col;
    text += kFrom[q];
    text += sql.where;
    text += std::string(" ORDER BY ") + kLevelPk[q];

    const std::string query_cs = str_of(identifier, tags::SpecificCharacterSet.value);

    Stmt s(*c, text);
    s.stream().bind_all(sql.binds);
    size_t emitted = 0;
    while (s.step()) {
        std::unique_ptr<DicomFile> header;
        if (need_header) {
            ReadOptions ro;
            ro.stop_before_pixels = true;
            try {
                header = std::make_unique<DicomFile>(read_file(s.text(1), ro));
            } catch (const Error &) {
                header.reset();
            }
            Dataset none;
            if (!header_match.empty() && !header_match.matches(header ? header->dataset : none)) continue;
        }
        Dataset response = respond(options, query_cs, [&](Dataset &out) {
            out.set_string(kQueryLevel, level_name(level), VR::CS);
            Dataset none;
            const Dataset &hdr = header ? header->dataset : none;
            if (need_header) {
                Dataset part;
                part.set_inherited_character_set(out.specific_character_set());
                matching::detail::project(hdr, header_keys, &header_match, part);
                for (const Element &pe : part) out.set(pe);
            }
            for (const auto &r : rets) {
                switch (r.src) {
                case Ret::db: {
                    std::string v = s.text(first_col + r.column);
                    if (r.def->kind == Kind::modalities || r.def->kind == Kind::computed_list) v = join_list(v);
                    out.set_string(r.tag, v, r.vr);
                    break;
                }
                case Ret::header: break;  // projected above
                case Ret::empty:
                    if (r.vr == VR::SQ) out.set_sequence(r.tag);
                    else out.set(Element(r.tag, r.vr));
                    break;
                }
            }
        });
        if (!on_match(std::move(response))) break;
        if (options.limit && ++emitted >= options.limit) break;
    }
}

// -- C-MOVE / C-GET -------------------------------------------------------------------------------------

std::vector<FileRef> SqlCore::files_for(Level level, const Dataset &identifier, Root root) {
    check_level(level, root);
    check_identifier_level(level, identifier);
    static const struct {
        uint32_t tag;
        const char *expr;
    } kUnique[4] = {{0x00100020, "p.patient_id"},
                    {0x0020000D, "st.study_uid"},
                    {0x0020000E, "se.series_uid"},
                    {0x00080018, "i.sop_instance_uid"}};
    const int q = int(level);
    Sql sql;
    for (int lv = root == Root::study_root ? 1 : 0; lv <= q; ++lv) {
        Tag tag(kUnique[lv].tag);
        const Element *e = identifier.find(tag);
        if (!e || e->value.empty()) {
            if (lv == q)
                throw QueryError(QueryError::Kind::identifier_does_not_match_sop_class,
                                 std::string("the unique key ") + tag.str() + " of the " + level_name(level) +
                                     " level is missing",
                                 tag);
            continue;  // lenient: a missing unique key above the retrieve level does not restrict
        }
        std::vector<std::string> values;
        try {
            if (lv == 0) values.push_back(identifier.get_string(tag));
            else values = identifier.get_strings(tag);
        } catch (const Error &err) {
            throw QueryError(QueryError::Kind::unable_to_process, "cannot decode key: " + err.message(), tag);
        }
        std::string cond = std::string(kUnique[lv].expr) + " IN (";
        bool first = true;
        for (const auto &v : values) {
            if (matching::detail::has_wildcard(v))
                throw QueryError(QueryError::Kind::identifier_does_not_match_sop_class,
                                 "wild cards are not allowed in the unique keys of a retrieve", tag);
            if (v.empty()) continue;
            cond += first ? "?" : ",?";
            first = false;
            sql.text(v);
        }
        cond += ")";
        if (first) cond = "1=0";
        sql.and_(cond);
        if (lv == 0) {
            std::string issuer = str_of(identifier, 0x00100021);
            if (!issuer.empty()) {
                sql.and_("p.issuer=?");
                sql.text(issuer);
            }
        }
    }
    std::string text = "SELECT i.path, i.sop_class_uid, i.sop_instance_uid, i.transfer_syntax, i.size";
    text += kFrom[3];
    text += sql.where;
    text += " ORDER BY st.pk, se.pk, i.instance_number NULLS FIRST, i.pk";
    auto c = acquire();
    Stmt s(*c, text);
    s.bind_all(sql.binds);
    std::vector<FileRef> out;
    while (s.step()) {
        FileRef f;
        f.path = s.text(0);
        f.sop_class_uid = s.text(1);
        f.sop_instance_uid = s.text(2);
        f.transfer_syntax = s.text(3);
        f.size = uint64_t(s.i64(4));
        out.push_back(std::move(f));
    }
    return out;
}

// -- Storage Commitment -----------------------------------------------------------------------------

Verification SqlCore::verify(const std::string &sop_class_uid, const std::string &sop_instance_uid) {
    std::string cls, path, digest;
    {
        auto c = acquire();
        Stmt s(*c, "SELECT sop_class_uid, path, sha256 FROM instance WHERE sop_instance_uid=?");
        s.bind(1, sop_instance_uid);
        if (!s.step()) return Verification::not_found;
        cls = s.text(0);
        path = s.text(1);
        digest = s.text(2);
    }
    if (cls != sop_class_uid) return Verification::sop_class_mismatch;
    std::string actual;
    try {
        actual = sha256_file(path);
    } catch (const Error &) {
        return Verification::file_missing;
    }
    return actual == digest ? Verification::ok : Verification::digest_mismatch;
}

// -- Modality Worklist ----------------------------------------------------------------------------------

namespace {

/// Inserts a worklist row for `item` (in the caller's transaction); returns its pk.
int64_t insert_worklist_row(Conn &c, const Dataset &item) {
    std::string sps_ids;
    for (const auto &sps : item.get_items(kSpsSequence)) {
        std::string id = str_of(sps, kSpsId.value);
        if (id.empty()) continue;
        if (!sps_ids.empty()) sps_ids += '\\';
        sps_ids += id;
    }
    Stmt s(c, "INSERT INTO worklist(patient_id, accession, requested_procedure_id, sps_ids, item) "
              "VALUES(?,?,?,?,?) RETURNING pk");
    s.bind(1, str_of(item, 0x00100020))
        .bind(2, str_of(item, 0x00080050))
        .bind(3, str_of(item, kRequestedProcedureId.value))
        .bind(4, sps_ids)
        .bind_blob(5, encode_item(item));
    return s.returned_pk("insert worklist");
}

}  // namespace

int64_t SqlCore::add_worklist_item(const Dataset &item) {
    int64_t pk = 0;
    write([&](Conn &c, LogLines &) { pk = insert_worklist_row(c, item); });
    return pk;
}

bool SqlCore::remove_worklist_item(int64_t id) {
    bool removed = false;
    write([&](Conn &c, LogLines &) {
        {
            Stmt s(c, "DELETE FROM worklist WHERE pk=? RETURNING pk");
            s.bind(1, id);
            removed = s.step();
            while (s.step()) {
            }
        }
        Stmt(c, "DELETE FROM worklist_order WHERE worklist_pk=?").bind(1, id).step();
    });
    return removed;
}

std::vector<int64_t> SqlCore::put_worklist_order(const std::string &order_key, const std::vector<Dataset> &items) {
    if (order_key.empty()) throw Error(Errc::invalid_argument, "index: empty order key");
    std::vector<int64_t> ids;
    write([&](Conn &c, LogLines &) {
        ids.clear();
        lock_keys(c, {"order\n" + order_key});  // two nodes taking the same order: one after the other
        Stmt(c, "DELETE FROM worklist WHERE pk IN (SELECT worklist_pk FROM worklist_order WHERE order_key=?)")
            .bind(1, order_key)
            .step();
        Stmt(c, "DELETE FROM worklist_order WHERE order_key=?").bind(1, order_key).step();
        for (const Dataset &item : items) {
            const int64_t pk = insert_worklist_row(c, item);
            Stmt(c, "INSERT INTO worklist_order(worklist_pk, order_key) VALUES(?,?)").bind(1, pk).bind(2, order_key).step();
            ids.push_back(pk);
        }
    });
    return ids;
}

std::vector<Dataset> SqlCore::worklist_order(const std::string &order_key) {
    std::vector<std::vector<uint8_t>> blobs;
    {
        auto c = acquire();
        Stmt s(*c, "SELECT w.item FROM worklist w JOIN worklist_order o ON o.worklist_pk = w.pk WHERE o.order_key=? "
                   "ORDER BY w.pk");
        s.bind(1, order_key);
        while (s.step()) blobs.push_back(s.blob(0));
    }
    std::vector<Dataset> out;
    for (auto &b : blobs) out.push_back(decode_item(std::move(b)));
    return out;
}

size_t SqlCore::update_worklist_patient(const std::string &patient_id, const std::string &issuer,
                                        const Dataset &demographics) {
    if (patient_id.empty()) throw Error(Errc::invalid_argument, "index: empty Patient ID");
    size_t updated = 0;
    write([&](Conn &c, LogLines &) {
        updated = 0;
        std::vector<std::pair<int64_t, std::vector<uint8_t>>> rows;
        {
            std::string sql = "SELECT pk, item FROM worklist WHERE patient_id=? ORDER BY pk";
            if (c.dialect() == Dialect::postgresql) sql += " FOR UPDATE";
            Stmt s(c, sql);
            s.bind(1, patient_id);
            while (s.step()) rows.emplace_back(s.i64(0), s.blob(1));
        }
        for (auto &row : rows) {
            Dataset entry = decode_item(std::move(row.second));
            if (!issuer.empty() && str_of(entry, 0x00100021) != issuer) continue;
            // Performed procedures keep the demographics they were performed with.
            const auto &steps = entry.get_items(kSpsSequence);
            const bool done = !steps.empty() && std::all_of(steps.begin(), steps.end(), [](const Dataset &sps) {
                const std::string st = str_of(sps, kSpsStatus.value);
                return st == "COMPLETED" || st == "DISCONTINUED";
            });
            if (done) continue;
            for (const Element &e : demographics) {
                if (e.tag == tags::SpecificCharacterSet || e.is_sequence()) continue;
                if (e.value.empty()) entry.set(Element(e.tag, e.vr));
                else entry.set_string(e.tag, demographics.get_string(e.tag), e.vr);
            }
            Stmt(c, "UPDATE worklist SET patient_id=?, item=? WHERE pk=?")
                .bind(1, str_of(entry, 0x00100020))
                .bind_blob(2, encode_item(entry))
                .bind(3, row.first)
                .step();
            ++updated;
        }
    });
    return updated;
}

void SqlCore::find_worklist(const Dataset &identifier, const std::function<bool(Dataset &&)> &on_match,
                            const FindOptions &options) {
    CompiledKeys keys = CompiledKeys::compile(identifier, options);
    const Element *sps_key = identifier.find(kSpsSequence);
    const CompiledKeys *sps_match = keys.item_keys(kSpsSequence);
    std::string query_cs = str_of(identifier, tags::SpecificCharacterSet.value);

    std::vector<std::vector<uint8_t>> blobs;
    {
        auto c = acquire();
        Stmt s(*c, "SELECT item FROM worklist ORDER BY pk");
        while (s.step()) blobs.push_back(s.blob(0));
    }
    size_t emitted = 0;
    for (auto &blob : blobs) {
        Dataset entry;
        try {
            entry = decode_item(std::move(blob));
        } catch (const Error &) {
            continue;
        }
        if (!keys.matches(entry)) continue;
        // The entity of the Modality Worklist model is the Scheduled Procedure Step: one response per
        // matching item, its sequence holding that item alone (PS3.4 K.6.1.2).
        std::vector<Dataset> steps;
        const auto &items = entry.get_items(kSpsSequence);
        if (sps_key && !items.empty()) {
            for (const auto &it : items) {
                if (sps_match && !sps_match->matches(it)) continue;
                Dataset one = entry;
                one.set_sequence(kSpsSequence, {it});
                steps.push_back(std::move(one));
            }
        } else {
            steps.push_back(entry);
        }
        for (const auto &step : steps) {
            Dataset response =
                respond(options, query_cs, [&](Dataset &out) { matching::detail::project(step, identifier, &keys, out); });
            if (!on_match(std::move(response))) return;
            if (options.limit && ++emitted >= options.limit) return;
        }
    }
}

size_t SqlCore::set_procedure_step_status(const std::string &sps_id, const std::string &status,
                                          const std::string &requested_procedure_id) {
    if (sps_id.empty()) throw Error(Errc::invalid_argument, "index: empty Scheduled Procedure Step ID");
    if (status.empty() || status.size() > 16 ||
        !std::all_of(status.begin(), status.end(), [](char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == ' ' || ch == '_'; }))
        throw Error(Errc::invalid_argument, "index: '" + status + "' is not a CS value");
    size_t updated = 0;
    write([&](Conn &c, LogLines &) {
        updated = 0;
        std::vector<std::pair<int64_t, std::vector<uint8_t>>> rows;
        {
            std::string sql = "SELECT pk, item FROM worklist WHERE instr('\\' || sps_ids || '\\', ?) > 0";
            if (!requested_procedure_id.empty()) sql += " AND requested_procedure_id=?";
            if (c.dialect() == Dialect::postgresql) sql += " ORDER BY pk FOR UPDATE";
            Stmt s(c, sql);
            s.bind(1, "\\" + sps_id + "\\");
            if (!requested_procedure_id.empty()) s.bind(2, requested_procedure_id);
            while (s.step()) rows.emplace_back(s.i64(0), s.blob(1));
        }
        for (auto &row : rows) {
            Dataset entry = decode_item(std::move(row.second));
            Element *seq = entry.find(kSpsSequence);
            if (!seq) continue;
            size_t n = 0;
            for (auto &it : seq->items) {
                if (str_of(it, kSpsId.value) != sps_id) continue;
                it.set_string(kSpsStatus, status, VR::CS);
                ++n;
            }
            if (!n) continue;
            Stmt(c, "UPDATE worklist SET item=? WHERE pk=?").bind_blob(1, encode_item(entry)).bind(2, row.first).step();
            updated += n;
        }
    });
    return updated;
}

std::vector<std::pair<std::string, Dataset>> SqlCore::export_worklist() {
    std::vector<std::pair<std::string, std::vector<uint8_t>>> rows;
    {
        auto c = acquire();
        Stmt s(*c, "SELECT COALESCE(o.order_key, ''), w.item FROM worklist w "
                   "LEFT JOIN worklist_order o ON o.worklist_pk = w.pk ORDER BY w.pk");
        while (s.step()) rows.emplace_back(s.text(0), s.blob(1));
    }
    std::vector<std::pair<std::string, Dataset>> out;
    for (auto &r : rows) out.emplace_back(std::move(r.first), decode_item(std::move(r.second)));
    return out;
}

IndexStats SqlCore::stats() {
    auto c = acquire();
    Stmt s(*c, "SELECT (SELECT COUNT(*) FROM patient), (SELECT COUNT(*) FROM study), (SELECT COUNT(*) FROM series), "
               "(SELECT COUNT(*) FROM instance), (SELECT COUNT(*) FROM worklist)");
    IndexStats st;
    if (s.step()) {
        st.patients = uint64_t(s.i64(0));
        st.studies = uint64_t(s.i64(1));
        st.series = uint64_t(s.i64(2));
        st.instances = uint64_t(s.i64(3));
        st.worklist_items = uint64_t(s.i64(4));
    }
    return st;
}

}  // namespace dcmkit::archive
