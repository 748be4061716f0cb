// File names that are not plain text, through the sonavec command as a user runs it:
//   - names holding terminal escapes (OSC 52, which sets the clipboard), a newline, C1 controls and
//     bytes that are not UTF-8 reach no terminal raw: index, search, similar, stats, prune and the
//     error lines print them escaped, and --json stays JSON;
//   - every export format carries such names losslessly (path_bytes_b64, the escaped paths.txt, which
//     numpy and Python read back aligned with the matrix), and export -> import keeps the exact bytes.
// The audio is made by sox at test time; the model is the tiny golden one.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli_run.h"
#include "library/catalog.h"
#include "library/name_uuid.h"
#include "test_data.h"
#include "util/base64.h"
#include "util/utf8.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;
using test::quoted;

namespace {

// ESC ] 52 ; c ; <base64> BEL: "set the clipboard to 'Hello'" on terminals that obey OSC 52.
const std::string osc52_name = "clip\x1b]52;c;SGVsbG8=\x07.wav";
const std::string newline_name = "new\nline.wav";
const std::string c1_name = "c1\xc2\x9d" "0;title\xc2\x9c.wav";  // OSC and ST as UTF-8 C1 controls
const std::string raw_c1_name = "raw\x9b" "31m\xff.wav";        // CSI as a raw byte, and 0xff: not UTF-8
const std::string backslash_name = "back\\slash\\n.wav";
const std::string broken_name = "broken\x1b[2J\n\x9b.wav";      // not audio at all

std::string model_flag() { return "--model " + quoted(test::golden_dir() / "model"); }
fs::path music() { return test::scratch_dir() / "music"; }
fs::path library_folder() { return test::scratch_dir() / "library"; }
std::string library_flag() { return "--library " + quoted(library_folder()); }

std::string escaped_in_output(const std::string& name) {
    std::string out;
    for (unsigned char c : name) {
        static constexpr char digits[] = "0123456789abcdef";
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c < 0x20 || c >= 0x80) out += std::string("\\x") + digits[c >> 4] + digits[c & 0xf];
        else out += static_cast<char>(c);
    }
    return out;
}

// What a person's terminal may receive: no ESC, BEL, DEL or other C0 control but the line breaks
// between lines, no C1 control, raw or as UTF-8, and only valid UTF-8.
void expect_safe_for_a_terminal(const std::string& text, const std::string& what) {
    EXPECT_TRUE(is_valid_utf8(text)) << what;  // so a raw C1 byte (0x80..0x9f) could only be UTF-8's C2 xx
    for (size_t i = 0; i < text.size(); i++) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool c1 = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f;
        ASSERT_FALSE((c < 0x20 && c != '\n') || c == 0x7f || c1 || c == 0x9b || c == 0x9d)
            << what << ": byte " << int(c) << " at " << i << " in:\n" << text;
    }
    EXPECT_EQ(text.find("new\nline"), std::string::npos) << what << ": a name broken over two lines";
}

void shell(const std::string& command) {
    const test::cli_result r = test::run_shell(command);
    ASSERT_EQ(r.code, 0) << command << "\n" << r.err;
}

class hostile_names_cli : public ::testing::Test {
protected:
    // A second of a different sine per file, so that every file has vectors of its own.
    static void SetUpTestSuite() {
        fs::create_directories(music());
        int frequency = 220;
        for (const auto& name : {osc52_name, newline_name, c1_name, raw_c1_name, backslash_name, std::string("plain.wav")}) {
            const fs::path made = test::scratch_dir() / "made.wav";
            shell("sox -n -r 48000 -c 1 -b 16 " + quoted(made) + " synth 1.5 sine " + std::to_string(frequency));
            fs::rename(made, music() / name);
            frequency += 110;
        }
        test::write_file(music() / broken_name, "this is not audio at all, only text in a .wav file\n");
    }

    static test::cli_result run(const std::string& args) { return test::run_cli(args); }

    // Indexed once, not quietly: per-file lines on stderr (it is not a terminal), then the summary.
    static const test::cli_result& indexed() {
        static const test::cli_result r =
            run("index --per-window " + model_flag() + " " + library_flag() + " " + quoted(music()));
        return r;
    }
};

std::vector<std::string> hostile_names() { return {osc52_name, newline_name, c1_name, raw_c1_name, backslash_name}; }

}  // namespace

TEST_F(hostile_names_cli, index_prints_names_escaped_and_keeps_them_exact) {
    const test::cli_result& r = indexed();
    EXPECT_EQ(r.code, 1) << r.err;  // the broken file failed
    expect_safe_for_a_terminal(r.out, "index stdout");
    expect_safe_for_a_terminal(r.err, "index stderr");
    for (const auto& name : hostile_names()) EXPECT_NE(r.err.find(escaped_in_output(name)), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("sonavec index: " + escaped_in_output((music() / broken_name).string()) + ": "), std::string::npos)
        << r.err;
    // The catalog holds the names as they are on disk.
    const catalog cat(library_folder(), catalog_open::existing);
    std::set<std::string> paths;
    for (const auto& e : cat.entries()) paths.insert(e.path);
    for (const auto& name : hostile_names()) EXPECT_TRUE(paths.count((music() / name).string())) << name;
}

