// library::find_clip and find_text (sonavec/find.h): an exact scan of the stored segment windows, the
// windows that stand out merged into regions, and each region re-embedded at a finer hop to place the
// moment to within about half a second.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <span>
#include <thread>

#include "audio/audio_decoder.h"
#include "audio/resample.h"
#include "library/library_impl.h"
#include "library/print_scan.h"
#include "library/segment_scan.h"
#include "library/segment_timeline.h"
#include "library/spectral_match.h"
#include "library/unit_vectors.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr double sweep_step_seconds = 1;      // the first refinement pass over a region
constexpr double fine_step_seconds = 0.25;    // the second, around each peak of the first
constexpr double fine_reach_seconds = 0.75;   // how far either side of a peak the second pass looks
constexpr size_t refine_batch = 8;            // windows per call of the audio tower
// How far either side of its fingerprint's place a clip is looked for by its spectrogram: the hashes'
// step (0.124 s), a clip's frame misalignment and a 2 % speed change's drift over 10 s all fit.
constexpr double print_reach_seconds = 1;
// The clip's versions for stage 0 lie 0.5 % apart in speed, so a playing within max_speed_change is at
// most 0.25 % from one, where it keeps far more of its fingerprint's bits than 0.5 % off (0.73: a
// quarter lost; BENCHMARKS.md, "Finding moments"). The scan over the archive takes every other one
// (print_scan.h), and the places they find are rescored with all.
constexpr double print_speed_step = 0.005;
constexpr int64_t rescore_reach_hashes = 4;  // half a second either way of where the scan's versions lined up

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void check_params(const find_params& p) {
    if (p.min_score && !(std::isfinite(*p.min_score) && *p.min_score >= -1 && *p.min_score <= 1))
        throw error(error_kind::invalid_input, "the minimum score must be a cosine, from -1 to 1");
    if (!(std::isfinite(p.min_sigmas) && p.min_sigmas >= 0 && p.min_sigmas <= 100))
        throw error(error_kind::invalid_input, "min sigmas must be from 0 to 100");
    if (!(std::isfinite(p.candidate_sigmas) && p.candidate_sigmas >= 0 && p.candidate_sigmas <= 100))
        throw error(error_kind::invalid_input, "candidate sigmas must be from 0 to 100");
    if (p.max_candidates < 1 || p.max_candidates > 100000)
        throw error(error_kind::invalid_input, "max candidates must be from 1 to 100000");
    if (!(std::isfinite(p.min_match) && p.min_match >= -1 && p.min_match <= 1))
        throw error(error_kind::invalid_input, "the minimum spectral match must be from -1 to 1");
    if (!(std::isfinite(p.min_print_similarity) && p.min_print_similarity >= 0 && p.min_print_similarity <= 1))
        throw error(error_kind::invalid_input, "the minimum fingerprint similarity must be from 0 to 1");
    if (!(std::isfinite(p.max_speed_change) && p.max_speed_change >= 0 && p.max_speed_change <= 0.1))
        throw error(error_kind::invalid_input, "the largest speed change must be from 0 to 0.1");
    if (p.null_samples < 8 || p.null_samples > 10000)
        throw error(error_kind::invalid_input, "null samples must be from 8 to 10000");
    if (p.max_results < 1) throw error(error_kind::invalid_input, "max results must be at least 1");
    if (p.threads < 0) throw error(error_kind::invalid_input, "the thread count must not be negative");
}

// `length` seconds from `start` (seconds of the file) of samples that begin at samples_start; shorter, or
// empty, past their end.
std::span<const float> window_at(const std::vector<float>& samples, double samples_start, double start, double length,
                                 double rate) {
    const auto first = static_cast<size_t>(std::max<long long>(0, std::llround((start - samples_start) * rate)));
    const size_t from = std::min(first, samples.size());
    return {samples.data() + from, std::min(static_cast<size_t>(std::llround(length * rate)), samples.size() - from)};
}

