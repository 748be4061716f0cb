#include "library/catalog_schema.h"

#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "sonavec/error.h"

namespace sonavec::catalog_schema {

namespace {

constexpr int64_t application_id = 0x534f4e56;  // "SONV" in the database header: ours, not a foreign file
constexpr int max_value_bytes = 1 << 20;        // the scratch database holds only the schema

// Version 1, as the first catalogs were made. Never edit it: a change is a new step.
constexpr std::string_view version_1_sql = R"(
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE files (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    path             TEXT NOT NULL,
    size_bytes       INTEGER NOT NULL,
    mtime_ns         INTEGER NOT NULL,
    content_hash     TEXT NOT NULL,
    duration_seconds REAL NOT NULL,
    format           TEXT NOT NULL,
    sample_rate      INTEGER NOT NULL,
    channels         INTEGER NOT NULL,
    tags             TEXT NOT NULL,
    status           TEXT NOT NULL,
    error            TEXT NOT NULL,
    model_id         TEXT NOT NULL,
    window_plan      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX files_by_path ON files (path);
CREATE INDEX files_by_content ON files (content_hash);
CREATE TABLE vectors (
    file_id INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    dim     INTEGER NOT NULL,
    vector  BLOB NOT NULL
) STRICT;
CREATE TABLE windows (
    file_id        INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    ordinal        INTEGER NOT NULL,
    start_seconds  REAL NOT NULL,
    length_seconds REAL NOT NULL,
    vector         BLOB NOT NULL,
    PRIMARY KEY (file_id, ordinal)
) STRICT;
)";

constexpr step known_steps[] = {
    // One model's ok rows without a table scan: what search, export and retagging read of a library
    // holding several models' vectors (and the per-model counts of stats, from the index alone).
    {2, "CREATE INDEX files_by_model ON files (model_id, status);"},
    // Zero-shot tags inferred from the stored vectors (sonavec retag): the labels a track carries under
    // each taxonomy, kept apart from the file's own tags (files.tags).
    {3, "CREATE TABLE inferred_tags ("
        " file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,"
        " taxonomy TEXT NOT NULL, label TEXT NOT NULL, probability REAL NOT NULL,"
        " PRIMARY KEY (file_id, taxonomy, label)) STRICT;"
        "CREATE INDEX inferred_tags_by_label ON inferred_tags (taxonomy, label);"},
    // Acoustic descriptors of a track's audio (sonavec/descriptors.h, by library::analyze), valid while
    // content_hash is the file's (they outlive a new model's vectors, not new bytes); NULL loudness and
    // true peak are silence's -infinity; camelot is what --key compares, whatever the key's spelling.
    // Linear probes learned from examples (sonavec learn): a named logistic regression on one model's
    // vectors, applied like a taxonomy into inferred_tags.
    {4, "CREATE TABLE descriptors ("
        " file_id INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE, content_hash TEXT NOT NULL,"
        " bpm REAL NOT NULL, bpm_confidence REAL NOT NULL, key TEXT NOT NULL, camelot TEXT NOT NULL, key_confidence REAL NOT NULL,"
        " loudness_lufs REAL, loudness_range_lu REAL NOT NULL, true_peak_dbtp REAL,"
        " energy REAL NOT NULL, loop INTEGER NOT NULL) STRICT;"
        "CREATE INDEX descriptors_by_bpm ON descriptors (bpm);"
        "CREATE TABLE probes ("
        " name TEXT PRIMARY KEY, model_id TEXT NOT NULL, dim INTEGER NOT NULL, weights BLOB NOT NULL,"
        " bias REAL NOT NULL, threshold REAL NOT NULL, regularization REAL NOT NULL,"
        " cv_accuracy REAL NOT NULL, positives INTEGER NOT NULL, negatives INTEGER NOT NULL) STRICT;"},
    // Chromaprint fingerprints of a track's first 120 s (sonavec/fingerprint.h), for the duplicates
    // scan's tier 2: valid while content_hash is the file's, as descriptors are. hashes is the raw
    // fingerprint as little-endian 32-bit words (empty for a clip too short to have one).
    {5, "CREATE TABLE fingerprints ("
        " file_id INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE, content_hash TEXT NOT NULL,"
        " seconds_per_hash REAL NOT NULL, duration_seconds REAL NOT NULL, hashes BLOB NOT NULL) STRICT;"},
    // The 2D map (library::map): each track's point on its model's map, valid while vector_hash is that
    // of the track's vector (a re-embedded track is placed again); a later map keeps these points.
    {6, "CREATE TABLE map_points ("
        " file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE, model_id TEXT NOT NULL,"
        " vector_hash INTEGER NOT NULL, x REAL NOT NULL, y REAL NOT NULL,"
        " PRIMARY KEY (model_id, file_id)) STRICT;"},
    // What the segments plan keeps of a whole recording besides its windows (fingerprint/recording_print.h):
    // its Chromaprint fingerprint and its level every 0.1 s, for find, recurring and the timeline. Valid
    // while content_hash is the file's. A week of them is 20 MB, over one SQLite value's limit, so each
    // recording is stored in pieces (0, 1, ...) of at most 32,768 hashes and 32,768 levels, in order:
    // little-endian 32-bit words and float32.
    {7, "CREATE TABLE recording_prints ("
        " file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE, content_hash TEXT NOT NULL,"
        " piece INTEGER NOT NULL, seconds_per_hash REAL NOT NULL, seconds_per_level REAL NOT NULL,"
        " duration_seconds REAL NOT NULL, hashes BLOB NOT NULL, levels BLOB NOT NULL,"
        " PRIMARY KEY (file_id, piece)) STRICT;"},
};

using schema_rows = std::set<std::tuple<std::string, std::string, std::string, std::string>>;

schema_rows read_schema(const sqlite_db& db) {
    schema_rows rows;
    sqlite_statement s = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema");
    while (s.step()) {
        std::string name = s.column_text(1);
        if (name.rfind("sqlite_stat", 0) == 0) continue;  // left by ANALYZE: harmless statistics
        rows.emplace(s.column_text(0), std::move(name), s.column_text(2), s.column_text(3));
    }
    return rows;
}

void run_steps(const sqlite_db& db, std::span<const step> steps, int from, int to) {
    for (int v = from; v < to; v++) db.exec(std::string(steps[static_cast<size_t>(v - 1)].sql));
}

// Version `version`'s schema as SQLite itself records it, from a scratch in-memory database.
schema_rows expected_schema(std::span<const step> steps, int version) {
    sqlite_db scratch(":memory:", sqlite_open::create, max_value_bytes);
    scratch.exec(std::string(version_1_sql));
    run_steps(scratch, steps, 1, version);
    return read_schema(scratch);
}

std::string random_hex(size_t bytes) {
    std::random_device rd;
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < bytes; i++) {
        const unsigned v = rd() & 0xff;
        out += digits[v >> 4];
        out += digits[v & 15];
    }
    return out;
}

[[noreturn]] void refuse(const sqlite_db& db, const std::string& why) {
    throw error(error_kind::corrupt_file, db.path().string() + ": not a sonavec catalog (" + why + ")");
}

bool is_empty(const sqlite_db& db) {
    return db.query_int64("PRAGMA application_id") == 0 && db.query_int64("SELECT count(*) FROM sqlite_schema") == 0;
}

void set_version(const sqlite_db& db, int version) {
    db.exec("UPDATE meta SET value = '" + std::to_string(version) + "' WHERE key = 'schema_version'");
}

void create(const sqlite_db& db, std::span<const step> steps) {
    const int current = 1 + static_cast<int>(steps.size());
    db.exec("PRAGMA application_id = " + std::to_string(application_id));
    db.exec(std::string(version_1_sql));
    sqlite_statement meta = db.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)");
    for (const auto& [k, v] : {std::pair<std::string, std::string>{"schema_version", "1"},
                               {"catalog_id", random_hex(8)},
                               {"generation", "0"}}) {
        meta.bind(1, k);
        meta.bind(2, v);
        meta.run();
        meta.reset();
    }
    run_steps(db, steps, 1, current);
    set_version(db, current);
}

