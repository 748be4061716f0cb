#include "library/catalog.h"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>

#include "library/catalog_row.h"
#include "library/catalog_schema.h"
#include "library/print_pieces.h"
#include "library/segment_codes.h"
#include "library/sqlite_db.h"
#include "sonavec/error.h"
#include "util/text_case.h"
#include "util/utf8.h"

namespace sonavec {

namespace {

// Vectors are stored as the machine's float32 bytes; every machine sonavec targets is little-endian.
static_assert(std::endian::native == std::endian::little, "catalog BLOBs are little-endian float32");

constexpr int max_value_bytes = 16 << 20;  // no path, tag set or vector sonavec writes comes close

constexpr const char* file_columns =
    "f.id, f.path, f.size_bytes, f.mtime_ns, f.content_hash, f.duration_seconds, f.format, f.sample_rate, "
    "f.channels, f.tags, f.status, f.error, f.model_id, f.window_plan";

std::string tags_json(const std::map<std::string, std::string>& tags) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : tags) j[k] = v;
    // Tags come from files and need not be valid UTF-8; store what can be shown rather than fail.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void check_vector(const std::vector<float>& v, size_t dim, const std::string& what) {
    if (v.size() != dim)
        throw error(error_kind::invalid_input, what + " has " + std::to_string(v.size()) + " floats, expected " + std::to_string(dim));
    for (float x : v)
        if (!std::isfinite(x)) throw error(error_kind::invalid_input, what + " holds a non-finite value");
}

void check_for_put(const catalog_entry& e) {
    const std::string what = "catalog entry '" + e.path + "'";
    if (e.path.empty()) throw error(error_kind::invalid_input, "catalog entry without a path");
    if (e.size_bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw error(error_kind::invalid_input, what + ": size out of range");
    if (e.status == entry_status::failed) {
        if (!e.vector.empty() || !e.windows.empty()) throw error(error_kind::invalid_input, what + ": a failed entry has no vectors");
        return;
    }
    if (e.vector.empty() || static_cast<int64_t>(e.vector.size()) > catalog_max_dim)
        throw error(error_kind::invalid_input, what + ": vector of " + std::to_string(e.vector.size()) + " floats");
    check_vector(e.vector, e.vector.size(), what + ": vector");
    for (const auto& w : e.windows) check_vector(w.vector, e.vector.size(), what + ": window vector");
}

}  // namespace

std::string entry_status_name(entry_status status) { return status == entry_status::ok ? "ok" : "failed"; }

std::filesystem::path catalog::default_library_dir() {
    const char* data = std::getenv("XDG_DATA_HOME");
    if (data && data[0] == '/') return std::filesystem::path(data) / "sonavec" / "library";
    const char* home = std::getenv("HOME");
    if (!home || !home[0]) throw error(error_kind::invalid_input, "neither XDG_DATA_HOME nor HOME is set: give the library with --library PATH");
    return std::filesystem::path(home) / ".local" / "share" / "sonavec" / "library";
}

struct catalog::impl {
    std::filesystem::path dir;
    sqlite_db db;
    catalog_row_decoder decode{db.path().string()};
    std::mutex mutex;  // one connection: its statements run one at a time
    int schema_version = 0;
    sqlite_statement upsert_file, delete_vector, delete_windows, insert_vector, insert_window, bump_generation,
        select_by_path, select_by_id, select_windows, delete_file, delete_inferred, select_inferred,
        select_descriptors, copy_descriptors, copy_fingerprint;

    impl(const std::filesystem::path& d, sqlite_open how) : dir(d), db(d / "catalog.sqlite", how, max_value_bytes) {
        schema_version = catalog_schema::open(db, how != sqlite_open::read_only);
        db.add_fnmatch_function();  // the --path filter
        // WAL: readers (search) run while an index run writes, and a commit is one append. NORMAL
        // syncs at checkpoints only: a killed process loses nothing committed, and a power cut can
        // lose only the last commits, never consistency (an index run then redoes those files).
        // A reader leaves the file's journal mode as the writer set it.
        if (how != sqlite_open::read_only) {
            if (db.query_text("PRAGMA journal_mode = WAL").value_or("") != "wal")
                throw error(error_kind::unsupported, db.path().string() + ": cannot use write-ahead logging on this file system");
            db.exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
        }
        prepare_statements();
    }

    void prepare_statements() {
        upsert_file = db.prepare(
            "INSERT INTO files (path, size_bytes, mtime_ns, content_hash, duration_seconds, format, sample_rate, "
            "channels, tags, status, error, model_id, window_plan) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
            "ON CONFLICT (path) DO UPDATE SET size_bytes = excluded.size_bytes, mtime_ns = excluded.mtime_ns, "
            "content_hash = excluded.content_hash, duration_seconds = excluded.duration_seconds, "
            "format = excluded.format, sample_rate = excluded.sample_rate, channels = excluded.channels, "
            "tags = excluded.tags, status = excluded.status, error = excluded.error, model_id = excluded.model_id, "
            "window_plan = excluded.window_plan "
            "RETURNING id");
        delete_vector = db.prepare("DELETE FROM vectors WHERE file_id = ?1");
        delete_windows = db.prepare("DELETE FROM windows WHERE file_id = ?1");
        if (schema_version >= 3) {
            delete_inferred = db.prepare("DELETE FROM inferred_tags WHERE file_id = ?1");
            select_inferred = db.prepare(
                "SELECT taxonomy, label, probability FROM inferred_tags WHERE file_id = ?1 ORDER BY taxonomy, probability DESC");
        }
        if (schema_version >= 4)
            select_descriptors = db.prepare(
                "SELECT d.bpm, d.bpm_confidence, d.key, d.camelot, d.key_confidence, d.loudness_lufs, "
                "d.loudness_range_lu, d.true_peak_dbtp, d.energy, d.loop FROM descriptors d "
                "JOIN files f ON f.id = d.file_id WHERE d.file_id = ?1 AND d.content_hash = f.content_hash");
        if (schema_version >= 4)
            copy_descriptors = db.prepare(
                "INSERT OR REPLACE INTO descriptors SELECT ?1, content_hash, bpm, bpm_confidence, key, camelot, "
                "key_confidence, loudness_lufs, loudness_range_lu, true_peak_dbtp, energy, loop FROM descriptors "
                "WHERE content_hash = ?2 AND file_id != ?1 LIMIT 1");
        if (schema_version >= 5)
            copy_fingerprint = db.prepare(
                "INSERT OR REPLACE INTO fingerprints SELECT ?1, content_hash, seconds_per_hash, duration_seconds, hashes "
                "FROM fingerprints WHERE content_hash = ?2 AND file_id != ?1 LIMIT 1");
        delete_file = db.prepare("DELETE FROM files WHERE id = ?1");
        insert_vector = db.prepare("INSERT INTO vectors (file_id, dim, vector) VALUES (?1, ?2, ?3)");
        insert_window = db.prepare(
            "INSERT INTO windows (file_id, ordinal, start_seconds, length_seconds, vector) "
            "VALUES (?1, ?2, ?3, ?4, ?5)");
        bump_generation =
            db.prepare("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'");
        const std::string select = std::string("SELECT ") + file_columns +
                                   ", v.dim, v.vector FROM files f LEFT JOIN vectors v ON v.file_id = f.id ";
        select_by_path = db.prepare(select + "WHERE f.path = ?1");
        select_by_id = db.prepare(select + "WHERE f.id = ?1");
        select_windows =
            db.prepare("SELECT start_seconds, length_seconds, vector FROM windows WHERE file_id = ?1 ORDER BY ordinal");
    }