// The query's cosine with windows of `length` seconds starting at each of `starts` (seconds of the
// file), cut from samples that begin at samples_start.
std::vector<double> scores_at(const engine& eng, const std::vector<float>& samples, double samples_start,
                              const std::vector<double>& starts, double length, const std::vector<float>& query) {
    const double rate = static_cast<double>(eng.sample_rate());
    std::vector<double> out;
    for (size_t b = 0; b < starts.size(); b += refine_batch) {
        std::vector<std::span<const float>> windows;
        for (size_t i = b; i < std::min(starts.size(), b + refine_batch); i++)
            windows.push_back(window_at(samples, samples_start, starts[i], length, rate));
        // A window past the decoded end (a container that overstates its length) scores nothing.
        std::vector<size_t> real;
        std::vector<std::span<const float>> nonempty;
        for (size_t i = 0; i < windows.size(); i++)
            if (!windows[i].empty()) {
                real.push_back(i);
                nonempty.push_back(windows[i]);
            }
        std::vector<double> batch(windows.size(), -2.0);
        if (!nonempty.empty()) {
            const std::vector<float> v = eng.embed_audio_windows(nonempty);
            for (size_t k = 0; k < real.size(); k++)
                batch[real[k]] = dot(query, std::span<const float>(v).subspan(k * query.size(), query.size()));
        }
        out.insert(out.end(), batch.begin(), batch.end());
    }
    return out;
}

// A clip as if played at another speed, for stage 0: its samples, fingerprint and spectrogram.
struct clip_version {
    clip_version(double s, std::vector<float> x, int rate, bool with_spectrogram)
        : speed(s), samples(std::move(x)), print(fingerprint_samples(samples.data(), samples.size(), 1, rate)) {
        if (with_spectrogram) verify = std::make_unique<spectral_match>(samples, rate);
    }
    double speed;
    std::vector<float> samples;
    audio_fingerprint print;
    std::unique_ptr<spectral_match> verify;  // null without the spectral check
};

struct refined_moment {
    double start = 0, score = 0;
    double match = 0;  // spectral_match's correlation with the clip (0 without one)
};

// The moments of one region: a sweep every second, its peaks above `floor` whose windows do not overlap
// a better one's (two playings of one sound cannot overlap), each refined every 0.25 s within 0.75 s.
std::vector<refined_moment> refine_region(const engine& eng, audio_decoder& dec, double from, double to, double length,
                                          const std::vector<float>& query, double floor, const spectral_match* verify) {
    const double last = std::max(from, to - length);
    const std::vector<float> samples = dec.read(from, last + length - from);
    if (samples.empty()) return {};
    const double step = std::min(sweep_step_seconds, std::max(fine_step_seconds, length / 2));
    std::vector<double> starts;
    for (int k = 0;; k++) {
        const double t = from + k * step;
        if (t > last + 1e-9) break;
        starts.push_back(t);
    }
    if (starts.back() < last - 1e-9) starts.push_back(last);
    const std::vector<double> sweep = scores_at(eng, samples, from, starts, length, query);

    std::vector<size_t> order(starts.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sweep[a] > sweep[b]; });
    std::vector<refined_moment> peaks;
    for (size_t i : order) {
        if (sweep[i] < floor && !peaks.empty()) break;  // the region's best is always refined
        const bool near = std::any_of(peaks.begin(), peaks.end(),
                                      [&](const refined_moment& p) { return std::fabs(p.start - starts[i]) < length; });
        if (!near) peaks.push_back({starts[i], sweep[i]});
    }
    for (refined_moment& p : peaks) {
        std::vector<double> fine;
        for (double d = -fine_reach_seconds; d <= fine_reach_seconds + 1e-9; d += fine_step_seconds) {
            const double t = p.start + d;
            if (d != 0 && t >= from - 1e-9 && t <= last + 1e-9) fine.push_back(std::clamp(t, from, last));
        }
        const std::vector<double> s = scores_at(eng, samples, from, fine, length, query);
        for (size_t i = 0; i < fine.size(); i++)
            if (s[i] > p.score) p = {fine[i], s[i]};
        if (verify)
            p.match = verify->correlation(window_at(samples, from, p.start, length, static_cast<double>(eng.sample_rate())));
    }
    return peaks;
}

