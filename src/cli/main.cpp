// sonavec command-line front end: dispatches to a subcommand; every error becomes a message on stderr
// and an exit code (0 success, 1 failure, 2 bad usage).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/version.h"

using namespace sonavec::cli;
using sonavec::for_terminal;
using sonavec::multiline_error;

namespace {

std::vector<command> all_commands() {
    return {embed_command(),      embed_text_command(),   model_pull_command(),
            model_info_command(), model_random_command(), bench_command(),
            index_command(),      search_command(),       similar_command(),
            stats_command(),      retag_command(),      prune_command(),
            export_command(),     import_command(),     tag_command(),
            analyze_command(),    write_tags_command(),  learn_command(),
            recommend_command(),  path_command(), duplicates_command(), clusters_command(), map_command(), serve_command(), find_command(),
            recurring_command(), timeline_command()};
}

void print_overview() {
    std::printf(
        "sonavec: local CLAP audio and text embeddings (laion/clap-htsat-unfused)\n\n"
        "usage: sonavec COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (auto& c : all_commands()) std::printf("  %-14s %s\n", c.spec.name.c_str(), c.spec.summary.c_str());
    std::printf(
        "\n'sonavec COMMAND --help' describes a command.\n"
        "The model directory is --model DIR, else $SONAVEC_MODEL, else the cache filled by 'sonavec model pull'.\n"
        "Exit codes: 0 success, 1 failure (message on stderr), 2 bad usage.\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        print_overview();
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
        std::printf("sonavec %s\n", sonavec::version());
        return 0;
    }
    std::string name = args[0];
    size_t consumed = 1;
    if (name == "model" && args.size() > 1 && !args[1].empty() && args[1][0] != '-') {
        name += " " + args[1];
        consumed = 2;
    }
    for (auto& c : all_commands()) {
        if (c.spec.name != name) continue;
        const std::vector<std::string> rest(args.begin() + static_cast<long>(consumed), args.end());
        // What the library has to say besides errors, as the command's own lines.
        sonavec::set_log_callback([name](sonavec::log_level level, const std::string& message) {
            std::fprintf(stderr, "sonavec %s: %s: %s\n", name.c_str(), level == sonavec::log_level::warning ? "warning" : "note",
                         for_terminal(message).c_str());
        });
        try {
            parsed_args parsed = parse_args(c.spec, rest);
            if (parsed.help) {
                std::fputs(help_text(c.spec).c_str(), stdout);
                return 0;
            }
            return c.run(parsed);
        } catch (const multiline_error& e) {
            std::fprintf(stderr, "sonavec %s: error: %s\n", name.c_str(), e.what());  // escaped where it was made
            return 1;
        } catch (const sonavec::error& e) {
            // A bad argument, whether the parser or the library found it: the usage line, exit 2.
            if (e.kind() == sonavec::error_kind::invalid_input) {
                std::fprintf(stderr, "sonavec %s: %s\nusage: sonavec %s %s\n", name.c_str(), for_terminal(e.what()).c_str(),
                             name.c_str(), c.spec.usage.c_str());
                return 2;
            }
            std::fprintf(stderr, "sonavec %s: error: %s\n", name.c_str(), for_terminal(e.what()).c_str());
            return 1;
        } catch (const std::exception& e) {
            // Messages name files, and a file's name can hold terminal escapes.
            std::fprintf(stderr, "sonavec %s: error: %s\n", name.c_str(), for_terminal(e.what()).c_str());
            return 1;
        }
    }
    if (name == "model") {
        std::fprintf(stderr, "sonavec model: expected a subcommand: pull, info or random\n");
    } else {
        std::fprintf(stderr, "sonavec: unknown command '%s'\n", for_terminal(name).c_str());
    }
    print_overview();
    return 2;
}
