// The library's catalog: one SQLite database (WAL mode) with a row per audio file and its vectors.
// Every change is one transaction, so a run killed at any moment leaves either the old row or the new
// one, never half of one.
//
//   catalog cat(library_dir);                         // creates the folder and schema if needed
//   if (auto seen = cat.find(path); seen && seen->size_bytes == size && seen->mtime_ns == mtime) skip;
//   cat.put(entry);                                   // insert or replace by path
//   for (const auto& e : cat.entries()) ...           // with vectors, for export and the index
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sonavec {

enum class entry_status { ok, failed };

struct catalog_window {
    double start_seconds = 0;
    double length_seconds = 0;
    std::vector<float> vector;
};

struct catalog_entry {
    int64_t id = 0;                   // assigned by the catalog; stable while the path stays
    std::string path;                 // absolute, as found on disk (or as imported)
    uint64_t size_bytes = 0;
    int64_t mtime_ns = 0;
    std::string content_hash;         // hex digest of the file's bytes ("" for imported vectors)
    double duration_seconds = 0;
    std::string format;               // container as FFmpeg names it ("mp3", "flac", "wav", ...)
    int sample_rate = 0;              // the file's own rate and channel count
    int channels = 0;
    std::map<std::string, std::string> tags;  // title, artist, album, genre, year, ... (lower-case keys)
    entry_status status = entry_status::ok;
    std::string error;                // why it failed (status failed)
    std::string model_id;             // which model made the vector (the model directory's name)
    std::string window_plan;          // "seed", "full", "first", or "import"
    std::vector<float> vector;        // dim floats, unit length; empty when failed
    std::vector<catalog_window> windows;  // per-window vectors, when they were asked for
};

struct catalog_stats {
    int64_t files = 0, ok = 0, failed = 0, windows = 0;
    std::map<std::string, int64_t> by_model;   // model_id -> files
    std::map<std::string, int64_t> by_format;  // format -> files
};

class catalog {
public:
    // $XDG_DATA_HOME/sonavec/library, or ~/.local/share/sonavec/library.
    static std::filesystem::path default_library_dir();

    // Opens (creating when absent) library_dir/catalog.sqlite. Throws sonavec::error naming the file
    // when it is not a sonavec catalog or is damaged.
    explicit catalog(const std::filesystem::path& library_dir);
    ~catalog();
    catalog(catalog&&) noexcept;
    catalog& operator=(catalog&&) noexcept;

    const std::filesystem::path& dir() const;

    std::optional<catalog_entry> find(const std::string& path, bool with_vectors = false) const;
    std::optional<catalog_entry> find(int64_t id, bool with_vectors = false) const;

    // Inserts or replaces the row for entry.path (and its windows) in one transaction; returns its id.
    int64_t put(const catalog_entry& entry);
    // Several at once, one transaction (cheaper per file).
    void put_many(const std::vector<catalog_entry>& entries);
    void remove(int64_t id);

    // All rows, ordered by id; vectors only when asked (they are 2 KB each).
    std::vector<catalog_entry> entries(bool with_vectors = false) const;
    // The paths under `root` (a folder) that the catalog holds: what an index run may find deleted.
    std::vector<std::string> paths_under(const std::string& root) const;

    catalog_stats stats() const;
    // Changes whenever a vector is added, replaced or removed: the vector index stores it and is
    // rebuilt when it no longer matches.
    std::string fingerprint() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

std::string entry_status_name(entry_status status);  // "ok", "failed"

}  // namespace sonavec