// The spread of the query's scores against windows of its own length at places spread over the archive:
// a clip shorter than the stored windows scores differently against any audio (its repeat-padding), so
// the refined moments are judged against this null, not the stored windows'. The places are drawn from
// a fixed seed over the stored windows, so a search gives the same answer each time.
score_spread sampled_null(const engine& eng, const catalog& cat, const catalog::segment_rows& rows, double length,
                          const std::vector<float>& query, size_t samples) {
    std::mt19937_64 rng(0x5e67);
    std::uniform_int_distribution<size_t> pick(0, rows.scales.size() - 1);
    std::map<int64_t, std::vector<double>> starts;  // by file, so each is opened once
    for (size_t i = 0; i < samples; i++) {
        const size_t w = pick(rng);
        const double slack = std::max(0.0, static_cast<double>(rows.lengths[w]) - length);
        starts[rows.file_ids[w]].push_back(rows.starts[w] + std::uniform_real_distribution<double>(0, slack)(rng));
    }
    std::vector<float> scores;
    for (auto& [id, at] : starts) {
        const auto e = cat.find(id);
        if (!e) continue;
        try {
            audio_decoder dec(e->path, static_cast<int>(eng.sample_rate()));
            for (double t : at) {
                const std::vector<float> samples_at = dec.read(t, length);
                const std::vector<double> s = scores_at(eng, samples_at, t, {t}, length, query);
                if (s[0] > -2) scores.push_back(static_cast<float>(s[0]));
            }
        } catch (const error&) {
            // an unreadable file adds nothing to the null
        }
    }
    return robust_spread(scores);
}

// Stage 0 (sonavec/find.h): where the clip's fingerprint lines up with a recording's print, placed by
// the spectrogram and scored by the model there. Only recordings in `files` (the model's segments) count.
std::vector<occurrence> print_moments(const library_impl& lib, const engine& eng, const std::set<int64_t>& files,
                                      const std::vector<clip_version>& clip, const std::vector<float>& query,
                                      const find_params& p, int threads, find_report& r) {
    const std::shared_ptr<const library_impl::print_list> prints = lib.recording_prints(p.path_glob);
    for (const catalog::stored_print& s : *prints) r.printed += files.count(s.id);
    std::vector<occurrence> found;
    if (r.printed == 0) return found;
    // The archive is scanned with the versions 1 % apart; each place they line up is rescored with all.
    std::vector<std::span<const uint32_t>> every, scanned;
    std::vector<size_t> scanned_version;
    for (size_t v = 0; v < clip.size(); v++) {
        every.emplace_back(clip[v].print.hashes);
        const double steps = (clip[v].speed - 1) / print_speed_step;
        if (std::fabs(std::remainder(steps, 2.0)) < 1e-6) {
            scanned.emplace_back(clip[v].print.hashes);
            scanned_version.push_back(v);
        }
    }
    std::vector<print_hit> hits = scan_prints(*prints, scanned, p.min_print_similarity, p.max_candidates, threads);
    std::erase_if(hits, [&](const print_hit& h) { return !files.count((*prints)[h.recording].id); });
    r.print_hits = hits.size();
    for (print_hit h : hits) {
        const catalog::stored_print& s = (*prints)[h.recording];
        h.version = scanned_version[h.version];
        h = rescore_hit(s, every, h, rescore_reach_hashes);
        const double rate = static_cast<double>(eng.sample_rate());
        const double at = static_cast<double>(h.offset) * s.print.fingerprint.seconds_per_hash;
        size_t longest_samples = 0;  // the slowest version's
        for (const clip_version& v : clip) longest_samples = std::max(longest_samples, v.samples.size());
        const double longest = static_cast<double>(longest_samples) / rate;
        try {
            audio_decoder dec(s.path, static_cast<int>(eng.sample_rate()));
            const double from = std::max(0.0, at - print_reach_seconds);
            const std::vector<float> samples = dec.read(from, at + longest + print_reach_seconds - from);
            if (samples.empty()) continue;
            // The speed the fingerprints liked best is only near the playing's (under a loud bed their
            // agreement hardly changes over a few steps): that version's spectrogram and its neighbours'
            // (0.5 % either way) are placed, and the one that correlates best says where the clip plays.
            // Not every version: each try is one more chance for unrelated audio to correlate.
            size_t version = h.version;
            spectral_match::placement place{at - from, 0};
            if (clip[h.version].verify) {
                const spectral_match::spectrogram span = spectral_match::spectrogram_of(samples, static_cast<int>(rate));
                place.correlation = -2;
                for (size_t v = 0; v < clip.size(); v++) {
                    if (!clip[v].verify || std::fabs(clip[v].speed - clip[h.version].speed) > print_speed_step * 1.001) continue;
                    // A span no longer than the version (a playing at the recording's end) is compared in place.
                    const spectral_match::placement tried = samples.size() <= clip[v].samples.size()
                                                                ? clip[v].verify->best_placement(samples)
                                                                : clip[v].verify->best_placement(span);
                    if (tried.correlation > place.correlation) place = tried, version = v;
                }
                // Fingerprints that agree by AcoustID's rule for the same recording are proof enough; a
                // weaker agreement needs the spectrogram's word too.
                if (place.correlation < p.min_match && h.similarity < same_recording_similarity) continue;
            }
            const double length = static_cast<double>(clip[version].samples.size()) / rate;  // as played there
            const double start = from + place.offset_seconds;
            // The model hears the clip at its own speed, over the moment's own length.
            const double clip_length = static_cast<double>(clip.front().samples.size()) / rate / clip.front().speed;
            const double score = scores_at(eng, samples, from, {start}, std::min(length, clip_length), query)[0];
            if (score < -1) continue;  // past the decoded end
            found.push_back({s.id, s.path, start, start + length, score, 0, score, place.correlation, h.similarity});
        } catch (const error&) {
            // The file is gone or unreadable now: without its audio the place cannot be checked.
        }
    }
    return found;
}

}  // namespace

