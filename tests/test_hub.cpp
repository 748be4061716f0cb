// Model download and cache, against tests/support/http_test_server.py on 127.0.0.1.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sonavec/hub.h"
#include "hub/hub_url.h"
#include "sonavec/model.h"
#include "sonavec/error.h"
#include "util/sha256.h"
#include "cli_run.h"
#include "hub_server.h"
#include "test_data.h"

using namespace sonavec;
using sonavec::test::hub_server;
using sonavec::test::temp_dir;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Sets or clears an environment variable for one scope.
class scoped_env {
public:
    scoped_env(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) setenv(name, value, 1);
        else unsetenv(name);
    }
    ~scoped_env() {
        if (old_) setenv(name_.c_str(), old_->c_str(), 1);
        else unsetenv(name_.c_str());
    }

private:
    std::string name_;
    std::optional<std::string> old_;
};

// A port on 127.0.0.1 with nothing listening on it.
int closed_port() {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    close(s);
    return ntohs(a.sin_port);
}

struct hub_fixture : ::testing::Test {
    temp_dir tmp;
    fs::path served = tmp.path / "served";
    fs::path cache = tmp.path / "cache";
    scoped_env no_token{"HF_TOKEN", nullptr};
    scoped_env no_endpoint{"SONAVEC_HF_ENDPOINT", nullptr};
    scoped_env no_hf_endpoint{"HF_ENDPOINT", nullptr};
    scoped_env no_proxy{"no_proxy", "127.0.0.1"};  // a proxy in the environment must not see the test server
    scoped_env no_proxy_upper{"NO_PROXY", "127.0.0.1"};

    void SetUp() override { fs::copy(test::golden_dir() / "model", served); }

    pull_options options(const hub_server& server) const {
        pull_options o;
        o.endpoint = server.endpoint();
        o.cache_root = cache;
        o.progress = nullptr;
        return o;
    }

    void expect_same(const fs::path& dir, const std::string& file) const {
        ASSERT_TRUE(fs::exists(dir / file)) << file;
        EXPECT_TRUE(test::read_file(dir / file) == test::read_file(served / file)) << file << " differs from the source";
        EXPECT_FALSE(fs::exists(dir / (file + ".part"))) << file;
    }
};

}  // namespace