    catalog_file_state read_file_state(const sqlite_statement& s) const;

    static catalog_blob read_blob(const sqlite_statement& s, int col) {
        catalog_blob blob;
        blob.data = s.column_blob(col, blob.size);
        return blob;
    }

    // A row of `SELECT file_columns, v.dim, v.vector` (the last two only with vectors), checked.
    catalog_entry read_entry(const sqlite_statement& s, bool with_vectors) {
        catalog_row row;
        row.id = s.column_int64(0);
        row.path = s.column_text(1);
        row.size_bytes = s.column_int64(2);
        row.mtime_ns = s.column_int64(3);
        row.content_hash = s.column_text(4);
        row.duration_seconds = s.column_double(5);
        row.format = s.column_text(6);
        row.sample_rate = s.column_int64(7);
        row.channels = s.column_int64(8);
        row.tags = s.column_text(9);
        row.status = s.column_text(10);
        row.error = s.column_text(11);
        row.model_id = s.column_text(12);
        row.window_plan = s.column_text(13);
        catalog_entry e = decode.entry(row);
        if (!with_vectors) return e;

        const int64_t dim = decode.vector(e, !s.column_is_null(14), s.column_int64(14), read_blob(s, 15));
        if (dim == 0) return e;
        const sqlite_reset done(select_windows);
        select_windows.bind(1, e.id);
        while (select_windows.step())
            e.windows.push_back(decode.window(select_windows.column_double(0), select_windows.column_double(1),
                                              read_blob(select_windows, 2), dim, e.path, e.vector.data()));
        return e;
    }

    std::optional<catalog_entry> find_one(sqlite_statement& s, bool with_vectors) {
        const sqlite_reset done(s);
        if (!s.step()) return std::nullopt;
        catalog_entry e = read_entry(s, with_vectors);
        read_derived(e);
        return e;
    }

    // What was computed from the row's vectors and audio: inferred tags and descriptors.
    void read_derived(catalog_entry& e) {
        e.inferred = read_inferred(e.id);
        e.descriptors = read_descriptors(e.id, e.path);
    }

    // Inside a transaction.
    int64_t put_row(const catalog_entry& e) {
        check_for_put(e);
        upsert_file.bind(1, e.path);
        upsert_file.bind(2, static_cast<int64_t>(e.size_bytes));
        upsert_file.bind(3, e.mtime_ns);
        upsert_file.bind(4, e.content_hash);
        upsert_file.bind(5, e.duration_seconds);
        upsert_file.bind(6, e.format);
        upsert_file.bind(7, static_cast<int64_t>(e.sample_rate));
        upsert_file.bind(8, static_cast<int64_t>(e.channels));
        upsert_file.bind(9, tags_json(e.tags));
        upsert_file.bind(10, entry_status_name(e.status));
        upsert_file.bind(11, e.error);
        upsert_file.bind(12, e.model_id);
        upsert_file.bind(13, e.window_plan);
        int64_t id = 0;
        {
            const sqlite_reset done(upsert_file);
            if (!upsert_file.step()) db.fail(1, "inserting '" + e.path + "' returned no id");
            id = upsert_file.column_int64(0);
        }
        drop_vectors(id);
        // Descriptors and fingerprints belong to bytes: a moved or copied file gets those of another row
        // with its bytes.
        for (sqlite_statement* copy : {&copy_descriptors, &copy_fingerprint}) {
            if (!*copy || e.content_hash.empty()) continue;
            copy->bind(1, id);
            copy->bind(2, e.content_hash);
            copy->run();
            copy->reset();
        }
        if (e.status == entry_status::ok) {
            insert_vector.bind(1, id);
            insert_vector.bind(2, static_cast<int64_t>(e.vector.size()));
            insert_vector.bind_blob(3, e.vector.data(), e.vector.size() * sizeof(float));
            insert_vector.run();
            insert_vector.reset();
            // A long recording's segments are kept in compact form (segment_codes.h), others as float32.
            const bool compact = is_segments_plan(e.window_plan);
            std::vector<unsigned char> code;
            for (size_t i = 0; i < e.windows.size(); i++) {
                const catalog_window& w = e.windows[i];
                insert_window.bind(1, id);
                insert_window.bind(2, static_cast<int64_t>(i));
                insert_window.bind(3, w.start_seconds);
                insert_window.bind(4, w.length_seconds);
                if (compact) {
                    code = int8_code_blob(w.vector.data(), e.vector.data(), static_cast<int64_t>(w.vector.size()));
                    insert_window.bind_blob(5, code.data(), code.size());
                } else {
                    insert_window.bind_blob(5, w.vector.data(), w.vector.size() * sizeof(float));
                }
                insert_window.run();
                insert_window.reset();
            }
        }
        return id;
    }

    // A new vector makes the tags inferred from the old one stale: they go with it.
    void drop_vectors(int64_t id) {
        for (sqlite_statement* s : {&delete_vector, &delete_windows, &delete_inferred}) {
            if (!*s) continue;  // a catalog read before schema 3 has no inferred tags
            s->bind(1, id);
            s->run();
            s->reset();
        }
    }

    std::vector<inferred_tag> read_inferred(int64_t id) {
        std::vector<inferred_tag> out;
        if (!select_inferred) return out;
        const sqlite_reset done(select_inferred);
        select_inferred.bind(1, id);
        while (select_inferred.step())
            out.push_back({select_inferred.column_text(0), select_inferred.column_text(1), select_inferred.column_double(2)});
        return out;
    }

