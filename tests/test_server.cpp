// sonavec serve (src/server) as a user's browser or tool meets it: the real binary started on a free
// port of 127.0.0.1 over a library of sox-made files indexed with the golden model, asked over HTTP with
// cpp-httplib's client. The JSON API's answers, audio with byte ranges, uploads (limits, removal), and
// the safety rules: foreign origins and rebound host names refused, a token required off loopback, no
// path to traverse, malformed HTTP answered with a 4xx while the server goes on.
#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cli_run.h"
#include "music_signal.h"
#include "spawn_reading.h"
#include "test_data.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace sonavec;

extern char** environ;

namespace {

// A `sonavec serve` child process: started with the arguments, its first stdout lines read (the URL,
// and the token when one was made), stopped with SIGTERM when this ends.
struct served {
    pid_t pid = -1;
    std::string url, token;
    int port = 0;

    explicit served(const std::vector<std::string>& args) {
        std::vector<std::string> all = {SONAVEC_CLI, "serve", "--port", "0", "--quiet"};
        all.insert(all.end(), args.begin(), args.end());
        int out[1];
        pid = test::spawn_reading_stdout(all, &out[0]);
        std::string text;
        const bool want_token = std::find(args.begin(), args.end(), "0.0.0.0") != args.end();
        for (int waited = 0; waited < 300; waited++) {  // up to 30 s for the model to load
            pollfd p{out[0], POLLIN, 0};
            if (poll(&p, 1, 100) > 0) {
                char buf[512];
                const ssize_t n = read(out[0], buf, sizeof buf);
                if (n <= 0) break;
                text.append(buf, static_cast<size_t>(n));
            }
            const bool have_url = text.find('\n') != std::string::npos;
            if (have_url && (!want_token || text.find("token: ") != std::string::npos)) break;
        }
        close(out[0]);
        const size_t at = text.find("http://");
        if (at == std::string::npos) throw std::runtime_error("the server did not start: " + text);
        url = text.substr(at, text.find('\n', at) - at);
        port = std::stoi(url.substr(url.rfind(':') + 1));
        if (const size_t t = text.find("token: "); t != std::string::npos) token = text.substr(t + 7, 64);
    }
    ~served() {
        if (pid > 0) {
            kill(pid, SIGTERM);
            int status = 0;
            waitpid(pid, &status, 0);
        }
    }
    bool alive() const { return kill(pid, 0) == 0; }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(30, 0);
        return c;
    }
};

// Raw bytes to the server, its answer (what arrives before it closes, or 2 s of quiet); *closed tells which.
std::string raw_request(int port, const std::string& bytes, bool* closed = nullptr) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return "";
    }
    (void)!write(fd, bytes.data(), bytes.size());  // no half-close: the server would take it as a hang-up
    std::string got;
    if (closed) *closed = false;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0) break;
        char buf[1 << 16];
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            if (closed) *closed = true;
            break;
        }
        got.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return got;
}

struct test_library {
    fs::path dir, music;
    std::vector<fs::path> files;
};

// Six tones (two kinds in two folders), indexed with the golden model.
const test_library& indexed() {
    static const test_library t = [] {
        test_library t;
        t.dir = test::scratch_dir() / "served";
        t.music = test::scratch_dir() / "served-music";
        fs::create_directories(t.music / "kicks");
        fs::create_directories(t.music / "pads");
        for (int i = 0; i < 3; i++) {
            const fs::path kick = t.music / "kicks" / ("kick_" + std::to_string(i) + ".wav");
            const fs::path pad = t.music / "pads" / ("pad_" + std::to_string(i) + ".wav");
            test::run_shell("sox -n -r 44100 -c 1 " + test::quoted(kick) + " synth 3 sine " + std::to_string(60 + 10 * i));
            test::run_shell("sox -n -r 44100 -c 1 " + test::quoted(pad) + " synth 3 sine " + std::to_string(1000 + 300 * i));
            t.files.push_back(kick);
            t.files.push_back(pad);
        }
        const auto r = test::run_cli("index --quiet --model " + test::quoted(test::golden_dir() / "model") + " --library " +
                                     test::quoted(t.dir) + " " + test::quoted(t.music));
        if (r.code != 0) throw std::runtime_error("index failed: " + r.err);
        return t;
    }();
    return t;
}

