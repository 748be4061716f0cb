#include "audio/embed_pipeline.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "nn/thread_pool.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

// A batch's windows and their vectors, embedded before the batches ahead of it.
struct embedded_batch {
    std::vector<window_embedding> windows;
    std::vector<float> vectors;  // [windows, dim]
};

// A track whose batches are being read and embedded.
struct open_track {
    open_track(size_t i, prepared_track p, int64_t dim, bool keep) : item(i), source(std::move(p)), mean(dim, keep) {}
    size_t item;
    prepared_track source;
    size_t next_batch = 0;  // the next batch to read
    bool reading = false;   // a worker is in source.read (the decoder is not shared)
    size_t in_flight = 0;   // batches read and not yet added to the mean
    size_t added = 0;       // batches added to the mean, in order
    std::map<size_t, embedded_batch> early;  // embedded out of order, waiting for the ones before
    track_mean mean;
    std::string error;  // the first failure: no further batch is read

    bool readable() const { return !reading && error.empty() && next_batch < source.batch_count; }
    bool finished() const {
        return !reading && in_flight == 0 && (!error.empty() || next_batch == source.batch_count);
    }

    // Batch b's vectors, or its failure; adds whatever is now next in order to the mean.
    void deliver(size_t b, embedded_batch batch, const std::string& failure) {
        in_flight--;
        if (!error.empty()) return;
        if (!failure.empty()) {
            error = failure;
            early.clear();
            return;
        }
        early.emplace(b, std::move(batch));
        try {
            for (auto it = early.find(added); it != early.end(); it = early.find(added)) {
                mean.add(std::move(it->second.windows), it->second.vectors.data());
                early.erase(it);
                added++;
            }
        } catch (const std::exception& e) {
            error = e.what();
            early.clear();
        }
    }
};

}  // namespace

void run_embed_pipeline(const engine& eng, size_t count, const embed_pipeline_params& params, const prepare_fn& prepare,
                        const track_done_fn& done) {
    const int64_t dim = eng.dim();
    const size_t max_open = static_cast<size_t>(std::max(1, params.workers));
    std::mutex mutex;
    std::condition_variable changed;
    size_t next_item = 0;
    size_t preparing = 0;
    std::deque<std::unique_ptr<open_track>> open;  // in item order; a track leaves when it is finished
    std::exception_ptr fatal;
    bool stop = false;

    // With the lock held: a finished track leaves `open` and is reported outside the lock.
    auto report_if_finished = [&](open_track* t, std::unique_lock<std::mutex>& lock) {
        if (!t->finished()) return;
        const auto it = std::find_if(open.begin(), open.end(), [&](const auto& o) { return o.get() == t; });
        std::unique_ptr<open_track> owned = std::move(*it);
        open.erase(it);
        changed.notify_all();  // room for another track
        lock.unlock();
        track_embedding track;
        track.path = owned->source.path;
        track.info = owned->source.info;
        std::string failure = owned->error;
        if (failure.empty()) {
            try {
                owned->mean.finish(track);
            } catch (const std::exception& e) {
                failure = e.what();
            }
        }
        const size_t item = owned->item;
        owned.reset();  // closes the decoder
        done(item, failure.empty() ? &track : nullptr, failure);
        lock.lock();
    };

    // With the lock held: reads t's next batch, then runs it through the tower outside the lock.
    auto read_and_embed = [&](open_track* t, std::unique_lock<std::mutex>& lock) {
        const size_t b = t->next_batch++;
        t->reading = true;
        t->in_flight++;
        lock.unlock();
        embedded_batch out;
        std::string failure;
        window_batch batch;
        try {
            batch = t->source.read(b);
        } catch (const std::exception& e) {
            failure = e.what();
        }
        lock.lock();
        t->reading = false;
        changed.notify_all();  // the track's next batch can be read
        lock.unlock();
        if (failure.empty() && !batch.windows.empty()) {
            try {
                const std::vector<float> features =
                    eng.audio_features(std::vector<std::span<const float>>(batch.samples.begin(), batch.samples.end()));
                batch.samples.clear();
                out.vectors = eng.embed_audio_features(features.data(), static_cast<int64_t>(batch.windows.size()));
                out.windows = std::move(batch.windows);
            } catch (const std::exception& e) {
                failure = e.what();
            }
        }
        lock.lock();
        t->deliver(b, std::move(out), failure);
        report_if_finished(t, lock);
    };

    auto work = [&] {
        // Every window on this one thread, whatever the engine's thread count: its vector's bits never
        // depend on how many threads the engine has, and workers do not oversubscribe the cores.
        const serial_scope one_thread;
        std::unique_lock lock(mutex);
        try {
            for (;;) {
                if (stop || (params.abort && *params.abort)) break;
                const bool no_new_items = params.cancel && *params.cancel;
                // An open track's next batch first, so that few tracks are open and a long track's
                // batches spread over the workers.
                const auto readable = std::find_if(open.begin(), open.end(), [](const auto& o) { return o->readable(); });
                if (readable != open.end()) {
                    read_and_embed(readable->get(), lock);
                    continue;
                }
                if (!no_new_items && next_item < count && open.size() + preparing < max_open) {
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
                    if (p && p->batch_count == 0) {
                        lock.unlock();
                        done(item, nullptr, "no audio could be decoded");
                        lock.lock();
                    } else if (p) {
                        open.push_back(std::make_unique<open_track>(item, std::move(*p), dim, params.keep_window_vectors));
                    }
                    changed.notify_all();
                    continue;
                }
                if ((no_new_items || next_item >= count) && preparing == 0 && open.empty()) break;  // all done
                changed.wait(lock);  // another worker's read or track brings work
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
