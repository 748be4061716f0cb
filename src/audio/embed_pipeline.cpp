#include "audio/embed_pipeline.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "util/error.h"

namespace sonavec {

namespace {

struct pending_track {
    prepared_track prepared;
    std::vector<float> vectors;  // [windows, dim], filled as batches finish
    size_t remaining = 0;        // windows not embedded yet
    std::string error;           // the first batch failure of one of its windows
};

// Windows [first, first + count) of one track: a batch, cut where embed_track cuts them (see
// embed_pipeline.h for why batches do not mix tracks).
struct chunk {
    size_t item = 0;
    size_t first = 0;
    size_t count = 0;
};

}  // namespace

void run_embed_pipeline(const engine& eng, size_t count, const embed_pipeline_params& params, const prepare_fn& prepare,
                        const track_done_fn& done) {
    const int64_t dim = eng.dim();
    const size_t batch_windows = track_batch_windows;
    std::mutex mutex;
    std::condition_variable changed;
    size_t next_item = 0;
    int preparing = 0;
    std::deque<chunk> ready;  // chunks whose features wait for the tower, in item order
    std::unordered_map<size_t, pending_track> pending;
    std::exception_ptr fatal;
    bool stop = false;

    // Runs outside the lock: the chunk through the tower, its vectors back to their track.
    auto infer = [&](const chunk& c, std::unique_lock<std::mutex>& lock) {
        const pending_track& p = pending.at(c.item);
        const size_t per = p.prepared.features.size() / p.prepared.track.windows.size();
        const float* features = p.prepared.features.data() + c.first * per;  // stable while the track is pending
        lock.unlock();
        std::vector<float> vectors;
        std::string failure;
        try {
            vectors = eng.embed_audio_features(features, static_cast<int64_t>(c.count));
        } catch (const std::exception& e) {
            failure = e.what();
        }
        lock.lock();
        pending_track& t = pending.at(c.item);
        if (failure.empty()) std::copy(vectors.begin(), vectors.end(), t.vectors.begin() + static_cast<long>(c.first * dim));
        else if (t.error.empty()) t.error = failure;
        t.remaining -= c.count;
        if (t.remaining > 0) return;
        pending_track finished = std::move(t);
        pending.erase(c.item);
        lock.unlock();
        track_embedding& track = finished.prepared.track;
        if (finished.error.empty()) {
            try {
                finish_track(track, finished.vectors.data(), dim, params.keep_window_vectors);
            } catch (const std::exception& e) {
                finished.error = e.what();
            }
        }
        done(c.item, finished.error.empty() ? &track : nullptr, finished.error);
        lock.lock();
    };

    auto work = [&] {
        std::unique_lock lock(mutex);
        try {
            for (;;) {
                if (stop || (params.cancel && *params.cancel)) break;
                // The tower first, so that few prepared tracks wait and a long track's chunks spread
                // over the workers.
                if (!ready.empty()) {
                    const chunk c = ready.front();
                    ready.pop_front();
                    infer(c, lock);
                    continue;
                }
                if (next_item < count) {
                    const size_t item = next_item++;
                    preparing++;
                    lock.unlock();
                    std::optional<prepared_track> p;
                    try {
                        p = prepare(item);
                    } catch (...) {
                        lock.lock();
                        preparing--;
                        throw;
                    }
                    lock.lock();
                    preparing--;
                    if (p && p->track.windows.empty()) {
                        lock.unlock();
                        done(item, nullptr, "no audio could be decoded");
                        lock.lock();
                    } else if (p) {
                        const size_t windows = p->track.windows.size();
                        pending_track& t = pending[item];
                        t.vectors.resize(windows * static_cast<size_t>(dim));
                        t.remaining = windows;
                        t.prepared = std::move(*p);
                        for (size_t first = 0; first < windows; first += batch_windows)
                            ready.push_back({item, first, std::min(batch_windows, windows - first)});
                    }
                    changed.notify_all();
                    continue;
                }
                if (preparing == 0) break;  // nothing left to prepare or embed
                changed.wait(lock);           // another worker's track will bring chunks
            }
        } catch (...) {
            if (!lock.owns_lock()) lock.lock();
            if (!fatal) fatal = std::current_exception();
            stop = true;
        }
        changed.notify_all();
    };

    std::vector<std::thread> threads;
    try {
        for (int w = 1; w < params.workers; w++) threads.emplace_back(work);
    } catch (...) {  // no thread to be had: stop the ones started, and say so
        {
            std::lock_guard lock(mutex);
            stop = true;
        }
        changed.notify_all();
        for (auto& t : threads) t.join();
        throw;
    }
    work();
    for (auto& t : threads) t.join();
    if (fatal) std::rethrow_exception(fatal);
}

}  // namespace sonavec