    // The row's descriptors for its current bytes, checked: a damaged or hostile file's values are refused.
    std::optional<track_descriptors> read_descriptors(int64_t id, const std::string& path) {
        if (!select_descriptors) return std::nullopt;
        const sqlite_reset done(select_descriptors);
        select_descriptors.bind(1, id);
        if (!select_descriptors.step()) return std::nullopt;
        const sqlite_statement& s = select_descriptors;
        track_descriptors d;
        d.bpm = s.column_double(0);
        d.bpm_confidence = s.column_double(1);
        d.key = s.column_text(2);
        d.camelot = s.column_text(3);
        d.key_confidence = s.column_double(4);
        // NULL is silence's -infinity (SQLite keeps no infinities through every path).
        const double minus_inf = -std::numeric_limits<double>::infinity();
        d.loudness_lufs = s.column_is_null(5) ? minus_inf : s.column_double(5);
        d.loudness_range_lu = s.column_double(6);
        d.true_peak_dbtp = s.column_is_null(7) ? minus_inf : s.column_double(7);
        d.energy = s.column_double(8);
        const int64_t loop = s.column_int64(9);
        const auto unit = [](double x) { return x >= 0 && x <= 1; };
        // Levels a real signal can have (dBFS-relative: nothing above +30, silence as -infinity).
        const auto level = [](double x) { return x == -std::numeric_limits<double>::infinity() || (x >= -200 && x <= 30); };
        // A key is one the detector names, with its own code; no key has no code.
        const bool key_ok = d.key.empty() ? d.camelot.empty() : !d.camelot.empty() && camelot_notation(d.key) == d.camelot;
        if (!(d.bpm >= 0 && d.bpm <= 1000) || !unit(d.bpm_confidence) || !unit(d.key_confidence) || !unit(d.energy) ||
            !level(d.loudness_lufs) || !level(d.true_peak_dbtp) || !(d.loudness_range_lu >= 0 && d.loudness_range_lu <= 200) ||
            (loop != 0 && loop != 1) || !key_ok)
            decode.bad_row(path, "descriptors out of range");
        d.loop = loop == 1;
        return d;
    }

    void remove_row(int64_t id) {
        drop_vectors(id);
        delete_file.bind(1, id);
        delete_file.run();
        delete_file.reset();
    }

    void bump() {
        bump_generation.run();
        bump_generation.reset();
    }
};

catalog::catalog(const std::filesystem::path& library_dir, catalog_open how) {
    const std::filesystem::path file = library_dir / "catalog.sqlite";
    std::error_code ec;
    if (how != catalog_open::create_if_missing && !std::filesystem::exists(file, ec))
        throw error(error_kind::not_found, "no library at " + library_dir.string() + " (sonavec index DIR creates one)");
    if (how == catalog_open::read_only) {
        impl_ = std::make_unique<impl>(library_dir, sqlite_open::read_only);
        return;
    }
    std::filesystem::create_directories(library_dir, ec);
    if (ec) throw error(error_kind::io, library_dir.string() + ": cannot create the library folder: " + ec.message());
    impl_ = std::make_unique<impl>(library_dir, how == catalog_open::create_if_missing ? sqlite_open::create
                                                                                      : sqlite_open::read_write);
}

catalog::~catalog() = default;
catalog::catalog(catalog&&) noexcept = default;
catalog& catalog::operator=(catalog&&) noexcept = default;

const std::filesystem::path& catalog::dir() const { return impl_->dir; }
std::filesystem::path catalog::file() const { return impl_->db.path(); }
int catalog::schema_version() const { return impl_->schema_version; }

uint64_t catalog::disk_bytes() const {
    uint64_t total = 0;
    for (const std::string suffix : {"", "-wal"}) {
        std::error_code ec;
        const uintmax_t n = std::filesystem::file_size(file().string() + suffix, ec);
        if (!ec) total += n;
    }
    return total;
}

std::optional<catalog_entry> catalog::find(const std::string& path, bool with_vectors) const {
    std::lock_guard lock(impl_->mutex);
    impl_->select_by_path.bind(1, path);
    return impl_->find_one(impl_->select_by_path, with_vectors);
}

std::optional<catalog_entry> catalog::find(int64_t id, bool with_vectors) const {
    std::lock_guard lock(impl_->mutex);
    impl_->select_by_id.bind(1, id);
    return impl_->find_one(impl_->select_by_id, with_vectors);
}

std::optional<catalog_entry> catalog::find_by_content(const std::string& content_hash, const std::string& model_id,
                                                      const std::string& window_plan, bool need_windows) const {
    if (content_hash.empty()) return std::nullopt;
    std::lock_guard lock(impl_->mutex);
    sqlite_statement s = impl_->db.prepare(
        std::string("SELECT ") + file_columns +
        ", v.dim, v.vector FROM files f JOIN vectors v ON v.file_id = f.id WHERE f.content_hash = ?1 AND "
        "f.status = 'ok' AND f.model_id = ?2 AND f.window_plan = ?3 AND "
        "(?4 = 0 OR EXISTS (SELECT 1 FROM windows w WHERE w.file_id = f.id)) ORDER BY f.id LIMIT 1");
    s.bind(1, content_hash);
    s.bind(2, model_id);
    s.bind(3, window_plan);
    s.bind(4, int64_t{need_windows});
    return impl_->find_one(s, true);
}

int64_t catalog::put(const catalog_entry& entry) {
    std::lock_guard lock(impl_->mutex);
    sqlite_transaction t(impl_->db);
    const int64_t id = impl_->put_row(entry);
    impl_->bump();
    t.commit();
    return id;
}

void catalog::put_many(const std::vector<catalog_entry>& entries) {
    if (entries.empty()) return;
    std::lock_guard lock(impl_->mutex);
    sqlite_transaction t(impl_->db);
    for (const auto& e : entries) impl_->put_row(e);
    impl_->bump();
    t.commit();
}

void catalog::remove(int64_t id) { remove_many({id}); }

void catalog::remove_many(const std::vector<int64_t>& ids) {
    if (ids.empty()) return;
    std::lock_guard lock(impl_->mutex);
    sqlite_transaction t(impl_->db);
    for (int64_t id : ids) impl_->remove_row(id);
    impl_->bump();
    t.commit();
}

std::vector<catalog_entry> catalog::entries(bool with_vectors) const {
    std::lock_guard lock(impl_->mutex);
    sqlite_statement s = impl_->db.prepare(
        std::string("SELECT ") + file_columns +
        (with_vectors ? ", v.dim, v.vector FROM files f LEFT JOIN vectors v ON v.file_id = f.id" : " FROM files f") +
        " ORDER BY f.id");
    std::vector<catalog_entry> out;
    while (s.step()) out.push_back(impl_->read_entry(s, with_vectors));
    for (catalog_entry& e : out) impl_->read_derived(e);
    return out;
}

namespace {

// [low, high) holds exactly the paths inside folder root: "/a/b/" <= p < "/a/b0" ('0' follows '/').
std::pair<std::string, std::string> folder_range(const std::string& root) {
    std::string low = root;
    if (low.empty() || low.back() != '/') low += '/';
    std::string high = low;
    high.back() = '0';
    return {low, high};
}

}  // namespace

std::vector<std::string> catalog::paths_under(const std::string& root) const {
    std::vector<std::string> out;
    for (auto& s : file_states_under(root)) out.push_back(std::move(s.path));
    return out;
}

namespace {

constexpr const char* file_state_query =
    "SELECT f.id, f.path, f.size_bytes, f.mtime_ns, f.status, f.error, f.model_id, f.window_plan, "
    "EXISTS (SELECT 1 FROM windows w WHERE w.file_id = f.id) FROM files f ";

}  // namespace

catalog_file_state catalog::impl::read_file_state(const sqlite_statement& s) const {
    catalog_file_state st;
    st.id = s.column_int64(0);
    st.path = s.column_text(1);
    st.size_bytes = decode.size(s.column_int64(2), st.path);
    st.mtime_ns = s.column_int64(3);
    st.status = decode.status(s.column_text(4), st.path);
    st.error = s.column_text(5);
    st.model_id = s.column_text(6);
    st.window_plan = s.column_text(7);
    st.has_windows = s.column_int64(8) != 0;
    return st;
}

