#include "library/indexer.h"

#include <sys/stat.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "audio/audio_files.h"
#include "audio/embed_pipeline.h"
#include "audio/audio_files.h"
#include "sonavec/error.h"
#include "util/file_error_kind.h"
#include "util/sha256.h"
#include "util/text_case.h"

namespace sonavec {

namespace {

constexpr size_t max_batch = 16;  // rows per transaction: small, so a kill loses little

struct file_stat {
    uint64_t size_bytes = 0;
    int64_t mtime_ns = 0;
};

// Throws sonavec::error with the reason when the file cannot be stat'ed.
file_stat stat_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        throw error(file_error_kind(err), std::strerror(err));
    }
    return {static_cast<uint64_t>(st.st_size), int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
}

std::string seconds_text(double s) {
    std::ostringstream out;
    out << s;
    return out.str();
}

// FFmpeg names some demuxers by every extension they read ("mov,mp4,m4a,3gp,3g2,mj2"): keep the one
// this file has, or the first.
std::string format_name(const std::string& container, const std::filesystem::path& path) {
    if (container.find(',') == std::string::npos) return container;
    const std::string dotted = path.extension().string();
    const std::string ext = ascii_lower(dotted.empty() ? dotted : dotted.substr(1));
    std::istringstream names(container);
    std::string first, name;
    while (std::getline(names, name, ',')) {
        if (first.empty()) first = name;
        if (name == ext) return ext;
    }
    return first;
}

// Decoder messages often start with the path, which the row and the report already show.
std::string reason_without_path(const std::string& reason, const std::string& path) {
    std::string r = reason.rfind(path + ": ", 0) == 0 ? reason.substr(path.size() + 2) : reason;
    return r.empty() ? "unknown error" : r;
}

void fail_row(catalog_entry& e, const std::string& reason) {
    e.status = entry_status::failed;
    e.error = reason_without_path(reason, e.path);
    e.vector.clear();
    e.windows.clear();
}

// A root as given on the command line: its absolute path, and its real path once it is resolved.
struct index_root {
    std::filesystem::path given;  // absolute, normalised
    std::filesystem::path real;   // empty when it cannot be resolved (then it is in plan.unreadable)
    bool folder = false;
};

index_root resolve_root(const std::filesystem::path& root, index_plan& plan) {
    namespace fs = std::filesystem;
    index_root r;
    r.given = fs::absolute(root).lexically_normal();
    if (r.given.has_relative_path() && r.given.filename().empty()) r.given = r.given.parent_path();  // "/music/"
    std::error_code ec;
    r.real = fs::canonical(r.given, ec);
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory)
        throw error(error_kind::not_found,
                    root.string() + ": no such file or folder (nothing was indexed, and nothing removed)");
    if (ec) {
        plan.unreadable.emplace_back(r.given.string(), ec.message());
        r.real.clear();
        return r;
    }
    r.folder = fs::is_directory(r.real, ec);
    return r;
}

// Whether path is one of the unreadable paths or inside one of them.
bool under_unreadable(const std::string& path, const std::vector<std::pair<std::string, std::string>>& unreadable) {
    for (const auto& [p, reason] : unreadable)
        if (path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 && path[p.size()] == '/'))
            return true;
    return false;
}

struct finished_file {
    catalog_entry entry;
    bool reused = false;
};

// The first part of a file's row: its size, mtime and content hash, then either its vectors copied
// from an ok row with the same bytes (done, reused) or nothing yet (the tower's turn); a failed row
// with the reason when it cannot be read. Catalog errors are not the file's fault and propagate.
struct started_file {
    finished_file row;
    bool done = false;
};

started_file start_one(const catalog& cat, const std::string& path, const index_settings& s, const std::string& label) {
    started_file out;
    catalog_entry& e = out.row.entry;
    e.path = path;
    e.model_id = s.model_id;
    e.window_plan = label;
    try {
        const file_stat st = stat_file(path);  // before reading: a change while we read shows next run
        e.size_bytes = st.size_bytes;
        e.mtime_ns = st.mtime_ns;
        e.content_hash = sha256_file_hex(path);
    } catch (const std::exception& ex) {
        fail_row(e, ex.what());
        out.done = true;
        return out;
    }
    if (!s.force) {
        if (auto same = cat.find_by_content(e.content_hash, s.model_id, label, s.track.keep_window_vectors)) {
            e.duration_seconds = same->duration_seconds;
            e.format = same->format;
            e.sample_rate = same->sample_rate;
            e.channels = same->channels;
            e.tags = std::move(same->tags);
            e.vector = std::move(same->vector);
            if (s.track.keep_window_vectors) e.windows = std::move(same->windows);
            out.row.reused = true;
            out.done = true;
        }
    }
    return out;
}

