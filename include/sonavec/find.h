// Moments inside long recordings (library::find_clip, find_text): where in an archive a clip plays, or
// which stretches sound like a description. The recordings are indexed with the segments plan
// (sonavec/window_plan.h: 10 s windows every 5 s, their vectors kept in compact form, and a Chromaprint
// fingerprint of the whole recording), then:
//   0. a clip's own fingerprint, in versions as if played up to 2 % slower and faster, is slid along
//      each recording's: where at least min_print_similarity of the bits agree, the clip is placed by
//      its spectrogram (every 10 ms, within a second of the fingerprint's place) and kept when that matches too (min_match), or when the fingerprints agree
//      by AcoustID's rule for the same recording (sonavec/fingerprint.h). This finds the clip itself,
//      under noise, gain and small speed changes, whatever the model's weights; the vectors add what
//      merely sounds like it:
//   1. every stored window is scored against the query (cosine, an exact scan); where stage 0 covered
//      every recording, this is the fallback for what it missed, and only windows that reach min_sigmas
//      themselves go on (a region costs about 20 window embeddings);
//   2. the windows that stand out become candidates: adjacent ones merge into one region per moment;
//      a clip shorter than the windows gets its own null too: windows of its length sampled over the
//      archive and embedded, since padding makes its scores against any audio differ from a window's;
//   3. each region is decoded again and re-embedded with windows of the query's own length (a clip's
//      length, or the tower's 10 s for a text) every second, then every 0.25 s around the best, so an
//      occurrence is placed to within about half a second;
//   4. a clip's moments must also match its log-mel spectrogram (find_params::min_match), a check that
//      needs no model: vectors say "sounds like", the spectrogram "is the same sound";
//   5. occurrences that overlap are merged (one sound cannot play twice at once), the best kept.
//
//   sonavec::find_params fp;
//   sonavec::find_report r = lib->find_clip("jingle.wav", *eng, fp);
//   for (auto& o : r.occurrences) std::cout << o.path << " " << o.start_seconds << " " << o.score;
//
// What "stands out" means needs no calibrated threshold (none can be calibrated without the real
// weights): each query's scores are compared with their own spread over the archive, a robust
// z-score (median and 1.4826 x median absolute deviation), and a candidate or an occurrence must lie
// that many deviations above the median. min_score sets an absolute cosine bound instead.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sonavec/timeline.h"