TEST_F(hostile_names_cli, search_similar_stats_and_prune_print_names_escaped) {
    ASSERT_NE(indexed().code, -1);
    const test::cli_result search = run("search -k 10 " + model_flag() + " " + library_flag() + " a sine tone");
    ASSERT_EQ(search.code, 0) << search.err;
    const test::cli_result similar = run("similar -k 10 " + model_flag() + " " + library_flag() + " " + quoted(music() / "plain.wav"));
    ASSERT_EQ(similar.code, 0) << similar.err;
    const test::cli_result stats = run("stats " + library_flag());
    ASSERT_EQ(stats.code, 0) << stats.err;
    for (const auto& [what, r] : std::map<std::string, test::cli_result>{{"search", search}, {"similar", similar}}) {
        expect_safe_for_a_terminal(r.out, what);
        for (const auto& name : hostile_names()) EXPECT_NE(r.out.find(escaped_in_output(name)), std::string::npos) << what << r.out;
    }
    expect_safe_for_a_terminal(stats.out, "stats");
    EXPECT_NE(stats.out.find(escaped_in_output(broken_name)), std::string::npos) << stats.out;

    // --json is JSON: the names are in it, escaped as JSON escapes them.
    const test::cli_result as_json = run("search --json -k 10 " + model_flag() + " " + library_flag() + " a sine tone");
    ASSERT_EQ(as_json.code, 0) << as_json.err;
    std::set<std::string> found;
    for (const auto& hit : json::parse(as_json.out)) found.insert(hit.at("path").get<std::string>());
    EXPECT_TRUE(found.count((music() / osc52_name).string()));
    EXPECT_TRUE(found.count((music() / newline_name).string()));

    // prune --dry-run names the files that are gone.
    const fs::path gone = test::scratch_dir() / "gone";
    fs::create_directories(gone);
    fs::rename(music() / osc52_name, gone / osc52_name);
    fs::rename(music() / newline_name, gone / newline_name);
    const test::cli_result prune = run("prune --dry-run " + library_flag());
    fs::rename(gone / osc52_name, music() / osc52_name);
    fs::rename(gone / newline_name, music() / newline_name);
    ASSERT_EQ(prune.code, 0) << prune.err;
    expect_safe_for_a_terminal(prune.out, "prune");
    EXPECT_NE(prune.out.find("would remove " + escaped_in_output((music() / osc52_name).string()) + "\n"), std::string::npos)
        << prune.out;
    EXPECT_NE(prune.out.find("would remove " + escaped_in_output((music() / newline_name).string()) + "\n"), std::string::npos)
        << prune.out;
}

TEST_F(hostile_names_cli, error_lines_print_names_escaped) {
    // The top-level error (similar on a file that is not audio), embed's failure report, a refused import.
    const test::cli_result similar = run("similar " + model_flag() + " " + library_flag() + " " + quoted(music() / broken_name));
    EXPECT_EQ(similar.code, 1) << similar.err;
    const test::cli_result embed = run("embed --format jsonl " + model_flag() + " " + quoted(music() / broken_name) + " " +
                                       quoted(music() / osc52_name));
    EXPECT_EQ(embed.code, 1);
    const fs::path bad_import = test::scratch_dir() / ("vectors\x1b]52;c;SGk=\x07\n.jsonl");
    test::write_file(bad_import, "{\"path\": \"x\", \"embedding\": \"not a vector\"}\n");
    const test::cli_result import = run("import --model-id m --library " + quoted(test::scratch_dir() / "other") + " " + quoted(bad_import));
    EXPECT_EQ(import.code, 1);
    for (const auto& [what, r] : std::map<std::string, test::cli_result>{{"similar", similar}, {"embed", embed}, {"import", import}}) {
        expect_safe_for_a_terminal(r.err, what);
        EXPECT_FALSE(r.err.empty()) << what;
    }
    EXPECT_NE(similar.err.find(escaped_in_output(broken_name)), std::string::npos) << similar.err;
    EXPECT_NE(embed.err.find(escaped_in_output(broken_name)), std::string::npos) << embed.err;
    EXPECT_NE(import.err.find(escaped_in_output(bad_import.filename().string())), std::string::npos) << import.err;
    // embed's stdout is JSON Lines: the good file's record, its name in JSON's own escapes.
    EXPECT_EQ(json::parse(embed.out).at("path"), (music() / osc52_name).string());
}