namespace find_detail {

find_report find_with(const library_impl& lib, const catalog* cat, const std::vector<float>& query, double length,
                      const engine& eng, const find_params& params, const spectral_match* verify,
                      const std::vector<clip_version>* clip_print) {
    check_params(params);
    find_report r;
    r.query_seconds = length;
    const std::string model = params.model_id.value_or(eng.model_id());
    if (!cat) throw error(error_kind::not_found, lib.dir().string() + " holds no library");
    auto t0 = std::chrono::steady_clock::now();
    const std::shared_ptr<const catalog::segment_rows> held = lib.segment_rows(model, params.path_glob);
    const catalog::segment_rows& rows = *held;
    if (rows.scales.empty())
        throw error(error_kind::not_found,
                    lib.dir().string() + " holds no recordings indexed with the segments plan for model " + model +
                        (params.path_glob.empty() ? "" : " under '" + params.path_glob + "'") +
                        ": index them with `sonavec index --windows segments`");
    if (rows.dim != static_cast<int64_t>(query.size()))
        throw error(error_kind::invalid_input, "the query has " + std::to_string(query.size()) +
                                                   " floats, the segments " + std::to_string(rows.dim));
    const int threads = params.threads > 0 ? params.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::vector<float> scores = scan_segments(rows, query.data(), threads);
    r.windows = rows.scales.size();
    for (size_t i = 0; i < rows.file_ids.size(); i++) r.files += i == 0 || rows.file_ids[i] != rows.file_ids[i - 1];
    const score_spread spread = robust_spread(scores);
    r.median = spread.median;
    r.deviation = spread.deviation;
    r.threshold = params.min_score ? *params.min_score : spread.median + params.min_sigmas * spread.deviation;
    // A candidate bound above the moments' own would drop moments the caller asked for.
    const double candidate_sigmas = std::min(params.candidate_sigmas, params.min_sigmas);
    double floor = spread.median + candidate_sigmas * spread.deviation;
    if (params.min_score) floor = std::min(floor, *params.min_score);
    // With `within`, the spread stays the archive's (the null), but only windows that overlap a stretch of
    // the kind can be candidates.
    std::map<int64_t, file_timeline> within;
    std::vector<float> candidate_scores;
    if (params.within) {
        timeline_params tp = params.timeline;
        tp.path_glob = params.path_glob;
        tp.model_id = model;
        tp.threads = threads;
        check_timeline_params(tp);
        const label_set labels = tp.labels ? *tp.labels : segment_labels(eng);
        for (file_timeline& t : lib.timelines(*cat, rows, labels, eng.logit_scale(), tp)) within.emplace(t.track_id, std::move(t));
        candidate_scores = scores;
        for (size_t i = 0; i < rows.scales.size(); i++) {
            const auto& segments = within[rows.file_ids[i]].segments;
            const double from = rows.starts[i], to = from + rows.lengths[i];
            const bool inside = std::any_of(segments.begin(), segments.end(), [&](const timeline_segment& g) {
                return g.kind == *params.within && g.start_seconds < to && g.end_seconds > from;
            });
            if (inside) r.windows_within++;
            else candidate_scores[i] = -std::numeric_limits<float>::infinity();
        }
    }
    const std::vector<segment_region> regions =
        candidate_regions(rows, params.within ? candidate_scores : scores, floor, params.max_candidates, &r.candidates);
    // A moment is within the kind when its middle is.
    auto outside = [&](const occurrence& o) {
        if (!params.within) return false;
        const auto it = within.find(o.track_id);
        return it == within.end() || kind_at(it->second, (o.start_seconds + o.end_seconds) / 2) != params.within;
    };
    r.scan_seconds = seconds_since(t0);

    std::vector<occurrence> found;
    if (clip_print && params.refine && params.min_print_similarity < 1) {
        t0 = std::chrono::steady_clock::now();
        found = print_moments(lib, eng, std::set<int64_t>(rows.file_ids.begin(), rows.file_ids.end()), *clip_print,
                              query, params, threads, r);
        std::erase_if(found, outside);
        r.print_seconds = seconds_since(t0);
    }
    // A region holding a moment the fingerprints found is not refined again. Where the fingerprints
    // covered every recording, the vectors are the fallback for what they missed (a clip changed past
    // its fingerprint): only regions whose stored window stands out by min_sigmas itself are refined.
    const bool printed_all = clip_print && params.min_print_similarity < 1 && r.printed == r.files &&
                             std::any_of(clip_print->begin(), clip_print->end(),
                                         [](const clip_version& v) { return v.print.hashes.size() >= min_query_hashes; });
    const double fallback_floor = params.min_score ? *params.min_score : spread.median + params.min_sigmas * spread.deviation;
    std::vector<segment_region> to_refine;
    for (const segment_region& g : regions)
        if ((!printed_all || g.best_score >= fallback_floor) && std::none_of(found.begin(), found.end(), [&](const occurrence& o) {
                return o.track_id == g.file_id && o.start_seconds < g.end_seconds && o.end_seconds > g.start_seconds;
            }))
            to_refine.push_back(g);
    r.regions = to_refine.size();

    t0 = std::chrono::steady_clock::now();
    // Moments of the stored windows' length are judged against the stored windows; shorter ones against
    // windows of their own length sampled over the archive.
    score_spread moment_null = spread;
    const double stored_length = *std::max_element(rows.lengths.begin(), rows.lengths.end());
    if (params.refine && (!to_refine.empty() || !found.empty()) && length < stored_length - 1e-6) {
        moment_null = sampled_null(eng, *cat, rows, length, query, params.null_samples);
        if (!params.min_score) r.threshold = moment_null.median + params.min_sigmas * moment_null.deviation;
    }
    r.moment_median = moment_null.median;
    r.moment_deviation = moment_null.deviation;
    const double peak_floor = params.min_score ? *params.min_score
                                               : moment_null.median + candidate_sigmas * moment_null.deviation;
    std::map<int64_t, std::optional<catalog_entry>> entries;
    for (const segment_region& g : to_refine) {
        auto& e = entries[g.file_id];
        if (!e) e = cat->find(g.file_id);
        if (!e) continue;  // removed since the scan
        auto coarse = [&] {
            return occurrence{g.file_id, e->path, g.best_start, g.best_start + g.best_length, g.best_score, 0, g.best_score};
        };
        if (!params.refine) {
            if (g.best_score >= r.threshold) found.push_back(coarse());
            continue;
        }
        try {
            audio_decoder dec(e->path, static_cast<int>(eng.sample_rate()));
            const double duration = dec.info().duration_seconds;
            const double from = std::max(0.0, g.start_seconds - length / 2);
            const double to = std::min(std::max(duration, g.end_seconds), g.end_seconds + length / 2);
            for (const refined_moment& m : refine_region(eng, dec, from, to, length, query, peak_floor, verify))
                if (m.score >= r.threshold && (!verify || m.match >= params.min_match))
                    found.push_back({g.file_id, e->path, m.start, m.start + length, m.score, 0, g.best_score, m.match, 0});
        } catch (const error&) {
            // The file is gone or unreadable now: its stored windows still say where.
            if (g.best_score >= r.threshold) found.push_back(coarse());
        }
    }
    r.refine_seconds = seconds_since(t0);

    // Two playings of one sound cannot overlap: of moments that do (found from two regions, or a peak's
    // shifted shoulder), the best is kept.
    std::stable_sort(found.begin(), found.end(), [](const occurrence& a, const occurrence& b) { return a.score > b.score; });
    std::erase_if(found, outside);
    for (const occurrence& o : found) {
        const bool repeated = std::any_of(r.occurrences.begin(), r.occurrences.end(), [&](const occurrence& k) {
            const double overlap = std::min(k.end_seconds, o.end_seconds) - std::max(k.start_seconds, o.start_seconds);
            return k.track_id == o.track_id && overlap > 1e-6;
        });
        if (repeated) continue;
        r.occurrences.push_back(o);
        r.occurrences.back().sigmas = (o.score - moment_null.median) / moment_null.deviation;
        if (r.occurrences.size() == params.max_results) break;
    }
    return r;
}

}  // namespace find_detail

