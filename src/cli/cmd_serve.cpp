// sonavec serve: the library over HTTP for a browser and other tools (src/server), until Ctrl-C.
#include <csignal>
#include <cstdio>

#include "commands.h"
#include "library_option.h"
#include "server.h"
#include "sonavec/error.h"
#include "sonavec/model.h"

namespace sonavec::cli {

namespace {

server::api_server* running = nullptr;

void on_signal(int) {
    if (running) running->stop();
}

int run(const parsed_args& args) {
    server::server_options o;
    o.library_dir = library_dir(args);
    o.bind = args.get("--bind", "127.0.0.1");
    o.port = args.get_int("--port", 8750);
    if (o.port < 0 || o.port > 65535) throw usage_error("--port must be 0 to 65535");
    o.threads = args.get_int("--max-clients", 8);
    if (o.threads < 1 || o.threads > 256) throw usage_error("--max-clients must be 1 to 256");
    const int upload_mb = args.get_int("--max-upload-mb", 64);
    if (upload_mb < 1 || upload_mb > 4096) throw usage_error("--max-upload-mb must be 1 to 4096");
    o.max_upload_bytes = static_cast<size_t>(upload_mb) << 20;
    o.token = args.get("--token", "");
    o.allow_index = !args.has("--no-index");
    bool made_token = false;
    if (o.token.empty() && !server::is_loopback(o.bind)) {
        o.token = server::new_token();
        made_token = true;
    }
    if (model_chosen(args.get("--model"))) {
        engine_params p = engine_default_params();
        p.threads = threads_arg(args, 0);
        p.products = products_precision(args);
        p.model_dir = resolve_model_dir(args.get("--model"));
        o.model = p;
    }
    const bool quiet = args.has("--quiet");
    o.on_listening = [&](const std::string& url) {
        std::printf("sonavec serve: listening on %s\n", url.c_str());
        if (made_token) std::printf("token: %s (send it as Authorization: Bearer TOKEN)\n", o.token.c_str());
        if (!o.model && !quiet) std::fprintf(stderr, "no model: text searches by words only (mode=text); give --model DIR for more\n");
        std::fflush(stdout);
    };
    server::api_server s(o);
    running = &s;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    s.run();
    running = nullptr;
    return 0;
}

}  // namespace

command serve_command() {
    std::vector<option_spec> options = {library_option(), model_option()};
    options.push_back({"--bind", "ADDR", "the address to listen on (default 127.0.0.1: this machine only)"});
    options.push_back({"--port", "N", "the port (default 8750; 0: any free one, printed)"});
    options.push_back({"--token", "T", "require this token of every request (made and printed when --bind is not loopback)"});
    options.push_back({"--max-clients", "N", "requests handled at once (default 8)"});
    options.push_back({"--max-upload-mb", "N", "the largest audio upload (default 64)"});
    options.push_back({"--no-index", "", "refuse POST /api/index: the server only reads the library"});
    options.push_back(threads_option());
    options.push_back(precision_option());
    options.push_back({"--quiet", "", "no notes on stderr"});
    return {{"serve", "[--library PATH] [--model DIR] [--bind 127.0.0.1] [--port 8750] [--token T]",
             "Serve the library over HTTP: a JSON API for searches, tracks, audio, the map, clusters and duplicates.",
             "Endpoints (JSON): /api/health, /api/stats, /api/search?q=TEXT&k=N&mode=audio|text|hybrid and filters\n"
             "(min_seconds, max_seconds, format, path, tag=K=V, where=TAXONOMY=LABEL, min_bpm, max_bpm, key),\n"
             "/api/similar/ID, POST /api/similar (multipart field file: embedded, never stored), /api/tracks/ID,\n"
             "POST /api/tracks {ids: [...]}, /api/tracks/ID/audio (the file itself, with byte ranges),\n"
             "/api/map?colour=cluster|folder|TAXONOMY, /api/clusters, /api/duplicates,\n"
             "/api/path?from=A&to=B&steps=N, POST /api/recommend {like: [ids or texts], unlike: [...], k},\n"
             "POST /api/index {folders: [absolute paths]} (a background run; GET /api/index/events streams it).\n"
             "It binds to this machine alone by default; any other address needs a token. Requests from another\n"
             "origin (a web page elsewhere) are refused. Searches answer from the library as last committed.\n"
             "\n"
             "examples:\n"
             "  sonavec serve\n"
             "  sonavec serve --model ~/models/clap --port 9000\n"
             "  sonavec serve --bind 0.0.0.0 --no-index   # a read-only library for the local network, with a token\n"
             "  curl 'http://127.0.0.1:8750/api/search?q=rain+on+a+roof&k=5'",
             options, 0, 0},
            run};
}

}  // namespace sonavec::cli
