// The sonavec command as a user runs it: help on every command, exit codes, and real results.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "sonavec/precision.h"
#include "cli_run.h"
#include "hub_server.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

using result = test::cli_result;

// sonavec with the given environment assignments (and no other, unlike test::run_cli: these tests set
// their own caches or none).
result run(const std::string& args, const std::string& env = "") {
    return test::run_shell(env + " " + test::quoted(test::cli_path()) + " " + args);
}

std::string golden_model() { return (test::golden_dir() / "model").string(); }

}  // namespace

TEST(cli, help_lists_and_documents_every_command) {
    auto r = run("--help");
    EXPECT_EQ(r.code, 0);
    for (const char* c : {"embed", "embed-text", "model pull", "model info", "model random", "bench"}) {
        EXPECT_NE(r.out.find(c), std::string::npos) << c;
        auto h = run(std::string(c) + " --help");
        EXPECT_EQ(h.code, 0) << c;
        EXPECT_NE(h.out.find(std::string("usage: sonavec ") + c), std::string::npos) << h.out;
    }
}

TEST(cli, bad_usage_exits_2_with_usage) {
    EXPECT_EQ(run("").code, 2);
    EXPECT_EQ(run("no-such-command").code, 2);
    auto r = run("embed-text");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("usage: sonavec embed-text"), std::string::npos) << r.err;
    EXPECT_EQ(run("embed-text --no-such-flag x").code, 2);
    EXPECT_EQ(run("embed-text --threads many x").code, 2);
    EXPECT_EQ(run("model").code, 2);
}

TEST(cli, every_embedding_command_takes_precision) {
    for (const char* c : {"embed", "embed-text", "index", "search", "similar"}) {
        auto h = run(std::string(c) + " --help");
        EXPECT_EQ(h.code, 0) << c;
        EXPECT_NE(h.out.find("--precision"), std::string::npos) << c << ":\n" << h.out;
        EXPECT_NE(h.out.find("int8"), std::string::npos) << c << ":\n" << h.out;
        // A bad name is bad usage, found before anything is opened or embedded.
        const bool library = std::string(c) != "embed" && std::string(c) != "embed-text";
        auto r = run(std::string(c) + " --model " + golden_model() + (library ? " --library /nonexistent/library" : "") +
                     " --precision fp16 x");
        EXPECT_EQ(r.code, 2) << c << "\n" << r.err;
        for (const char* s : {"fp32", "bf16", "int8"}) EXPECT_NE(r.err.find(s), std::string::npos) << c << ": " << r.err;
    }
}

TEST(cli, embed_text_precisions_do_not_share_the_text_cache) {
    test::temp_dir tmp;
    const std::string env = "XDG_CACHE_HOME=" + (tmp.path / "cache").string();
    const std::string text = " 'a dog barking at night'";
    auto vector_of = [&](const std::string& options) {
        auto r = run("embed-text --model " + golden_model() + " " + options + text, env);
        EXPECT_EQ(r.code, 0) << options << "\n" << r.err;
        return r.code == 0 ? nlohmann::json::parse(r.out).get<std::vector<float>>() : std::vector<float>{};
    };
    if (!sonavec::precision_available(sonavec::precision::bf16)) GTEST_SKIP() << "bf16 is not available on this CPU";
    const auto bf16 = vector_of("--precision bf16");  // fills the cache at bf16
    ASSERT_TRUE(fs::exists(tmp.path / "cache/sonavec/text-cache.sqlite"));
    EXPECT_EQ(vector_of("--precision bf16"), bf16);  // and reads it back
    const auto fp32 = vector_of("--precision fp32");
    ASSERT_EQ(fp32.size(), bf16.size());
    EXPECT_NE(fp32, bf16) << "fp32 got the cached bf16 vector";
    test::expect_embedding_close(fp32.data(), *test::open_golden("text/text0.safetensors")->find("embedding"), "fp32");
    EXPECT_EQ(vector_of(""), fp32);  // the default is fp32, from the cache now
    const auto int8 = vector_of("--precision int8");
    EXPECT_NE(int8, fp32);
    EXPECT_NE(int8, bf16);
    EXPECT_GE(test::cosine(int8.data(), fp32.data(), fp32.size()), 0.999);
    EXPECT_GE(test::cosine(bf16.data(), fp32.data(), fp32.size()), 0.999);
}

