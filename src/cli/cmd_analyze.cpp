// sonavec analyze: the acoustic descriptors of files (tempo, key, loudness, energy, loop), one after
// another, a failure reported and the batch going on.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <memory>
#include <optional>

#include "commands.h"
#include "descriptor_options.h"
#include "progress_bar.h"
#include "sonavec/descriptors.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/tagging.h"
#include "sonavec/track.h"
#include "taxonomy_options.h"

namespace sonavec::cli {

namespace {

nlohmann::json descriptors_json(const std::string& path, const track_descriptors& d,
                                const std::vector<taxonomy_tags>* tags) {
    nlohmann::json j = nlohmann::json::parse(sonavec::descriptors_json(d));
    j["path"] = path;
    j["duration_seconds"] = d.duration_seconds;
    j["sample_rate"] = d.sample_rate;
    j["channels"] = d.channels;
    j["bpm_raw"] = d.bpm_raw > 0 ? nlohmann::json(d.bpm_raw) : nlohmann::json(nullptr);
    if (tags) j["tags"] = nlohmann::json(tags_json(*tags));
    return j;
}

std::string level(double v, const char* unit) {
    if (!std::isfinite(v)) return std::string("-inf ") + unit;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, unit);
    return buf;
}

std::string descriptors_text(const std::string& path, const track_descriptors& d,
                             const std::vector<taxonomy_tags>* tags) {
    char buf[512];
    std::string s = for_terminal(path) + "\n";
    if (d.bpm > 0)
        std::snprintf(buf, sizeof buf, "  bpm       %.1f (tracker %.1f, confidence %.2f)\n", d.bpm, d.bpm_raw,
                      d.bpm_confidence);
    else
        std::snprintf(buf, sizeof buf, "  bpm       none (no steady beat)\n");
    s += buf;
    if (!d.key.empty())
        std::snprintf(buf, sizeof buf, "  key       %s (%s, confidence %.2f)\n", d.key.c_str(), d.camelot.c_str(),
                      d.key_confidence);
    else
        std::snprintf(buf, sizeof buf, "  key       none\n");
    s += buf;
    s += "  loudness  " + level(d.loudness_lufs, "LUFS") + ", range " + level(d.loudness_range_lu, "LU") +
         ", true peak " + level(d.true_peak_dbtp, "dBTP") + "\n";
    std::snprintf(buf, sizeof buf, "  energy    %.2f\n  loop      %s\n", d.energy, d.loop ? "yes" : "no");
    s += buf;
    for (const auto& t : tags ? *tags : std::vector<taxonomy_tags>{}) {
        std::snprintf(buf, sizeof buf, "  %-9s ", t.taxonomy.c_str());
        s += buf + for_terminal(tags_line(t.tags)) + "\n";
    }
    return s;
}

void write_stdout(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
        throw error(error_kind::io, "cannot write to standard output");
}

int run(const parsed_args& args) {
    const descriptor_params params = descriptor_params_arg(args);
    const bool json = args.has("--json"), with_tags = !args.has("--no-tags");
    // Zero-shot tags as `sonavec tag` gives them (top 3 per taxonomy), the model opened once.
    const std::vector<taxonomy> taxonomies = with_tags ? taxonomies_arg(args) : std::vector<taxonomy>{};
    const audio_file_walk walk =
        find_audio_files(std::vector<std::filesystem::path>(args.positional.begin(), args.positional.end()));
    for (const auto& u : walk.unreadable)
        std::fprintf(stderr, "sonavec analyze: cannot read %s: %s\n", for_terminal(u.path.string()).c_str(),
                     for_terminal(u.reason).c_str());
    const auto& files = walk.files;
    if (files.empty()) throw error(error_kind::not_found, "no audio files found in the given folders");

    std::unique_ptr<engine> eng;
    std::vector<label_set> sets;
    track_embed_params track;
    if (with_tags) {
        eng = open_engine(args);
        validate_track_params(track, *eng);
        for (const auto& t : taxonomies) sets.push_back(prepare_labels(*eng, t, !args.has("--no-cache")));
    }
    progress_bar progress("analyze", files.size(), args.has("--quiet") || files.size() == 1);
    nlohmann::json all = nlohmann::json::array();
    std::string text, summary;
    size_t failed = 0;
    for (const auto& file : files) {
        const std::string path = file.string();
        try {
            const track_descriptors d = analyze_file(file, params);
            std::optional<tagged_track> tagged;
            if (with_tags) tagged = tag_track(*eng, file, sets, track, tag_params{});
            const std::vector<taxonomy_tags>* tags = tagged ? &tagged->tags : nullptr;
            if (json) all.push_back(descriptors_json(path, d, tags));
            else {
                if (!text.empty()) text += '\n';
                text += descriptors_text(path, d, tags);
            }
            progress.succeeded(path);
        } catch (const error& e) {
            if (e.kind() == error_kind::invalid_input) throw;
            ++failed;
            progress.failed(path, e.what());
            summary += "  " + for_terminal(e.what()) + "\n";
        }
    }
    progress.finish();
    write_stdout(json ? all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n" : text);
    if (failed == 0) return walk.unreadable.empty() ? 0 : 1;
    std::fprintf(stderr, "sonavec analyze: %zu of %zu files failed:\n%s", failed, files.size(), summary.c_str());
    return 1;
}

}  // namespace

command analyze_command() {
    return {{"analyze",
             "[--json] [--no-tags] [--taxonomy NAMES|FILE] [--model DIR] [--tempo qm|aubio] [--excerpt S] [--bpm-range MIN-MAX] [--quiet] FILE|DIR...",
             "Acoustic descriptors of audio files: tempo (BPM), key and mode (with Camelot), EBU R128 loudness "
             "(integrated, range, true peak), energy 0-1 and loop or one-shot. Folders are searched recursively.",
             "Then the zero-shot tags of sonavec tag (top 3 per taxonomy; --taxonomy, --template), unless\n"
             "--no-tags, which also needs no model.\n"
             "\n"
             "  bpm       60 / the median beat interval of Queen Mary's beat tracker (or aubio with --tempo aubio),\n"
             "            doubled or halved into --bpm-range (default 60-200); the tracker's own value is shown too\n"
             "  key       Queen Mary's key profiles, the best fit over the whole track (or excerpt); camelot: 8B = C major\n"
             "  loudness  libebur128 on the file's own channels and rate: LUFS, LU, dBTP (-inf for silence)\n"
             "  energy    0.5 x loudness (-40..-6 LUFS -> 0..1) + 0.5 x onset density (0..8 per second -> 0..1)\n"
             "  loop      at most 60 s, still sounding in its last 50 ms, and 1, 2, 4, ... or 64 beats long (3 %)\n"
             "\n"
             "--json keys: path, duration_seconds, sample_rate, channels, bpm, bpm_raw, bpm_confidence, key, camelot,\n"
             "key_confidence, loudness_lufs, loudness_range_lu, true_peak_dbtp, energy, loop (null where none), and\n"
             "tags ({TAXONOMY: [{label, probability}]}).\n"
             "A file that cannot be read is reported with the reason and the others are still analysed.\n"
             "exit codes: 0 every file analysed, 1 some file or folder failed, 2 bad usage\n"
             "\n"
             "examples:\n"
             "  sonavec analyze song.flac\n"
             "  sonavec analyze --json --excerpt 60 ~/Samples > descriptors.json",
             {{"--json", "", "a JSON array of one object per file"},
              {"--no-tags", "", "descriptors only, without zero-shot tags (no model needed)"},
              taxonomy_option(),
              template_option(),
              model_option(),
              precision_option(),
              no_text_cache_option(),
              tempo_method_option(),
              excerpt_option(),
              bpm_range_option(),
              {"--quiet", "", "no progress; failures are still reported"}},
             1},
            run};
}

}  // namespace sonavec::cli
