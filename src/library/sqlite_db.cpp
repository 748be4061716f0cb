#include "library/sqlite_db.h"

#include <fnmatch.h>
#include <sqlite3.h>
#include <unistd.h>
#include <cctype>
#include <utility>

#include "sonavec/error.h"

namespace sonavec {

namespace {

// Extended result codes keep the primary code in the low byte.
int primary(int code) { return code & 0xff; }

// Whether a read-only connection can share the database's WAL index: the -shm file exists (SQLite
// reads it even when it may not write it) or can be made beside the file. A -wal without -shm is left
// to SQLite, which reports it: immutable would silently skip the commits in the log.
bool can_make_wal_files(const std::filesystem::path& path) {
    std::error_code ec;
    const std::string p = path.string();
    if (std::filesystem::exists(p + "-shm", ec) || std::filesystem::exists(p + "-wal", ec)) return true;
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    return ::access(dir.c_str(), W_OK) == 0;
}

// "file:" and the path with every byte that is not unreserved percent-encoded, for sqlite3_open_v2.
std::string file_uri(const std::filesystem::path& path) {
    static const char hex[] = "0123456789ABCDEF";
    std::string uri = "file:";
    for (const unsigned char c : std::filesystem::absolute(path).string()) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
            uri += static_cast<char>(c);
        } else {
            uri += '%';
            uri += hex[c >> 4];
            uri += hex[c & 15];
        }
    }
    return uri;
}

}  // namespace

sqlite_db::sqlite_db(const std::filesystem::path& path, sqlite_open how, int max_value_bytes) : path_(path) {
    int flags = SQLITE_OPEN_EXRESCODE;
    std::string name = path.string();
    if (how == sqlite_open::read_only) {
        flags |= SQLITE_OPEN_READONLY;
        if (!can_make_wal_files(path)) {
            flags |= SQLITE_OPEN_URI;
            name = file_uri(path) + "?immutable=1";
        }
    } else {
        flags |= SQLITE_OPEN_READWRITE | (how == sqlite_open::create ? SQLITE_OPEN_CREATE : 0);
    }
    const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw error(error_kind::io, path.string() + ": cannot open: " + why);
    }
    // The file is outside data: no schema-defined functions with side effects, no writes to the
    // schema itself, every cell's size checked as it is read, and no value larger than we expect.
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, max_value_bytes);
    sqlite3_busy_timeout(db_, 10000);  // another sonavec process writing: wait for it
    exec("PRAGMA cell_size_check = ON");
}

sqlite_db::~sqlite_db() { sqlite3_close_v2(db_); }

namespace {

// fnmatch(pattern, text): 1 on a match, 0 otherwise or when either is not text (a damaged row matches nothing).
void sql_fnmatch(sqlite3_context* ctx, int, sqlite3_value** argv) {
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT || sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    const auto* pattern = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
    sqlite3_result_int(ctx, pattern && text && ::fnmatch(pattern, text, 0) == 0);
}

}  // namespace

void sqlite_db::add_fnmatch_function() const {
    const int rc = sqlite3_create_function(db_, "fnmatch", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                           nullptr, sql_fnmatch, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc, "cannot add the fnmatch function");
}

void sqlite_db::fail(int code, const std::string& what) const {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    switch (primary(code)) {
        case SQLITE_NOTADB:
            throw error(error_kind::corrupt_file, path_.string() + ": not an SQLite database (" + message + ")");
        case SQLITE_CORRUPT:
            throw error(error_kind::corrupt_file, path_.string() + ": the database is damaged (" + message + ")");
        case SQLITE_TOOBIG:
            throw error(error_kind::corrupt_file,
                        path_.string() + ": a value is larger than any sonavec writes (" + message + ")");
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            throw error(error_kind::busy, path_.string() + ": " + what + ": " + message);
        default:
            throw error(error_kind::io, path_.string() + ": " + what + ": " + message);
    }
}

sqlite_statement sqlite_db::prepare(std::string_view sql) const {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        fail(rc, "cannot prepare '" + std::string(sql) + "'");
    }
    return sqlite_statement(this, stmt);
}

void sqlite_db::exec(const std::string& sql) const {
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc, "'" + sql + "' failed");
}

std::optional<std::string> sqlite_db::query_text(const std::string& sql) const {
    sqlite_statement s = prepare(sql);
    if (!s.step()) return std::nullopt;
    return s.column_text(0);
}

int64_t sqlite_db::query_int64(const std::string& sql) const {
    sqlite_statement s = prepare(sql);
    if (!s.step()) fail(SQLITE_ERROR, "'" + sql + "' returned no row");
    return s.column_int64(0);
}

sqlite_statement::sqlite_statement(const sqlite_db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

sqlite_statement::sqlite_statement(sqlite_statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

sqlite_statement& sqlite_statement::operator=(sqlite_statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        db_ = other.db_;
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

sqlite_statement::~sqlite_statement() { sqlite3_finalize(stmt_); }

void sqlite_statement::fail(int code) const {
    const char* sql = sqlite3_sql(stmt_);
    db_->fail(code, std::string("'") + (sql ? sql : "?") + "' failed");
}

void sqlite_statement::bind(int index, int64_t value) {
    if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(rc);
}

void sqlite_statement::bind(int index, double value) {
    if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) fail(rc);
}

void sqlite_statement::bind(int index, std::string_view text) {
    const int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) fail(rc);
}

void sqlite_statement::bind_blob(int index, const void* data, size_t size) {
    if (size == 0) return bind_null(index);
    if (int rc = sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT); rc != SQLITE_OK) fail(rc);
}

void sqlite_statement::bind_null(int index) {
    if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(rc);
}

bool sqlite_statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(stmt_);  // a failed statement must be reset before it can run again
    fail(rc);
}

void sqlite_statement::run() {
    while (step()) {
    }
}

void sqlite_statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool sqlite_statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t sqlite_statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double sqlite_statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string sqlite_statement::column_text(int col) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (!text) return {};
    return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

const void* sqlite_statement::column_blob(int col, size_t& size) const {
    const void* data = sqlite3_column_blob(stmt_, col);
    size = data ? static_cast<size_t>(sqlite3_column_bytes(stmt_, col)) : 0;
    return data;
}

sqlite_transaction::sqlite_transaction(const sqlite_db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

sqlite_transaction::~sqlite_transaction() {
    if (!open_) return;
    try {
        db_.exec("ROLLBACK");
    } catch (const error&) {
        // SQLite may already have rolled back (after an I/O error); nothing more to undo.
    }
}

void sqlite_transaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

}  // namespace sonavec
