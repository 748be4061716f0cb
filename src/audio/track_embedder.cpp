#include "audio/track_embedder.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <mutex>
#include <span>

#include "audio/embed_pipeline.h"
#include "audio/resample.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

// embed_samples' bounds on the caller's rate (sonavec/track.h).
constexpr int min_samples_rate = 8000;
constexpr int max_samples_rate = 384000;

// The sum's direction as float32; throws when it has none.
std::vector<float> unit_direction(const std::vector<double>& sum) {
    double norm = 0;
    for (double v : sum) norm += v * v;
    norm = std::sqrt(norm);
    if (!std::isfinite(norm) || norm <= 0)
        throw error(error_kind::corrupt_file, "the window embeddings average to no direction");
    std::vector<float> out(sum.size());
    for (size_t i = 0; i < out.size(); i++) out[i] = static_cast<float>(sum[i] / norm);
    return out;
}

// The track's windows as the plan lays them over info's duration, read a batch at a time by read_window.
prepared_track planned_track(const engine& eng, const std::filesystem::path& path, const audio_info& info,
                             const track_embed_params& params,
                             std::function<std::vector<float>(const analysis_window&)> read_window) {
    window_plan_params plan = params.plan;
    plan.max_window_seconds = engine_window_seconds(eng);
    prepared_track out;
    out.path = path;
    out.info = info;
    auto windows = std::make_shared<const std::vector<analysis_window>>(plan_windows(plan, out.info.duration_seconds));
    out.batch_count = (windows->size() + track_batch_windows - 1) / track_batch_windows;
    const double rate = static_cast<double>(eng.sample_rate());
    // Overlapping segments are read as one span per batch and cut into windows: each sample is decoded
    // once or twice per batch rather than once per window that holds it.
    const bool one_span = plan.kind == window_plan_kind::segments;
    out.read = [windows, rate, one_span, read_window = std::move(read_window)](size_t batch) {
        window_batch b;
        const size_t first = batch * track_batch_windows;
        const size_t last = std::min(windows->size(), first + track_batch_windows);
        std::vector<float> span;
        double span_start = 0;
        if (one_span && last > first) {
            span_start = (*windows)[first].start_seconds;
            double end = span_start;
            for (size_t i = first; i < last; i++)
                end = std::max(end, (*windows)[i].start_seconds + (*windows)[i].length_seconds);
            span = read_window({span_start, end - span_start});
        }
        for (size_t i = first; i < last; i++) {
            const analysis_window& w = (*windows)[i];
            std::vector<float> s;
            if (one_span) {
                const output_span at = output_span_at(w.start_seconds - span_start, w.length_seconds, static_cast<int>(rate));
                const size_t from = std::min(span.size(), static_cast<size_t>(at.first));
                const size_t count = std::min(span.size() - from, static_cast<size_t>(at.count));
                s.assign(span.begin() + static_cast<std::ptrdiff_t>(from),
                         span.begin() + static_cast<std::ptrdiff_t>(from + count));
            } else {
                s = read_window(w);
            }
            // A container may overstate the duration; a window past the real end holds nothing to embed.
            if (s.empty()) continue;
            b.windows.push_back({w.start_seconds, static_cast<double>(s.size()) / rate, {}});
            b.samples.push_back(std::move(s));
        }
        return b;
    };
    return out;
}

// One track through the pipeline on one worker: the same batches, and so the same vector, as `embed`
// and `index`.
track_embedding embed_one(const engine& eng, const track_embed_params& params,
                          const std::function<prepared_track()>& prepare) {
    track_embedding out;
    std::string failure;
    // The pipeline reports a failure as text; the reader's own error is kept to rethrow it with its kind.
    std::exception_ptr read_failure;
    embed_pipeline_params pp;
    pp.keep_window_vectors = params.keep_window_vectors || params.plan.kind == window_plan_kind::segments;
    run_embed_pipeline(
        eng, 1, pp,
        [&](size_t) {
            prepared_track track = prepare();
            track.read = [&read_failure, read = std::move(track.read)](size_t batch) {
                try {
                    return read(batch);
                } catch (...) {
                    read_failure = std::current_exception();
                    throw;
                }
            };
            return std::optional(std::move(track));
        },
        [&](size_t, track_embedding* t, const std::string& reason) {
            if (t) out = std::move(*t);
            else failure = reason;
        });
    if (read_failure) std::rethrow_exception(read_failure);
    // What is left fails after decoding: no window held audio, or the model gave no usable vector.
    if (!failure.empty()) throw error(error_kind::corrupt_file, failure);
    return out;
}

}  // namespace

void validate_track_params(track_embed_params& params, const engine& eng) {
    params.plan.max_window_seconds = engine_window_seconds(eng);
    params.plan.validate();
    // What the segments plan is for: its windows' vectors, stored for finding moments inside files.
    if (params.plan.kind == window_plan_kind::segments) params.keep_window_vectors = true;
}

