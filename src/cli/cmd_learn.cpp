// sonavec learn: a linear probe trained on examples the library holds, stored and applied as the inferred
// tag learned=NAME (library::learn); --list and --remove manage the stored probes.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "library_option.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"

namespace sonavec::cli {

namespace {

// Each --positive/--negative value: a comma list of track ids ("12,40,41"), else one file or folder path.
std::vector<std::string> examples_arg(const parsed_args& args, const std::string& name) {
    std::vector<std::string> out;
    const auto it = args.repeated.find(name);
    if (it == args.repeated.end()) throw usage_error("learn needs " + name + " DIR|IDS");
    for (const std::string& value : it->second) {
        const bool ids = !value.empty() && value.find_first_not_of("0123456789,") == std::string::npos;
        if (!ids) {
            out.push_back(value);
            continue;
        }
        for (size_t start = 0; start <= value.size();) {
            const size_t comma = std::min(value.find(',', start), value.size());
            const std::string id = value.substr(start, comma - start);
            if (id.empty()) throw usage_error(name + " expects ids separated by single commas, got '" + value + "'");
            out.push_back(id);
            start = comma + 1;
        }
    }
    return out;
}

// "5,000"
std::string grouped(size_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); i++) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

nlohmann::ordered_json probe_json(const linear_probe& p) {
    return {{"name", p.name},           {"model_id", p.model_id},     {"dim", p.weights.size()},
            {"positives", p.positives}, {"negatives", p.negatives},   {"cv_accuracy", p.cv_accuracy},
            {"l2", p.regularization},   {"threshold", p.threshold}};
}

int list(const library& lib, bool json) {
    const std::vector<linear_probe> probes = lib.probes();
    if (json) {
        nlohmann::ordered_json a = nlohmann::ordered_json::array();
        for (const auto& p : probes) a.push_back(probe_json(p));
        std::printf("%s\n", a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    if (probes.empty()) std::printf("no probes learned (sonavec learn NAME --positive DIR --negative DIR)\n");
    for (const auto& p : probes)
        std::printf("%s: %zu positive, %zu negative, cross-validated accuracy %.1f %%, l2 %g, model %s\n",
                    for_terminal(p.name).c_str(), p.positives, p.negatives, 100 * p.cv_accuracy, p.regularization,
                    for_terminal(p.model_id).c_str());
    return 0;
}

int run(const parsed_args& args) {
    const bool json = args.has("--json");
    if (args.has("--list")) {
        if (!args.positional.empty() || args.has("--remove") || args.has("--positive") || args.has("--negative") ||
            args.has("--l2") || args.has("--model-id"))
            throw usage_error("--list takes no NAME, no examples, no --l2 and no --model-id");
        return list(*library::open(library_dir(args), library::open_mode::read_only), json);
    }
    if (args.has("--remove")) {
        if (!args.positional.empty() || args.has("--positive") || args.has("--negative") || args.has("--l2") ||
            args.has("--model-id"))
            throw usage_error("--remove NAME takes no other NAME, no examples, no --l2 and no --model-id");
        const std::string name = args.get("--remove");
        library::open(library_dir(args), library::open_mode::existing)->remove_probe(name);
        if (json) std::printf("%s\n", nlohmann::ordered_json{{"removed", name}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        else std::printf("removed probe '%s' and its tags\n", for_terminal(name).c_str());
        return 0;
    }
    if (args.positional.size() != 1) throw usage_error("learn needs one NAME (or --list, or --remove NAME)");
    learn_params p;
    if (args.has("--model-id")) p.model_id = args.get("--model-id");
    if (args.has("--l2")) {
        const std::string text = args.get("--l2");
        char* end = nullptr;
        p.probe.l2 = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(p.probe.l2) || p.probe.l2 <= 0)
            throw usage_error("--l2 expects a positive number, got '" + text + "'");
    }
    const std::vector<std::string> positives = examples_arg(args, "--positive"), negatives = examples_arg(args, "--negative");
    auto lib = library::open(library_dir(args), library::open_mode::existing);
    const learn_report r = lib->learn(args.positional[0], positives, negatives, p);
    if (json) {
        nlohmann::ordered_json j = probe_json(r.probe);
        j["folds"] = r.probe.folds;
        j["tracks"] = r.tracks;
        j["tagged"] = r.tagged;
        j["seconds"] = r.seconds;
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
        std::printf("learned '%s': %zu positive, %zu negative, %d-fold accuracy %.1f %%; tagged %s of %s tracks\n",
                    for_terminal(r.probe.name).c_str(), r.probe.positives, r.probe.negatives, r.probe.folds,
                    100 * r.probe.cv_accuracy, grouped(r.tagged).c_str(), grouped(r.tracks).c_str());
    }
    return 0;
}

}  // namespace

command learn_command() {
    return {{"learn",
             "NAME --positive DIR|IDS --negative DIR|IDS [--library PATH] [--model-id M] [--l2 X] [--json] | --list | --remove NAME",
             "Learns a tag from examples: a linear probe on the library's stored vectors, applied to every track.",
             "The probe is a logistic regression with an L2 penalty, each class weighing half (a few positives\n"
             "against many negatives is fine; 2 of each is the least). Its accuracy is cross-validated over up to\n"
             "5 stratified folds, each example predicted by a fit without it, and balanced: the mean of the\n"
             "positives' and the negatives' hit rates, so 50 % is chance. Every track of the examples' model whose\n"
             "probability is at least 0.5 gets the inferred tag learned=NAME (search --where learned=NAME);\n"
             "learning NAME again replaces it, and sonavec retag applies the probes to tracks added since.\n"
             "Examples are a folder (the library's tracks under it) or file, or a comma list of track ids\n"
             "(sonavec search --json shows them); each option may be repeated. No audio is decoded.\n"
             "\n"
             "examples:\n"
             "  sonavec learn wedding --positive ~/music/wedding-picks --negative ~/music/misc\n"
             "  sonavec learn crowd --positive 12,40,41 --negative 7,8,9,10 --l2 0.5\n"
             "  sonavec search --where learned=wedding \"slow piano\"\n"
             "  sonavec learn --list",
             {library_option(),
              {"--positive", "DIR|IDS", "examples of the tag: a folder or file the library holds, or track ids 1,2,3"},
              {"--negative", "DIR|IDS", "examples of what is not the tag, the same way"},
              {"--model-id", "M", "the model whose vectors to learn from (default: the examples' own)"},
              {"--l2", "X", "the penalty on the weights, 1 / C of scikit-learn's LogisticRegression (default 1)"},
              {"--list", "", "list the stored probes"},
              {"--remove", "NAME", "drop a stored probe and its tags"},
              {"--json", "", "print one JSON object (name, model_id, dim, positives, negatives, cv_accuracy, l2, "
                             "threshold, folds, tracks, tagged, seconds); with --list an array"}},
             0,
             1},
            run};
}

}  // namespace sonavec::cli
