// A thin RAII layer over SQLite: a connection and prepared statements whose failures become
// sonavec::error naming the database file.
//
//   sqlite_db db(path);                                   // opens (creates) the file
//   sqlite_statement s = db.prepare("SELECT id FROM files WHERE path = ?1");
//   s.bind(1, path);
//   while (s.step()) use(s.column_int64(0));
//   s.reset();                                            // ready to run again
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace sonavec {

class sqlite_db;

class sqlite_statement {
public:
    sqlite_statement() = default;
    sqlite_statement(sqlite_statement&& other) noexcept;
    sqlite_statement& operator=(sqlite_statement&& other) noexcept;
    sqlite_statement(const sqlite_statement&) = delete;
    sqlite_statement& operator=(const sqlite_statement&) = delete;
    ~sqlite_statement();

    // Parameters are numbered from 1, as in "?1".
    void bind(int index, int64_t value);
    void bind(int index, double value);
    void bind(int index, std::string_view text);
    void bind_blob(int index, const void* data, size_t size);  // size 0 binds NULL
    void bind_null(int index);

    // Runs to the next row: true when there is one, false when done; throws on any error.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    // Ready to step again from the start, with the bindings cleared.
    void reset() noexcept;

    explicit operator bool() const { return stmt_ != nullptr; }  // prepared (not default-constructed)

    bool column_is_null(int col) const;
    int64_t column_int64(int col) const;
    double column_double(int col) const;
    std::string column_text(int col) const;
    // The blob's bytes and their count; data is valid until the next step or reset.
    const void* column_blob(int col, size_t& size) const;

private:
    friend class sqlite_db;
    sqlite_statement(const sqlite_db* db, sqlite3_stmt* stmt);
    [[noreturn]] void fail(int code) const;

    const sqlite_db* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

// Resets a cached statement when the scope ends, even by an exception, so that its next use starts clean.
class sqlite_reset {
public:
    explicit sqlite_reset(sqlite_statement& s) : s_(s) {}
    sqlite_reset(const sqlite_reset&) = delete;
    sqlite_reset& operator=(const sqlite_reset&) = delete;
    ~sqlite_reset() { s_.reset(); }

private:
    sqlite_statement& s_;
};

enum class sqlite_open {
    create,      // read-write, made when missing
    read_write,  // read-write, an existing file
    // Nothing written, not even a lock byte in the file: another user's database, or one on a read-only
    // mount. A WAL database needs its -shm file; when the folder cannot be written and there is no -shm
    // and no -wal (no writer has it open), it is opened immutable (SQLite takes no locks at all).
    read_only,
};

class sqlite_db {
public:
    // Opens path. Every value read back is limited to max_value_bytes, so a hostile file cannot make a
    // read allocate gigabytes.
    sqlite_db(const std::filesystem::path& path, sqlite_open how, int max_value_bytes);
    sqlite_db(const sqlite_db&) = delete;
    sqlite_db& operator=(const sqlite_db&) = delete;
    ~sqlite_db();

    const std::filesystem::path& path() const { return path_; }

    sqlite_statement prepare(std::string_view sql) const;
    // Runs one or more statements that return no rows.
    void exec(const std::string& sql) const;
    // The single value of a one-row, one-column query, or nullopt when it returns no row.
    std::optional<std::string> query_text(const std::string& sql) const;
    int64_t query_int64(const std::string& sql) const;

    // fnmatch(pattern, text) in SQL: POSIX shell patterns, as the C library matches them ('*' crosses
    // '/', '[!x]', '[[:digit:]]', backslash escapes), where SQLite's own GLOB differs on all of those.
    void add_fnmatch_function() const;

    // "PATH: what: SQLite's message"; damage and "not a database" are named as such.
    [[noreturn]] void fail(int code, const std::string& what) const;

private:
    std::filesystem::path path_;
    sqlite3* db_ = nullptr;
};

// Commits on commit(); rolls back when destroyed without it (an exception on the way).
class sqlite_transaction {
public:
    explicit sqlite_transaction(const sqlite_db& db);  // BEGIN IMMEDIATE: takes the write lock now
    sqlite_transaction(const sqlite_transaction&) = delete;
    sqlite_transaction& operator=(const sqlite_transaction&) = delete;
    ~sqlite_transaction();
    void commit();

private:
    const sqlite_db& db_;
    bool open_ = true;
};

}  // namespace sonavec