std::vector<catalog_file_state> catalog::file_states_under(const std::string& root) const {
    const auto [low, high] = folder_range(root);
    std::lock_guard lock(impl_->mutex);
    sqlite_statement s =
        impl_->db.prepare(std::string(file_state_query) + "WHERE f.path >= ?1 AND f.path < ?2 ORDER BY f.path");
    s.bind(1, low);
    s.bind(2, high);
    std::vector<catalog_file_state> out;
    while (s.step()) out.push_back(impl_->read_file_state(s));
    return out;
}

std::optional<catalog_file_state> catalog::file_state(const std::string& path) const {
    std::lock_guard lock(impl_->mutex);
    sqlite_statement s = impl_->db.prepare(std::string(file_state_query) + "WHERE f.path = ?1");
    s.bind(1, path);
    if (!s.step()) return std::nullopt;
    return impl_->read_file_state(s);
}

catalog_vectors catalog::vectors(const std::optional<std::string>& model_id) const {
    std::lock_guard lock(impl_->mutex);
    // Two statements rather than "(?2 = 0 OR model_id = ?1)", which SQLite cannot answer from files_by_model.
    sqlite_statement s = impl_->db.prepare(
        std::string("SELECT f.id, f.path, v.dim, v.vector FROM files f JOIN vectors v ON v.file_id = f.id "
                    "WHERE f.status = 'ok'") +
        (model_id ? " AND f.model_id = ?1" : "") + " ORDER BY f.id");
    if (model_id) s.bind(1, *model_id);
    catalog_vectors out;
    while (s.step()) {
        const int64_t dim = s.column_int64(2);
        const catalog_blob blob = impl::read_blob(s, 3);
        // Straight into the matrix (a library's vectors are hundreds of MB): the path is read, and the
        // row decoded the slow way, only to name a damaged row.
        if (dim < 1 || dim > catalog_max_dim || blob.size != static_cast<size_t>(dim) * sizeof(float)) {
            impl_->decode.floats(blob, impl_->decode.dim(dim, s.column_text(1)), s.column_text(1));
        }
        if (out.dim == 0) {
            out.dim = dim;
            // One allocation: the matrix would otherwise be copied each time it grows.
            sqlite_statement count = impl_->db.prepare(std::string("SELECT count(*) FROM files WHERE status = 'ok'") +
                                                       (model_id ? " AND model_id = ?1" : ""));
            if (model_id) count.bind(1, *model_id);
            const int64_t rows = count.step() ? count.column_int64(0) : 0;
            out.data.reserve(static_cast<size_t>(std::max<int64_t>(rows, 1)) * static_cast<size_t>(dim));
            out.ids.reserve(static_cast<size_t>(std::max<int64_t>(rows, 1)));
        }
        if (dim != out.dim)
            throw error(error_kind::invalid_input, file().string() + ": vectors of " + std::to_string(out.dim) + " and " + std::to_string(dim) +
                        " floats: the library holds several models' vectors (choose one)");
        const size_t at = out.data.size();
        out.data.resize(at + static_cast<size_t>(dim));
        std::memcpy(out.data.data() + at, blob.data, blob.size);
        for (size_t i = at; i < out.data.size(); i++)
            if (!std::isfinite(out.data[i])) impl_->decode.floats(blob, dim, s.column_text(1));  // throws, naming it
        out.ids.push_back(s.column_int64(0));
    }
    return out;
}

std::map<std::string, int64_t> catalog::models() const {
    std::lock_guard lock(impl_->mutex);
    std::map<std::string, int64_t> out;
    sqlite_statement models = impl_->db.prepare("SELECT model_id, count(*) FROM files WHERE status = 'ok' GROUP BY model_id");
    while (models.step()) out[models.column_text(0)] = models.column_int64(1);
    return out;
}

catalog::segment_rows catalog::segment_windows(const std::string& model_id, const std::string& path_glob) const {
    std::lock_guard lock(impl_->mutex);
    segment_rows out;
    // The recordings first, then each one's windows in its primary key's order: one query over all the
    // windows ordered by file would sort every row (and its recording's vector) in a temporary B-tree,
    // 10 s for 1,000 hours.
    sqlite_statement files = impl_->db.prepare(
        "SELECT f.id, f.path, v.dim, v.vector FROM files f JOIN vectors v ON v.file_id = f.id "
        "WHERE f.status = 'ok' AND f.model_id = ?1 AND (f.window_plan = 'segments' OR f.window_plan LIKE 'segments %') "
        "AND (?2 = '' OR fnmatch(?2, f.path)) ORDER BY f.id");
    files.bind(1, model_id);
    files.bind(2, path_glob);
    sqlite_statement windows = impl_->db.prepare(
        "SELECT start_seconds, length_seconds, vector FROM windows WHERE file_id = ?1 ORDER BY ordinal");
    while (files.step()) {
        const std::string path = files.column_text(1);
        const auto damaged = [&](const std::string& what) {
            return error(error_kind::corrupt_file, impl_->db.path().string() + ": damaged: " + what + " of '" + path + "'");
        };
        const int64_t id = files.column_int64(0);
        const int64_t dim = files.column_int64(2);
        if (dim < 1 || dim > catalog_max_dim || (out.dim != 0 && dim != out.dim)) throw damaged("the segments' size");
        size_t bytes = 0;
        const void* centre = files.column_blob(3, bytes);
        if (bytes != static_cast<size_t>(dim) * sizeof(float)) throw damaged("the track vector");
        const size_t at = out.centres.size();
        std::vector<float> vector(static_cast<size_t>(dim));
        std::memcpy(vector.data(), centre, bytes);
        for (float x : vector)
            if (!std::isfinite(x)) throw damaged("the track vector");
        windows.reset();
        windows.bind(1, id);
        bool any = false;
        while (windows.step()) {
            if (!any) {  // a recording without windows adds no centre
                out.dim = dim;
                out.centres.insert(out.centres.end(), vector.begin(), vector.end());
                any = true;
            }
            const double start = windows.column_double(0), length = windows.column_double(1);
            size_t code_bytes = 0;
            const void* blob = windows.column_blob(2, code_bytes);
            float scale = -1;
            if (code_bytes == int8_code_bytes(dim)) std::memcpy(&scale, blob, sizeof scale);
            if (!(std::isfinite(start) && start >= 0 && std::isfinite(length) && length > 0) || !std::isfinite(scale) ||
                scale < 0)
                throw damaged("a segment window");
            out.file_ids.push_back(id);
            out.file_index.push_back(static_cast<uint32_t>(at / static_cast<size_t>(dim)));
            out.starts.push_back(start);
            out.lengths.push_back(static_cast<float>(length));
            out.scales.push_back(scale);
            const auto* codes = static_cast<const int8_t*>(blob) + sizeof(float);
            out.codes.insert(out.codes.end(), codes, codes + dim);
        }
    }
    return out;
}