// The rest of the row from the tower's result.
void finish_row(catalog_entry& e, track_embedding& t, bool keep_window_vectors) {
    e.duration_seconds = t.info.duration_seconds;
    e.format = format_name(t.info.container, e.path);
    e.sample_rate = t.info.sample_rate;
    e.channels = t.info.channels;
    e.tags = std::move(t.info.tags);
    e.vector = std::move(t.vector);
    if (keep_window_vectors)
        for (auto& w : t.windows) e.windows.push_back({w.start_seconds, w.length_seconds, std::move(w.vector)});
}

}  // namespace

std::string window_plan_label(const window_plan_params& plan) {
    std::string label = window_plan_kind_name(plan.kind);
    // Only values the user gave and that differ from the kind's fixed defaults: the tower's window
    // length is a model's property, and a different model already counts as a change.
    const bool default_window = plan.kind == window_plan_kind::seed && plan.window_seconds == 7.0;
    if (plan.window_seconds && !default_window) label += " window=" + seconds_text(*plan.window_seconds);
    if (plan.kind == window_plan_kind::full && plan.hop_seconds && plan.hop_seconds != plan.window_seconds)
        label += " hop=" + seconds_text(*plan.hop_seconds);
    const bool segments = plan.kind == window_plan_kind::segments;
    if (segments && plan.hop_seconds && *plan.hop_seconds != segments_default_hop_seconds)
        label += " hop=" + seconds_text(*plan.hop_seconds);
    const double default_max = segments ? segments_plan().max_seconds : window_plan_params{}.max_seconds;
    if (plan.max_seconds != default_max) label += " max-seconds=" + seconds_text(plan.max_seconds);
    return label;
}

index_plan plan_index(const catalog& cat, const std::vector<std::filesystem::path>& roots,
                      const index_settings& settings) {
    index_plan plan;
    std::vector<index_root> resolved;
    for (const auto& r : roots) resolved.push_back(resolve_root(r, plan));

    std::vector<std::string> paths;
    std::unordered_map<std::string, catalog_file_state> known;
    auto know = [&](std::vector<catalog_file_state> rows) {
        for (auto& st : rows) known.emplace(st.path, std::move(st));
    };
    auto rows_at = [&](const std::filesystem::path& root, bool folder) {
        if (folder) return cat.file_states_under(root.string());
        std::vector<catalog_file_state> rows;
        if (auto st = cat.file_state(root.string())) rows.push_back(std::move(*st));
        return rows;
    };
    for (const index_root& root : resolved) {
        if (root.real.empty()) continue;  // its rows are kept: it is in plan.unreadable
        const audio_file_walk walk = find_audio_files({root.real}, true);
        for (const auto& f : walk.files) paths.push_back(f.string());
        for (const auto& u : walk.unreadable) plan.unreadable.emplace_back(u.path.string(), u.reason);
        know(rows_at(root.real, root.folder));
        // Rows stored under the path given (a symlink to the root: the identity before real paths)
        // are replaced by the real paths' rows, their vectors reused; not when part of the walk failed.
        if (root.given != root.real && walk.unreadable.empty())
            for (auto& row : rows_at(root.given, root.folder)) {
                const std::string real = root.real.string() + row.path.substr(root.given.string().size());
                plan.replaced.push_back({row.id, std::move(row.path), real});
            }
    }
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());  // overlapping roots, links

    const std::string label = window_plan_label(settings.track.plan);
    plan.found = paths.size();
    for (const std::string& path : paths) {
        const auto it = known.find(path);
        bool changed = it == known.end();
        if (!changed) {
            const catalog_file_state& row = it->second;
            try {
                const file_stat st = stat_file(path);
                changed = st.size_bytes != row.size_bytes || st.mtime_ns != row.mtime_ns;
            } catch (const error& e) {
                plan.unreadable.emplace_back(path, e.what());  // its row stays as it is, even with force
                continue;
            }
            if (!changed && row.model_id != settings.model_id) plan.other_model++;
            changed = changed || settings.force || row.model_id != settings.model_id || row.window_plan != label ||
                      (row.status == entry_status::ok && settings.track.keep_window_vectors && !row.has_windows);
        }
        if (changed) plan.to_embed.push_back(path);
        else if (it->second.status == entry_status::failed) plan.failed_before.emplace_back(path, it->second.error);
        else plan.unchanged++;
    }

    std::vector<std::pair<std::string, int64_t>> vanished;
    for (const auto& [path, row] : known)
        if (!std::binary_search(paths.begin(), paths.end(), path) && !under_unreadable(path, plan.unreadable))
            vanished.emplace_back(path, row.id);
    // A replaced row whose file the walk no longer finds has vanished like any other.
    std::erase_if(plan.replaced, [&](const index_plan::replaced_row& r) {
        if (std::binary_search(paths.begin(), paths.end(), r.real_path) || under_unreadable(r.real_path, plan.unreadable))
            return false;
        vanished.emplace_back(r.path, r.id);
        return true;
    });
    std::sort(vanished.begin(), vanished.end());
    std::sort(plan.unreadable.begin(), plan.unreadable.end());
    for (auto& [path, id] : vanished) {
        plan.vanished_paths.push_back(path);
        plan.vanished_ids.push_back(id);
    }
    return plan;
}

