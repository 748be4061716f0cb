#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "library_option.h"
#include "library/catalog.h"
#include "library/library_index.h"
#include "util/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec::cli {

namespace {

constexpr size_t listed_failures = 20;

struct index_state {
    bool present = false;  // LIBRARY/vectors.index exists
    bool current = false;  // and matches the catalog
    uint64_t file_bytes = 0;
    std::string description;  // "exact, 1200 x 512", or why it cannot be used
    int64_t memory_bytes = 0;
};

index_state vector_index_state(const catalog& cat) {
    index_state st;
    const std::filesystem::path file = library_index_file(cat);
    std::error_code ec;
    st.present = std::filesystem::exists(file, ec);
    if (!st.present) {
        st.description = "none (built by sonavec index or search)";
        return st;
    }
    st.file_bytes = std::filesystem::file_size(file, ec);
    // The index holds one model's vectors: current when it matches the catalog and one of its models.
    std::string why = "the library holds no vectors";
    for (const auto& [model, count] : cat.stats(0).by_model) {
        try {
            const vector_index idx = vector_index::load(file, library_index_fingerprint(cat, model));
            st.current = true;
            st.description = idx.description() + ", model " + model;
            st.memory_bytes = idx.memory_bytes();
            return st;
        } catch (const error& e) {
            why = e.what();
        }
    }
    // Stale (the catalog changed since), of a model no longer held, or damaged: rebuilt when needed.
    st.description = "not current, rebuilt by the next index or search (" + why + ")";
    return st;
}

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

std::string stats_text(const catalog& cat, const catalog_stats& st, const index_state& idx) {
    std::string s;
    s += "library       " + for_terminal(cat.dir().string()) + "\n";
    s += "catalog       " + for_terminal(cat.file().string()) + ", " + megabytes(cat.disk_bytes()) + "\n";
    s += "files         " + std::to_string(st.files) + " (" + std::to_string(st.ok) + " ok, " +
         std::to_string(st.failed) + " failed), " + std::to_string(st.windows) + " per-window vectors\n";
    s += "models        " + counts_text(st.by_model) + "\n";
    s += "formats       " + counts_text(st.by_format) + "\n";
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

std::string stats_json(const catalog& cat, const catalog_stats& st, const index_state& idx) {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& [path, reason] : st.failures) failures.push_back({{"path", path}, {"error", reason}});
    nlohmann::json index = {{"present", idx.present},
                            {"current", idx.current},
                            {"description", idx.description},
                            {"file_bytes", idx.file_bytes},
                            {"memory_bytes", idx.memory_bytes}};
    const nlohmann::json j = {{"library", cat.dir().string()},
                              {"catalog", cat.file().string()},
                              {"catalog_bytes", cat.disk_bytes()},
                              {"files", st.files},
                              {"ok", st.ok},
                              {"failed", st.failed},
                              {"windows", st.windows},
                              {"models", st.by_model},
                              {"formats", st.by_format},
                              {"failures", failures},
                              {"vector_index", index}};
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

int run(const parsed_args& args) {
    const catalog cat(library_dir(args), catalog_open::read_only);
    const catalog_stats st = cat.stats(listed_failures);
    const index_state idx = vector_index_state(cat);
    const std::string out = args.has("--json") ? stats_json(cat, st, idx) : stats_text(cat, st, idx);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
        throw error("cannot write to standard output");
    return 0;
}

}  // namespace

command stats_command() {
    return {{"stats",
             "[--library PATH] [--json]",
             "What the library holds: files (ok and failed), per-window vectors, models, formats, the first "
             "failures, the vector index and the catalog's size.",
             "--json prints one object: library, catalog, catalog_bytes, files, ok, failed, windows, models and\n"
             "formats (name -> files), failures (the first 20 by path: path, error) and vector_index (present,\n"
             "current, description, file_bytes, memory_bytes).\n"
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