const served& server() {
    static const served s({"--library", indexed().dir.string(), "--model", (test::golden_dir() / "model").string(),
                           "--max-upload-mb", "1"});
    return s;
}

json get_json(const std::string& path, int want = 200) {
    auto res = server().client().Get(path.c_str());
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, want) << path << "\n" << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8") << path;
    EXPECT_FALSE(res->has_header("Content-Encoding")) << path;  // never compressed (routes.h)
    return json::parse(res->body, nullptr, false);
}

int64_t id_of(const std::string& name) {
    for (const auto& m : get_json("/api/search?mode=text&k=20&q=" + name))
        if (m["path"].get<std::string>().find(name + ".wav") != std::string::npos) return m["id"];
    return -1;
}

}  // namespace

TEST(server, health_stats_and_searches) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    const json h = get_json("/api/health");
    EXPECT_EQ(h["status"], "ok");
    EXPECT_NE(h["model"].get<std::string>(), "");
    EXPECT_EQ(get_json("/api/stats")["ok"], 6);
    const json text = get_json("/api/search?q=a+low+tone&k=4");
    ASSERT_EQ(text.size(), 4u);
    for (const auto& m : text) {
        EXPECT_TRUE(m.contains("score") && m.contains("duration_seconds") && m.contains("tags"));
        EXPECT_NEAR(m["duration_seconds"].get<double>(), 3.0, 0.05);
    }
    // Words alone, and filters.
    const json kicks = get_json("/api/search?q=kick&mode=text&k=10");
    ASSERT_EQ(kicks.size(), 3u);
    for (const auto& m : kicks) EXPECT_NE(m["path"].get<std::string>().find("/kicks/"), std::string::npos);
    const json pads = get_json("/api/search?q=tone&k=10&path=*/pads/*");
    ASSERT_EQ(pads.size(), 3u);
    for (const auto& m : pads) EXPECT_NE(m["path"].get<std::string>().find("/pads/"), std::string::npos);
    EXPECT_EQ(get_json("/api/search?q=tone&min_seconds=10").size(), 0u);
    const json hybrid = get_json("/api/search?q=pad&mode=hybrid&k=3");
    ASSERT_EQ(hybrid.size(), 3u);
    EXPECT_GT(hybrid[0]["text_rank"].get<int>(), 0);
    // Bad parameters are a 400 with the library's message.
    for (const std::string bad : {"/api/search", "/api/search?q=x&k=0", "/api/search?q=x&k=abc", "/api/search?q=x&mode=fuzzy",
                                  "/api/search?q=x&min_bpm=-1", "/api/search?q=x&tag=novalue", "/api/search?q=x&key=H%23"}) {
        const json e = get_json(bad, 400);
        EXPECT_EQ(e["kind"], "invalid input") << bad;
        EXPECT_FALSE(e["error"].get<std::string>().empty());
    }
}

TEST(server, the_openapi_document_lists_what_answers) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    const json doc = get_json("/api/openapi.json");
    EXPECT_EQ(doc["openapi"], "3.0.3");
    ASSERT_GE(doc["paths"].size(), 12u);
    const std::string id = std::to_string(id_of("kick_0"));
    for (const auto& [path, methods] : doc["paths"].items()) {
        std::string p = path;
        if (const size_t at = p.find("{id}"); at != std::string::npos) p.replace(at, 4, id);
        for (const auto& [method, spec] : methods.items()) {
            auto c = server().client();
            auto r = method == "get"      ? c.Get(p.c_str())
                     : method == "delete" ? c.Delete(p.c_str())
                                          : c.Post(p.c_str(), "{}", "application/json");
            ASSERT_TRUE(r) << method << " " << p;
            // Documented routes exist: a missing parameter is a 400, never a 404 for the route ("no such
            // endpoint"; a route may answer 404 itself, as recurring does for a library with no recordings).
            EXPECT_EQ(r->body.find("no such endpoint"), std::string::npos) << method << " " << p << "\n" << r->body;
            if (r->status == 404) {
                EXPECT_TRUE(p == "/api/recurring" || p == "/api/timeline") << p << " " << method << "\n" << r->body;
            }
            EXPECT_TRUE(spec.contains("responses")) << p;
        }
    }
}

