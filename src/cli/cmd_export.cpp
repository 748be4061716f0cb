#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands.h"
#include "library_option.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"

namespace sonavec::cli {

namespace {

struct export_request {
    export_options options;
    std::string out;
    std::string model_id;
};

export_request parse_options(const parsed_args& args) {
    export_request r;
    if (!args.has("--format")) throw usage_error("--format is required");
    try {
        r.options.format = parse_export_format(args.get("--format"));
    } catch (const error& e) {
        throw usage_error(std::string("--format: ") + e.what());
    }
    r.options.windows = args.has("--per-window");
    r.out = args.get("--out");
    r.model_id = args.get("--model-id");
    const export_format f = r.options.format;
    if (f == export_format::npy && r.out.empty()) throw usage_error("--format npy needs --out PATH");
    if (f == export_format::json && r.options.windows)
        throw usage_error("--per-window: the json format holds one vector per track; use jsonl, npy, csv or a database format");
    if (args.has("--batch")) {
        if (f == export_format::json || f == export_format::jsonl || f == export_format::npy || f == export_format::csv)
            throw usage_error("--batch applies to qdrant, pinecone, chroma, weaviate and pgvector");
        r.options.batch = args.get_int("--batch", 0);
        if (r.options.batch < 1) throw usage_error("--batch must be at least 1");
    }
    return r;
}

void report_warnings(const export_report& report) {
    const size_t shown = std::min<size_t>(report.warnings.size(), 10);
    for (size_t i = 0; i < shown; i++)
        std::fprintf(stderr, "sonavec export: warning: %s\n", for_terminal(report.warnings[i]).c_str());
    if (report.warnings.size() > shown)
        std::fprintf(stderr, "sonavec export: ... and %zu more warnings\n", report.warnings.size() - shown);
}

int run(const parsed_args& args) {
    const export_request r = parse_options(args);
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    const std::optional<std::string> model_id = r.model_id.empty() ? std::nullopt : std::optional(r.model_id);
    export_report report;
    if (!r.out.empty()) {
        report = lib->export_to(std::filesystem::path(r.out), r.options, model_id);
    } else {
        report = lib->export_to(std::cout, r.options, model_id);
        std::cout.flush();
        if (!std::cout || std::fflush(stdout) != 0) throw error(error_kind::io, "cannot write to standard output");
    }
    report_warnings(report);
    if (!r.out.empty())
        std::fprintf(stderr, "exported %lld %s (%lld-d, model %s) to %s as %s\n", static_cast<long long>(report.records),
                     r.options.windows ? "windows" : "tracks", static_cast<long long>(report.dim),
                     for_terminal(report.model_id).c_str(), for_terminal(r.out).c_str(),
                     export_format_name(r.options.format).c_str());
    return 0;
}

}  // namespace

command export_command() {
    return {{"export", "[--library PATH] --format FMT [--out PATH] [--per-window] [--model-id ID] [--batch N]",
             "Write the library's vectors (every float at full precision) in a format another tool loads.",
             "formats:\n"
             "  json      [{\"trackName\", \"vector\"}]: the desktop apps' format (sonavec embed --format json)\n"
             "  jsonl     one object per track: id, path, filename, duration_seconds, format, sample_rate, channels,\n"
             "            model, window_plan, tags, embedding (with --per-window, also windows: [{start_seconds,\n"
             "            length_seconds, vector}])\n"
             "  npy       an N x D float32 matrix in --out, the rows' paths in --out.paths.txt, one per line (with\n"
             "            --per-window a row per window, and each row's start and length in --out.windows.txt)\n"
             "  csv       path,duration_seconds,v0,...,v{D-1},path_bytes_b64: a numeric column per dimension (with\n"
             "            --per-window path,start_seconds,length_seconds,v0,...,path_bytes_b64)\n"
             "  qdrant    {\"points\":[{id, vector, payload}]}: the body of PUT /collections/NAME/points\n"
             "  pinecone  {\"vectors\":[{id, values, metadata}]}: the body of POST /vectors/upsert\n"
             "  chroma    {ids, embeddings, metadatas, documents}: collection.add(**payload)\n"
             "  weaviate  {\"objects\":[{class: AudioTrack, id, vector, properties}]}: the body of POST /v1/batch/objects\n"
             "  pgvector  SQL for psql: one transaction that creates table sonavec_tracks (embedding vector(D),\n"
             "            tags jsonb) and inserts or updates every track\n"
             "\n"
             "Database ids are UUIDs made from the path (Python: uuid.uuid5(uuid.NAMESPACE_DNS, path)), so loading a\n"
             "newer export replaces the records instead of adding copies. With --per-window every analysis window is\n"
             "a record of its own (id from PATH#t=START; Weaviate class AudioWindow; table sonavec_windows).\n"
             "\n"
             "Paths are bytes and not always UTF-8. Where one is not, the text fields (path, filename, file_name,\n"
             "trackName) show U+FFFD and its exact bytes go beside them in base64: path_bytes_b64 in JSON records\n"
             "(json: trackName_bytes_b64), the last csv column path_bytes_b64 (empty for other paths) and pgvector's\n"
             "bytea column path_bytes (empty for other paths; the table's key is path and path_bytes). Ids are made\n"
             "from the exact bytes, and sonavec import reads path_bytes_b64 back. In OUT.paths.txt a backslash,\n"
             "newline, carriage return and each byte that is not UTF-8 are written \\\\, \\n, \\r and \\xHH, so line i\n"
             "names row i (Python, the exact bytes: codecs.escape_decode(line)[0]).\n"
             "\n"
             "Output goes to stdout unless --out, which is written atomically. Vectors of different models are\n"
             "different spaces: a library holding several needs --model-id.\n"
             "\n"
             "examples:\n"
             "  sonavec export --format jsonl --out library.jsonl\n"
             "  sonavec export --format npy --out vectors.npy        # and vectors.npy.paths.txt\n"
             "  sonavec export --format pgvector | psql -v ON_ERROR_STOP=1 mydb\n"
             "  sonavec export --format qdrant --batch 256 | while read -r body; do\n"
             "    curl -X PUT -H 'Content-Type: application/json' --data-binary \"$body\" localhost:6333/collections/audio/points\n"
             "  done",
             {library_option(),
              {"--format", "FMT", "json, jsonl, npy, csv, qdrant, pinecone, chroma, weaviate or pgvector"},
              {"--out", "PATH", "write to PATH instead of stdout (required for npy)"},
              {"--per-window", "", "a record per analysis window (tracks indexed with --per-window)"},
              {"--model-id", "ID", "only the vectors of this model (needed when the library holds several)"},
              {"--batch", "N", "qdrant, pinecone, chroma, weaviate: one request body of at most N records per line; "
                               "pgvector: N rows per INSERT (default 1000)"}},
             0,
             0},
            run};
}

}  // namespace sonavec::cli
