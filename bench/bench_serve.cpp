// Load on `sonavec serve` (issue 14): many clients at once against a large library, beside the same
// work done by in-process library calls (the floor the HTTP layer adds to).
// usage: bench_serve [--model DIR] [--tracks N] [--clients C] [--seconds S] [--requests R] [--index-files F]
//                    [--new-text P] [--dir DIR] [--cli PATH]
//
// The library: N vectors (default 100,000) of the model's size around 200 planted kinds, imported
// through library::import_from under the model's id (so text queries search them), written once to
// DIR/lib (default /tmp/sonavec-bench-serve) and reused by later runs of the same N and model.
// The model: DIR (default ~/.cache/sonavec/bench/clap-htsat-unfused-random, the full-size architecture
// with random weights), loaded by the server for text queries.
// The mix, per request: 45 % a cached text search (one of 16 phrases, searched before the run), P % a new
// text search (--new-text P, default 5: a phrase never sent before, so the text tower runs), 25 % similar
// to a random track id, and the rest a random track's metadata; k = 10. C clients (default 64), each its own thread and keep-alive
// connection, send requests back to back.
// Runs, each S seconds (default 60):
//   1. in-process: the same mix through the library API on C threads, as the server makes its calls
//      (text_query_vectors, one thread per search), without HTTP or JSON;
//   2. served: the mix over HTTP, continued past S until R requests (default 100,000) have been answered,
//      with the server's resident memory sampled as the count grows;
//   3. served while indexing: POST /api/index over F new files (default 24; 20 s stereo noise and tones
//      made with sox), the mix going on until the run ends (at least S seconds).
// Per kind: throughput, p50 and p99 latency (measured by the client, which shares the machine's cores
// with the server), and errors (a transport failure or any status but 200).
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_args.h"
#include "spawn_reading.h"
#include "sonavec/engine.h"
#include "sonavec/export.h"
#include "sonavec/library.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

enum kind { cached_text, new_text, similar_id, track_meta, kinds };
const char* kind_names[kinds] = {"cached text search", "new text search", "similar by id", "track metadata"};

const std::vector<std::string> phrases = {
    "warm analog pad",  "punchy kick drum", "rain on a tin roof", "female vocal chop", "distorted guitar riff",
    "deep sub bass",    "crowd applause",   "vinyl crackle",      "bright piano chord", "808 snare roll",
    "ambient drone",    "wind through trees", "dog barking",     "synth arpeggio",     "orchestral hit",
    "footsteps on gravel"};

int new_text_percent = 5;  // --new-text

kind pick(std::mt19937_64& rng) {
    const auto r = static_cast<int>(rng() % 100);
    if (r < 45) return cached_text;
    if (r < 45 + new_text_percent) return new_text;
    if (r < 75) return similar_id;
    return track_meta;
}

struct tally {
    std::vector<double> ms[kinds];
    int64_t errors[kinds] = {};
    std::string first_error;
    void add(const tally& o) {
        for (int k = 0; k < kinds; k++) {
            ms[k].insert(ms[k].end(), o.ms[k].begin(), o.ms[k].end());
            errors[k] += o.errors[k];
        }
        if (first_error.empty()) first_error = o.first_error;
    }
    size_t count() const {
        size_t n = 0;
        for (int k = 0; k < kinds; k++) n += ms[k].size();
        return n;
    }
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())))];
}

void report(const char* title, const tally& t, double seconds) {
    std::printf("\n%s: %zu requests in %.1f s, %.0f per second\n", title, t.count(), seconds,
                static_cast<double>(t.count()) / seconds);
    std::printf("  %-20s %10s %10s %10s %8s\n", "kind", "per s", "p50 ms", "p99 ms", "errors");
    for (int k = 0; k < kinds; k++)
        std::printf("  %-20s %10.1f %10.2f %10.2f %8lld\n", kind_names[k], static_cast<double>(t.ms[k].size()) / seconds,
                    percentile(t.ms[k], 50), percentile(t.ms[k], 99), static_cast<long long>(t.errors[k]));
    if (!t.first_error.empty()) std::printf("  first error: %s\n", t.first_error.c_str());
}

