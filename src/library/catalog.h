// The library's catalog: one SQLite database (WAL mode) with a row per audio file and its vectors.
// Every change is one transaction, so a run killed at any moment leaves either the old row or the new
// one, never half of one.
//
//   catalog cat(library_dir);                         // creates the folder and schema if needed
//   if (auto seen = cat.find(path); seen && seen->size_bytes == size && seen->mtime_ns == mtime) skip;
//   cat.put(entry);                                   // insert or replace by path
//   for (const auto& e : cat.entries()) ...           // with vectors, for export and the index
//
// The file is treated as hostile input: a foreign or damaged database, an unknown schema, or a row
// whose values are out of range (a vector BLOB of the wrong size, a non-finite float, tags that are
// not a JSON object of strings) is refused with a sonavec::error naming the file.
//
// The schema is versioned (library/catalog_schema.h). A writable open of a catalog made by an older
// sonavec upgrades it in place, one transaction per version step, keeping every row, id and the
// fingerprint (no vector index is rebuilt for it); a step that fails leaves the file at the last
// version completed, still usable. A read-only open upgrades nothing: it reads the file at its own
// version, so every reading method works on each version from 1 to the current one (a later
// version's tables, absent from an older file, read as empty). A catalog of a newer schema than
// this build's is refused (error_kind::unsupported), naming both versions.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fingerprint/recording_print.h"
#include "sonavec/fingerprint.h"
#include "sonavec/library.h"
#include "sonavec/linear_probe.h"

namespace sonavec {

// What an index run needs to decide whether a file changed, without its vectors or tags.
struct catalog_file_state {
    int64_t id = 0;
    std::string path;
    uint64_t size_bytes = 0;
    int64_t mtime_ns = 0;
    entry_status status = entry_status::ok;
    std::string error;
    std::string model_id;
    std::string window_plan;
    bool has_windows = false;
};

// A track library::analyze may analyse: an ok row with a file behind it.
struct analysis_target {
    int64_t id = 0;
    std::string path, content_hash;
    uint64_t size_bytes = 0;
    int64_t mtime_ns = 0;
    bool current = false;  // it has descriptors for these bytes
};

enum class catalog_open {
    create_if_missing,  // make the folder and an empty catalog (index, import)
    existing,           // throw when there is none (prune, import)
    // Throw when there is none; write nothing, so another user's library or one on a read-only mount
    // can be read (search, similar, stats, export). The write methods then throw.
    read_only,
};

class catalog {
public:
    // $XDG_DATA_HOME/sonavec/library, or ~/.local/share/sonavec/library.
    static std::filesystem::path default_library_dir();

    // Opens (creating when absent) library_dir/catalog.sqlite. Throws sonavec::error naming the file
    // when it is not a sonavec catalog or is damaged.
    explicit catalog(const std::filesystem::path& library_dir,
                     catalog_open how = catalog_open::create_if_missing);
    ~catalog();
    catalog(catalog&&) noexcept;
    catalog& operator=(catalog&&) noexcept;

    const std::filesystem::path& dir() const;
    std::filesystem::path file() const;  // dir() / "catalog.sqlite"
    uint64_t disk_bytes() const;          // that file and its write-ahead log
    // The file's schema version: the current one after a writable open, the file's own after a
    // read-only one.
    int schema_version() const;

    std::optional<catalog_entry> find(const std::string& path, bool with_vectors = false) const;
    std::optional<catalog_entry> find(int64_t id, bool with_vectors = false) const;

    // Inserts or replaces the row for entry.path (and its windows) in one transaction; returns its id.
    int64_t put(const catalog_entry& entry);
    // Several at once, one transaction (cheaper per file).
    void put_many(const std::vector<catalog_entry>& entries);
    void remove(int64_t id);
    void remove_many(const std::vector<int64_t>& ids);  // one transaction

    // An ok row with these bytes, model and window plan (and per-window vectors when asked), with its
    // vectors: a moved or copied file need not be embedded again.
    std::optional<catalog_entry> find_by_content(const std::string& content_hash, const std::string& model_id,
                                                 const std::string& window_plan, bool need_windows) const;

    // All rows, ordered by id; vectors only when asked (they are 2 KB each).
    std::vector<catalog_entry> entries(bool with_vectors = false) const;
    // The paths under `root` (a folder) that the catalog holds: what an index run may find deleted.
    std::vector<std::string> paths_under(const std::string& root) const;
    std::vector<catalog_file_state> file_states_under(const std::string& root) const;
    std::optional<catalog_file_state> file_state(const std::string& path) const;

    // The ok rows' vectors: model_id's only (exactly: "" is the rows imported without a model), or
    // every row's when it is not given. Throws when the rows' sizes differ.
    catalog_vectors vectors(const std::optional<std::string>& model_id = std::nullopt) const;

    // The ids of model_id's ok rows that the filter accepts, evaluated by SQLite (no row is decoded).
    // filter.format and filter.tag_value must be lower-case.
    std::vector<int64_t> matching_ids(const search_filter& filter, const std::string& model_id) const;