TEST(server, tracks_similar_and_the_collection_tools) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    const int64_t kick = id_of("kick_0");
    ASSERT_GT(kick, 0);
    const json t = get_json("/api/tracks/" + std::to_string(kick));
    EXPECT_EQ(t["id"], kick);
    EXPECT_EQ(t["format"], "wav");
    get_json("/api/tracks/999999", 404);
    get_json("/api/tracks/abc", 404);
    auto many = server().client().Post("/api/tracks", json{{"ids", {kick, 999999, id_of("pad_2")}}}.dump(), "application/json");
    ASSERT_TRUE(many);
    ASSERT_EQ(many->status, 200) << many->body;
    const json got = json::parse(many->body);
    ASSERT_EQ(got.size(), 2u);  // the unknown id left out
    EXPECT_EQ(got[0]["id"], kick);
    EXPECT_EQ(server().client().Post("/api/tracks", json{{"ids", {"x"}}}.dump(), "application/json")->status, 400);
    const json sim = get_json("/api/similar/" + std::to_string(kick) + "?k=5");
    ASSERT_EQ(sim.size(), 5u);
    for (const auto& m : sim) EXPECT_NE(m["id"], kick);
    EXPECT_EQ(get_json("/api/map")["points"].size(), 6u);
    // Coloured by folder: two categories of three tracks, each point's index pointing at its own folder.
    const json by_folder = get_json("/api/map?colour=folder");
    ASSERT_EQ(by_folder["colour"].size(), 6u);
    EXPECT_EQ(by_folder["category_sizes"], json::array({3, 3}));
    const int64_t kick_colour = [&] {
        for (size_t i = 0; i < 6; i++)
            if (by_folder["points"][i][0] == kick) return by_folder["colour"][i].get<int64_t>();
        return int64_t{-1};
    }();
    ASSERT_GE(kick_colour, 0);
    EXPECT_EQ(by_folder["categories"][static_cast<size_t>(kick_colour)], "kicks");
    EXPECT_EQ(get_json("/api/map?colour=cluster")["colour"].size(), 6u);
    get_json("/api/map?colour=no-such-taxonomy", 404);  // no track has its tags
    EXPECT_TRUE(get_json("/api/clusters?k=2")["clusters"].is_array());
    EXPECT_TRUE(get_json("/api/duplicates")["groups"].is_array());
    const json path = get_json("/api/path?from=" + std::to_string(kick) + "&to=" + std::to_string(id_of("pad_2")) + "&steps=4");
    ASSERT_EQ(path.size(), 4u);
    EXPECT_EQ(path.front()["id"], kick);
    auto rec = server().client().Post("/api/recommend", json{{"like", {kick}}, {"k", 3}}.dump(), "application/json");
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->status, 200) << rec->body;
    EXPECT_EQ(json::parse(rec->body).size(), 3u);
    auto broken = server().client().Post("/api/recommend", "{not json", "application/json");
    ASSERT_TRUE(broken);
    EXPECT_EQ(broken->status, 400);
}

TEST(server, audio_is_streamed_by_id_with_byte_ranges) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    const int64_t pad = id_of("pad_1");
    const fs::path file = indexed().music / "pads" / "pad_1.wav";
    const std::string bytes = test::read_file(file);
    auto whole = server().client().Get(("/api/tracks/" + std::to_string(pad) + "/audio").c_str());
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->status, 200);
    EXPECT_EQ(whole->get_header_value("Content-Type"), "audio/wav");
    EXPECT_EQ(whole->body, bytes);
    auto part = server().client().Get(("/api/tracks/" + std::to_string(pad) + "/audio").c_str(), {{"Range", "bytes=100-199"}});
    ASSERT_TRUE(part);
    EXPECT_EQ(part->status, 206);
    EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 100-199/" + std::to_string(bytes.size()));
    EXPECT_EQ(part->body, bytes.substr(100, 100));
    // Only catalog files, by id: no path reaches the file system.
    for (const std::string traversal : {"/api/tracks/..%2F..%2F..%2Fetc%2Fpasswd/audio", "/../../../../etc/passwd",
                                        "/api/tracks/1/../../../etc/passwd", "/api/tracks/1/audio?path=/etc/passwd"}) {
        auto r = server().client().Get(traversal.c_str());
        ASSERT_TRUE(r) << traversal;
        EXPECT_EQ(r->body.find("root:"), std::string::npos) << traversal;
        if (traversal.find("?path=") == std::string::npos) {
            EXPECT_EQ(r->status, 404) << traversal;
        }
    }
}

