#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "commands.h"
#include "library_option.h"
#include "library/catalog.h"
#include "library/import_formats.h"
#include "library/library_lock.h"
#include "util/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec::cli {

namespace {

constexpr size_t rows_per_transaction = 500;

// The vector length of each model the library already holds, from one of its rows.
std::map<std::string, int64_t> library_dims(const catalog& cat) {
    std::map<std::string, int64_t> dims;
    for (const auto& e : cat.entries(false)) {
        if (e.status != entry_status::ok || dims.count(e.model_id)) continue;
        if (auto full = cat.find(e.id, true); full && !full->vector.empty())
            dims[e.model_id] = static_cast<int64_t>(full->vector.size());
    }
    return dims;
}

std::string model_list(const std::map<std::string, int64_t>& dims) {
    if (dims.empty()) return "none yet";
    std::string s;
    for (const auto& [model, dim] : dims) s += (s.empty() ? "" : ", ") + model;
    return s;
}

// Everything is checked before the first row is written, so a refused file changes nothing.
void check_against_library(const import_result& result, std::map<std::string, int64_t>& dims) {
    std::set<std::string> models;
    for (const auto& e : result.entries) models.insert(e.model_id);
    if (models.count(""))
        throw error("does not say which model made its vectors: name it with --model-id ID (this library holds " +
                    model_list(dims) + ")");
    for (const auto& m : models) {
        auto it = dims.find(m);
        if (it != dims.end() && it->second != result.dim)
            throw error("its vectors have " + std::to_string(result.dim) + " values, but the library's vectors of model '" +
                        m + "' have " + std::to_string(it->second));
    }
    for (const auto& m : models) dims[m] = result.dim;
}

int run(const parsed_args& args) {
    import_options options;
    options.model_id = args.get("--model-id");
    // A library that does not exist yet is made only when a file passes its checks.
    const std::filesystem::path dir = library_dir(args);
    std::optional<catalog> cat;
    std::optional<library_lock> writer;
    std::map<std::string, int64_t> dims;
    if (std::filesystem::exists(dir / "catalog.sqlite")) writer.emplace(dir, "import");
    try {
        cat.emplace(dir, catalog_open::existing);
        dims = library_dims(*cat);
    } catch (const error&) {
        cat.reset();  // none yet; a damaged one says so when it is opened to be written
    }

    size_t failed = 0;
    for (const auto& file : args.positional) {
        try {
            const import_result result = read_vectors_file(file, options);
            try {
                check_against_library(result, dims);
            } catch (const error& e) {
                throw error(file + ": " + e.what());
            }
            if (!writer) writer.emplace(dir, "import");
            if (!cat) cat.emplace(dir, catalog_open::create_if_missing);
            size_t replaced = 0;
            for (const auto& e : result.entries) replaced += cat->find(e.path).has_value();
            for (size_t begin = 0; begin < result.entries.size(); begin += rows_per_transaction) {
                const size_t end = std::min(result.entries.size(), begin + rows_per_transaction);
                cat->put_many({result.entries.begin() + static_cast<long>(begin), result.entries.begin() + static_cast<long>(end)});
            }
            std::string notes;
            if (replaced) notes += ", " + std::to_string(replaced) + " replaced rows already in the library";
            if (result.normalised) notes += ", " + std::to_string(result.normalised) + " normalised to unit length";
            if (result.renamed) notes += ", " + std::to_string(result.renamed) + " repeated names numbered";
            std::printf("%s: imported %zu vectors (%lld-d, model %s%s)\n", for_terminal(file).c_str(),
                        result.entries.size(), static_cast<long long>(result.dim),
                        for_terminal(result.entries.front().model_id).c_str(), notes.c_str());
        } catch (const library_busy&) {
            throw;
        } catch (const error& e) {
            failed++;
            std::fprintf(stderr, "sonavec import: %s\n", for_terminal(e.what()).c_str());
        }
    }
    std::fflush(stdout);
    if (failed == 0) return 0;
    std::fprintf(stderr, "sonavec import: %zu of %zu files refused; nothing was imported from them\n", failed,
                 args.positional.size());
    return 1;
}

}  // namespace

command import_command() {
    return {{"import", "[--library PATH] [--model-id ID] FILE...",
             "Add vectors made elsewhere to the library, from JSON (the desktop apps' format included) or JSON Lines.",
             "files:\n"
             "  a JSON array   the desktop apps' [{\"trackName\", \"vector\"}], or records like the JSON Lines ones\n"
             "  JSON Lines     one object per line: sonavec export --format jsonl, sonavec embed --format jsonl\n"
             "A record's name is its \"path\" (else its \"trackName\"), or the exact bytes in \"path_bytes_b64\" (else\n"
             "\"trackName_bytes_b64\") when present, as sonavec export writes for a name that is not UTF-8; its\n"
             "vector is its \"embedding\" (else \"vector\");\n"
             "duration_seconds, format, sample_rate, channels, model, tags and windows are kept when present. A row\n"
             "with the same path is replaced. Repeated trackNames are numbered: \"Kick\", \"Kick (2)\", ...\n"
             "\n"
             "Each file is read whole and checked before anything is written: every vector the same length (and\n"
             "the length of the library's vectors of that model), finite and not all zeros; at most 4 GiB per file\n"
             "and 64 MiB per line. Vectors that are not unit length are normalised (cosine similarity only sees\n"
             "their direction) and counted. A file that fails a check is refused whole with the line or element\n"
             "and the reason; the other files are still imported.\n"
             "The model: --model-id, else each record's \"model\"; a file that names none (the desktop format)\n"
             "needs --model-id, and vectors of another model are not comparable with the library's.\n"
             "exit codes: 0 every file imported, 1 some file refused, 2 bad usage\n"
             "\n"
             "examples:\n"
             "  sonavec import --model-id laion--clap-htsat-unfused desktop-export.json\n"
             "  sonavec import --library /data/lib library.jsonl",
             {library_option(), {"--model-id", "ID", "the model that made the vectors (overrides the file's)"}},
             1},
            run};
}

}  // namespace sonavec::cli