TEST(sha256, known_vectors) {
    auto hex = [](const std::string& s) {
        sha256 h;
        h.update(s.data(), s.size());
        return h.finish_hex();
    };
    EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    sha256 million;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 1000; i++) million.update(chunk.data(), chunk.size());
    EXPECT_EQ(million.finish_hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(model_cache, cache_root_follows_xdg) {
    scoped_env xdg("XDG_CACHE_HOME", "/somewhere/cache");
    EXPECT_EQ(default_cache_root(), fs::path("/somewhere/cache/sonavec/models"));
    EXPECT_EQ(cached_model_dir("laion/clap-htsat-unfused"),
              fs::path("/somewhere/cache/sonavec/models/laion--clap-htsat-unfused"));
    EXPECT_EQ(cached_model_dir("a/b", "/root"), fs::path("/root/a--b"));
    scoped_env relative("XDG_CACHE_HOME", "relative/cache");
    scoped_env home("HOME", "/home/someone");
    EXPECT_EQ(default_cache_root(), fs::path("/home/someone/.cache/sonavec/models"));
}

TEST(model_cache, repo_ids_are_checked) {
    for (const char* bad : {"", "noslash", "a/b/c", "../x", "a/..", "a--b/c", "a/b c", "/x", "x/", "a/.hidden"})
        EXPECT_THROW(cached_model_dir(bad, "/root"), sonavec::error) << bad;
    EXPECT_NO_THROW(check_repo_id("laion/clap-htsat-unfused"));
    EXPECT_NO_THROW(check_revision("refs/pr/1"));
    EXPECT_THROW(check_revision("../main"), sonavec::error);
    EXPECT_EQ(hub_file_url("https://h", "a/b", "refs/pr/1", "config.json"),
              "https://h/a/b/resolve/refs%2Fpr%2F1/config.json");
}

TEST(model_cache, endpoint_from_environment) {
    scoped_env a("SONAVEC_HF_ENDPOINT", nullptr);
    scoped_env b("HF_ENDPOINT", nullptr);
    EXPECT_EQ(hub_endpoint(), "https://huggingface.co");
    scoped_env c("HF_ENDPOINT", "http://127.0.0.1:1/");
    EXPECT_EQ(hub_endpoint(), "http://127.0.0.1:1");
    scoped_env d("SONAVEC_HF_ENDPOINT", "http://127.0.0.1:2");
    EXPECT_EQ(hub_endpoint(), "http://127.0.0.1:2");
    EXPECT_EQ(hub_endpoint("http://127.0.0.1:3"), "http://127.0.0.1:3");
    EXPECT_THROW(hub_endpoint("ftp://x"), sonavec::error);
}

TEST_F(hub_fixture, full_pull_is_byte_identical_and_second_pull_is_a_no_op) {
    hub_server server(served, {"--lfs"});
    pull_options o = options(server);
    o.progress = [](const download_event&) {};  // stderr is not a terminal here: the plain-lines path
    const fs::path dir = pull_model(o);
    EXPECT_EQ(dir, cache / "laion--clap-htsat-unfused");
    for (const auto& f : model_config_files()) expect_same(dir, f);
    expect_same(dir, "model.safetensors");
    EXPECT_FALSE(fs::exists(dir / "pytorch_model.bin")) << "safetensors is preferred when the repo has it";
    EXPECT_TRUE(contains(server.log(), "GET /cdn/model.safetensors")) << server.log();
    EXPECT_TRUE(missing_model_files(dir).empty());

    const size_t before = server.log().size();
    EXPECT_EQ(pull_model(o), dir);
    const std::string second = server.log().substr(before);
    EXPECT_FALSE(contains(second, "GET ")) << "files already complete are not downloaded again:\n" << second;
    expect_same(dir, "model.safetensors");
}

TEST_F(hub_fixture, falls_back_to_pytorch_bin_and_sends_the_token) {
    fs::remove(served / "model.safetensors");
    hub_server server(served, {"--lfs"});
    scoped_env endpoint("SONAVEC_HF_ENDPOINT", server.endpoint().c_str());
    scoped_env token("HF_TOKEN", "hf_test_token");
    pull_options o;
    o.cache_root = cache;
    o.progress = nullptr;
    const fs::path dir = pull_model(o);
    expect_same(dir, "pytorch_model.bin");
    EXPECT_FALSE(fs::exists(dir / "model.safetensors"));
    EXPECT_TRUE(contains(server.log(), "GET /laion/clap-htsat-unfused/resolve/main/config.json range=- "
                                       "auth=Bearer hf_test_token"))
        << server.log();
}

TEST_F(hub_fixture, interrupted_download_resumes_from_the_part_file) {
    const uint64_t cut = 3'000'000;
    hub_server server(served, {"--lfs", "--cut", "model.safetensors:" + std::to_string(cut)});
    pull_options o = options(server);
    o.attempts = 1;
    const fs::path dir = cached_model_dir(o.repo, cache);
    try {
        pull_model(o);
        FAIL() << "the cut transfer should fail with one attempt";
    } catch (const sonavec::error& e) {
        EXPECT_TRUE(contains(e.what(), "resume")) << e.what();
    }
    ASSERT_TRUE(fs::exists(dir / "model.safetensors.part"));
    EXPECT_FALSE(fs::exists(dir / "model.safetensors")) << "a partial file is never taken for a whole one";
    const uint64_t part = fs::file_size(dir / "model.safetensors.part");
    EXPECT_GT(part, 0u);
    EXPECT_LE(part, cut);
    EXPECT_TRUE(missing_model_files(dir).size() == 1);

    pull_model(o);
    EXPECT_TRUE(contains(server.log(), "GET /cdn/model.safetensors range=bytes=" + std::to_string(part) + "-"))
        << server.log();
    expect_same(dir, "model.safetensors");
}

TEST_F(hub_fixture, one_pull_retries_and_resumes_by_itself) {
    hub_server server(served, {"--lfs", "--cut", "model.safetensors:1000000", "--cut", "vocab.json:1000"});
    const fs::path dir = pull_model(options(server));
    expect_same(dir, "model.safetensors");
    expect_same(dir, "vocab.json");
    EXPECT_TRUE(contains(server.log(), "GET /cdn/model.safetensors range=bytes=")) << server.log();
    EXPECT_TRUE(contains(server.log(), "GET /laion/clap-htsat-unfused/resolve/main/vocab.json range=bytes=1000-"))
        << server.log();
}

TEST_F(hub_fixture, a_complete_part_file_is_finished_without_downloading) {
    hub_server server(served, {"--lfs"});
    const fs::path dir = cached_model_dir("laion/clap-htsat-unfused", cache);
    fs::create_directories(dir);
    fs::copy_file(served / "model.safetensors", dir / "model.safetensors.part");
    pull_model(options(server));
    const std::string size = std::to_string(fs::file_size(served / "model.safetensors"));
    EXPECT_TRUE(contains(server.log(), "GET /cdn/model.safetensors range=bytes=" + size + "-")) << server.log();
    expect_same(dir, "model.safetensors");
}

TEST_F(hub_fixture, size_mismatch_is_refused) {
    for (const char* delta : {"1", "-1"}) {
        hub_server server(served, {"--lfs", "--size-delta", std::string("model.safetensors:") + delta});
        const fs::path dir = cached_model_dir("laion/clap-htsat-unfused", cache);
        try {
            pull_model(options(server));
            FAIL() << "a size that differs from X-Linked-Size must be refused";
        } catch (const sonavec::error& e) {
            EXPECT_TRUE(contains(e.what(), "size mismatch")) << e.what();
        }
        EXPECT_FALSE(fs::exists(dir / "model.safetensors"));
        EXPECT_FALSE(fs::exists(dir / "model.safetensors.part"));
    }
}

TEST_F(hub_fixture, checksum_mismatch_is_refused) {
    hub_server server(served, {"--lfs", "--bad-sha", "model.safetensors"});
    const fs::path dir = cached_model_dir("laion/clap-htsat-unfused", cache);
    try {
        pull_model(options(server));
        FAIL() << "a SHA-256 that differs from X-Linked-Etag must be refused";
    } catch (const sonavec::error& e) {
        EXPECT_TRUE(contains(e.what(), "SHA-256 mismatch")) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir / "model.safetensors"));
    EXPECT_FALSE(fs::exists(dir / "model.safetensors.part"));
}