catalog_stats catalog::stats(size_t max_failures) const {
    std::lock_guard lock(impl_->mutex);
    const sqlite_db& db = impl_->db;
    catalog_stats st;
    st.files = db.query_int64("SELECT count(*) FROM files");
    st.ok = db.query_int64("SELECT count(*) FROM files WHERE status = 'ok'");
    st.failed = db.query_int64("SELECT count(*) FROM files WHERE status = 'failed'");
    if (st.ok + st.failed != st.files) throw error(error_kind::corrupt_file, db.path().string() + ": damaged: rows with an unknown status");
    st.windows = db.query_int64("SELECT count(*) FROM windows");
    if (impl_->schema_version >= 4)
        st.analysed = db.query_int64(
            "SELECT count(*) FROM descriptors d JOIN files f ON f.id = d.file_id AND d.content_hash = f.content_hash");
    if (impl_->schema_version >= 5)
        st.fingerprinted = db.query_int64(
            "SELECT count(*) FROM fingerprints p JOIN files f ON f.id = p.file_id AND p.content_hash = f.content_hash");
    if (impl_->schema_version >= 3) {
        sqlite_statement tagged = db.prepare("SELECT taxonomy, count(DISTINCT file_id) FROM inferred_tags GROUP BY taxonomy");
        while (tagged.step()) st.by_taxonomy[tagged.column_text(0)] = tagged.column_int64(1);
    }
    sqlite_statement models = db.prepare("SELECT model_id, count(*) FROM files WHERE status = 'ok' GROUP BY model_id");
    while (models.step()) st.by_model[models.column_text(0)] = models.column_int64(1);
    sqlite_statement formats = db.prepare("SELECT format, count(*) FROM files WHERE format != '' GROUP BY format");
    while (formats.step()) st.by_format[formats.column_text(0)] = formats.column_int64(1);
    sqlite_statement failures =
        db.prepare("SELECT path, error FROM files WHERE status = 'failed' ORDER BY path LIMIT ?1");
    failures.bind(1, static_cast<int64_t>(std::min<size_t>(max_failures, std::numeric_limits<int64_t>::max())));
    while (failures.step()) st.failures.emplace_back(failures.column_text(0), failures.column_text(1));
    return st;
}

std::string catalog::fingerprint() const {
    std::lock_guard lock(impl_->mutex);
    const sqlite_db& db = impl_->db;
    // Read in one statement so that a concurrent writer cannot slip between the two values.
    sqlite_statement s = db.prepare(
        "SELECT (SELECT value FROM meta WHERE key = 'catalog_id'), (SELECT value FROM meta WHERE key = 'generation')");
    if (!s.step()) db.fail(1, "cannot read the catalog's generation");
    return s.column_text(0) + "-" + s.column_text(1);
}

void catalog::vacuum() {
    std::lock_guard lock(impl_->mutex);
    impl_->db.exec("VACUUM");
    // VACUUM in WAL mode writes the whole database to the log: copy it back and truncate the log.
    impl_->db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

void catalog::put_inferred_tags(const std::string& taxonomy,
                                const std::vector<std::pair<int64_t, std::vector<inferred_tag>>>& tags) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 3)
        throw error(error_kind::invalid_input, impl_->db.path().string() + ": opened read-only at an older schema");
    sqlite_transaction t(impl_->db);
    sqlite_statement drop = impl_->db.prepare("DELETE FROM inferred_tags WHERE file_id = ?1 AND taxonomy = ?2");
    sqlite_statement add = impl_->db.prepare(
        "INSERT OR REPLACE INTO inferred_tags (file_id, taxonomy, label, probability) VALUES (?1, ?2, ?3, ?4)");
    for (const auto& [id, list] : tags) {
        drop.bind(1, id);
        drop.bind(2, taxonomy);
        drop.run();
        drop.reset();
        for (const inferred_tag& g : list) {
            add.bind(1, id);
            add.bind(2, taxonomy);
            add.bind(3, g.label);
            add.bind(4, g.probability);
            add.run();
            add.reset();
        }
    }
    t.commit();
}

std::vector<int64_t> catalog::matching_ids(const search_filter& filter, const std::string& model_id) const {
    std::lock_guard lock(impl_->mutex);
    // FFmpeg names some containers by a list ("mov,mp4,m4a,3gp,3g2,mj2"): any of its names matches.
    // The file is outside data: tags that are not JSON match no tag filter (CASE fixes the order, so
    // json_each never sees malformed text). Durations need no such guard: the schema, checked at open,
    // is STRICT, so they are numbers.
    // Each inferred (taxonomy, label) required: parameters ?8 on, two per pair; then the descriptors'.
    std::string inferred_sql;
    if (!filter.inferred.empty() && impl_->schema_version < 3) return {};  // no tags inferred yet
    const bool by_descriptors = filter.min_bpm || filter.max_bpm || !filter.key.empty();
    if (by_descriptors && impl_->schema_version < 4) return {};  // nothing analysed yet
    const std::string camelot = filter.key.empty() ? std::string() : key_camelot(filter.key);
    for (size_t i = 0; i < filter.inferred.size(); i++) {
        // (appended, not "?" + to_string: GCC 12 warns falsely of -Wrestrict on that)
        std::string t("?"), l("?");
        t.append(std::to_string(8 + 2 * i));
        l.append(std::to_string(9 + 2 * i));
        inferred_sql += " AND EXISTS (SELECT 1 FROM inferred_tags g WHERE g.file_id = f.id AND lower(g.taxonomy) = " + t +
                        " AND (lower(g.label) = " + l + " OR substr(lower(g.label), -length(" + l + ") - 1) = '/' || " + l + "))";
    }
    const int d0 = 8 + 2 * static_cast<int>(filter.inferred.size());
    if (by_descriptors) {
        std::string lo("?"), hi("?"), k("?");
        lo.append(std::to_string(d0));
        hi.append(std::to_string(d0 + 1));
        k.append(std::to_string(d0 + 2));
        inferred_sql += " AND EXISTS (SELECT 1 FROM descriptors d WHERE d.file_id = f.id AND d.content_hash = f.content_hash"
                        // A track without a beat (bpm 0) has no tempo to be in a range.
                        " AND ((" + lo + " IS NULL AND " + hi + " IS NULL) OR d.bpm > 0)"
                        " AND (" + lo + " IS NULL OR d.bpm >= " + lo + ") AND (" + hi + " IS NULL OR d.bpm <= " + hi +
                        ") AND (" + k + " = '' OR d.camelot = " + k + "))";
    }
    sqlite_statement s = impl_->db.prepare(
        std::string("SELECT f.id FROM files f WHERE f.status = 'ok' AND f.model_id = ?1")+
        " AND (?2 IS NULL OR f.duration_seconds >= ?2) AND (?3 IS NULL OR f.duration_seconds <= ?3)"
        " AND (?4 = '' OR instr(',' || lower(f.format) || ',', ',' || ?4 || ',') > 0)"
        " AND (?5 = '' OR fnmatch(?5, f.path))"
        " AND (?6 = '' OR CASE WHEN json_valid(f.tags) THEN"
        "   EXISTS (SELECT 1 FROM json_each(f.tags) t WHERE t.key = ?6 AND instr(lower(t.value), ?7) > 0) ELSE 0 END)" +
        inferred_sql + " ORDER BY f.id");
    s.bind(1, model_id);
    if (filter.min_seconds) s.bind(2, *filter.min_seconds);
    else s.bind_null(2);
    if (filter.max_seconds) s.bind(3, *filter.max_seconds);
    else s.bind_null(3);
    s.bind(4, filter.format);
    s.bind(5, filter.path_glob);
    s.bind(6, filter.tag_key);
    s.bind(7, filter.tag_value);
    for (size_t i = 0; i < filter.inferred.size(); i++) {
        s.bind(static_cast<int>(8 + 2 * i), ascii_lower(filter.inferred[i].first));
        s.bind(static_cast<int>(9 + 2 * i), ascii_lower(filter.inferred[i].second));
    }
    if (by_descriptors) {
        if (filter.min_bpm) s.bind(d0, *filter.min_bpm);
        else s.bind_null(d0);
        if (filter.max_bpm) s.bind(d0 + 1, *filter.max_bpm);
        else s.bind_null(d0 + 1);
        s.bind(d0 + 2, camelot);
    }
    std::vector<int64_t> ids;
    while (s.step()) ids.push_back(s.column_int64(0));
    return ids;
}

