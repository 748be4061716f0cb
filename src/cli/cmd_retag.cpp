// sonavec retag: the library's inferred tags recomputed from its stored vectors (library::retag).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "library_option.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"
#include "taxonomy_options.h"

namespace sonavec::cli {

namespace {

int run(const parsed_args& args) {
    const std::vector<taxonomy> taxonomies = taxonomies_arg(args);  // before the model loads
    const bool quiet = args.has("--quiet"), json = args.has("--json");
    auto lib = library::open(library_dir(args), library::open_mode::existing);
    const auto eng = open_engine(args);
    retag_params p;
    p.threads = threads_arg(args, 0);
    p.use_cache = !args.has("--no-cache");
    p.progress = [&](const std::string& name, size_t done, size_t total) {
        if (!quiet)
            std::fprintf(stderr, "sonavec retag: %zu/%zu %s\n", done + 1, total, for_terminal(name).c_str());
    };
    const retag_report r = lib->retag(*eng, taxonomies, p);
    if (json) {
        nlohmann::ordered_json j{{"model_id", r.model_id},   {"tracks", r.tracks},         {"taxonomies", r.taxonomies},
                                 {"labels", r.labels},       {"stored", r.stored},         {"probes", r.probes},
                                 {"scoring_seconds", r.scoring_seconds}};
        std::printf("%s\n", j.dump().c_str());
    } else {
        std::printf("retagged %zu tracks: %zu taxonomies, %zu labels, %zu learned probes, %zu tags stored (scoring %.2f s)\n",
                    r.tracks, r.taxonomies, r.labels, r.probes, r.stored, r.scoring_seconds);
    }
    return 0;
}

}  // namespace

command retag_command() {
    return {{"retag",
             "[--library PATH] [--taxonomy NAMES|FILE] [--template T] [--model DIR] [--json]",
             "Recomputes the library's inferred tags from its stored vectors and the labels' text vectors: no "
             "audio is decoded or embedded.",
             "Each track keeps, per taxonomy, the labels that the multi-label rule of sonavec tag --multi keeps\n"
             "(probability at least half the best one's and twice the uniform 1/labels), or its most probable\n"
             "label when none stands out. A taxonomy's old tags are replaced, the others' kept. The model must be\n"
             "the one that made the vectors (see sonavec stats). Search and similar filter on the result with\n"
             "--where TAXONOMY=LABEL. The probes of sonavec learn (of this model) are applied again too.\n"
             "\n"
             "examples:\n"
             "  sonavec retag\n"
             "  sonavec retag --taxonomy mood,my-moods.txt --library /data/music-library\n"
             "  sonavec search --where mood=melancholic \"piano\"",
             {library_option(), taxonomy_option(), template_option(), model_option(), threads_option(),
              precision_option(), no_text_cache_option(),
              {"--quiet", "", "no line per taxonomy on stderr"},
              {"--json", "", "print one JSON object: model_id, tracks, taxonomies, labels, stored, probes, scoring_seconds"}},
             0,
             0},
            run};
}

}  // namespace sonavec::cli