TEST(cli, embed_text_prints_reference_vectors) {
    test::temp_dir tmp;  // a cache of its own: the vectors must come from the model, not from a user's cache
    auto r = run("embed-text --model " + golden_model() + " 'a dog barking at night' 'Dark cinematic string ensemble'",
                 "XDG_CACHE_HOME=" + tmp.path.string());
    ASSERT_EQ(r.code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    for (const char* file : {"text/text0.safetensors", "text/text1.safetensors"}) {
        ASSERT_TRUE(std::getline(lines, line));
        auto v = nlohmann::json::parse(line).get<std::vector<float>>();
        test::expect_embedding_close(v.data(), *test::open_golden(file)->find("embedding"), file);
    }
}

TEST(cli, model_from_environment_variable) {
    test::temp_dir tmp;
    auto r = run("embed-text 'a dog barking at night'", "SONAVEC_MODEL=" + golden_model() + " XDG_CACHE_HOME=" + tmp.path.string());
    ASSERT_EQ(r.code, 0) << r.err;
    auto v = nlohmann::json::parse(r.out).get<std::vector<float>>();
    test::expect_embedding_close(v.data(), *test::open_golden("text/text0.safetensors")->find("embedding"), "env");
}

TEST(cli, missing_model_is_a_clear_error) {
    auto r = run("embed-text --model /nonexistent/model 'x'");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("/nonexistent/model"), std::string::npos) << r.err;
}

TEST(cli, model_info_self_check_passes_on_reference_model) {
    auto r = run("model info --model " + golden_model());
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("audio (HTSAT)"), std::string::npos) << r.out;
}

TEST(cli, model_random_writes_a_loadable_model) {
    const fs::path out = fs::temp_directory_path() / ("sonavec_random_" + std::to_string(getpid()));
    fs::remove_all(out);
    auto r = run("model random " + golden_model() + " " + out.string());
    ASSERT_EQ(r.code, 0) << r.err;
    auto info = run("model info --model " + out.string());
    EXPECT_EQ(info.code, 0) << info.out << info.err;
    EXPECT_EQ(info.out.find("FAIL"), std::string::npos) << info.out;
    fs::remove_all(out);
}

TEST(cli, model_pull_resumes_then_the_cached_model_is_used) {
    // A Hub stand-in serving the golden model as laion/clap-htsat-unfused publishes it: no safetensors,
    // the weights behind an LFS redirect, and the first transfer of them cut off midway.
    test::temp_dir tmp;
    const fs::path served = tmp.path / "served";
    fs::create_directories(served);
    for (const char* f : {"config.json", "preprocessor_config.json", "vocab.json", "merges.txt", "pytorch_model.bin"})
        fs::copy_file(test::golden_dir() / "model" / f, served / f);
    test::hub_server hub(served, {"--lfs", "--cut", "pytorch_model.bin:1000000"});
    const std::string env = "XDG_CACHE_HOME=" + (tmp.path / "cache").string() + " SONAVEC_HF_ENDPOINT=" + hub.endpoint() +
                            " SONAVEC_MODEL= HF_ENDPOINT= HF_TOKEN=";
    auto pull = run("model pull --quiet", env);
    ASSERT_EQ(pull.code, 0) << pull.err;
    const fs::path dir = tmp.path / "cache/sonavec/models/laion--clap-htsat-unfused";
    EXPECT_EQ(pull.out, dir.string() + "\n");
    EXPECT_NE(hub.log().find("range=bytes=1000000-"), std::string::npos) << hub.log();
    EXPECT_EQ(fs::file_size(dir / "pytorch_model.bin"), fs::file_size(served / "pytorch_model.bin"));

    auto r = run("embed-text 'a dog barking at night'", env);
    ASSERT_EQ(r.code, 0) << r.err;
    auto v = nlohmann::json::parse(r.out).get<std::vector<float>>();
    test::expect_embedding_close(v.data(), *test::open_golden("text/text0.safetensors")->find("embedding"), "pulled");
}

TEST(cli, model_pull_without_network_says_what_to_download) {
    test::temp_dir tmp;
    // Port 9 on loopback: nothing listens there, so the connection is refused at once.
    auto r = run("model pull --quiet", "XDG_CACHE_HOME=" + tmp.path.string() + " SONAVEC_HF_ENDPOINT=http://127.0.0.1:9");
    EXPECT_EQ(r.code, 1);
    for (const char* f : {"config.json", "vocab.json", "merges.txt", "pytorch_model.bin"})
        EXPECT_NE(r.err.find(f), std::string::npos) << f << " in: " << r.err;
    EXPECT_NE(r.err.find((tmp.path / "sonavec/models/laion--clap-htsat-unfused").string()), std::string::npos) << r.err;
}