index_outcome embed_planned(catalog& cat, const engine& eng, const index_plan& plan, const index_settings& settings,
                            const index_file_done& done) {
    const std::string label = window_plan_label(settings.track.plan);
    const size_t n = plan.to_embed.size();
    std::mutex mutex;
    std::condition_variable ready_cv;
    std::deque<finished_file> ready;
    std::exception_ptr fatal;
    std::atomic<bool> stop{false};
    int running = 1;  // the pipeline

    auto push = [&](finished_file f) {
        std::lock_guard lock(mutex);
        ready.push_back(std::move(f));
        ready_cv.notify_one();
    };
    // Rows waiting for the tower's result, by item.
    std::vector<finished_file> started(n);
    embed_pipeline_params pp;
    pp.workers = std::max(1, settings.workers);
    pp.keep_window_vectors = settings.track.keep_window_vectors;
    // Cancelling starts no new file; the files in flight still arrive and are committed. `stop` ends
    // the pipeline at once, on the way out of an error.
    pp.cancel = settings.cancel;
    pp.abort = &stop;
    auto prepare = [&](size_t i) -> std::optional<prepared_track> {
        started_file s = start_one(cat, plan.to_embed[i], settings, label);
        if (s.done) {
            push(std::move(s.row));
            return std::nullopt;
        }
        try {
            std::optional<prepared_track> p = prepare_track(eng, plan.to_embed[i], settings.track);
            started[i] = std::move(s.row);
            return p;
        } catch (const std::exception& ex) {
            fail_row(s.row.entry, ex.what());
            push(std::move(s.row));
            return std::nullopt;
        }
    };
    auto finish = [&](size_t i, track_embedding* t, const std::string& reason) {
        finished_file f = std::move(started[i]);
        if (t) finish_row(f.entry, *t, settings.track.keep_window_vectors);
        else fail_row(f.entry, reason);
        push(std::move(f));
    };

    // The pipeline runs beside the writer; it is stopped and joined on every way out, an exception
    // from the writer included.
    struct runner_guard {
        std::atomic<bool>& stop;
        std::thread thread;
        ~runner_guard() {
            stop = true;
            if (thread.joinable()) thread.join();
        }
    } runner{stop, {}};
    runner.thread = std::thread([&] {
        try {
            run_embed_pipeline(eng, n, pp, prepare, finish);
        } catch (...) {
            std::lock_guard lock(mutex);
            if (!fatal) fatal = std::current_exception();
        }
        std::lock_guard lock(mutex);
        running = 0;
        ready_cv.notify_one();
    });

    // The one writer: whatever is ready, up to a small batch, goes in one transaction.
    index_outcome outcome;
    for (;;) {
        std::vector<finished_file> batch;
        {
            std::unique_lock lock(mutex);
            // Woken by a finished file, the pipeline's end, or now and then to look at the cancel flag.
            ready_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return !ready.empty() || running == 0; });
            if (ready.empty() && running != 0) continue;
            if (fatal) std::rethrow_exception(fatal);
            if (ready.empty()) break;
            while (!ready.empty() && batch.size() < max_batch) {
                batch.push_back(std::move(ready.front()));
                ready.pop_front();
            }
        }
        std::vector<catalog_entry> rows;
        for (auto& f : batch) rows.push_back(std::move(f.entry));
        cat.put_many(rows);
        for (size_t i = 0; i < rows.size(); i++) {
            const catalog_entry& e = rows[i];
            if (e.status == entry_status::failed) outcome.failures.emplace_back(e.path, e.error);
            else if (batch[i].reused) outcome.reused++;
            else outcome.embedded++;
            if (done) done(e.path, e.status == entry_status::failed ? e.error : std::string());
        }
    }
    if (fatal) std::rethrow_exception(fatal);
    // Cancelled only if some file was left out: a flag raised after the last one cancelled nothing.
    const size_t done_files = outcome.embedded + outcome.reused + outcome.failures.size();
    outcome.cancelled = settings.cancel && settings.cancel->load() && done_files < n;
    std::sort(outcome.failures.begin(), outcome.failures.end());
    return outcome;
}

size_t drop_vanished(catalog& cat, const index_plan& plan) {
    std::vector<int64_t> ids = plan.vanished_ids;
    // A replaced row goes only when its file's real-path row holds vectors: one that could not be read
    // now keeps the row it had.
    for (const auto& r : plan.replaced) {
        const auto now = cat.file_state(r.real_path);
        if (now && now->status == entry_status::ok) ids.push_back(r.id);
    }
    cat.remove_many(ids);
    return ids.size();
}

}  // namespace sonavec
