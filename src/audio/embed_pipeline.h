// Many tracks through the audio tower on a few threads, one core each (no thread oversubscribes the
// cores: each worker runs the tower serially, in a serial_scope, whatever the engine's thread count).
// A worker reads (decodes) the next batch of windows while the others run the tower, and a long
// track's batches spread over the workers.
// Memory is bounded whatever the tracks' lengths and plans: a worker holds one batch of samples and
// features at a time, and at most `workers` tracks are open. Batches hold one track's windows: on one
// core the tower costs as much per window at batch 8 as at batch 1 (78.6 vs 73.2 ms, `sonavec bench
// --threads 1`), so batching windows of several tracks would gain nothing, while one track per batch
// keeps its vector independent of the tracks beside it and of the thread count by construction.
//
//   embed_pipeline_params p;  p.workers = 2;
//   run_embed_pipeline(eng, files.size(), p,
//       [&](size_t i) { return std::optional(prepare_track(eng, files[i], track_params)); },
//       [&](size_t i, track_embedding* t, const std::string& error) { ... });
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "audio/track_embedder.h"

namespace sonavec {

struct embed_pipeline_params {
    int workers = 1;  // threads in all, each running one batch or one track's decoding at a time
    bool keep_window_vectors = false;
    // When it turns true no new item starts; the tracks already open are finished and reported.
    const std::atomic<bool>* cancel = nullptr;
    // When it turns true workers stop after the batch they are running; open tracks are never reported.
    const std::atomic<bool>* abort = nullptr;
};

// Called on a worker for item i: the opened track, or nothing when the item needs no tower (the
// callback has dealt with it). Its reader is called for batches in order, never by two threads at once. A file that cannot be read should be caught and reported by the callback;
// anything thrown stops the run and is rethrown by run_embed_pipeline once the workers have stopped.
using prepare_fn = std::function<std::optional<prepared_track>(size_t i)>;
// Called on a worker once per prepared item: its embedding, or null and the reason it failed.
using track_done_fn = std::function<void(size_t i, track_embedding* track, const std::string& error)>;

// Runs items 0..count-1 (prepared in order) and returns when every one is done.
void run_embed_pipeline(const engine& eng, size_t count, const embed_pipeline_params& params, const prepare_fn& prepare,
                        const track_done_fn& done);

}  // namespace sonavec
