#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "library_option.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"

namespace sonavec::cli {

namespace {

constexpr size_t listed_failures = 20;

std::string megabytes(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return buf;
}

std::string counts_text(const std::map<std::string, int64_t>& counts) {
    if (counts.empty()) return "none";
    std::string s;
    for (const auto& [name, n] : counts)
        s += (s.empty() ? "" : ", ") + (name.empty() ? "(none)" : for_terminal(name)) + ": " + std::to_string(n);
    return s;
}

std::string stats_text(const library_stats& all) {
    const catalog_stats& st = all.counts;
    const auto& idx = all.index;
    std::string s;
    s += "library       " + for_terminal(all.dir.string()) + "\n";
    s += "catalog       " + for_terminal(all.catalog_file.string()) + ", " + megabytes(all.catalog_bytes) + ", schema " +
         std::to_string(all.schema_version) + "\n";
    s += "files         " + std::to_string(st.files) + " (" + std::to_string(st.ok) + " ok, " +
         std::to_string(st.failed) + " failed), " + std::to_string(st.windows) + " per-window vectors\n";
    s += "models        " + counts_text(st.by_model) + "\n";
    s += "formats       " + counts_text(st.by_format) + "\n";
    s += "analysed      " + std::to_string(st.analysed) + " tracks with descriptors (index --analyze)\n";
    s += "tags          " + (st.by_taxonomy.empty() ? std::string("none inferred (retag, index --analyze)")
                                                   : counts_text(st.by_taxonomy) + " tracks") + "\n";
    s += "vector index  " + for_terminal(idx.description);
    if (idx.present) s += ", file " + megabytes(idx.file_bytes);
    if (idx.current) s += ", " + megabytes(static_cast<uint64_t>(idx.memory_bytes)) + " in memory";
    s += "\n";
    if (!st.failures.empty()) {
        s += "failures" +
             std::string(st.failed > static_cast<int64_t>(st.failures.size())
                             ? " (first " + std::to_string(st.failures.size()) + " of " + std::to_string(st.failed) +
                                   ", by path)"
                             : "") +
             ":\n";
        for (const auto& [path, reason] : st.failures) s += "  " + for_terminal(path) + ": " + for_terminal(reason) + "\n";
    }
    return s;
}

std::string stats_json(const library_stats& all) {
    const catalog_stats& st = all.counts;
    const auto& idx = all.index;
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& [path, reason] : st.failures) failures.push_back({{"path", path}, {"error", reason}});
    nlohmann::json index = {{"present", idx.present},
                            {"current", idx.current},
                            {"description", idx.description},
                            {"file_bytes", idx.file_bytes},
                            {"memory_bytes", idx.memory_bytes}};
    const nlohmann::json j = {{"library", all.dir.string()},
                              {"catalog", all.catalog_file.string()},
                              {"catalog_bytes", all.catalog_bytes},
                              {"schema_version", all.schema_version},
                              {"files", st.files},
                              {"ok", st.ok},
                              {"failed", st.failed},
                              {"windows", st.windows},
                              {"models", st.by_model},
                              {"formats", st.by_format},
                              {"analysed", st.analysed},
                              {"inferred", st.by_taxonomy},
                              {"failures", failures},
                              {"vector_index", index}};
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

int run(const parsed_args& args) {
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    const library_stats st = lib->stats(listed_failures);
    const std::string out = args.has("--json") ? stats_json(st) : stats_text(st);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
        throw error(error_kind::io, "cannot write to standard output");
    return 0;
}

}  // namespace

command stats_command() {
    return {{"stats",
             "[--library PATH] [--json]",
             "What the library holds: files (ok and failed), per-window vectors, models, formats, the first "
             "failures, the vector index and the catalog's size.",
             "--json prints one object: library, catalog, catalog_bytes, files, ok, failed, windows, models and\n"
             "formats (name -> files), analysed (tracks with descriptors), inferred (taxonomy -> tracks tagged;\n"
             "\"learned\" for sonavec learn's), failures (the first 20 by path: path, error) and vector_index\n"
             "(present, current, description, file_bytes, memory_bytes).\n"
             "\n"
             "examples:\n"
             "  sonavec stats\n"
             "  sonavec stats --library /data/sfx-library --json",
             {library_option(), {"--json", "", "print one JSON object"}},
             0,
             0},
            run};
}

}  // namespace sonavec::cli