std::shared_ptr<const catalog::segment_rows> library_impl::segment_rows(const std::string& model_id,
                                                                        const std::string& path_glob) const {
    const catalog* c = reader();
    if (!c) return std::make_shared<const catalog::segment_rows>();
    const std::string fingerprint = c->fingerprint();
    {
        std::lock_guard lock(segments_mutex_);
        if (segments_ && segments_->fingerprint == fingerprint && segments_->model_id == model_id &&
            segments_->path_glob == path_glob)
            return segments_->rows;
    }
    auto rows = std::make_shared<const catalog::segment_rows>(c->segment_windows(model_id, path_glob));
    std::lock_guard lock(segments_mutex_);
    segments_ = loaded_segments{fingerprint, model_id, path_glob, rows};
    return rows;
}

std::shared_ptr<const library_impl::print_list> library_impl::recording_prints(const std::string& path_glob) const {
    const catalog* c = reader();
    if (!c) return std::make_shared<const print_list>();
    const std::string version = c->fingerprint() + "/" + c->recording_prints_version();
    {
        std::lock_guard lock(segments_mutex_);
        if (prints_ && prints_->version == version && prints_->path_glob == path_glob) return prints_->prints;
    }
    // By path: ids follow the order an index run's workers finished in, and recurring's seeds and pairs
    // follow the recordings' order, so the same archive gives the same items whatever the run.
    print_list loaded = c->recording_prints(path_glob, false);
    std::sort(loaded.begin(), loaded.end(), [](const catalog::stored_print& a, const catalog::stored_print& b) { return a.path < b.path; });
    auto prints = std::make_shared<const print_list>(std::move(loaded));
    std::lock_guard lock(segments_mutex_);
    prints_ = loaded_prints{version, path_glob, prints};
    return prints;
}