// The version db claims, after checking that it is ours and that its schema is that version's.
int checked_version(const sqlite_db& db, std::span<const step> steps) {
    if (db.query_int64("PRAGMA application_id") != application_id) refuse(db, "another program's SQLite database");
    const std::optional<std::string> text =
        db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'meta'").step()
            ? db.query_text("SELECT value FROM meta WHERE key = 'schema_version'")
            : std::nullopt;
    if (!text) refuse(db, "no schema version");
    const int current = 1 + static_cast<int>(steps.size());
    // Digits only, few enough that any of them fits an int: "01", "+2", "2 " or "1e3" is no version.
    const bool numeric = !text->empty() && text->size() <= 9 && (*text)[0] != '0' &&
                         text->find_first_not_of("0123456789") == std::string::npos;
    if (!numeric) refuse(db, "unknown schema version '" + text->substr(0, 40) + "'");
    const int version = std::stoi(*text);
    if (version > current)
        throw error(error_kind::unsupported, db.path().string() + ": made by a newer sonavec (catalog schema " +
                                                 *text + "; this one reads 1 to " + std::to_string(current) +
                                                 "): a later sonavec is needed");
    if (read_schema(db) != expected_schema(steps, version))
        refuse(db, "its tables differ from sonavec's schema " + std::to_string(version));
    if (!db.query_text("SELECT value FROM meta WHERE key = 'catalog_id'") ||
        !db.query_text("SELECT value FROM meta WHERE key = 'generation'"))
        refuse(db, "meta table incomplete");
    return version;
}

}  // namespace

std::span<const step> steps() { return known_steps; }

int current_version() { return 1 + static_cast<int>(std::size(known_steps)); }

int open(const sqlite_db& db, bool may_write, std::span<const step> steps) {
    const int current = 1 + static_cast<int>(steps.size());
    // Read before writing anything: a foreign database is refused untouched.
    if (is_empty(db)) {
        if (!may_write) refuse(db, "an empty database");
        sqlite_transaction t(db);
        if (is_empty(db)) create(db, steps);  // another process may have created it meanwhile
        t.commit();
    }
    int version = checked_version(db, steps);
    while (may_write && version < current) {
        sqlite_transaction t(db);
        version = checked_version(db, steps);  // again under the write lock: another process may have upgraded it
        if (version == current) break;
        try {
            db.exec(std::string(steps[static_cast<size_t>(version - 1)].sql));
            set_version(db, version + 1);
            if (read_schema(db) != expected_schema(steps, version + 1))
                throw error(error_kind::corrupt_file, db.path().string() + ": the step left another schema");
            t.commit();
        } catch (const error& e) {  // the transaction rolls back as this leaves its scope
            throw error(e.kind(), std::string(e.what()) + " (upgrading the catalog from schema " +
                                      std::to_string(version) + " to " + std::to_string(version + 1) +
                                      "; it is left at schema " + std::to_string(version) + ")");
        }
        version++;
    }
    return version;
}

}  // namespace sonavec::catalog_schema
