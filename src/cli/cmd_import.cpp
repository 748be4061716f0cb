#include <cstdio>

#include "commands.h"
#include "library_option.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"

namespace sonavec::cli {

namespace {

int run(const parsed_args& args) {
    import_options options;
    options.model_id = args.get("--model-id");
    const auto lib = library::open(library_dir(args), library::open_mode::create);  // made by the first good file
    size_t failed = 0;
    for (const auto& file : args.positional) {
        try {
            const import_report r = lib->import_from(file, options);
            std::string notes;
            if (r.replaced) notes += ", " + std::to_string(r.replaced) + " replaced rows already in the library";
            if (r.normalised) notes += ", " + std::to_string(r.normalised) + " normalised to unit length";
            if (r.renamed) notes += ", " + std::to_string(r.renamed) + " repeated names numbered";
            std::printf("%s: imported %zu vectors (%lld-d, model %s%s)\n", for_terminal(file).c_str(), r.records,
                        static_cast<long long>(r.dim), for_terminal(r.model_id).c_str(), notes.c_str());
        } catch (const error& e) {
            if (e.kind() == error_kind::busy) throw;  // another writer: refuse the run, not the file
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