std::vector<analysis_target> catalog::analysis_targets(derived what) const {
    std::lock_guard lock(impl_->mutex);
    const bool prints = what == derived::recording_prints;
    const std::string table = prints ? "recording_prints" : what == derived::fingerprints ? "fingerprints" : "descriptors";
    const int since = prints ? 7 : what == derived::fingerprints ? 5 : 4;
    sqlite_statement s = impl_->db.prepare(
        std::string("SELECT f.id, f.path, f.content_hash, f.size_bytes, f.mtime_ns, ") +
        (impl_->schema_version >= since
             ? "EXISTS (SELECT 1 FROM " + table + " d WHERE d.file_id = f.id AND d.content_hash = f.content_hash)"
             : std::string("0")) +
        " FROM files f WHERE f.status = 'ok' AND f.content_hash != ''" +
        (prints ? " AND (f.window_plan = 'segments' OR f.window_plan LIKE 'segments %')" : "") + " ORDER BY f.path");
    std::vector<analysis_target> out;
    while (s.step()) {
        analysis_target t;
        t.id = s.column_int64(0);
        t.path = s.column_text(1);
        t.content_hash = s.column_text(2);
        t.size_bytes = impl_->decode.size(s.column_int64(3), t.path);
        t.mtime_ns = s.column_int64(4);
        t.current = s.column_int64(5) != 0;
        out.push_back(std::move(t));
    }
    return out;
}

void catalog::put_descriptors(const std::vector<std::pair<analysis_target, track_descriptors>>& rows) {
    if (rows.empty()) return;
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 4)
        throw error(error_kind::invalid_input, impl_->db.path().string() + ": opened read-only at an older schema");
    sqlite_transaction t(impl_->db);
    sqlite_statement put = impl_->db.prepare(
        "INSERT OR REPLACE INTO descriptors (file_id, content_hash, bpm, bpm_confidence, key, camelot, key_confidence, "
        "loudness_lufs, loudness_range_lu, true_peak_dbtp, energy, loop) "
        "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 "
        "WHERE EXISTS (SELECT 1 FROM files WHERE id = ?1 AND content_hash = ?2)");
    for (const auto& [target, d] : rows) {
        put.bind(1, target.id);
        put.bind(2, target.content_hash);
        put.bind(3, d.bpm);
        put.bind(4, d.bpm_confidence);
        put.bind(5, d.key);
        put.bind(6, camelot_notation(d.key));
        put.bind(7, d.key_confidence);
        if (std::isfinite(d.loudness_lufs)) put.bind(8, d.loudness_lufs);
        else put.bind_null(8);
        put.bind(9, std::isfinite(d.loudness_range_lu) ? d.loudness_range_lu : 0.0);
        if (std::isfinite(d.true_peak_dbtp)) put.bind(10, d.true_peak_dbtp);
        else put.bind_null(10);
        put.bind(11, d.energy);
        put.bind(12, int64_t{d.loop});
        put.run();
        put.reset();
    }
    t.commit();
}

// --- Acoustic fingerprints ---

namespace {

// Chromaprint's step is 1365 / 11025 s; anything far from it is not a fingerprint this build wrote.
bool plausible_fingerprint(double seconds_per_hash, double duration_seconds, size_t words) {
    return seconds_per_hash > 0.05 && seconds_per_hash < 0.5 && std::isfinite(duration_seconds) &&
           duration_seconds >= 0 && duration_seconds <= 4000 &&
           static_cast<double>(words) * seconds_per_hash <= duration_seconds + 1;
}

}  // namespace

void catalog::put_fingerprints(const std::vector<std::pair<analysis_target, audio_fingerprint>>& rows) {
    if (rows.empty()) return;
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 5)
        throw error(error_kind::invalid_input, impl_->db.path().string() + ": opened read-only at an older schema");
    sqlite_transaction t(impl_->db);
    sqlite_statement put = impl_->db.prepare(
        "INSERT OR REPLACE INTO fingerprints (file_id, content_hash, seconds_per_hash, duration_seconds, hashes) "
        "SELECT ?1, ?2, ?3, ?4, coalesce(?5, x'') WHERE EXISTS (SELECT 1 FROM files WHERE id = ?1 AND content_hash = ?2)");
    for (const auto& [target, fp] : rows) {
        if (!plausible_fingerprint(fp.seconds_per_hash, fp.duration_seconds, fp.hashes.size()))
            throw error(error_kind::invalid_input, target.path + ": not a fingerprint (step or length out of range)");
        std::vector<unsigned char> bytes(fp.hashes.size() * 4);
        for (size_t i = 0; i < fp.hashes.size(); i++)
            for (size_t b = 0; b < 4; b++) bytes[i * 4 + b] = static_cast<unsigned char>(fp.hashes[i] >> (8 * b));
        put.bind(1, target.id);
        put.bind(2, target.content_hash);
        put.bind(3, fp.seconds_per_hash);
        put.bind(4, fp.duration_seconds);
        put.bind_blob(5, bytes.data(), bytes.size());
        put.run();
        put.reset();
    }
    t.commit();
}

