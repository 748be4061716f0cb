// Hybrid search (search_params::mode): the vector ranking, the lexical ranking (SQLite FTS5 over paths,
// file tags and inferred tags) and their reciprocal rank fusion, where both rankings are known: eight
// planted clusters of 20 tracks, each cluster named after its kind for half its tracks and after the
// next cluster's kind for the other half (misleading names). The query is a kind's centre plus its
// name: audio finds the cluster, text finds the names (half of them wrong), and hybrid puts first exactly
// the tracks both agree on. Then the word splitting, hostile query text, tags, filters and the CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cli_run.h"
#include "library/lexical_index.h"
#include "library_fixtures.h"
#include "sonavec/error.h"
#include "sonavec/library.h"

namespace fs = std::filesystem;
using namespace sonavec;
using json = nlohmann::json;

namespace {

constexpr int dim = 64, per_kind = 20;
const std::vector<std::string> kinds = {"kick", "snare", "hat", "clap", "tom", "ride", "crash", "shaker"};

std::vector<float> centre(int c) { return test::random_unit_vector(static_cast<uint32_t>(7 + c), dim); }

struct planted_track {
    int kind = 0;         // its cluster
    std::string named;    // the kind its name says
};

struct planted_library {
    fs::path dir;
    std::map<int64_t, planted_track> tracks;
    std::map<int64_t, std::vector<float>> vectors;
};

const planted_library& planted() {
    static const planted_library p = [] {
        planted_library p;
        p.dir = test::scratch_dir() / "hybrid";
        fs::remove_all(p.dir);
        std::string jsonl;
        std::map<std::string, planted_track> by_path;
        std::map<std::string, std::vector<float>> vector_of;
        for (int c = 0; c < static_cast<int>(kinds.size()); c++)
            for (int i = 0; i < per_kind; i++) {
                const std::vector<float> m = centre(c), noise = test::random_unit_vector(static_cast<uint32_t>(9000 + c * 100 + i), dim);
                std::vector<float> v(dim);
                for (int d = 0; d < dim; d++) v[static_cast<size_t>(d)] = m[static_cast<size_t>(d)] + 0.5f * noise[static_cast<size_t>(d)];
                test::normalise(v);
                const std::string named = kinds[static_cast<size_t>(i < per_kind / 2 ? c : (c + 1) % static_cast<int>(kinds.size()))];
                const std::string path = "/samples/" + named + "_" + std::to_string(c) + "_" + std::to_string(i) + ".wav";
                by_path[path] = {c, named};
                vector_of[path] = v;
                jsonl += json{{"path", path}, {"model", "m"}, {"embedding", v}}.dump() + "\n";
            }
        // Words found only in a file's own tags, and a camel-cased name.
        jsonl += json{{"path", "/samples/untitled_1.wav"}, {"model", "m"}, {"tags", {{"title", "Thunder over the bay"}}},
                      {"embedding", test::random_unit_vector(77, dim)}}.dump() + "\n";
        jsonl += json{{"path", "/samples/BigSnareRoll02.wav"}, {"model", "m"}, {"embedding", test::random_unit_vector(78, dim)}}.dump() + "\n";
        const fs::path file = test::scratch_dir() / "hybrid.jsonl";
        test::write_file(file, jsonl);
        const auto lib = library::open(p.dir);
        lib->import_from(file, import_options{});
        for (const catalog_entry& e : lib->entries())
            if (by_path.count(e.path)) {
                p.tracks[e.id] = by_path.at(e.path);
                p.vectors[e.id] = vector_of.at(e.path);
            }
        return p;
    }();
    return p;
}

std::unique_ptr<library> open_planted() { return library::open(planted().dir, library::open_mode::read_only); }

search_params with_mode(search_mode mode, int64_t k, const std::string& words) {
    search_params p;
    p.mode = mode;
    p.k = k;
    p.words = words;
    return p;
}

}  // namespace

