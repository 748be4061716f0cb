// Recurring material (library::recurring): audio that plays more than once across an archive of
// recordings indexed with the segments plan (jingles, idents, ads, music beds, a repeated read), found
// without a query and without a model, from the recordings' whole Chromaprint fingerprints:
//   1. seeds: places in two recordings (or far apart in one) whose hashes agree on their top 16 bits
//      (8 of Chromaprint's 16 filters); a value shared by more than max_seed_share places seeds nothing;
//   2. each seed is checked on 2 s of hashes and followed while they keep agreeing (min_similarity),
//      sharply (better than the same stretch shifted by a second) and on hashes that change over time
//      (noise beds and silence have near-constant ones that agree with any other), so a pair of
//      stretches that play the same audio comes out, each at least min_length long;
//   3. stretches of one recording that nearly coincide are one occurrence, and occurrences linked by
//      pairs one item;
//   4. a fingerprint follows the pitch: two playings 0.5 % apart in speed already differ on a quarter of
//      their bits. So each item's first occurrence is also fingerprinted as if played 1 %, 2 %, 3 % and
//      4 % slower and faster, and items whose middles then line up are one item;
//   5. items with at least min_count occurrences are listed, most first.
// BENCHMARKS.md ("Finding moments", its recurring part) measures it on an archive with a jingle played 30 times.
//
//   sonavec::recurring_params rp;  rp.min_count = 3;
//   for (auto& item : lib->recurring(rp).items)
//       for (auto& o : item.occurrences) std::cout << o.path << " " << o.start_seconds << "\n";
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sonavec {

struct recurring_params {
    size_t min_count = 3;       // occurrences an item needs (2 or more)
    // Seconds each matched stretch lasts at least. Below 5 s a stretch is one 2 s block of hashes (4.1 s
    // of audio with their context): on the benchmark's archive, 34 of 44 chance matches between
    // different pieces of music were such, against 6 of the jingle's 160 matched pairs.
    double min_length = 5;
    // The share of equal bits over 2 s of hashes (512 bits) for two stretches to play the same audio:
    // AcoustID's rule for the same recording (a bit error rate of at most 0.15; sonavec/fingerprint.h's
    // same_recording_similarity). Unrelated audio agrees on 0.5 of the bits on average, but a seed is a
    // place where two hashes already agree, and chroma is all Chromaprint hears: on the benchmark's
    // archive, pieces of its generated music in the same key, chords and tempo made 12 items at 0.8 and
    // none at 0.85, while the jingle's item kept 30 of its 30 playings at 0.8 and 27 at 0.85
    // (BENCHMARKS.md, "Finding moments").
    double min_similarity = 0.85;
    // Two stretches of one recording closer than this are one sound held, not a recurrence.
    double min_gap_seconds = 20;
    size_t max_seed_share = 256;  // places a seed value may have before it says nothing
    size_t max_items = 1000;
    std::string path_glob;  // only recordings whose path matches this shell pattern ("" all)
    // When set, each item's first occurrence is written there to listen to, as item-0001.wav, ...
    // (48 kHz mono 16-bit, at most excerpt_seconds from the occurrence's start; the folder is made).
    std::string excerpts_dir;
    double excerpt_seconds = 30;
};

struct recurring_occurrence {
    int64_t track_id = 0;
    std::string path;
    double start_seconds = 0, end_seconds = 0;
    double similarity = 0;  // the best share of equal bits with another occurrence of the item
};

struct recurring_item {
    std::vector<recurring_occurrence> occurrences;  // by path, then time
    double length_seconds = 0;                      // the median occurrence's length
    std::string excerpt;                            // the excerpt written (recurring_params::excerpts_dir)
};

struct recurring_report {
    std::vector<recurring_item> items;  // most occurrences first
    size_t recordings = 0;              // searched (segments-plan recordings with a print)
    double hours = 0;                   // of audio searched
    size_t seeds = 0, pairs = 0;        // seed places checked, and matched pairs of stretches
    double seconds = 0;
};

// {recordings, hours, seeds, pairs, seconds, items: [{length_seconds, count, excerpt, occurrences:
// [{id, path, start_seconds, end_seconds, similarity}]}]}. indent < 0: one line.
std::string recurring_report_json(const recurring_report& r, int indent = -1);

}  // namespace sonavec