double engine_window_seconds(const engine& eng) {
    return static_cast<double>(eng.window_samples()) / static_cast<double>(eng.sample_rate());
}

track_mean::track_mean(int64_t dim, bool keep_window_vectors)
    : dim_(dim), keep_(keep_window_vectors), sum_(static_cast<size_t>(dim), 0.0) {}

void track_mean::add(std::vector<window_embedding> windows, const float* vectors) {
    const int64_t rows = static_cast<int64_t>(windows.size());
    for (int64_t i = 0; i < rows * dim_; i++)
        if (!std::isfinite(vectors[i]))
            throw error(error_kind::corrupt_file, "the model produced a non-finite embedding");
    // Row by row, in window order: the same bits as averaging all windows at once.
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < dim_; i++) sum_[static_cast<size_t>(i)] += vectors[r * dim_ + i];
    for (int64_t r = 0; r < rows; r++) {
        window_embedding& w = windows[static_cast<size_t>(r)];
        if (keep_) w.vector.assign(vectors + r * dim_, vectors + (r + 1) * dim_);
        windows_.push_back(std::move(w));
    }
}

void track_mean::finish(track_embedding& track) {
    if (windows_.empty()) throw error(error_kind::corrupt_file, "no audio could be decoded");
    track.vector = unit_direction(sum_);
    track.windows = std::move(windows_);
    windows_.clear();
}

prepared_track prepare_track(const engine& eng, const std::filesystem::path& path, const track_embed_params& params) {
    // Shared by the reader, which outlives this call; one batch is read at a time (the caller's rule).
    auto decoder = std::make_shared<audio_decoder>(path, static_cast<int>(eng.sample_rate()));
    return planned_track(eng, path, decoder->info(), params,
                         [decoder](const analysis_window& w) { return decoder->read(w.start_seconds, w.length_seconds); });
}

track_embedding embed_track(const engine& eng, const std::filesystem::path& path, const track_embed_params& params) {
    return embed_one(eng, params, [&] { return prepare_track(eng, path, params); });
}

track_embedding embed_samples(const engine& eng, std::span<const float> samples, int sample_rate,
                              const track_embed_params& params) {
    if (sample_rate < min_samples_rate || sample_rate > max_samples_rate)
        throw error(error_kind::invalid_input, "sample rate " + std::to_string(sample_rate) + " Hz is out of range (" +
                                                   std::to_string(min_samples_rate) + " to " +
                                                   std::to_string(max_samples_rate) + " Hz)");
    if (samples.empty()) throw error(error_kind::invalid_input, "no audio samples (an empty buffer)");
    const auto bad = std::find_if(samples.begin(), samples.end(), [](float v) { return !std::isfinite(v); });
    if (bad != samples.end())
        throw error(error_kind::invalid_input,
                    "audio sample " + std::to_string(bad - samples.begin()) + " is not a finite number");
    const double duration = static_cast<double>(samples.size()) / sample_rate;
    if (duration > max_analysed_seconds)
        throw error(error_kind::invalid_input, "audio samples longer than a week (" + std::to_string(duration) + " s)");
    track_embed_params checked = params;
    validate_track_params(checked, eng);

    audio_info info;
    info.duration_seconds = duration;
    info.sample_rate = sample_rate;
    info.channels = 1;
    info.codec = "pcm_f32le";
    const int out_rate = static_cast<int>(eng.sample_rate());
    return embed_one(eng, checked, [&] {
        return planned_track(eng, {}, info, checked, [samples, sample_rate, out_rate](const analysis_window& w) {
            const output_span span = output_span_at(w.start_seconds, w.length_seconds, out_rate);
            return resample_mono_span(samples, sample_rate, out_rate, span.first, span.count);
        });
    });
}

void embed_tracks(const engine& eng, const std::vector<std::filesystem::path>& files, const embed_tracks_params& params,
                  const track_done_callback& done) {
    embed_pipeline_params pp;
    pp.workers = params.workers;
    pp.keep_window_vectors = params.track.keep_window_vectors || params.track.plan.kind == window_plan_kind::segments;
    pp.abort = params.cancel;  // stop after the batches running: a file not yet reported never is
    // The pipeline reports from several workers at once; the callback is promised one call at a time.
    std::mutex report;
    size_t reported = 0;
    auto finish = [&](size_t i, const track_embedding* t, const std::string& reason) {
        std::lock_guard lock(report);
        reported++;
        done(i, t, reason);
    };
    run_embed_pipeline(
        eng, files.size(), pp,
        [&](size_t i) -> std::optional<prepared_track> {
            try {
                return prepare_track(eng, files[i], params.track);
            } catch (const std::exception& e) {
                finish(i, nullptr, e.what());
                return std::nullopt;
            }
        },
        finish);
    // A flag raised after the last file was reported cancelled nothing.
    if (params.cancel && *params.cancel && reported < files.size())
        throw error(error_kind::cancelled, "cancelled after " + std::to_string(reported) + " of " +
                                               std::to_string(files.size()) + " files");
}

}  // namespace sonavec