TEST(server, uploads_are_searched_bounded_and_removed) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    auto before = [] {
        size_t n = 0;
        for (const auto& e : fs::directory_iterator(fs::temp_directory_path()))
            n += e.path().filename().string().rfind("sonavec-upload-", 0) == 0;
        return n;
    };
    const size_t leftovers = before();
    const std::string wav = test::read_file(indexed().music / "kicks" / "kick_1.wav");
    httplib::MultipartFormDataItems items = {{"file", wav, "reference.wav", "audio/wav"}};
    auto r = server().client().Post("/api/similar?k=3", items);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json hits = json::parse(r->body);
    ASSERT_EQ(hits.size(), 3u);
    EXPECT_NE(hits[0]["path"].get<std::string>().find("kick_1.wav"), std::string::npos);  // itself, unstored
    EXPECT_EQ(get_json("/api/stats")["files"], 6);  // nothing stored
    // Not audio: 422 naming the upload, never the temporary file.
    httplib::MultipartFormDataItems junk = {{"file", std::string(5000, 'x'), "junk.wav", "audio/wav"}};
    r = server().client().Post("/api/similar", junk);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422) << r->body;
    EXPECT_EQ(r->body.find("sonavec-upload-"), std::string::npos) << r->body;
    EXPECT_EQ(r->body.find(fs::temp_directory_path().string()), std::string::npos) << r->body;
    // Too large (the server was started with --max-upload-mb 1): refused before it is read whole.
    httplib::MultipartFormDataItems big = {{"file", std::string(3u << 20, 'x'), "big.wav", "audio/wav"}};
    r = server().client().Post("/api/similar", big);
    if (r) {
        EXPECT_EQ(r->status, 413);
    }
    httplib::MultipartFormDataItems none = {{"other", "x", "", ""}};
    r = server().client().Post("/api/similar", none);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(before(), leftovers);  // every upload's file removed
    EXPECT_TRUE(server().alive());
}

TEST(server, an_index_run_goes_on_in_the_background_while_searches_answer) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    // A library of its own (this test adds files), served with the golden model.
    const fs::path lib = test::scratch_dir() / "served-indexing", more = test::scratch_dir() / "served-more";
    fs::remove_all(lib);
    fs::create_directories(more);
    test::run_cli("index --quiet --model " + test::quoted(test::golden_dir() / "model") + " --library " + test::quoted(lib) + " " +
                  test::quoted(indexed().music));
    for (int i = 0; i < 12; i++)
        test::run_shell("sox -n -r 44100 -c 2 " + test::quoted(more / ("new_" + std::to_string(i) + ".wav")) + " synth 20 sine " +
                        std::to_string(200 + 40 * i) + " synth pinknoise mix");
    const served s({"--library", lib.string(), "--model", (test::golden_dir() / "model").string()});
    auto c = s.client();
    auto bad = c.Post("/api/index", json{{"folders", {"relative/path"}}}.dump(), "application/json");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
    auto started = c.Post("/api/index", json{{"folders", {more.string()}}}.dump(), "application/json");
    ASSERT_TRUE(started);
    ASSERT_EQ(started->status, 202) << started->body;
    auto twice = c.Post("/api/index", json{{"folders", {more.string()}}}.dump(), "application/json");
    ASSERT_TRUE(twice);
    // Searches answer while it runs, from what was committed.
    size_t answered_while_running = 0;
    for (int i = 0; i < 400; i++) {
        auto st = c.Get("/api/index");
        ASSERT_TRUE(st);
        if (json::parse(st->body)["state"] != "running") break;
        auto r = c.Get("/api/search?q=kick&mode=text&k=3");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        answered_while_running++;
    }
    // The events stream ends with the run's end.
    std::string events;
    auto ev = c.Get("/api/index/events", [&](const char* data, size_t n) {
        events.append(data, n);
        return true;
    });
    ASSERT_TRUE(ev);
    EXPECT_NE(events.find("event: end"), std::string::npos) << events;
    const json state = json::parse(c.Get("/api/index")->body);
    EXPECT_EQ(state["state"], "done") << state.dump();
    EXPECT_EQ(state["report"]["embedded"], 12);
    EXPECT_EQ(json::parse(c.Get("/api/stats")->body)["files"], 18);
    std::printf("searches answered during the index run: %zu; second start: %d\n", answered_while_running, twice->status);
    EXPECT_GT(answered_while_running, 0u);
    EXPECT_TRUE(twice->status == 409 || twice->status == 202);
}

