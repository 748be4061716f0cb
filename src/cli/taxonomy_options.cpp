#include "taxonomy_options.h"

#include <cstdio>
#include <sstream>
#include <string>

namespace sonavec::cli {

option_spec taxonomy_option() {
    return {"--taxonomy", "NAMES|FILE",
            std::string("comma-separated built-in taxonomies (genre, mood, instrument, vocals, usecase, sfx, segments) and/or "
                        "taxonomy files; default ") + default_taxonomies};
}

option_spec template_option() {
    return {"--template", "T", "prompt template for every label instead of the taxonomy's own; \"{}\" uses each label as is"};
}

std::vector<taxonomy> taxonomies_arg(const parsed_args& args) {
    std::vector<taxonomy> out;
    std::stringstream list(args.get("--taxonomy", default_taxonomies));
    for (std::string item; std::getline(list, item, ',');) {
        if (item.empty()) continue;
        taxonomy t = find_taxonomy(item);
        for (const auto& seen : out)
            if (seen.name == t.name) throw usage_error("--taxonomy names '" + t.name + "' twice");
        out.push_back(std::move(t));
    }
    if (out.empty()) throw usage_error("--taxonomy names no taxonomy");
    if (args.has("--template"))
        for (auto& t : out) t = with_templates(std::move(t), {args.get("--template")});
    return out;
}

std::string tags_line(const std::vector<tag>& tags) {
    std::string line;
    for (const auto& g : tags) {
        char p[32];
        std::snprintf(p, sizeof p, " %.3f", g.probability);
        line += (line.empty() ? "" : ", ") + g.label + p;
    }
    return line;
}

nlohmann::ordered_json tags_json(const std::vector<taxonomy_tags>& tags) {
    nlohmann::ordered_json by_taxonomy = nlohmann::ordered_json::object();
    for (const auto& t : tags) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const auto& g : t.tags) list.push_back({{"label", g.label}, {"probability", g.probability}});
        by_taxonomy[t.taxonomy] = list;
    }
    return by_taxonomy;
}

}  // namespace sonavec::cli