    // --- Segments (the segments plan's windows, compact: library::find) ---
    // Every window of model_id's ok segments-plan rows (path_glob: only files it matches; "" all), by
    // file then time, in their stored int8 form. A damaged row is corrupt_file naming its file.
    struct segment_rows {
        int64_t dim = 0;
        std::vector<int64_t> file_ids;    // per window
        std::vector<double> starts;       // seconds
        std::vector<float> lengths;       // seconds
        std::vector<float> scales;        // per window (segment_codes.h)
        std::vector<int8_t> codes;        // windows x dim: each window's difference from its centre
        std::vector<uint32_t> file_index; // per window: its recording's row in centres
        std::vector<float> centres;       // recordings x dim: each one's track vector
    };
    segment_rows segment_windows(const std::string& model_id, const std::string& path_glob = "") const;

    // Replaces the inferred tags of `taxonomy` for each (id, tags) given, in one transaction.
    void put_inferred_tags(const std::string& taxonomy, const std::vector<std::pair<int64_t, std::vector<inferred_tag>>>& tags);

    // The ok rows with a file behind them (content hash known), by path; `current` says whether they
    // have descriptors (or fingerprints) for their bytes.
    // recording_prints: only the rows indexed with the segments plan.
    enum class derived { descriptors, fingerprints, recording_prints };
    std::vector<analysis_target> analysis_targets(derived what = derived::descriptors) const;
    // Stores each target's descriptors in one transaction, for the bytes it names: a row whose file was
    // indexed again meanwhile (another content hash) gets none.
    void put_descriptors(const std::vector<std::pair<analysis_target, track_descriptors>>& rows);

    // --- Acoustic fingerprints (schema 5's fingerprints table; the duplicates scan) ---
    // Stores each target's fingerprint in one transaction, for the bytes it names (as put_descriptors).
    void put_fingerprints(const std::vector<std::pair<analysis_target, audio_fingerprint>>& rows);
    // Calls f(id, fingerprint) for every current fingerprint of an ok row, by id, one row in memory at
    // a time (a library's fingerprints are 4 KB a track). f must not call the catalog. A damaged row
    // (size, step or duration out of range) is corrupt_file naming its file.
    void for_each_fingerprint(const std::function<void(int64_t id, const audio_fingerprint&)>& f) const;
    std::optional<audio_fingerprint> find_fingerprint(int64_t id) const;

    // --- Whole-recording prints of segments-plan rows (schema 7's recording_prints; find, recurring) ---
    // Replaces the target's print, for the bytes it names (as put_descriptors), in one transaction.
    void put_recording_print(const analysis_target& target, const recording_print& print);
    struct stored_print {
        int64_t id = 0;
        std::string path;
        recording_print print;
    };
    // The current prints of ok segments-plan rows whose path matches path_glob ("" all), by id; without
    // levels, levels_db is left empty. A damaged row is corrupt_file naming its file.
    std::vector<stored_print> recording_prints(const std::string& path_glob, bool with_levels) const;
    // Changes whenever a print is stored or removed (with fingerprint(), for a cache of them).
    std::string recording_prints_version() const;

    // --- The 2D map (schema 6's map_points table; library::map) ---
    struct map_row {
        int64_t id = 0;
        uint64_t vector_hash = 0;  // map_vector_hash of the vector the point was laid out from
        double x = 0, y = 0;
    };
    // model_id's stored points of ok rows, by id (none before schema 6). A non-finite coordinate is
    // corrupt_file naming the file.
    std::vector<map_row> map_points(const std::string& model_id) const;
    // Stores points of model_id in one transaction: with replace_all, instead of every stored one.
    void put_map_points(const std::string& model_id, const std::vector<map_row>& rows, bool replace_all);

    catalog_stats stats(size_t max_failures = 20) const;
    // stats().by_model alone: model_id -> ok files, from the files_by_model index.
    std::map<std::string, int64_t> models() const;
    // Gives the space of removed rows back to the file system.
    void vacuum();
    // Changes whenever a vector is added, replaced or removed: the vector index stores it and is
    // rebuilt when it no longer matches.
    std::string fingerprint() const;

    // --- Linear probes (sonavec learn; schema 4's probes table) ---
    // Stores the probe (replacing one of its name) and, in the same transaction, replaces the inferred
    // tags (taxonomy, probe.name) with `tagged` (id, probability): other labels of taxonomy are kept.
    void put_probe(const linear_probe& probe, const std::string& taxonomy, const std::vector<std::pair<int64_t, double>>& tagged);
    // Every stored probe, by name, checked (a damaged row is error_kind::corrupt_file naming it); none
    // before schema 4.
    std::vector<linear_probe> probes() const;
    // Drops the probe and its tags (taxonomy, name); false when there is none of that name.
    bool remove_probe(const std::string& name, const std::string& taxonomy);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};


}  // namespace sonavec