namespace {

constexpr const char* fingerprint_select =
    "SELECT p.file_id, f.path, p.seconds_per_hash, p.duration_seconds, p.hashes FROM fingerprints p "
    "JOIN files f ON f.id = p.file_id AND f.content_hash = p.content_hash AND f.status = 'ok' ";

audio_fingerprint read_fingerprint_row(const sqlite_statement& s, const std::string& catalog_file) {
    audio_fingerprint fp;
    fp.seconds_per_hash = s.column_double(2);
    fp.duration_seconds = s.column_double(3);
    size_t size = 0;
    const void* data = s.column_blob(4, size);
    if (size % 4 != 0 || !plausible_fingerprint(fp.seconds_per_hash, fp.duration_seconds, size / 4))
        throw error(error_kind::corrupt_file,
                    catalog_file + ": damaged: the fingerprint of '" + s.column_text(1) + "' is out of range");
    fp.hashes.resize(size / 4);
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < fp.hashes.size(); i++)
        fp.hashes[i] = uint32_t{p[4 * i]} | uint32_t{p[4 * i + 1]} << 8 | uint32_t{p[4 * i + 2]} << 16 |
                       uint32_t{p[4 * i + 3]} << 24;
    return fp;
}

}  // namespace

void catalog::for_each_fingerprint(const std::function<void(int64_t id, const audio_fingerprint&)>& f) const {
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 5) return;
    sqlite_statement s = impl_->db.prepare(std::string(fingerprint_select) + "ORDER BY p.file_id");
    while (s.step()) f(s.column_int64(0), read_fingerprint_row(s, impl_->db.path().string()));
}

std::optional<audio_fingerprint> catalog::find_fingerprint(int64_t id) const {
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 5) return std::nullopt;
    sqlite_statement s = impl_->db.prepare(std::string(fingerprint_select) + "WHERE p.file_id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_fingerprint_row(s, impl_->db.path().string());
}

// --- Whole-recording prints ---

void catalog::put_recording_print(const analysis_target& target, const recording_print& print) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 7)
        throw error(error_kind::invalid_input, impl_->db.path().string() + ": opened read-only at an older schema");
    const audio_fingerprint& fp = print.fingerprint;
    const double hashes_seconds = static_cast<double>(fp.hashes.size()) * fp.seconds_per_hash;
    const double levels_seconds = static_cast<double>(print.levels_db.size()) * print.seconds_per_level;
    if (!plausible_print_steps(fp.seconds_per_hash, print.seconds_per_level, fp.duration_seconds) ||
        hashes_seconds > fp.duration_seconds + 1 || levels_seconds > fp.duration_seconds + 1)
        throw error(error_kind::invalid_input, target.path + ": not a recording print (step or length out of range)");
    sqlite_transaction t(impl_->db);
    // Only for the bytes the target names: a file indexed again meanwhile keeps no print of the old ones.
    sqlite_statement same = impl_->db.prepare("SELECT 1 FROM files WHERE id = ?1 AND content_hash = ?2");
    same.bind(1, target.id);
    same.bind(2, target.content_hash);
    if (!same.step()) return;
    sqlite_statement drop = impl_->db.prepare("DELETE FROM recording_prints WHERE file_id = ?1");
    drop.bind(1, target.id);
    drop.run();
    sqlite_statement put = impl_->db.prepare(
        "INSERT INTO recording_prints (file_id, content_hash, piece, seconds_per_hash, seconds_per_level, "
        "duration_seconds, hashes, levels) VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, x''), coalesce(?8, x''))");
    const size_t pieces = std::max<size_t>(1, (std::max(fp.hashes.size(), print.levels_db.size()) + print_piece_words - 1) /
                                                  print_piece_words);
    std::vector<unsigned char> hashes, levels;
    for (size_t piece = 0; piece < pieces; piece++) {
        const size_t first = piece * print_piece_words;
        hashes.clear();
        levels.clear();
        for (size_t i = first; i < std::min(fp.hashes.size(), first + print_piece_words); i++)
            for (size_t b = 0; b < 4; b++) hashes.push_back(static_cast<unsigned char>(fp.hashes[i] >> (8 * b)));
        for (size_t i = first; i < std::min(print.levels_db.size(), first + print_piece_words); i++) {
            uint32_t bits = 0;
            std::memcpy(&bits, &print.levels_db[i], 4);
            for (size_t b = 0; b < 4; b++) levels.push_back(static_cast<unsigned char>(bits >> (8 * b)));
        }
        put.bind(1, target.id);
        put.bind(2, target.content_hash);
        put.bind(3, static_cast<int64_t>(piece));
        put.bind(4, fp.seconds_per_hash);
        put.bind(5, print.seconds_per_level);
        put.bind(6, fp.duration_seconds);
        put.bind_blob(7, hashes.data(), hashes.size());
        put.bind_blob(8, levels.data(), levels.size());
        put.run();
        put.reset();
    }
    t.commit();
}

std::vector<catalog::stored_print> catalog::recording_prints(const std::string& path_glob, bool with_levels) const {
    std::lock_guard lock(impl_->mutex);
    std::vector<stored_print> out;
    if (impl_->schema_version < 7) return out;
    sqlite_statement s = impl_->db.prepare(
        std::string("SELECT p.file_id, f.path, p.piece, p.seconds_per_hash, p.seconds_per_level, p.duration_seconds, "
                    "p.hashes, ") +
        (with_levels ? "p.levels" : "x''") +
        " FROM recording_prints p JOIN files f ON f.id = p.file_id AND f.content_hash = p.content_hash "
        "WHERE f.status = 'ok' AND (f.window_plan = 'segments' OR f.window_plan LIKE 'segments %') "
        "AND (?1 = '' OR fnmatch(?1, f.path)) ORDER BY p.file_id, p.piece");
    s.bind(1, path_glob);
    std::optional<print_pieces> pieces;  // of out.back()
    while (s.step()) {
        const int64_t id = s.column_int64(0);
        if (out.empty() || out.back().id != id) {
            if (pieces) out.back().print = pieces->take();
            out.push_back({id, s.column_text(1), {}});
            pieces.emplace(with_levels);
        }
        size_t hash_bytes = 0, level_bytes = 0;
        const auto* h = static_cast<const unsigned char*>(s.column_blob(6, hash_bytes));
        const auto* l = static_cast<const unsigned char*>(s.column_blob(7, level_bytes));
        const std::string why = pieces->add(s.column_int64(2), s.column_double(3), s.column_double(4), s.column_double(5),
                                            h, hash_bytes, l, level_bytes);
        if (!why.empty())
            throw error(error_kind::corrupt_file, impl_->db.path().string() + ": damaged: the recording print (" + why +
                                                      ") of '" + out.back().path + "'");
    }
    if (pieces) out.back().print = pieces->take();
    return out;
}

std::string catalog::recording_prints_version() const {
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 7) return "none";
    // A replaced print gets new rows (deleted, then inserted): a new largest rowid, or another count.
    sqlite_statement s = impl_->db.prepare("SELECT count(*), coalesce(max(rowid), 0) FROM recording_prints");
    if (!s.step()) impl_->db.fail(1, "cannot count the recording prints");
    return std::to_string(s.column_int64(0)) + "/" + std::to_string(s.column_int64(1));
}

// --- The 2D map ---