namespace sonavec {

struct find_params {
    // Occurrences must score at least this (cosine of their refined window with the query); unset:
    // min_sigmas robust deviations above the median window of the archive for this query.
    std::optional<double> min_score;
    // 5 sigma: for a normal null a one-sided false-alarm rate of 2.9e-7 per window, about 0.2 chance
    // windows in 1,000 hours at a 5 s hop (particle physics' discovery convention; not tuned here).
    double min_sigmas = 5;
    // The stored windows are a cheap filter, not the decision: a 3 s clip is a third of a 10 s window,
    // so the windows that hold it stand out only a little. Windows from 1 sigma above the median are
    // candidates, the best max_candidates of them (a moment lies in 2 or 3 windows: 100 covers about 40
    // playings; raise it for a clip that plays more often). Each costs about 20 window embeddings.
    double candidate_sigmas = 1;  // used as min(candidate_sigmas, min_sigmas)
    size_t max_candidates = 100;
    // A clip shorter than the stored windows is judged against this many windows of its own length,
    // embedded at places drawn over the archive (from a fixed seed): its own null.
    size_t null_samples = 64;
    // A clip's moments must also be its own sound: the log-mel spectrograms of the clip and of the moment,
    // each each band made zero-mean over time (gain and spectral envelope do not count), correlate at least this much (-1 turns the check off;
    // text queries have no spectrogram to compare). The default sits between what the benchmark measures
    // for the same clip under noise, gain and 2 % speed changes and for other clips (BENCHMARKS.md,
    // "Finding moments"); it depends on the signals, not on the model's weights.
    double min_match = 0.5;
    // The share of equal fingerprint bits where a clip's fingerprint lines up with a recording's, for a
    // moment of stage 0; 1 turns the stage off. Unrelated audio agrees on about half the bits: the best
    // offset of a 5 s clip over 30 s of other music or noise agrees on 0.60 at most, the clip itself
    // under a bed 12 dB down, -6..+3 dB of gain and a speed within 0.5 % of a version tried on 0.86 and
    // more (BENCHMARKS.md, "Finding moments"). 0.7 sits between; the spectral match then decides.
    // Model-independent.
    double min_print_similarity = 0.7;
    // A fingerprint follows the pitch: a clip played 0.5 % fast already loses a quarter of its bits.
    // So the clip's fingerprint is also taken as if played at speeds 0.5 % apart, up to this change either
    // way (0.02: 0.98, 0.985, ..., 1.02, 9 versions; a tape or a resampler's drift). Those 1 % apart are
    // slid along the archive, each costing one more pass; each place where one lines up is rescored with
    // all, and the spectrogram placed at the best speed and its neighbours'.
    double max_speed_change = 0.02;
    size_t max_results = 1000;      // occurrences returned, best first
    bool refine = true;             // false: the stored windows' spans and scores as they are (no stage 0 either)
    // Only moments whose middle lies in a stretch of this kind (sonavec/timeline.h); the scan's candidates
    // are the windows that overlap one. `timeline` says how the timelines are made (its path_glob, model_id
    // and threads are find's own). Unset: anywhere.
    std::optional<segment_kind> within;
    timeline_params timeline;
    std::string path_glob;          // only files whose path matches this shell pattern ("" all)
    std::optional<std::string> model_id;  // by default the engine's
    int threads = 0;                // for the scan (0: all cores); the refinement uses the engine's threads
};

struct occurrence {
    int64_t track_id = 0;
    std::string path;
    double start_seconds = 0, end_seconds = 0;
    double score = 0;         // cosine with the query (of the refined window, or the stored one)
    double sigmas = 0;        // (score - the archive's median) / its robust deviation, for this query
    double coarse_score = 0;  // the best stored window's cosine in the candidate region
    double match = 0;         // the clip's spectral correlation with the moment (find_params::min_match)
    double print_similarity = 0;  // the fingerprints' share of equal bits, for a moment found by them (else 0)
};

struct find_report {
    std::vector<occurrence> occurrences;  // best first
    size_t windows = 0, files = 0;        // searched
    size_t candidates = 0, regions = 0;   // windows above the candidate bound, and the regions they formed
    size_t printed = 0, print_hits = 0;   // recordings with a print, and the places the clip's fingerprint lined up
    size_t windows_within = 0;            // with find_params::within: the windows that overlap a stretch of its kind
    double query_seconds = 0;             // the query's window length: the clip's, or the tower's for text
    double median = 0, deviation = 0;     // the archive's window scores for this query: median, robust sigma
    // The null the moments were judged against: the stored windows' (as above), or for a clip shorter
    // than them, windows of its length sampled over the archive (find_params::null_samples).
    double moment_median = 0, moment_deviation = 0;
    double threshold = 0;                 // the score an occurrence needed
    // scan: reading the windows (out of the catalog on a handle's first find, and after each change to
    // the catalog; kept in the handle otherwise) and scoring them.
    double scan_seconds = 0, refine_seconds = 0;
    double print_seconds = 0;  // stage 0: reading the prints (as the windows), sliding, placing and scoring
};

// The report as JSON (what `sonavec find --json`, GET /api/find and Python's Library.find give):
// {query_seconds, windows, files, candidates, regions, printed, print_hits, windows_within, median, deviation,
// moment_median, moment_deviation, threshold, scan_seconds, refine_seconds, print_seconds,
// occurrences: [{id, path, start_seconds, end_seconds, score, sigmas, coarse_score, match,
// print_similarity}]}. indent < 0: one line.
std::string find_report_json(const find_report& r, int indent = -1);

}  // namespace sonavec
