#include "timeline_options.h"

#include <map>

namespace sonavec::cli {

std::vector<option_spec> timeline_options() {
    return {{"--example", "KIND=FILE", "use FILE's sound for KIND (speech, music, speech-over-music, noise) instead of "
                                       "the text prompts; repeat it, several files of a kind are averaged"},
            {"--silence-db", "DB", "silence is an RMS level below DB (default -60, ffmpeg silencedetect's)"},
            {"--min-silence", "S", "lasting at least S seconds (default 2, silencedetect's)"}};
}

timeline_params timeline_from(const parsed_args& args, const engine& eng) {
    timeline_params p;
    p.silence_db = args.get_number("--silence-db", -120, 0).value_or(p.silence_db);
    p.min_silence_seconds = args.get_number("--min-silence", 0.1, 3600).value_or(p.min_silence_seconds);
    std::map<std::string, std::vector<std::filesystem::path>> examples;
    const auto it = args.repeated.find("--example");
    if (it != args.repeated.end())
        for (const std::string& e : it->second) {
            const size_t eq = e.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == e.size())
                throw usage_error("--example takes KIND=FILE, such as music=bed.wav");
            const std::string kind = segment_kind_name(parse_segment_kind(e.substr(0, eq)));
            examples[kind].push_back(e.substr(eq + 1));
        }
    if (!examples.empty()) p.labels = segment_labels(eng, examples);
    return p;
}

}  // namespace sonavec::cli