std::vector<catalog::map_row> catalog::map_points(const std::string& model_id) const {
    std::lock_guard lock(impl_->mutex);
    std::vector<map_row> rows;
    if (impl_->schema_version < 6) return rows;
    sqlite_statement s = impl_->db.prepare(
        "SELECT m.file_id, m.vector_hash, m.x, m.y FROM map_points m JOIN files f ON f.id = m.file_id "
        "WHERE m.model_id = ?1 AND f.model_id = ?1 AND f.status = 'ok' ORDER BY m.file_id");
    s.bind(1, model_id);
    while (s.step()) {
        map_row r{s.column_int64(0), static_cast<uint64_t>(s.column_int64(1)), s.column_double(2), s.column_double(3)};
        if (!std::isfinite(r.x) || !std::isfinite(r.y) || std::fabs(r.x) > 1e9 || std::fabs(r.y) > 1e9)
            throw error(error_kind::corrupt_file, impl_->db.path().string() + ": damaged map point of track " +
                                                      std::to_string(r.id));
        rows.push_back(r);
    }
    return rows;
}

void catalog::put_map_points(const std::string& model_id, const std::vector<map_row>& rows, bool replace_all) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 6)
        throw error(error_kind::invalid_input, impl_->db.path().string() + ": opened read-only at an older schema");
    for (const map_row& r : rows)
        if (!std::isfinite(r.x) || !std::isfinite(r.y))
            throw error(error_kind::invalid_input, "map point of track " + std::to_string(r.id) + " is not finite");
    sqlite_transaction t(impl_->db);
    if (replace_all) {
        sqlite_statement drop = impl_->db.prepare("DELETE FROM map_points WHERE model_id = ?1");
        drop.bind(1, model_id);
        drop.run();
    }
    // A row removed meanwhile gets no point (the files row must exist for the foreign key anyway).
    sqlite_statement put = impl_->db.prepare(
        "INSERT OR REPLACE INTO map_points (file_id, model_id, vector_hash, x, y) "
        "SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM files WHERE id = ?1)");
    for (const map_row& r : rows) {
        put.bind(1, r.id);
        put.bind(2, model_id);
        put.bind(3, static_cast<int64_t>(r.vector_hash));
        put.bind(4, r.x);
        put.bind(5, r.y);
        put.run();
        put.reset();
    }
    t.commit();
}

// --- Linear probes ---

void catalog::put_probe(const linear_probe& probe, const std::string& taxonomy,
                        const std::vector<std::pair<int64_t, double>>& tagged) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 4)
        throw error(error_kind::invalid_input, impl_->db.path().string() + ": opened read-only at an older schema");
    if (probe.name.empty() || probe.weights.empty() || static_cast<int64_t>(probe.weights.size()) > catalog_max_dim)
        throw error(error_kind::invalid_input, "a probe needs a name and weights");
    check_vector(probe.weights, probe.weights.size(), "probe '" + probe.name + "': weights");
    sqlite_transaction t(impl_->db);
    sqlite_statement put = impl_->db.prepare(
        "INSERT OR REPLACE INTO probes (name, model_id, dim, weights, bias, threshold, regularization, cv_accuracy, "
        "positives, negatives) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    put.bind(1, probe.name);
    put.bind(2, probe.model_id);
    put.bind(3, static_cast<int64_t>(probe.weights.size()));
    put.bind_blob(4, probe.weights.data(), probe.weights.size() * sizeof(float));
    put.bind(5, static_cast<double>(probe.bias));
    put.bind(6, probe.threshold);
    put.bind(7, probe.regularization);
    put.bind(8, probe.cv_accuracy);
    put.bind(9, static_cast<int64_t>(probe.positives));
    put.bind(10, static_cast<int64_t>(probe.negatives));
    put.run();
    sqlite_statement drop = impl_->db.prepare("DELETE FROM inferred_tags WHERE taxonomy = ?1 AND label = ?2");
    drop.bind(1, taxonomy);
    drop.bind(2, probe.name);
    drop.run();
    sqlite_statement add = impl_->db.prepare(
        "INSERT OR REPLACE INTO inferred_tags (file_id, taxonomy, label, probability) VALUES (?1, ?2, ?3, ?4)");
    for (const auto& [id, probability] : tagged) {
        add.bind(1, id);
        add.bind(2, taxonomy);
        add.bind(3, probe.name);
        add.bind(4, probability);
        add.run();
        add.reset();
    }
    t.commit();
}

std::vector<linear_probe> catalog::probes() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<linear_probe> out;
    if (impl_->schema_version < 4) return out;  // read-only at an older schema: none learned yet
    sqlite_statement s = impl_->db.prepare(
        "SELECT name, model_id, dim, weights, bias, threshold, regularization, cv_accuracy, positives, negatives "
        "FROM probes ORDER BY name");
    while (s.step()) {
        linear_probe p;
        p.name = s.column_text(0);
        p.model_id = s.column_text(1);
        const auto bad = [&](const std::string& why) {
            throw error(error_kind::corrupt_file, file().string() + ": damaged probe '" + p.name + "': " + why);
        };
        if (!is_valid_utf8(p.name) || p.name.empty()) {
            p.name = "?";
            bad("a name that is not UTF-8 text");
        }
        const int64_t dim = s.column_int64(2);
        if (dim < 1 || dim > catalog_max_dim) bad("dimension " + std::to_string(dim));
        const catalog_blob blob = impl::read_blob(s, 3);
        if (!blob.data || blob.size != static_cast<size_t>(dim) * sizeof(float)) bad("weights of the wrong size");
        p.weights.resize(static_cast<size_t>(dim));
        std::memcpy(p.weights.data(), blob.data, blob.size);
        for (float w : p.weights)
            if (!std::isfinite(w)) bad("a non-finite weight");
        const double bias = s.column_double(4);
        p.threshold = s.column_double(5);
        p.regularization = s.column_double(6);
        p.cv_accuracy = s.column_double(7);
        const int64_t positives = s.column_int64(8), negatives = s.column_int64(9);
        if (!std::isfinite(bias) || std::abs(bias) > std::numeric_limits<float>::max()) bad("a non-finite bias");
        if (!(p.threshold > 0 && p.threshold < 1)) bad("a threshold outside (0, 1)");
        if (!(p.regularization > 0) || !std::isfinite(p.regularization)) bad("a penalty that is not positive");
        if (!(p.cv_accuracy >= 0 && p.cv_accuracy <= 1)) bad("an accuracy outside [0, 1]");
        if (positives < 0 || negatives < 0) bad("negative example counts");
        p.bias = static_cast<float>(bias);
        p.positives = static_cast<size_t>(positives);
        p.negatives = static_cast<size_t>(negatives);
        out.push_back(std::move(p));
    }
    return out;
}

bool catalog::remove_probe(const std::string& name, const std::string& taxonomy) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->schema_version < 4) return false;
    sqlite_transaction t(impl_->db);
    sqlite_statement drop = impl_->db.prepare("DELETE FROM probes WHERE name = ?1 RETURNING name");
    drop.bind(1, name);
    const bool found = drop.step();
    drop.reset();
    sqlite_statement tags = impl_->db.prepare("DELETE FROM inferred_tags WHERE taxonomy = ?1 AND label = ?2");
    tags.bind(1, taxonomy);
    tags.bind(2, name);
    tags.run();
    t.commit();
    return found;
}

}  // namespace sonavec