TEST(server, a_server_started_with_no_index_only_reads) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    const test_library& t = indexed();
    const served s({"--library", t.dir.string(), "--model", (test::golden_dir() / "model").string(), "--no-index"});
    auto c = s.client();
    auto refused = c.Post("/api/index", json{{"folders", {t.music.string()}}}.dump(), "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403);
    EXPECT_EQ(json::parse(refused->body)["kind"], "forbidden");
    EXPECT_EQ(json::parse(c.Get("/api/index")->body)["state"], "idle");
    EXPECT_EQ(c.Get("/api/search?q=kick&mode=text")->status, 200);
}

TEST(server, foreign_origins_and_rebound_hosts_are_refused) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    auto c = server().client();
    auto foreign = c.Get("/api/health", {{"Origin", "http://evil.example"}});
    ASSERT_TRUE(foreign);
    EXPECT_EQ(foreign->status, 403);
    auto own = c.Get("/api/health", {{"Origin", "http://127.0.0.1:" + std::to_string(server().port)}});
    ASSERT_TRUE(own);
    EXPECT_EQ(own->status, 200);
    auto rebound = raw_request(server().port, "GET /api/health HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(rebound.rfind("HTTP/1.1 403", 0), 0u) << rebound;
    EXPECT_EQ(own->get_header_value("Access-Control-Allow-Origin"), "");  // no CORS
}

TEST(server, a_token_is_required_off_loopback) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    const served open({"--library", indexed().dir.string(), "--bind", "0.0.0.0"});
    ASSERT_EQ(open.token.size(), 64u);  // made and printed
    auto c = open.client();
    auto none = c.Get("/api/health");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401);
    auto wrong = c.Get("/api/health", {{"Authorization", "Bearer " + std::string(64, '0')}});
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
    auto right = c.Get("/api/health", {{"Authorization", "Bearer " + open.token}});
    ASSERT_TRUE(right);
    EXPECT_EQ(right->status, 200);
    auto query = c.Get(("/api/health?token=" + open.token).c_str());  // for <audio src=...>
    ASSERT_TRUE(query);
    EXPECT_EQ(query->status, 200);
    // Without a model, a text search by words still answers, and one by sound says what is missing.
    auto words = c.Get(("/api/search?mode=text&q=kick&token=" + open.token).c_str());
    ASSERT_TRUE(words);
    EXPECT_EQ(words->status, 200);
    auto sound = c.Get(("/api/search?q=kick&token=" + open.token).c_str());
    ASSERT_TRUE(sound);
    EXPECT_EQ(sound->status, 501);
}

TEST(server, malformed_http_gets_a_4xx_and_the_server_goes_on) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    const int port = server().port;
    for (const std::string& bad : {std::string("GARBAGE\r\n\r\n"), std::string("GET\r\n\r\n"),
                                  std::string("GET /api/health HTTP/9.9\r\n\r\n"),
                                  "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n",
                                  std::string("POST /api/recommend HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999\r\n\r\n{"),
                                  std::string("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n"),
                                  std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)}) {
        const std::string got = raw_request(port, bad);
        if (!got.empty()) {
            EXPECT_EQ(got.rfind("HTTP/1.1 4", 0), 0u) << bad.substr(0, 60) << "\n" << got.substr(0, 80);
        }
        EXPECT_TRUE(server().alive());
    }
    EXPECT_EQ(get_json("/api/health")["status"], "ok");
    auto unknown = server().client().Get("/api/nothing-here");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404);
    EXPECT_EQ(json::parse(unknown->body)["kind"], "not found");
}