TEST_F(hub_fixture, unknown_repo_is_a_clear_error) {
    hub_server server(served);
    pull_options o = options(server);
    o.repo = "nobody/no-such-model";
    try {
        pull_model(o);
        FAIL() << "expected an error";
    } catch (const sonavec::error& e) {
        const std::string msg = e.what();
        EXPECT_TRUE(contains(msg, "repository nobody/no-such-model not found")) << msg;
        EXPECT_TRUE(contains(msg, "404")) << msg;
    }
    EXPECT_FALSE(fs::exists(cache / "nobody--no-such-model")) << "a failed first pull leaves no empty folder";
}

TEST_F(hub_fixture, unknown_revision_is_a_clear_error) {
    hub_server server(served);
    pull_options o = options(server);
    o.revision = "v9";
    try {
        pull_model(o);
        FAIL() << "expected an error";
    } catch (const sonavec::error& e) {
        EXPECT_TRUE(contains(e.what(), "revision 'v9' not found in laion/clap-htsat-unfused")) << e.what();
    }
}

TEST_F(hub_fixture, no_network_names_the_files_and_the_cache) {
    pull_options o;
    o.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
    o.cache_root = cache;
    o.progress = nullptr;
    try {
        pull_model(o);
        FAIL() << "expected an error";
    } catch (const sonavec::error& e) {
        const std::string msg = e.what();
        EXPECT_TRUE(contains(msg, "cannot reach " + o.endpoint)) << msg;
        EXPECT_TRUE(contains(msg, "No network")) << msg;
        for (const char* f : {"config.json", "preprocessor_config.json", "vocab.json", "merges.txt",
                              "model.safetensors", "pytorch_model.bin"})
            EXPECT_TRUE(contains(msg, o.endpoint + "/laion/clap-htsat-unfused/resolve/main/" + f)) << f << "\n" << msg;
        EXPECT_TRUE(contains(msg, (cache / "laion--clap-htsat-unfused").string())) << msg;
    }
}