// Runs one request per call of op(kind, rng) on `clients` threads until keep_going(done so far, seconds)
// is false; op returns "" when the request succeeded, else what went wrong.
using op_fn = std::function<std::string(kind, std::mt19937_64&)>;

tally drive(int clients, const op_fn& op, const std::function<bool(int64_t, double)>& keep_going, double* seconds) {
    std::vector<tally> each(static_cast<size_t>(clients));
    std::atomic<int64_t> done{0};
    std::atomic<bool> stop{false};
    const auto t0 = bench::clock_type::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; c++)
        threads.emplace_back([&, c] {
            std::mt19937_64 rng(1000 + static_cast<uint64_t>(c));
            tally& t = each[static_cast<size_t>(c)];
            while (!stop.load()) {
                const kind k = pick(rng);
                const auto s = bench::clock_type::now();
                const std::string err = op(k, rng);
                t.ms[k].push_back(bench::seconds_since(s) * 1000);
                if (!err.empty()) {
                    t.errors[k]++;
                    if (t.first_error.empty()) t.first_error = std::string(kind_names[k]) + ": " + err;
                }
                done++;
            }
        });
    while (keep_going(done.load(), bench::seconds_since(t0))) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop = true;
    for (auto& th : threads) th.join();
    *seconds = bench::seconds_since(t0);
    tally all;
    for (const tally& t : each) all.add(t);
    return all;
}

std::string url_encoded(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// Never the same twice in a process, across runs too.
std::string new_phrase() {
    static std::atomic<int64_t> made{0};
    return "a sound never asked for before, number " + std::to_string(made++);
}

long rss_kb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

// The library of n planted vectors of the model, imported once.
void make_library(const fs::path& dir, const engine& eng, int64_t n) {
    const fs::path stamp = dir / "bench-serve.json";
    const json want = {{"tracks", n}, {"model", eng.model_id()}};
    if (fs::exists(stamp) && json::parse(std::ifstream(stamp)) == want) {
        std::printf("library: %lld tracks, reused from %s\n", static_cast<long long>(n), dir.c_str());
        return;
    }
    fs::remove_all(dir);
    fs::create_directories(dir);
    const auto t0 = bench::clock_type::now();
    const auto dim = static_cast<size_t>(eng.dim());
    std::mt19937_64 rng(4);
    std::normal_distribution<float> g;
    constexpr int planted = 200;
    std::vector<std::vector<float>> centres(planted, std::vector<float>(dim));
    for (auto& c : centres)
        for (float& x : c) x = g(rng);
    const fs::path jsonl = dir / "vectors.jsonl";
    {
        std::ofstream out(jsonl);
        std::vector<float> v(dim);
        char num[32];
        for (int64_t i = 0; i < n; i++) {
            const auto& c = centres[static_cast<size_t>(rng() % planted)];
            double norm = 0;
            for (size_t d = 0; d < dim; d++) {
                v[d] = c[d] + 0.8f * g(rng);
                norm += static_cast<double>(v[d]) * v[d];
            }
            out << "{\"path\":\"/music/kind" << (i % planted) << "/track_" << i << ".flac\",\"duration_seconds\":"
                << 30 + i % 200 << ",\"format\":\"flac\",\"embedding\":[";
            for (size_t d = 0; d < dim; d++) {
                std::snprintf(num, sizeof num, "%s%.5f", d ? "," : "", static_cast<double>(v[d]) / std::sqrt(norm));
                out << num;
            }
            out << "]}\n";
        }
    }
    auto lib = library::open(dir / "lib");
    import_options io;
    io.model_id = eng.model_id();
    lib->import_from(jsonl, io);
    fs::remove(jsonl);
    search_params p;
    p.k = 1;
    lib->similar(1, p);  // builds the vector index as `sonavec index` would
    std::ofstream(stamp) << want.dump();
    std::printf("library: %lld tracks imported in %.1f s\n", static_cast<long long>(n), bench::seconds_since(t0));
}

struct server_process {
    pid_t pid = -1;
    int port = 0;
    server_process(const std::string& cli, const fs::path& lib, const fs::path& model, int clients) {
        int out[1];
        pid = test::spawn_reading_stdout({cli, "serve", "--library", lib.string(), "--model", model.string(), "--port", "0",
                                          "--max-clients", std::to_string(clients), "--quiet"},
                                         &out[0]);
        std::string text;
        char buf[512];
        for (ssize_t n; text.find('\n') == std::string::npos && (n = read(out[0], buf, sizeof buf)) > 0;)
            text.append(buf, static_cast<size_t>(n));
        close(out[0]);
        const size_t colon = text.rfind(':');
        if (text.find("listening on") == std::string::npos || colon == std::string::npos)
            throw std::runtime_error("the server did not start: " + text);
        port = std::stoi(text.substr(colon + 1));
    }
    ~server_process() {
        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
    }
};

}  // namespace