find_report library_impl::find_clip(const std::filesystem::path& clip, const engine& eng, const find_params& params) const {
    check_params(params);
    audio_decoder dec(clip, static_cast<int>(eng.sample_rate()));
    const double window = static_cast<double>(eng.window_samples()) / static_cast<double>(eng.sample_rate());
    const double length = std::min(window, dec.info().duration_seconds);
    std::vector<float> samples = dec.read(0, length);
    const double decoded = static_cast<double>(samples.size()) / static_cast<double>(eng.sample_rate());
    if (decoded < min_window_seconds)
        throw error(error_kind::invalid_input, clip.string() + ": a clip must hold at least " +
                                                   std::to_string(min_window_seconds) + " s of audio to be found");
    const std::vector<float> query = eng.embed_audio_windows({std::span<const float>(samples)});
    // The clip as if played at other speeds (faster is shorter and higher): its samples taken at another
    // rate and resampled back. The clip's own comes first.
    std::vector<clip_version> versions;
    const int rate = static_cast<int>(eng.sample_rate());
    const bool spectrogram = params.min_match > -1;
    versions.emplace_back(1.0, samples, rate, spectrogram);
    const auto steps = static_cast<int>(std::floor(params.max_speed_change / print_speed_step + 1e-9));
    for (int k = -steps; k <= steps; k++) {
        if (k == 0) continue;
        const double speed = 1 + print_speed_step * k;
        const auto count = static_cast<int64_t>(std::llround(static_cast<double>(samples.size()) / speed));
        versions.emplace_back(speed, resample_mono_span(samples, static_cast<int>(std::lround(rate * speed)), rate, 0, count),
                              rate, spectrogram);
    }
    return find_detail::find_with(*this, reader(), query, decoded, eng, params, spectrogram ? versions.front().verify.get() : nullptr,
                                  &versions);
}

find_report library_impl::find_text(const std::string& text, const engine& eng, const find_params& params) const {
    check_params(params);
    if (text.empty()) throw error(error_kind::invalid_input, "an empty text finds nothing");
    const std::vector<float> query = embed_texts_cached(eng, {text});
    return find_detail::find_with(*this, reader(), query, engine_window_seconds(eng), eng, params, nullptr, nullptr);
}

}  // namespace sonavec
