// sonavec tag: zero-shot tags for files outside a library (sonavec/tagging.h).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.h"
#include "progress_bar.h"
#include "sonavec/escaped_text.h"
#include "sonavec/float_text.h"
#include "sonavec/model.h"
#include "sonavec/tagging.h"
#include "taxonomy_options.h"
#include "track_options.h"

namespace sonavec::cli {

namespace {

tag_params parse_tag_params(const parsed_args& args) {
    tag_params p;
    p.top = args.get_int("--top", p.top);
    if (p.top < 1 || p.top > 1000) throw usage_error("--top expects 1 to 1000, got " + std::to_string(p.top));
    p.multi = args.has("--multi");
    if (p.multi && args.has("--top")) p.rule.max_labels = p.top;  // --multi --top K: at most K labels
    return p;
}

void print_human(const std::string& path, const std::vector<taxonomy_tags>& tags) {
    std::printf("%s\n", for_terminal(path).c_str());
    size_t width = 0;
    for (const auto& t : tags) width = std::max(width, t.taxonomy.size());
    for (const auto& t : tags) {
        const std::string line = t.tags.empty() ? "(nothing stands out)" : tags_line(t.tags);
        std::printf("  %-*s  %s\n", static_cast<int>(width), t.taxonomy.c_str(), for_terminal(line).c_str());
    }
}

void print_json(const track_embedding& track, const std::vector<taxonomy_tags>& tags) {
    nlohmann::ordered_json j;
    j["path"] = track.path.string();
    j["duration_seconds"] = track.info.duration_seconds;
    j["tags"] = tags_json(tags);
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

int run(const parsed_args& args) {
    const std::vector<taxonomy> taxonomies = taxonomies_arg(args);
    const tag_params tp = parse_tag_params(args);
    track_embed_params track = parse_track_options(args);
    const int cores = file_threads(args);
    const bool json = args.has("--json");

    const audio_file_walk walk =
        find_audio_files(std::vector<std::filesystem::path>(args.positional.begin(), args.positional.end()));
    for (const auto& u : walk.unreadable)
        std::fprintf(stderr, "sonavec tag: cannot read %s: %s\n", for_terminal(u.path.string()).c_str(),
                     for_terminal(u.reason).c_str());
    const std::vector<std::filesystem::path>& files = walk.files;
    if (files.empty()) throw error(error_kind::not_found, "no audio files found in the given folders");

    engine_params p = engine_default_params();
    p.threads = cores;
    p.products = products_precision(args);
    p.model_dir = resolve_model_dir(args.get("--model"));
    const auto eng = engine::open(p);
    validate_track_params(track, *eng);
    // The labels' text vectors first: from the text cache after the first run, no text tower at all.
    std::vector<label_set> sets;
    for (const auto& t : taxonomies) sets.push_back(prepare_labels(*eng, t, !args.has("--no-cache")));
    eng->preload(true, false);

    std::vector<std::optional<tagged_track>> results(files.size());
    std::vector<std::string> failures(files.size());
    progress_bar progress("tag", files.size(), args.has("--quiet") || files.size() == 1);
    embed_tracks_params ep;
    ep.track = track;
    ep.workers = cores;
    embed_tracks(*eng, files, ep, [&](size_t i, const track_embedding* t, const std::string& reason) {
        const std::string path = files[i].string();
        if (!t) {
            // Decoder messages start with the path, which the report already shows.
            failures[i] = reason.rfind(path + ": ", 0) == 0 ? reason.substr(path.size() + 2) : reason;
            if (failures[i].empty()) failures[i] = "unknown error";
            progress.failed(path, failures[i]);
            return;
        }
        results[i] = tagged_track{*t, tag_vector(t->vector, sets, eng->logit_scale(), tp)};
        progress.succeeded(path);
    });
    progress.finish();

    size_t failed = 0;
    for (size_t i = 0; i < files.size(); i++) {
        if (!results[i]) {
            failed++;
            continue;
        }
        if (json) print_json(results[i]->track, results[i]->tags);
        else print_human(files[i].string(), results[i]->tags);
    }
    if (std::fflush(stdout) != 0) throw error(error_kind::io, "cannot write to standard output");
    if (failed) std::fprintf(stderr, "sonavec tag: %zu of %zu files failed\n", failed, files.size());
    return failed || !walk.unreadable.empty() ? 1 : 0;
}

std::vector<option_spec> tag_option_specs() {
    std::vector<option_spec> specs = {
        model_option(),
        taxonomy_option(),
        template_option(),
        {"--top", "K", "labels per taxonomy (default 3); with --multi, the most it may keep (default 10)"},
        {"--multi", "", "every label about as likely as the best one (see below) instead of the top K"},
        {"--json", "", "one JSON object per file: {\"path\", \"duration_seconds\", \"tags\": {TAXONOMY: [{label, "
                       "probability}]}}"}};
    for (auto& o : track_option_specs(""))
        if (o.name != "--per-window") specs.push_back(o);
    specs.push_back(file_threads_option());
    specs.push_back(precision_option());
    specs.push_back(no_text_cache_option());
    specs.push_back({"--quiet", "", "no progress; failures are still reported"});
    return specs;
}

}  // namespace

command tag_command() {
    return {{"tag",
             "[--model DIR] [--taxonomy NAMES|FILE] [--template T] [--top K] [--multi] [--windows PLAN] [--json] "
             "FILE|DIR...",
             "Zero-shot tags for audio files: each taxonomy's most probable labels, the softmax over its labels of "
             "the model's logit scale times the cosine between the file's vector and each label's prompts.",
             "A taxonomy file holds one label per line; '#' starts a comment, and \"# template: TEXT\" lines\n"
             "(TEXT with {} where the label goes) give its prompts, averaged when there are several (default\n"
             "\"This is a sound of {}.\"). A label \"parent/child\" is prompted with the child's text alone.\n"
             "The labels' text vectors are kept in the text cache: later runs skip the text tower.\n\n"
             "--multi keeps each label whose probability is at least half the best one's and at least twice\n"
             "uniform (2 / labels): a track may be both \"dark\" and \"ominous\", and when nothing stands out\n"
             "nothing is claimed (\"(nothing stands out)\", an empty list in --json).\n\n"
             "Exit status: 0 when every file was tagged, 1 when one failed (the others are still printed),\n"
             "2 for bad usage (an unknown taxonomy, a template without {}, a bad taxonomy file).\n\n"
             "examples:\n"
             "  sonavec tag --taxonomy genre,mood --top 2 song.mp3\n"
             "  sonavec tag --taxonomy sfx --multi --json ~/Sounds/Library\n"
             "  sonavec tag --taxonomy my-labels.txt --template \"{}\" clip.wav",
             tag_option_specs(), 1},
            run};
}

}  // namespace sonavec::cli