TEST(model_cache, resolve_precedence_flag_env_cache) {
    temp_dir tmp;
    auto make_model = [&](const fs::path& dir) {
        fs::create_directories(dir);
        for (const auto& f : model_config_files()) std::ofstream(dir / f) << "{}";
        std::ofstream(dir / "pytorch_model.bin") << "x";
    };
    const fs::path flag = tmp.path / "flag", from_env = tmp.path / "env";
    make_model(flag);
    make_model(from_env);
    make_model(tmp.path / "xdg/sonavec/models/laion--clap-htsat-unfused");
    scoped_env xdg("XDG_CACHE_HOME", (tmp.path / "xdg").c_str());
    scoped_env model("SONAVEC_MODEL", from_env.c_str());
    EXPECT_EQ(resolve_model_dir(flag.string()), flag);
    EXPECT_EQ(resolve_model_dir(""), from_env);
    scoped_env no_model("SONAVEC_MODEL", nullptr);
    EXPECT_EQ(resolve_model_dir(""), tmp.path / "xdg/sonavec/models/laion--clap-htsat-unfused");
}

TEST(model_cache, resolve_names_missing_files_and_where_to_get_them) {
    temp_dir tmp;
    scoped_env xdg("XDG_CACHE_HOME", (tmp.path / "xdg").c_str());
    scoped_env model("SONAVEC_MODEL", nullptr);
    scoped_env endpoint("SONAVEC_HF_ENDPOINT", nullptr);
    scoped_env hf_endpoint("HF_ENDPOINT", nullptr);
    const fs::path partial = tmp.path / "partial";
    fs::create_directories(partial);
    std::ofstream(partial / "config.json") << "{}";
    std::ofstream(partial / "merges.txt") << "";
    try {
        resolve_model_dir(partial.string());
        FAIL() << "expected an error";
    } catch (const sonavec::error& e) {
        const std::string msg = e.what();
        EXPECT_TRUE(contains(msg, "--model")) << msg;
        EXPECT_TRUE(contains(msg, partial.string() +
                                      " lacks preprocessor_config.json, vocab.json, model.safetensors or "
                                      "pytorch_model.bin"))
            << msg;
        EXPECT_TRUE(contains(msg, "https://huggingface.co/laion/clap-htsat-unfused/resolve/main/vocab.json")) << msg;
        EXPECT_TRUE(contains(msg, "https://huggingface.co/laion/clap-htsat-unfused/resolve/main/pytorch_model.bin"))
            << msg;
        EXPECT_TRUE(contains(msg, "sonavec model pull")) << msg;
        EXPECT_TRUE(contains(msg, "into " + partial.string())) << msg;
    }
    // Nothing anywhere: the cache is named as the place the model goes.
    try {
        resolve_model_dir("");
        FAIL() << "expected an error";
    } catch (const sonavec::error& e) {
        const std::string msg = e.what();
        EXPECT_TRUE(contains(msg, "does not exist")) << msg;
        EXPECT_TRUE(contains(msg, (tmp.path / "xdg/sonavec/models/laion--clap-htsat-unfused").string())) << msg;
    }
    // An explicit choice never falls back to the cache or the environment.
    scoped_env model_env("SONAVEC_MODEL", (tmp.path / "nowhere").c_str());
    EXPECT_THROW(resolve_model_dir(""), sonavec::error);
}

TEST(model_cache, audio_only_use_needs_no_tokenizer_files) {
    temp_dir tmp;
    const fs::path dir = tmp.path / "audio_only";
    fs::create_directories(dir);
    std::ofstream(dir / "config.json") << "{}";
    std::ofstream(dir / "preprocessor_config.json") << "{}";
    std::ofstream(dir / "model.safetensors") << "x";
    EXPECT_TRUE(missing_model_files(dir, model_use::audio).empty());
    EXPECT_EQ(missing_model_files(dir), (std::vector<std::string>{"vocab.json", "merges.txt"}));
    EXPECT_EQ(resolve_model_dir(dir.string(), model_use::audio), dir);
    EXPECT_THROW(resolve_model_dir(dir.string()), sonavec::error);
    fs::remove(dir / "preprocessor_config.json");
    EXPECT_EQ(missing_model_files(dir, model_use::audio), std::vector<std::string>{"preprocessor_config.json"});
}