namespace {

// numpy loads OUT and writes its rows back as raw float32; Python undoes OUT.paths.txt's escapes and
// writes the paths, each ended by a NUL. Returns the paths, and the rows in `rows`.
std::vector<std::string> numpy_rows_and_paths(const fs::path& npy, std::vector<std::vector<float>>& rows) {
    const fs::path script = test::scratch_dir() / "read_npy.py", raw = test::scratch_dir() / "rows.f32",
                   names = test::scratch_dir() / "paths.bin";
    test::write_file(script,
                     "import codecs, sys, numpy as np\n"
                     "a = np.load(sys.argv[1])\n"
                     "lines = open(sys.argv[1] + '.paths.txt', 'rb').read().split(b'\\n')\n"
                     "assert lines.pop() == b'', 'the last line has no newline'\n"
                     "assert len(lines) == a.shape[0], (len(lines), a.shape)\n"
                     "a.astype('<f4').tofile(sys.argv[2])\n"
                     "open(sys.argv[3], 'wb').write(b''.join(codecs.escape_decode(l)[0] + b'\\0' for l in lines))\n");
    const test::cli_result r = test::run_shell("/usr/bin/python3 " + quoted(script) + " " + quoted(npy) + " " + quoted(raw) +
                                               " " + quoted(names));
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<std::string> paths;
    std::istringstream in(test::read_file(names));
    for (std::string p; std::getline(in, p, '\0');) paths.push_back(p);
    const std::string bytes = test::read_file(raw);
    const size_t dim = paths.empty() ? 0 : bytes.size() / 4 / paths.size();
    rows.assign(paths.size(), std::vector<float>(dim));
    for (size_t i = 0; i < paths.size(); i++) std::memcpy(rows[i].data(), bytes.data() + 4 * i * dim, 4 * dim);
    return paths;
}

std::map<std::string, std::vector<float>> library_vectors(const fs::path& lib) {
    std::map<std::string, std::vector<float>> out;
    const catalog cat(lib, catalog_open::existing);
    for (const auto& e : cat.entries(true))
        if (e.status == entry_status::ok) out[e.path] = e.vector;
    return out;
}

}  // namespace

TEST_F(hostile_names_cli, exports_carry_the_exact_names_and_import_reads_them_back) {
    ASSERT_NE(indexed().code, -1);
    const auto vectors = library_vectors(library_folder());
    ASSERT_EQ(vectors.size(), 6u);

    // npy: a line per row, and each decoded line names the file whose vector the row is.
    const fs::path npy = test::scratch_dir() / "export.npy";
    test::cli_result r = run("export " + library_flag() + " --format npy --out " + quoted(npy));
    ASSERT_EQ(r.code, 0) << r.err;
    std::vector<std::vector<float>> rows;
    const auto paths = numpy_rows_and_paths(npy, rows);
    ASSERT_EQ(paths.size(), vectors.size());
    for (size_t i = 0; i < paths.size(); i++) {
        ASSERT_TRUE(vectors.count(paths[i])) << paths[i];
        EXPECT_EQ(rows[i], vectors.at(paths[i])) << paths[i];
    }

    // jsonl: path_bytes_b64 exactly where the name is not UTF-8, decoding to the name's bytes.
    const fs::path jsonl = test::scratch_dir() / "export.jsonl";
    r = run("export " + library_flag() + " --format jsonl --out " + quoted(jsonl));
    ASSERT_EQ(r.code, 0) << r.err;
    std::istringstream lines(test::read_file(jsonl));
    std::set<std::string> exported;
    for (std::string line; std::getline(lines, line);) {
        const json j = json::parse(line);
        const std::string text = j.at("path").get<std::string>();
        const std::string bytes = j.contains("path_bytes_b64") ? base64_decoded(j.at("path_bytes_b64").get<std::string>()) : text;
        EXPECT_EQ(j.contains("path_bytes_b64"), !is_valid_utf8(bytes)) << text;
        exported.insert(bytes);
    }
    EXPECT_TRUE(exported.count((music() / raw_c1_name).string()));
    EXPECT_EQ(exported.size(), vectors.size());

    // Imported into a second library, the same names, byte for byte, with the same vectors.
    const fs::path second = test::scratch_dir() / "second";
    r = run("import --library " + quoted(second) + " " + quoted(jsonl));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(library_vectors(second), vectors);

    // `sonavec embed --format npy` writes its paths file by the same rule; jsonl has path_bytes_b64.
    const fs::path embedded = test::scratch_dir() / "embed.npy";
    r = run("embed --quiet --format npy --out " + quoted(embedded) + " " + model_flag() + " " + quoted(music()));
    EXPECT_EQ(r.code, 1);  // the broken file
    const auto embed_paths = numpy_rows_and_paths(embedded, rows);
    EXPECT_EQ(std::set<std::string>(embed_paths.begin(), embed_paths.end()), exported);
    r = run("embed --quiet --format jsonl " + model_flag() + " " + quoted(music() / raw_c1_name));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(base64_decoded(json::parse(r.out).at("path_bytes_b64").get<std::string>()), (music() / raw_c1_name).string());
}
