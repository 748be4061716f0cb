// Keeping a library's catalog in step with folders on disk. A run is planned from stat() and the
// catalog alone, so unchanged files are never opened; then the new and changed files are embedded in
// parallel and written by one writer a few at a time, each batch one transaction. A run killed at any
// moment loses only the files in flight, and the next run picks up where it stopped.
//
//   index_plan plan = plan_index(cat, {"/music"}, settings);    // no decoding
//   if (!plan.to_embed.empty()) out = embed_planned(cat, *eng, plan, settings, on_done);
//   drop_vanished(cat, plan);
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "audio/track_embedder.h"
#include "library/catalog.h"

namespace sonavec {

struct index_settings {
    std::string model_id;      // model_identity(): recorded beside each vector; another model means embedding again
    track_embed_params track;  // window plan and per-window vectors; the plan validated by the caller
    int workers = 1;           // threads, one core each: decoding and batches of windows (embed_pipeline.h)
    bool force = false;        // embed every file again, changed or not
    // When it turns true, embedding stops after the files in flight, which are committed.
    const std::atomic<bool>* cancel = nullptr;
};

// The window plan as the catalog records it: the kind, then each parameter given that is not the
// kind's default ("seed", "full window=5 hop=2.5", "first max-seconds=60").
std::string window_plan_label(const window_plan_params& plan);

struct index_plan {
    size_t found = 0;                   // audio files under the roots
    std::vector<std::string> to_embed;  // new or changed (every file with force), in path order
    size_t unchanged = 0;               // same size, mtime, model and plan as their ok rows
    size_t other_model = 0;             // of to_embed: unchanged files whose rows hold another model's vectors
    // Unchanged files that failed before (path, error): not retried until they change.
    std::vector<std::pair<std::string, std::string>> failed_before;
    std::vector<int64_t> vanished_ids;  // rows under the walked folders whose file is gone
    std::vector<std::string> vanished_paths;
    // Rows stored under a symlinked root's own path (before files were known by their real paths),
    // each with its file's real path: dropped only once that path's row is ok.
    struct replaced_row {
        int64_t id = 0;
        std::string path, real_path;
    };
    std::vector<replaced_row> replaced;
    // Folders that could not be listed and files that could not be stat'ed (path, reason): the rows
    // under them are kept as they are, neither removed nor embedded again.
    std::vector<std::pair<std::string, std::string>> unreadable;
};

// roots: folders (walked recursively) and files, each of which must exist: a folder that is missing
// (an unmounted disk) is an error, never a sign that all its files were deleted.
// A file's identity is its real path: roots are resolved (std::filesystem::canonical) and symlinked
// files are stored by their target's path, so a file reached through a symlink is not a second row.
// Symlinks to folders inside a root are not followed.
index_plan plan_index(const catalog& cat, const std::vector<std::filesystem::path>& roots,
                      const index_settings& settings);

struct index_outcome {
    size_t embedded = 0;
    // Same bytes as an ok row with this model and plan (a moved, copied or touched file): its vectors
    // were copied instead of computed again.
    size_t reused = 0;
    std::vector<std::pair<std::string, std::string>> failures;  // (path, reason), in path order
    bool cancelled = false;  // settings.cancel stopped the run before every file was done
};

// Called on the calling thread once a file's row is committed; reason is empty on success.
using index_file_done = std::function<void(const std::string& path, const std::string& reason)>;

// Embeds plan.to_embed on settings.workers threads sharing eng; failures are stored as failed rows.
// Throws (after the workers stop) only when the catalog cannot be written.
index_outcome embed_planned(catalog& cat, const engine& eng, const index_plan& plan, const index_settings& settings,
                            const index_file_done& done);

// Removes the vanished rows, and the replaced rows whose real path now has an ok row, in one
// transaction; returns how many rows went.
size_t drop_vanished(catalog& cat, const index_plan& plan);

}  // namespace sonavec