int main(int argc, char** argv) {
    try {
        const char* home = std::getenv("HOME");
        const fs::path model = bench::arg(argc, argv, "--model", std::string(home ? home : "") + "/.cache/sonavec/bench/clap-htsat-unfused-random");
        const int64_t tracks = std::stoll(bench::arg(argc, argv, "--tracks", "100000"));
        const int clients = std::stoi(bench::arg(argc, argv, "--clients", "64"));
        const double seconds = std::stod(bench::arg(argc, argv, "--seconds", "60"));
        const int64_t requests = std::stoll(bench::arg(argc, argv, "--requests", "100000"));
        const int index_files = std::stoi(bench::arg(argc, argv, "--index-files", "24"));
        new_text_percent = std::clamp(std::stoi(bench::arg(argc, argv, "--new-text", "5")), 0, 30);
        const fs::path dir = bench::arg(argc, argv, "--dir", "/tmp/sonavec-bench-serve");
        const std::string cli = bench::arg(argc, argv, "--cli", SONAVEC_CLI_PATH);
        // The text cache of this run only: cold at the start, warmed by the phrases before each run.
        setenv("XDG_CACHE_HOME", (dir / "cache").c_str(), 1);
        fs::remove_all(dir / "cache");

        engine_params ep = engine_default_params();
        ep.model_dir = model;
        const auto eng = engine::open(ep);
        make_library(dir, *eng, tracks);
        const fs::path lib_dir = dir / "lib";
        std::printf("model: %s (%lld-d); %d clients; %u cores\n", model.c_str(), static_cast<long long>(eng->dim()), clients,
                    std::thread::hardware_concurrency());

        // 1. In-process: the library API on the same number of threads.
        {
            // As the server searches: query vectors through text_query_vectors, one core per search.
            const auto lib = library::open(lib_dir, library::open_mode::read_only);
            text_query_vectors texts(*eng);
            search_params p;
            p.threads = 1;
            p.model_id = eng->model_id();
            const auto search_text = [&](const std::string& q) { return lib->search_vector(texts.vector(q), p); };
            for (const std::string& q : phrases) search_text(q);
            const op_fn op = [&](kind k, std::mt19937_64& rng) -> std::string {
                const int64_t id = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(tracks));
                switch (k) {
                    case cached_text: return search_text(phrases[rng() % phrases.size()]).size() == 10 ? "" : "short answer";
                    case new_text: return search_text(new_phrase()).size() == 10 ? "" : "short answer";
                    case similar_id: return lib->similar(id, p).size() == 10 ? "" : "short answer";
                    default: return lib->find(id) ? "" : "no track";
                }
            };
            double took = 0;
            const tally t = drive(clients, op, [&](int64_t, double s) { return s < seconds; }, &took);
            report("1. in-process library calls", t, took);
        }

        // 2. Served, to `requests` answers, with the server's memory sampled.
        const server_process server(cli, lib_dir, model, clients);
        const op_fn http_op = [&](kind k, std::mt19937_64& rng) -> std::string {
            thread_local std::unique_ptr<httplib::Client> c;
            if (!c) {
                c = std::make_unique<httplib::Client>("127.0.0.1", server.port);
                c->set_keep_alive(true);
                c->set_read_timeout(60, 0);
            }
            const int64_t id = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(tracks));
            std::string path;
            switch (k) {
                case cached_text: path = "/api/search?k=10&q=" + url_encoded(phrases[rng() % phrases.size()]); break;
                case new_text: path = "/api/search?k=10&q=" + url_encoded(new_phrase()); break;
                case similar_id: path = "/api/similar/" + std::to_string(id) + "?k=10"; break;
                default: path = "/api/tracks/" + std::to_string(id); break;
            }
            const auto r = c->Get(path);
            if (!r) return "transport: " + httplib::to_string(r.error());
            if (r->status != 200) return std::to_string(r->status) + " " + r->body.substr(0, 200);
            return "";
        };
        {
            httplib::Client warm("127.0.0.1", server.port);
            warm.set_read_timeout(60, 0);
            for (const std::string& q : phrases) warm.Get("/api/search?k=10&q=" + url_encoded(q));
        }
        std::vector<std::pair<int64_t, long>> memory;  // (answered, resident KiB)
        int64_t next_sample = 0;
        double took = 0;
        const tally served = drive(clients, http_op, [&](int64_t n, double s) {
            if (n >= next_sample) {
                memory.emplace_back(n, rss_kb(server.pid));
                next_sample = n + requests / 10;
            }
            return s < seconds || n < requests;
        }, &took);
        memory.emplace_back(static_cast<int64_t>(served.count()), rss_kb(server.pid));
        report("2. served over HTTP", served, took);
        std::printf("  server memory (resident) by requests answered:");
        for (const auto& [n, kb] : memory) std::printf(" %lld: %.0f MB;", static_cast<long long>(n), static_cast<double>(kb) / 1024);
        std::printf("\n");

        // 3. Served while an index run embeds new files.
        const fs::path fresh = dir / "new-files";
        fs::remove_all(fresh);
        fs::create_directories(fresh);
        for (int i = 0; i < index_files; i++)
            bench::run("sox -n -r 44100 -c 2 " + bench::shell_quote((fresh / ("new_" + std::to_string(i) + ".wav")).string()) +
                       " synth 20 sine " + std::to_string(200 + 37 * i) + " synth pinknoise mix 2>/dev/null");
        httplib::Client control("127.0.0.1", server.port);
        control.set_read_timeout(60, 0);
        const auto started = control.Post("/api/index", json{{"folders", {fresh.string()}}}.dump(), "application/json");
        if (!started || started->status != 202) throw std::runtime_error("the index run did not start");
        std::string state = "running";
        json last;
        double polled = 0;
        const tally during = drive(clients, http_op, [&](int64_t, double s) {
            if (s - polled >= 0.5) {
                polled = s;
                if (const auto r = control.Get("/api/index")) {
                    last = json::parse(r->body);
                    state = last["state"];
                }
            }
            return s < seconds || state == "running";
        }, &took);
        report("3. served while indexing", during, took);
        std::printf("  index run: %s, %s of %d files embedded\n", state.c_str(), last.value("report", json::object()).value("embedded", json(0)).dump().c_str(),
                    index_files);
        // Leave the library as it was for the next run.
        fs::remove_all(fresh);
        library::open(lib_dir)->prune();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_serve: %s\n", e.what());
        return 1;
    }
}
