#include <cstdio>
#include <optional>
#include <sstream>

#include "commands.h"
#include "progress_bar.h"
#include "sonavec/atomic_file.h"
#include "sonavec/escaped_text.h"
#include "sonavec/export.h"
#include "sonavec/model.h"
#include "sonavec/track.h"
#include "track_options.h"

namespace sonavec::cli {

namespace {

struct embed_options {
    track_embed_params track;
    export_format format = export_format::json;
    std::string out;
    int cores = 1;
    precision products = precision::fp32;
    bool quiet = false;
};

embed_options parse_options(const parsed_args& args) {
    embed_options o;
    o.track = parse_track_options(args);

    const std::string format = args.get("--format", "json");
    if (format == "json") o.format = export_format::json;
    else if (format == "jsonl") o.format = export_format::jsonl;
    else if (format == "npy") o.format = export_format::npy;
    else throw usage_error("--format expects json, jsonl or npy, got '" + format + "'");
    o.out = args.get("--out");
    if (o.format == export_format::npy && o.out.empty()) throw usage_error("--format npy needs --out PATH");
    if (o.track.keep_window_vectors && o.format != export_format::jsonl)
        throw usage_error("--per-window needs --format jsonl");

    o.cores = file_threads(args);
    o.products = products_precision(args);
    o.quiet = args.has("--quiet");
    return o;
}

// Decoder messages often start with the path, which the report already shows.
std::string reason_without_path(const std::string& reason, const std::string& path) {
    if (reason.rfind(path + ": ", 0) == 0) return reason.substr(path.size() + 2);
    return reason;
}

void write_output(const embed_options& o, const std::vector<track_embedding>& tracks) {
    if (!o.out.empty()) {
        atomic_file_writer out(o.out);
        write_tracks(out.stream(), tracks, o.format, o.track.keep_window_vectors);
        out.commit();
        if (o.format == export_format::npy) write_file_atomically(o.out + ".paths.txt", npy_track_paths(tracks));
        return;
    }
    std::ostringstream out;
    write_tracks(out, tracks, o.format, o.track.keep_window_vectors);
    const std::string text = out.str();
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
        throw error(error_kind::io, "cannot write to standard output");
}

int run(const parsed_args& args) {
    embed_options o = parse_options(args);
    const audio_file_walk walk =
        find_audio_files(std::vector<std::filesystem::path>(args.positional.begin(), args.positional.end()));
    const std::vector<std::filesystem::path>& files = walk.files;
    for (const auto& u : walk.unreadable)
        std::fprintf(stderr, "sonavec embed: cannot read %s: %s\n", for_terminal(u.path.string()).c_str(),
                     for_terminal(u.reason).c_str());
    if (files.empty()) throw error(error_kind::not_found, "no audio files found in the given folders");

    // embed_tracks runs each window on one compute thread, so a file's vector does not depend on how
    // many cores the machine has; each worker decodes the next file or runs a batch of one file's
    // windows, so even one long file keeps every core busy. The engine's own threads load the towers.
    engine_params p = engine_default_params();
    p.threads = o.cores;
    p.products = o.products;
    p.model_dir = resolve_model_dir(args.get("--model"), model_use::audio);
    const auto eng = engine::open(p);
    validate_track_params(o.track, *eng);
    // A model that cannot load is one failure of the whole run, not one per file.
    eng->preload(true, false);

    std::vector<std::optional<track_embedding>> results(files.size());
    std::vector<std::string> failures(files.size());
    progress_bar progress("embed", files.size(), o.quiet);
    embed_tracks_params ep;
    ep.track = o.track;
    ep.workers = o.cores;
    embed_tracks(*eng, files, ep, [&](size_t i, const track_embedding* t, const std::string& reason) {
        const std::string path = files[i].string();
        if (t) {
            results[i] = *t;
            progress.succeeded(path);
            return;
        }
        failures[i] = reason_without_path(reason, path);
        if (failures[i].empty()) failures[i] = "unknown error";
        progress.failed(path, failures[i]);
    });
    progress.finish();

    std::vector<track_embedding> tracks;
    std::string summary;
    size_t failed = 0;
    for (size_t i = 0; i < files.size(); i++) {
        if (results[i]) {
            tracks.push_back(std::move(*results[i]));
        } else {
            failed++;
            summary += "  " + for_terminal(files[i].string()) + ": " + for_terminal(failures[i]) + "\n";
        }
    }
    write_output(o, tracks);
    if (failed == 0) return walk.unreadable.empty() ? 0 : 1;
    std::fprintf(stderr, "sonavec embed: %zu of %zu files failed:\n%s", failed, files.size(), summary.c_str());
    return 1;
}

std::vector<option_spec> embed_option_specs() {
    std::vector<option_spec> specs = {model_option()};
    for (auto& o : track_option_specs("jsonl: also write each window's start, length and vector")) specs.push_back(o);
    specs.push_back({"--format", "FMT", "json (default), jsonl or npy"});
    specs.push_back({"--out", "PATH", "write to PATH instead of stdout (required for npy)"});
    specs.push_back(file_threads_option());
    specs.push_back(precision_option());
    specs.push_back({"--quiet", "", "no progress; failures are still reported"});
    return specs;
}

}  // namespace

command embed_command() {
    return {{"embed",
             "[--model DIR] [--windows seed|full|first|segments] [--window S] [--hop S] [--max-seconds S] [--per-window] "
             "[--format json|jsonl|npy] [--out PATH] [--threads N] [--precision fp32|bf16|int8] [--quiet] FILE|DIR...",
             "Embed audio files into the shared audio-text space: one L2-normalised vector per file, the mean of "
             "its analysis windows' vectors. Folders are searched recursively for audio files.",
             "window plans:\n"
             "  seed   three windows at 10 %, 45 % and 80 % of the track (default window 7 s)\n"
             "  full   consecutive windows every --hop seconds over the whole track (default window 10 s, hop = "
             "window);\n"
             "         a final partial window is kept when it is at least 1 s long\n"
             "  first  one window from the start (default 10 s: the audio tower's input)\n"
             "  A track shorter than a window is one window holding all of it (repeat-padded by the model).\n"
             "\n"
             "output (stdout unless --out; --out is written atomically, never half a file):\n"
             "  json   [{\"trackName\": NAME, \"vector\": [...]}, ...]\n"
             "  jsonl  one object per file: filename, path, duration_seconds, sample_rate, channels, windows\n"
             "         (a count, or with --per-window [{start_seconds, length_seconds, vector}]), embedding, tags\n"
             "  npy    an N x D float32 matrix in --out, and the rows' paths in --out.paths.txt, one per line\n"
             "A path that is not UTF-8 shows U+FFFD in JSON, and its exact bytes are in base64 beside it\n"
             "(json: trackName_bytes_b64, jsonl: path_bytes_b64). In --out.paths.txt a backslash, newline, carriage\n"
             "return and each byte that is not UTF-8 are written \\\\, \\n, \\r and \\xHH, so line i names row i.\n"
             "\n"
             "A file that cannot be read is reported on stderr with the reason, the others are still embedded and\n"
             "written, and a summary lists the failures at the end; so is a folder that cannot be read.\n"
             "exit codes: 0 every file embedded, 1 some file or folder failed (or the model did not load), 2 bad usage\n"
             "\n"
             "examples:\n"
             "  sonavec embed song.mp3\n"
             "  sonavec embed --format jsonl --out library.jsonl ~/Music\n"
             "  sonavec embed --windows full --format npy --out vectors.npy samples/\n"
             "  sonavec embed --precision int8 --format jsonl --out library.jsonl ~/Music",
             embed_option_specs(),
             1},
            run};
}

}  // namespace sonavec::cli
