// `cmake --install` of this build into a scratch prefix, and a program outside the tree
// (tests/outside_program) built against what was installed: with find_package(sonavec), linking the
// shared and the static library, and with pkg-config. Each embeds a golden text; the vector must be
// the reference implementation's.
#include <gtest/gtest.h>

#include <sstream>

#include "cli_run.h"
#include "sonavec/version.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

const char* golden_text = "a dog barking at night";  // tests/data/golden/text/text0.safetensors

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

struct embed_output {
    std::string version;
    long long dim = -1;
    double norm = -1;
    std::vector<float> vector;
};

embed_output parse(const std::string& out) {
    embed_output r;
    std::istringstream in(out);
    std::string key;
    while (in >> key) {
        if (key == "version") in >> r.version;
        else if (key == "dim") in >> r.dim;
        else if (key == "norm") in >> r.norm;
        else if (key == "vector")
            for (float x; in >> x;) r.vector.push_back(x);
    }
    return r;
}

// Runs an outside program on the golden model and checks its vector against the reference's.
void expect_golden_embedding(const fs::path& program) {
    const auto r = test::run_shell(test::quoted(program) + " " + test::quoted(test::golden_dir() / "model") + " '" +
                                   golden_text + "'");
    ASSERT_EQ(r.code, 0) << program << "\n" << r.err;
    const embed_output e = parse(r.out);
    const auto ref = test::open_golden("text/text0.safetensors");
    const tensor_view& embedding = *ref->find("embedding");
    EXPECT_EQ(e.version, SONAVEC_VERSION) << r.out;
    EXPECT_EQ(e.dim, embedding.numel()) << r.out;
    EXPECT_NEAR(e.norm, 1.0, 1e-5) << r.out;
    ASSERT_EQ(static_cast<int64_t>(e.vector.size()), embedding.numel()) << r.out;
    test::expect_embedding_close(e.vector.data(), embedding, program.filename().string());
}

std::string dynamic_section(const fs::path& file) {
    const auto r = test::run_shell("readelf -d " + test::quoted(file));
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
}

struct installed : ::testing::Test {
    static fs::path prefix;

    static void SetUpTestSuite() {
        prefix = test::scratch_dir() / "prefix";
        const auto r = test::run_shell(std::string(SONAVEC_CMAKE) + " --install " + test::quoted(SONAVEC_BINARY_DIR) +
                                       " --prefix " + test::quoted(prefix));
        ASSERT_EQ(r.code, 0) << r.out << r.err;
    }

    static fs::path libdir() {
        // GNUInstallDirs: lib, or lib/<multiarch> for a /usr prefix; the .pc file sits in it.
        for (const auto& entry : fs::recursive_directory_iterator(prefix))
            if (entry.path().filename() == "sonavec.pc") return entry.path().parent_path().parent_path();
        ADD_FAILURE() << "no sonavec.pc under " << prefix;
        return prefix / "lib";
    }
};
fs::path installed::prefix;

}  // namespace

TEST_F(installed, headers_libraries_and_package_files) {
    for (const auto& entry : fs::directory_iterator(fs::path(SONAVEC_SOURCE_DIR) / "include" / "sonavec")) {
        if (entry.path().extension() != ".h") continue;
        EXPECT_TRUE(fs::is_regular_file(prefix / "include" / "sonavec" / entry.path().filename())) << entry.path();
    }
    EXPECT_TRUE(contains(test::read_file(prefix / "include" / "sonavec" / "version.h"),
                         "#define SONAVEC_VERSION \"" SONAVEC_VERSION "\""));
    const fs::path lib = libdir();
    for (const char* name : {"libsonavec.a", "libsonavec_hub.a", "libsonavec.so", "libsonavec_hub.so",
                             "cmake/sonavec/sonavecConfig.cmake", "cmake/sonavec/sonavecConfigVersion.cmake",
                             "cmake/sonavec/sonavecTargets.cmake", "pkgconfig/sonavec-hub.pc"})
        EXPECT_TRUE(fs::exists(lib / name)) << name;
    const std::string soname = "libsonavec.so." + std::to_string(SONAVEC_VERSION_MAJOR);
    EXPECT_TRUE(contains(dynamic_section(lib / "libsonavec.so"), "Library soname: [" + soname + "]"));
    EXPECT_TRUE(fs::is_symlink(lib / soname)) << soname;
    EXPECT_TRUE(fs::is_regular_file(lib / ("libsonavec.so." SONAVEC_VERSION)));
    // Embedding needs no curl: only the hub links it.
    EXPECT_FALSE(contains(dynamic_section(lib / "libsonavec.so"), "libcurl"));
    EXPECT_TRUE(contains(dynamic_section(lib / "libsonavec_hub.so"), "libcurl"));
    const auto cli = test::run_shell(test::quoted(prefix / "bin" / "sonavec") + " --version");
    EXPECT_EQ(cli.out, "sonavec " SONAVEC_VERSION "\n");
}

TEST_F(installed, outside_program_builds_with_find_package) {
    const fs::path build = test::scratch_dir() / "outside-cmake";
    const auto configure = test::run_shell(
        std::string(SONAVEC_CMAKE) + " -S " + test::quoted(fs::path(SONAVEC_SOURCE_DIR) / "tests" / "outside_program") +
        " -B " + test::quoted(build) + " -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=" + SONAVEC_CXX +
        " -DCMAKE_PREFIX_PATH=" + test::quoted(prefix) + " '-DCMAKE_CXX_FLAGS=" SONAVEC_OUTSIDE_FLAGS "'");
    ASSERT_EQ(configure.code, 0) << configure.out << configure.err;
    const auto compile = test::run_shell(std::string(SONAVEC_CMAKE) + " --build " + test::quoted(build) + " -j 2");
    ASSERT_EQ(compile.code, 0) << compile.out << compile.err;

    const std::string needed = dynamic_section(build / "embed_shared");
    EXPECT_TRUE(contains(needed, "libsonavec.so." + std::to_string(SONAVEC_VERSION_MAJOR))) << needed;
    EXPECT_FALSE(contains(needed, "libcurl")) << needed;
    EXPECT_FALSE(contains(dynamic_section(build / "embed_static"), "libsonavec")) << "the static library is inside";
    expect_golden_embedding(build / "embed_shared");
    expect_golden_embedding(build / "embed_static");
}

TEST_F(installed, outside_program_builds_with_pkg_config) {
    const std::string pkg_config = "PKG_CONFIG_PATH=" + test::quoted(libdir() / "pkgconfig") + " pkg-config";
    const auto version = test::run_shell(pkg_config + " --modversion sonavec");
    EXPECT_EQ(version.out, SONAVEC_VERSION "\n") << version.err;
    const fs::path program = test::scratch_dir() / "embed_pkg_config";
    const auto compile = test::run_shell(
        std::string(SONAVEC_CXX) + " -std=c++20 -Wall -Wextra -Wpedantic -Werror " SONAVEC_OUTSIDE_FLAGS " " +
        test::quoted(fs::path(SONAVEC_SOURCE_DIR) / "tests" / "outside_program" / "main.cpp") + " -o " +
        test::quoted(program) + " $(" + pkg_config + " --cflags --libs sonavec) -Wl,-rpath," +
        test::quoted(libdir()));
    ASSERT_EQ(compile.code, 0) << compile.out << compile.err;
    expect_golden_embedding(program);
}
