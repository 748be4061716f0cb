// library::recurring (sonavec/recurring.h): the segments-plan recordings' prints searched for audio
// that plays more than once (library/recurring_matches.h), reported with paths and, when asked,
// an excerpt of each item to listen to.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "audio/audio_decoder.h"
#include "audio/wav_writer.h"
#include "library/library_impl.h"
#include "library/recurring_matches.h"
#include "sonavec/error.h"
#include "sonavec/fingerprint.h"

namespace sonavec {

namespace {

constexpr int excerpt_rate = 48000;
constexpr int print_rate = 11025;  // Chromaprint's, as the recordings' prints were made

void check_params(const recurring_params& p) {
    if (p.min_count < 2 || p.min_count > 1000000) throw error(error_kind::invalid_input, "min count must be from 2 to 1000000");
    if (!(std::isfinite(p.min_length) && p.min_length >= 0 && p.min_length <= 3600))
        throw error(error_kind::invalid_input, "min length must be from 0 to 3600 seconds");
    if (!(std::isfinite(p.min_similarity) && p.min_similarity >= 0.5 && p.min_similarity <= 1))
        throw error(error_kind::invalid_input, "the minimum fingerprint similarity must be from 0.5 to 1");
    if (!(std::isfinite(p.min_gap_seconds) && p.min_gap_seconds >= 0 && p.min_gap_seconds <= 86400))
        throw error(error_kind::invalid_input, "the minimum gap must be from 0 to 86400 seconds");
    if (p.max_seed_share < 2 || p.max_seed_share > 100000)
        throw error(error_kind::invalid_input, "the largest seed share must be from 2 to 100000");
    if (p.max_items < 1) throw error(error_kind::invalid_input, "max items must be at least 1");
    if (!(std::isfinite(p.excerpt_seconds) && p.excerpt_seconds > 0 && p.excerpt_seconds <= 600))
        throw error(error_kind::invalid_input, "an excerpt must be more than 0 and at most 600 seconds");
}

}  // namespace

recurring_report library_impl::recurring(const recurring_params& params) const {
    check_params(params);
    const auto t0 = std::chrono::steady_clock::now();
    const std::shared_ptr<const print_list> prints = recording_prints(params.path_glob);
    if (prints->empty())
        throw error(error_kind::not_found,
                    dir().string() + " holds no recordings indexed with the segments plan and printed" +
                        (params.path_glob.empty() ? "" : " under '" + params.path_glob + "'") +
                        ": index them with `sonavec index --windows segments` (with fingerprints, the default)");
    recurring_report r;
    r.recordings = prints->size();
    for (const catalog::stored_print& s : *prints) r.hours += s.print.fingerprint.duration_seconds / 3600;
    recurring_matches m = find_recurring(*prints, params);
    // Each item's first occurrence as if played at other speeds, to join items that are one sound.
    std::vector<std::vector<audio_fingerprint>> versions;
    for (const std::vector<recurring_span>& spans : m.items) {
        versions.emplace_back();
        const recurring_span& s = spans.front();
        try {
            audio_decoder dec((*prints)[s.recording].path, print_rate);
            const std::vector<float> x = dec.read(s.start_seconds, std::min(10.0, s.end_seconds - s.start_seconds));
            const auto steps = static_cast<int>(std::lround(speed_merge_reach / 0.01));
            for (int k = -steps; k <= steps; k++)
                versions.back().push_back(fingerprint_samples(x.data(), x.size(), 1, static_cast<int>(std::lround(print_rate * (1 + 0.01 * k)))));
        } catch (const error&) {
            // gone or unreadable now: the item keeps only what its hashes joined
        }
    }
    merge_by_speed(m, *prints, versions, params.min_similarity);
    keep_items(m, params.min_count, params.max_items);
    r.seeds = m.seeds;
    r.pairs = m.pairs;
    for (const std::vector<recurring_span>& spans : m.items) {
        recurring_item item;
        std::vector<double> lengths;
        for (const recurring_span& s : spans) {
            const catalog::stored_print& rec = (*prints)[s.recording];
            const double end = std::min(s.end_seconds, std::max(s.start_seconds, rec.print.fingerprint.duration_seconds));
            item.occurrences.push_back({rec.id, rec.path, s.start_seconds, end, s.similarity});
            lengths.push_back(end - s.start_seconds);
        }
        std::nth_element(lengths.begin(), lengths.begin() + static_cast<std::ptrdiff_t>(lengths.size() / 2), lengths.end());
        item.length_seconds = lengths[lengths.size() / 2];
        r.items.push_back(std::move(item));
    }
    if (!params.excerpts_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(params.excerpts_dir, ec);
        if (ec) throw error(error_kind::io, params.excerpts_dir + ": " + ec.message());
        for (size_t i = 0; i < r.items.size(); i++) {
            const recurring_occurrence& o = r.items[i].occurrences.front();
            char name[32];
            std::snprintf(name, sizeof name, "item-%04zu.wav", i + 1);
            const std::filesystem::path out = std::filesystem::path(params.excerpts_dir) / name;
            audio_decoder dec(o.path, excerpt_rate);  // a file gone since indexing is an error naming it
            const std::vector<float> x =
                dec.read(o.start_seconds, std::min(params.excerpt_seconds, o.end_seconds - o.start_seconds));
            write_wav_16(out, x, excerpt_rate);
            r.items[i].excerpt = out.string();
        }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace sonavec
