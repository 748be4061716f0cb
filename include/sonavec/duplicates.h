// Duplicates in a library, in three tiers, for review: nothing is ever deleted or moved.
//
//   sonavec::duplicate_params p;                       // every tier
//   sonavec::duplicate_report r = lib->duplicates(p);
//   for (const auto& g : r.groups)                     // g.members[0] is the copy to keep
//       std::printf("%s: keep %s\n", sonavec::duplicate_tier_name(g.tier), g.members[0].path.c_str());
//
// 1. identical: the same bytes (the catalog's content hash).
// 2. same recording: re-encoded, resampled, trimmed by a few seconds or changed in gain; Chromaprint
//    fingerprints (sonavec/fingerprint.h, stored by index) at the best offset.
// 3. similar: CLAP cosine at or above a threshold, between tracks whose durations are close; pitch-shifted,
//    stretched or edited variants and the same sound at another length. Reported as "similar", never "same".
//
// A track is in at most one group of each tier, and a group of a higher tier holds one copy of each lower
// group (its kept copy): the identical copies of a recording are listed once, under tier 1.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sonavec/fingerprint.h"

namespace sonavec {

enum class duplicate_tier { identical = 1, same_recording = 2, similar = 3 };
// "identical", "same-recording", "similar"; parse_duplicate_tier also takes "1", "2", "3" (invalid_input otherwise).
const char* duplicate_tier_name(duplicate_tier t);
duplicate_tier parse_duplicate_tier(const std::string& name);

// Tier 3's default threshold. No published figure gives CLAP's audio-to-audio cosine for "a variant of
// the same sound", and it cannot be measured here without the real weights (the random-weight vectors
// of this repository's tests say nothing about it), so this is a deliberately strict starting point, not
// a calibrated value: high enough that only near neighbours are reported. bench_duplicates prints the
// cosines of its pitch-shifted copies so that a run with the real weights can place it. Lower it to see
// more, looser variants.
inline constexpr double similar_min_cosine = 0.92;
// Tier 3 pairs only tracks whose durations differ by at most this factor (shorter / longer >= 0.5): the
// same sound at another length, not a one-shot against a whole song that happens to contain it.
inline constexpr double similar_min_duration_ratio = 0.5;

struct duplicate_params {
    std::vector<duplicate_tier> tiers = {duplicate_tier::identical, duplicate_tier::same_recording,
                                         duplicate_tier::similar};
    double same_recording = same_recording_similarity;  // tier 2: fingerprint similarity at the best offset
    double max_offset_seconds = 10;                     // tier 2: how far a trimmed copy may be shifted
    double similar_cosine = similar_min_cosine;         // tier 3
    double min_duration_ratio = similar_min_duration_ratio;  // tier 3 (not applied where a duration is unknown)
    // Tier 3's model, when the library holds several (else its only one).
    std::optional<std::string> model_id;
    int threads = 0;  // 0: all cores
    // Called now and then with (stage, done, total): "fingerprints", "similar".
    std::function<void(const std::string& stage, size_t done, size_t total)> progress;
    const std::atomic<bool>* cancel = nullptr;  // stops between stages and steps: error_kind::cancelled
};

struct duplicate_member {
    int64_t id = 0;
    std::string path;
    std::string format;
    double duration_seconds = 0;
    uint64_t size_bytes = 0;
    int64_t bitrate = 0;     // size x 8 / duration, bits per second (0 without a duration)
    bool lossless = false;   // flac, wav, aiff, alac, wavpack, ape, tta, ...
    double score = 1;        // against the kept copy: 1 for it and for identical bytes; tier 2's
                             // fingerprint similarity; tier 3's cosine
    double offset_seconds = 0;  // tier 2: where this copy starts in the kept one (> 0: trimmed at its start)
};

struct duplicate_group {
    duplicate_tier tier = duplicate_tier::identical;
    // The suggested copy to keep first (lossless over lossy, then the higher bitrate (by more than 5 %),
    // then the longer, then the lower id), then the others by score, best first. Every member is checked against the kept copy
    // itself, never only through another member, so a chain of near matches never joins two recordings.
    std::vector<duplicate_member> members;
};

struct duplicate_report {
    std::vector<duplicate_group> groups;  // by tier, then by the kept copy's path
    size_t tracks = 0;                    // ok tracks looked at
    size_t without_fingerprint = 0;       // tracks with a file but no stored fingerprint (index them again)
    size_t fingerprint_candidates = 0;    // tier 2 pairs compared in full after the hash index
    // Tier 3: pairs at or above similar_cosine from the vector index (all of them when it is exact; through
    // each track's 8 nearest lists when it is IVF), before the duration gate.
    size_t similar_candidates = 0;
    double seconds = 0;
};

// Whether a is the better copy to keep: lossless over lossy, then the higher bitrate (by more than 5 %),
// then the longer (by more than 10 ms), then the lower id. The order of each group's members[0].
bool keep_before(const duplicate_member& a, const duplicate_member& b);

// Whether a container or codec name (catalog_entry::format) is lossless.
bool lossless_format(const std::string& format);

}  // namespace sonavec
