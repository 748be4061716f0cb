#include "descriptor_options.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "sonavec/escaped_text.h"

namespace sonavec::cli {

option_spec tempo_method_option() { return {"--tempo", "METHOD", "qm (default) or aubio"}; }

option_spec excerpt_option() {
    return {"--excerpt", "S", "tempo and key from S seconds around the middle (default 0: the whole track)"};
}

option_spec bpm_range_option() {
    return {"--bpm-range", "MIN-MAX", "fold the tempo by octaves into [MIN, MAX) (default 60-200)"};
}

descriptor_params descriptor_params_arg(const parsed_args& args) {
    descriptor_params p;
    const std::string tempo = args.get("--tempo", "qm");
    if (tempo == "qm") p.tempo = tempo_method::qm;
    else if (tempo == "aubio") p.tempo = tempo_method::aubio;
    else throw usage_error("--tempo must be qm or aubio, not " + for_terminal(tempo));
    if (args.has("--excerpt")) {
        const std::string s = args.get("--excerpt");
        char* end = nullptr;
        p.excerpt_seconds = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0' || !(p.excerpt_seconds >= 0) || !std::isfinite(p.excerpt_seconds))
            throw usage_error("--excerpt takes seconds (0: the whole track), not " + for_terminal(s));
    }
    if (args.has("--bpm-range")) {
        const std::string s = args.get("--bpm-range");
        double lo = 0, hi = 0;
        char tail = 0;
        if (std::sscanf(s.c_str(), "%lf-%lf%c", &lo, &hi, &tail) != 2)
            throw usage_error("--bpm-range takes MIN-MAX, such as 70-180, not " + for_terminal(s));
        p.min_bpm = lo;
        p.max_bpm = hi;
    }
    try {
        check_descriptor_params(p);
    } catch (const error& e) {
        throw usage_error(e.what());
    }
    return p;
}

}  // namespace sonavec::cli