// The inputs fuzz_http_server found breaking HTTP (tests/data/corrupt/http/README.md), sent raw: each gets
// one whole answer and then the connection's end (a refused request's body is never read as a request), an
// error as JSON, a Content-Range only on a 206 (inside the file, its length the body's) or a 416, and
// the server goes on.
TEST(server, fuzzed_requests_get_one_whole_answer) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    size_t fixtures = 0;
    for (const auto& e : fs::directory_iterator(test::data_dir() / "corrupt" / "http")) {
        if (e.path().extension() != ".bin") continue;
        fixtures++;
        const std::string name = e.path().filename().string();
        const std::string request = test::read_file(e.path()).substr(1);  // the first byte picked the fuzzer's server
        bool closed = false;
        const std::string got = raw_request(server().port, request, &closed);
        EXPECT_TRUE(closed) << name << ": the connection stayed open after the answer";
        const size_t head_end = got.find("\r\n\r\n");
        ASSERT_EQ(got.rfind("HTTP/1.1 ", 0), 0u) << name << "\n" << got.substr(0, 200);
        ASSERT_NE(head_end, std::string::npos) << name;
        const std::string head = got.substr(0, head_end + 2), body = got.substr(head_end + 4);
        const int status = std::stoi(head.substr(9, 3));
        auto header = [&](const std::string& field) {
            const size_t at = head.find("\r\n" + field + ": ");
            if (at == std::string::npos) return std::string();
            const size_t from = at + field.size() + 4;
            return head.substr(from, head.find("\r\n", from) - from);
        };
        const bool is_head = request.rfind("HEAD ", 0) == 0;
        const std::string length = header("Content-Length");
        ASSERT_FALSE(length.empty()) << name << "\n" << head;
        EXPECT_EQ(body.size(), is_head ? 0 : std::stoull(length)) << name << ": not one whole answer\n" << head;
        EXPECT_LT(status, 500) << name;
        if (status >= 400 && !is_head) {
            const json j = json::parse(body, nullptr, false);
            EXPECT_TRUE(j.is_object() && j["error"].is_string() && j["kind"].is_string()) << name << "\n" << body;
        }
        const std::string range = header("Content-Range");
        if (status == 206) {
            unsigned long long a = 0, b = 0, n = 0;
            ASSERT_EQ(std::sscanf(range.c_str(), "bytes %llu-%llu/%llu", &a, &b, &n), 3) << name << "\n" << head;
            EXPECT_TRUE(a <= b && b < n && b - a + 1 == std::stoull(length)) << name << "\n" << head;
        } else if (status != 416) {
            EXPECT_EQ(range, "") << name << "\n" << head;
        }
        EXPECT_TRUE(server().alive()) << name;
    }
    EXPECT_GE(fixtures, 8u);
    EXPECT_EQ(get_json("/api/health")["status"], "ok");
}

TEST(server, find_answers_a_text_and_a_posted_clip) {
    if (!test::have_tool("sox")) GTEST_SKIP() << "needs sox";
    // A recording of a noise bed with a 3 s plucked chord spliced in at 20 s, indexed with the segments plan.
    const fs::path dir = test::scratch_dir() / "find-served";
    fs::create_directories(dir / "shows");
    const fs::path bed = dir / "bed.wav", clip = dir / "clip.wav";
    test::run_shell("sox -n -r 48000 -c 1 " + test::quoted(bed) + " synth 20 pinknoise gain -25");
    test::run_shell("sox -n -r 48000 -c 1 " + test::quoted(clip) + " synth 3 pluck C4 pluck E4 pluck G4 fade 0 3 0.3 gain -3");
    test::run_shell("sox " + test::quoted(bed) + " " + test::quoted(clip) + " " + test::quoted(bed) + " " +
                    test::quoted(dir / "shows" / "show.wav"));
    const auto r = test::run_cli("index --quiet --no-fingerprints --windows segments --model " +
                                 test::quoted(test::golden_dir() / "model") + " --library " + test::quoted(dir / "lib") +
                                 " " + test::quoted(dir / "shows"));
    ASSERT_EQ(r.code, 0) << r.err;
    const served s({"--library", (dir / "lib").string(), "--model", (test::golden_dir() / "model").string()});
    httplib::MultipartFormDataItems items = {{"file", test::read_file(clip), "clip.wav", "audio/wav"}};
    auto res = s.client().Post("/api/find", items);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const json found = json::parse(res->body);
    ASSERT_EQ(found["occurrences"].size(), 1u) << res->body;
    EXPECT_NEAR(found["occurrences"][0]["start_seconds"].get<double>(), 20.0, 0.5);
    EXPECT_EQ(found["windows"], 8);  // 0, 5, ..., 33 s of a 43 s recording
    res = s.client().Get("/api/find?q=a%20plucked%20chord&max=3");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_TRUE(json::parse(res->body)["occurrences"].is_array());
    res = s.client().Get("/api/find");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    // The shared test library was indexed with the seed plan: nothing to find in, said so.
    EXPECT_EQ(get_json("/api/find?q=kick", 404)["error"].get<std::string>().find("segments") != std::string::npos, true);
}