TEST(hybrid_search, words_are_split_at_case_digits_and_punctuation) {
    EXPECT_EQ(lexical_words("BigKick_02.wav"), "Big Kick 02 wav");
    EXPECT_EQ(lexical_words("KICKDrum-808kick"), "KICK Drum 808 kick");
    EXPECT_EQ(lexical_words("/home/me/Samples/snare roll"), "home me Samples snare roll");
    EXPECT_EQ(lexical_words("café_Noir"), "café Noir");
    // User text never reaches FTS5 as syntax: only quoted words, joined by OR.
    EXPECT_EQ(lexical_query("snare AND roll"), "\"snare\" OR \"AND\" OR \"roll\"");
    EXPECT_EQ(lexical_query("say \"hi\" NEAR(x*) ^col:1"), "\"say\" OR \"hi\" OR \"NEAR\" OR \"x\" OR \"col\" OR \"1\"");
    EXPECT_EQ(lexical_query(" -*:()\" "), "");
    EXPECT_EQ(lexical_query("BigKick c12"), "\"Big Kick\" OR \"c 12\"");
    // Hostile bytes: a ranking or a clear refusal, never an SQL or FTS5 error.
    std::vector<catalog_entry> entries(3);
    for (int i = 0; i < 3; i++) {
        entries[static_cast<size_t>(i)].id = i + 1;
        entries[static_cast<size_t>(i)].path = "/x/kick_" + std::to_string(i) + ".wav";
    }
    std::mt19937 rng(5);
    for (int round = 0; round < 500; round++) {
        std::string q(static_cast<size_t>(rng() % 40), ' ');
        for (char& c : q) c = static_cast<char>(rng() % 256);
        try {
            lexical_ranking(entries, q, 10, nullptr);
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::invalid_input) << e.what();
        }
    }
}

TEST(hybrid_search, audio_finds_the_cluster_text_the_names_and_hybrid_what_both_agree_on) {
    const auto lib = open_planted();
    const std::vector<float> q = centre(0);  // kick's centre
    // Audio: the kick cluster, whatever the names say.
    const auto audio = lib->search_vector(q, with_mode(search_mode::audio, per_kind, ""));
    ASSERT_EQ(audio.size(), static_cast<size_t>(per_kind));
    for (const auto& m : audio) EXPECT_EQ(planted().tracks.at(m.track.id).kind, 0) << m.track.path;
    // Text: every track named kick, half of them from another cluster (the shakers named after kicks).
    const auto text = lib->search_vector(q, with_mode(search_mode::text, 100, "kicks"));  // stemmed: kicks -> kick
    ASSERT_EQ(text.size(), static_cast<size_t>(per_kind));
    int misleading = 0;
    for (size_t r = 0; r < text.size(); r++) {
        const planted_track& t = planted().tracks.at(text[r].track.id);
        EXPECT_EQ(t.named, "kick");
        misleading += t.kind != 0;
        EXPECT_EQ(text[r].text_rank, static_cast<int64_t>(r) + 1);
        EXPECT_EQ(text[r].audio_rank, 0);
        EXPECT_GT(text[r].text_score, 0);
    }
    EXPECT_EQ(misleading, per_kind / 2);
    // Hybrid: first exactly the ten tracks in the kick cluster and named kick.
    const auto hybrid = lib->search_vector(q, with_mode(search_mode::hybrid, per_kind / 2, "kick"));
    ASSERT_EQ(hybrid.size(), static_cast<size_t>(per_kind / 2));
    // The vector ranking, computed here by brute force over the planted vectors.
    std::vector<std::pair<float, int64_t>> by_cosine;
    for (const auto& [id, v] : planted().vectors) {
        float s = 0;
        for (int d = 0; d < dim; d++) s += v[static_cast<size_t>(d)] * q[static_cast<size_t>(d)];
        by_cosine.emplace_back(-s, id);
    }
    std::sort(by_cosine.begin(), by_cosine.end());
    double last = 1;
    for (const auto& m : hybrid) {
        const planted_track& t = planted().tracks.at(m.track.id);
        EXPECT_EQ(t.kind, 0) << m.track.path;
        EXPECT_EQ(t.named, "kick") << m.track.path;
        const auto at = std::find_if(by_cosine.begin(), by_cosine.end(), [&](const auto& x) { return x.second == m.track.id; });
        EXPECT_EQ(m.audio_rank, at - by_cosine.begin() + 1);
        EXPECT_GT(m.text_rank, 0);
        EXPECT_NEAR(m.fused, 1.0 / (60 + m.audio_rank) + 1.0 / (60 + m.text_rank), 1e-12);
        EXPECT_NEAR(m.score, -at->first, 1e-4);  // the cosine with the query
        EXPECT_LE(m.fused, last);
        last = m.fused;
    }
    // With each ranking 20 deep (the cluster; the names), the tracks only one of them holds follow: the
    // kicks misnamed and the shakers named kick, each scoring one term.
    search_params p = with_mode(search_mode::hybrid, 40, "kick");
    p.rrf_depth = per_kind;
    const auto deeper = lib->search_vector(q, p);
    ASSERT_EQ(deeper.size(), static_cast<size_t>(per_kind + per_kind / 2));
    for (size_t r = per_kind / 2; r < deeper.size(); r++) {
        const planted_track& t = planted().tracks.at(deeper[r].track.id);
        EXPECT_TRUE(deeper[r].audio_rank == 0 || deeper[r].text_rank == 0) << deeper[r].track.path;
        EXPECT_NE(t.kind == 0, t.named == "kick") << deeper[r].track.path;
        if (deeper[r].audio_rank == 0) {
            EXPECT_LT(deeper[r].score, 0.5f);  // its cosine all the same: another cluster's
        }
    }
}