TEST(server, recurring_lists_a_clip_that_plays_three_times) {
    // A show of brown noise with a 6 s piece of music laid over it at 10, 40 and 75 s, indexed with the
    // segments plan and its prints.
    const fs::path dir = test::scratch_dir() / "recurring-served";
    fs::create_directories(dir / "shows");
    constexpr int rate = 48000;
    std::vector<float> show(2 * 100 * rate);
    std::mt19937 rng(4);
    std::normal_distribution<float> n(0, 1);
    float low = 0;
    for (size_t i = 0; i < show.size(); i += 2) show[i] = show[i + 1] = low = 0.995f * low + 0.006f * n(rng);
    const std::vector<float> clip = test::music_signal(31, 6, rate);
    for (double at : {10.0, 40.0, 75.0})
        for (size_t i = 0; i < clip.size(); i++) {
            float& x = show[static_cast<size_t>(at * rate) * 2 + i];
            x = 0.25f * x + clip[i];
        }
    std::fill(show.begin() + 2 * 50 * rate, show.begin() + 2 * 54 * rate, 0.0f);  // 4 s of silence at 50 s
    test::write_stereo_wav(dir / "shows" / "show.wav", show, rate);
    const auto r = test::run_cli("index --quiet --windows segments --model " + test::quoted(test::golden_dir() / "model") +
                                 " --library " + test::quoted(dir / "lib") + " " + test::quoted(dir / "shows"));
    ASSERT_EQ(r.code, 0) << r.err;
    const served s({"--library", (dir / "lib").string()});  // no model needed
    auto res = s.client().Get("/api/recurring");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const json found = json::parse(res->body);
    ASSERT_EQ(found["items"].size(), 1u) << res->body;
    ASSERT_EQ(found["items"][0]["occurrences"].size(), 3u) << res->body;
    EXPECT_NEAR(found["items"][0]["occurrences"][1]["start_seconds"].get<double>(), 40.0, 1.5) << res->body;
    res = s.client().Get("/api/recurring?min_count=1");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    // The shared test library was indexed with the seed plan: no prints, said so.
    EXPECT_NE(get_json("/api/recurring", 404)["error"].get<std::string>().find("segments"), std::string::npos);

    // The timeline needs the model (the kinds' prompts): its silence where it was made, in JSON and WebVTT.
    const served m({"--library", (dir / "lib").string(), "--model", (test::golden_dir() / "model").string()});
    res = m.client().Get("/api/timeline");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const json t = json::parse(res->body);
    ASSERT_EQ(t["files"].size(), 1u);
    size_t silences = 0;
    for (const json& g : t["files"][0]["segments"])
        if (g["kind"] == "silence") {
            silences++;
            EXPECT_NEAR(g["start_seconds"].get<double>(), 50.0, 0.21) << g;
            EXPECT_NEAR(g["end_seconds"].get<double>(), 54.0, 0.21) << g;
        }
    EXPECT_EQ(silences, 1u) << res->body;
    res = m.client().Get("/api/timeline?format=webvtt&path=*/show.wav");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/vtt; charset=utf-8");
    EXPECT_EQ(res->body.rfind("WEBVTT\n", 0), 0u) << res->body;
    EXPECT_NE(res->body.find("00:00:5"), std::string::npos) << res->body;
    // A library's error names its folder; the client is told "the library" instead.
    res = m.client().Get("/api/timeline?path=*/elsewhere/*");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << res->body;
    EXPECT_EQ(res->body.find((dir / "lib").string()), std::string::npos) << res->body;
    EXPECT_NE(res->body.find("the library holds no recordings"), std::string::npos) << res->body;
    for (const char* bad : {"/api/timeline?format=xml", "/api/timeline?silence_db=4", "/api/find?q=x&within=jazz",
                            "/api/find?q=x&within=silence"}) {
        res = m.client().Get(bad);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 400) << bad << " " << res->body;
    }
    // Within the kind the timeline gives the show's start (the tiny model's choice, whichever it is).
    std::string kind = t["files"][0]["segments"][0]["kind"];
    for (size_t at; (at = kind.find(' ')) != std::string::npos;) kind.replace(at, 1, "%20");
    res = m.client().Get(("/api/find?q=a%20jingle&within=" + kind).c_str());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_GT(json::parse(res->body)["windows_within"].get<size_t>(), 0u);
}