TEST(hybrid_search, tags_camel_case_filters_and_refusals) {
    const auto lib = open_planted();
    const std::vector<float> q = centre(1);
    const auto thunder = lib->search_vector(q, with_mode(search_mode::text, 5, "thunder"));
    ASSERT_EQ(thunder.size(), 1u);
    EXPECT_EQ(thunder[0].track.path, "/samples/untitled_1.wav");
    const auto roll = lib->search_vector(q, with_mode(search_mode::text, 5, "snare roll"));
    ASSERT_FALSE(roll.empty());
    EXPECT_EQ(roll[0].track.path, "/samples/BigSnareRoll02.wav");  // the one with both words
    // Filters hold in both rankings.
    search_params p = with_mode(search_mode::hybrid, 50, "snare");
    p.filter.path_glob = "*_1_*";  // cluster 1's tracks
    for (const auto& m : lib->search_vector(q, p)) EXPECT_NE(m.track.path.find("_1_"), std::string::npos) << m.track.path;
    p.exclude_id = lib->search_vector(q, with_mode(search_mode::hybrid, 1, "snare"))[0].track.id;
    p.filter = {};
    for (const auto& m : lib->search_vector(q, p)) EXPECT_NE(m.track.id, *p.exclude_id);
    // No words, no lexical ranking.
    EXPECT_THROW(lib->search_vector(q, with_mode(search_mode::hybrid, 5, "")), error);
    EXPECT_THROW(lib->search_vector(q, with_mode(search_mode::text, 5, "--- ***")), error);
    EXPECT_THROW(lib->similar(planted().tracks.begin()->first, with_mode(search_mode::hybrid, 5, "")), error);
    EXPECT_EQ(parse_search_mode("hybrid"), search_mode::hybrid);
    EXPECT_STREQ(search_mode_name(search_mode::text), "text");
    EXPECT_THROW(parse_search_mode("fuzzy"), error);
}

TEST(hybrid_search, learned_tags_are_words_too) {
    // Inferred tags: a probe learned from examples tags tracks with its name.
    const fs::path dir = test::scratch_dir() / "hybrid-learned";
    fs::remove_all(dir);
    fs::copy(planted().dir, dir, fs::copy_options::recursive);
    const auto lib = library::open(dir);
    std::vector<std::string> pos, neg;
    for (const auto& [id, t] : planted().tracks) (t.kind == 4 ? pos : neg).push_back(std::to_string(id));
    lib->learn("booming", pos, neg, {});
    const auto hits = lib->search_vector(centre(0), with_mode(search_mode::text, 100, "booming"));
    ASSERT_GE(hits.size(), static_cast<size_t>(per_kind) - 2);
    for (const auto& m : hits) EXPECT_EQ(planted().tracks.at(m.track.id).kind, 4) << m.track.path;
}

TEST(hybrid_search, the_command_takes_a_mode_and_words) {
    const std::string lib = "--library " + test::quoted(planted().dir);
    // --mode text needs no model at all.
    const auto text = test::run_cli("search " + lib + " --mode text --json -k 3 kick");
    ASSERT_EQ(text.code, 0) << text.err;
    const json doc = json::parse(text.out);
    ASSERT_EQ(doc.size(), 3u);
    for (const auto& m : doc) {
        EXPECT_NE(m["path"].get<std::string>().find("kick_"), std::string::npos);
        EXPECT_EQ(m["audio_rank"], 0);
        EXPECT_GT(m["fused"].get<double>(), 0);
    }
    const int64_t id = planted().tracks.begin()->first;  // a kick named kick
    const auto similar = test::run_cli("similar " + lib + " --mode hybrid --words kick --json -k 5 " + std::to_string(id));
    ASSERT_EQ(similar.code, 0) << similar.err;
    for (const auto& m : json::parse(similar.out)) {
        EXPECT_GT(m["audio_rank"].get<int>(), 0);
        EXPECT_GT(m["text_rank"].get<int>(), 0);
    }
    EXPECT_EQ(test::run_cli("similar " + lib + " --mode hybrid " + std::to_string(id)).code, 2);
    EXPECT_EQ(test::run_cli("search " + lib + " --mode fuzzy kick").code, 2);
}
