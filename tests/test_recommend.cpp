// library::recommend and library::path, and their commands, on imported vectors with planted structure:
// two clusters (A spread along a direction u inside it, so that "unlike this end" has a meaning), in
// folders of their own, and a chain of tracks along the great circle between two endpoints.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "cli_run.h"
#include "library_fixtures.h"
#include "sonavec/error.h"
#include "sonavec/library.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;
using test::quoted;

namespace {

constexpr int dim = 48;

double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); i++) s += static_cast<double>(a[i]) * b[i];
    return s;
}

std::vector<float> mix(const std::vector<std::pair<double, const std::vector<float>*>>& parts) {
    std::vector<float> v(dim, 0.0f);
    for (const auto& [w, p] : parts)
        for (int i = 0; i < dim; i++) v[static_cast<size_t>(i)] += static_cast<float>(w * (*p)[static_cast<size_t>(i)]);
    test::normalise(v);
    return v;
}

struct planted {
    fs::path dir;
    std::map<std::string, std::vector<float>> vectors;  // by path
    std::map<std::string, int64_t> ids;
    std::vector<std::string> a, b, chain;                // paths; chain[0] and chain.back() are the ends
    std::vector<float> u;                                // the spread inside A
};

const planted& library_of_planted() {
    static const planted p = [] {
        planted p;
        p.dir = test::scratch_dir() / "planted";
        const std::vector<float> ca = test::random_unit_vector(1, dim), cb = test::random_unit_vector(2, dim);
        p.u = test::random_unit_vector(3, dim);
        std::mt19937 rng(7);
        std::normal_distribution<double> g(0.0, 1.0);
        std::string jsonl;
        const auto add = [&](const std::string& path, const std::vector<float>& v, const std::string& artist) {
            p.vectors[path] = v;
            json rec{{"path", path}, {"model", "m"}, {"embedding", v}};
            if (!artist.empty()) rec["tags"] = {{"artist", artist}};
            jsonl += rec.dump() + "\n";
        };
        for (int i = 0; i < 40; i++) {
            const std::vector<float> noise = test::random_unit_vector(100 + static_cast<uint32_t>(i), dim);
            // A: along u from -1 to +1 around its centre, in four folders, two artists.
            const double along = -1.0 + 2.0 * i / 39.0;
            const std::string pa = "/a/folder" + std::to_string(i % 4) + "/a" + std::to_string(i) + ".wav";
            add(pa, mix({{1.0, &ca}, {0.5 * along, &p.u}, {0.1, &noise}}), i % 2 ? "Ann" : "Bob");
            p.a.push_back(pa);
            const std::string pb = "/b/b" + std::to_string(i) + ".wav";
            add(pb, mix({{1.0, &cb}, {0.15, &noise}}), "");
            p.b.push_back(pb);
        }
        // The chain: 11 points on the great circle from e0 to e1, a little off it.
        const std::vector<float> e0 = test::random_unit_vector(4, dim), e1 = test::random_unit_vector(5, dim);
        const double omega = std::acos(dot(e0, e1));
        for (int i = 0; i <= 10; i++) {
            const double t = i / 10.0;
            const std::vector<float> noise = test::random_unit_vector(300 + static_cast<uint32_t>(i), dim);
            const std::string pc = "/chain/c" + std::to_string(i) + ".wav";
            add(pc, mix({{std::sin((1 - t) * omega), &e0}, {std::sin(t * omega), &e1}, {0.02, &noise}}), "");
            p.chain.push_back(pc);
        }
        fs::remove_all(p.dir);
        const fs::path file = test::scratch_dir() / "planted.jsonl";
        test::write_file(file, jsonl);
        const auto lib = library::open(p.dir);
        lib->import_from(file, import_options{});
        for (const auto& [path, v] : p.vectors) p.ids[path] = lib->find(path)->id;
        return p;
    }();
    return p;
}

recommend_seed track(const std::string& path) {
    recommend_seed s;
    s.id = library_of_planted().ids.at(path);
    return s;
}

std::vector<std::string> paths(const std::vector<search_match>& m) {
    std::vector<std::string> out;
    for (const auto& x : m) out.push_back(x.track.path);
    return out;
}

}  // namespace

TEST(recommend, stays_in_the_seeds_cluster_and_leaves_the_seeds_out) {
    const planted& p = library_of_planted();
    const auto lib = library::open(p.dir, library::open_mode::read_only);
    recommend_params rp;
    rp.like = {track(p.a[10]), track(p.a[20])};
    rp.search.k = 10;
    const auto hits = lib->recommend(rp, nullptr);
    ASSERT_EQ(hits.size(), 10u);
    for (const auto& h : hits) {
        EXPECT_EQ(h.track.path.rfind("/a/", 0), 0u) << h.track.path;
        EXPECT_NE(h.track.path, p.a[10]);
        EXPECT_NE(h.track.path, p.a[20]);
    }
}

TEST(recommend, an_unliked_seed_moves_the_results_away_from_it) {
    const planted& p = library_of_planted();
    const auto lib = library::open(p.dir, library::open_mode::read_only);
    recommend_params rp;
    rp.like = {track(p.a[20])};  // the middle of A
    rp.search.k = 8;
    rp.diversity = 0;
    const auto mean_along_u = [&](const std::vector<search_match>& hits) {
        double s = 0;
        for (const auto& h : hits) s += dot(p.vectors.at(h.track.path), p.u);
        return s / static_cast<double>(hits.size());
    };
    const auto mean_to = [&](const std::vector<search_match>& hits, const std::string& to) {
        double s = 0;
        for (const auto& h : hits) s += dot(p.vectors.at(h.track.path), p.vectors.at(to));
        return s / static_cast<double>(hits.size());
    };
    const auto plain = lib->recommend(rp, nullptr);
    rp.unlike = {track(p.a[39])};  // the +u end
    const auto away = lib->recommend(rp, nullptr);
    EXPECT_LT(mean_along_u(away), mean_along_u(plain) - 0.05);
    EXPECT_LT(mean_to(away, p.a[39]), mean_to(plain, p.a[39]));
    for (const auto& h : away) EXPECT_NE(h.track.path, p.a[39]);
    // Weighted more, it pushes further.
    rp.unlike_weight = 1.0;
    EXPECT_LT(mean_along_u(lib->recommend(rp, nullptr)), mean_along_u(away));
}

TEST(recommend, diversity_zero_is_the_nearest_first_and_more_spreads_the_picks) {
    const planted& p = library_of_planted();
    const auto lib = library::open(p.dir, library::open_mode::read_only);
    recommend_params rp;
    rp.like = {track(p.a[20])};
    rp.search.k = 8;
    rp.diversity = 0;
    const auto nearest = lib->recommend(rp, nullptr);
    // Against an exact search from the same vector, the seed left out.
    search_params sp;
    sp.k = 8;
    sp.exclude_id = p.ids.at(p.a[20]);
    EXPECT_EQ(paths(nearest), paths(lib->search_vector(p.vectors.at(p.a[20]), sp)));
    const auto redundancy = [&](const std::vector<search_match>& hits) {
        double worst = -1;
        for (size_t i = 0; i < hits.size(); i++)
            for (size_t j = i + 1; j < hits.size(); j++)
                worst = std::max(worst, dot(p.vectors.at(hits[i].track.path), p.vectors.at(hits[j].track.path)));
        return worst;
    };
    rp.diversity = 0.7;
    EXPECT_LT(redundancy(lib->recommend(rp, nullptr)), redundancy(nearest));
}

TEST(recommend, caps_per_folder_and_per_artist) {
    const planted& p = library_of_planted();
    const auto lib = library::open(p.dir, library::open_mode::read_only);
    recommend_params rp;
    rp.like = {track(p.a[20])};
    rp.search.k = 10;
    rp.per_folder = 2;
    std::map<std::string, int> folders;
    const auto capped = lib->recommend(rp, nullptr);
    for (const auto& h : capped) folders[fs::path(h.track.path).parent_path().string()]++;
    for (const auto& [f, n] : folders) EXPECT_LE(n, 2) << f;
    EXPECT_EQ(capped.size(), 10u);  // filled from B once A's four folders are full: 8 from A
    rp.per_folder = 0;
    rp.per_artist = 3;
    std::map<std::string, int> artists;
    for (const auto& h : lib->recommend(rp, nullptr))
        if (h.track.tags.count("artist")) artists[h.track.tags.at("artist")]++;
    for (const auto& [a, n] : artists) EXPECT_LE(n, 3) << a;
}

TEST(recommend, refuses_what_it_cannot_do) {
    const planted& p = library_of_planted();
    const auto lib = library::open(p.dir, library::open_mode::read_only);
    recommend_params rp;
    EXPECT_THROW(lib->recommend(rp, nullptr), error);  // no seed
    rp.like = {track(p.a[0])};
    rp.unlike = {track(p.a[0])};
    rp.unlike_weight = 1.0;
    try {
        lib->recommend(rp, nullptr);
        ADD_FAILURE() << "seeds that cancel out were accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("cancel out"), std::string::npos) << e.what();
    }
    rp.unlike.clear();
    recommend_seed text;
    text.what = recommend_seed::kind::text;
    text.text = "rain";
    rp.like.push_back(text);
    EXPECT_THROW(lib->recommend(rp, nullptr), error);  // text needs a model
    rp.like = {track(p.a[0])};
    rp.like[0].weight = 0;
    EXPECT_THROW(lib->recommend(rp, nullptr), error);
    rp.like[0].weight = INFINITY;
    EXPECT_THROW(lib->recommend(rp, nullptr), error);
    rp.like[0].weight = 1;
    rp.search.k = 1000000;  // more than the candidate pool can hold
    EXPECT_THROW(lib->recommend(rp, nullptr), error);
    rp.search.k = 10;
    rp.like[0].id = 999999;
    rp.like[0].weight = 1;
    try {
        lib->recommend(rp, nullptr);
        ADD_FAILURE();
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::not_found);
    }
}

TEST(path, goes_from_one_end_to_the_other_along_the_chain_without_repeats) {
    const planted& p = library_of_planted();
    const auto lib = library::open(p.dir, library::open_mode::read_only);
    path_params pp;
    pp.from = p.ids.at(p.chain.front());
    pp.to = p.ids.at(p.chain.back());
    pp.steps = 6;
    const auto steps = lib->path(pp);
    ASSERT_EQ(steps.size(), 6u);
    EXPECT_EQ(steps.front().track.path, p.chain.front());
    EXPECT_EQ(steps.back().track.path, p.chain.back());
    std::set<std::string> seen;
    for (const auto& s : steps) EXPECT_TRUE(seen.insert(s.track.path).second) << "twice: " << s.track.path;
    // Every step is on the chain, at the point i/5 of the way: c0, c2, c4, c6, c8, c10.
    for (size_t i = 0; i < steps.size(); i++) EXPECT_EQ(steps[i].track.path, p.chain[2 * i]) << i;
    // More steps than the chain holds: the rest come from elsewhere, still no repeats, ends in place.
    pp.steps = 15;
    const auto long_path = lib->path(pp);
    ASSERT_EQ(long_path.size(), 15u);
    seen.clear();
    for (const auto& s : long_path) EXPECT_TRUE(seen.insert(s.track.path).second) << "twice: " << s.track.path;
    EXPECT_EQ(long_path.back().track.path, p.chain.back());
    // Errors: one step, the same track twice, a library too small under a filter.
    pp.steps = 1;
    EXPECT_THROW(lib->path(pp), error);
    pp.steps = 5;
    pp.to = pp.from;
    EXPECT_THROW(lib->path(pp), error);
    pp.to = p.ids.at(p.chain.back());
    pp.search.filter.path_glob = "/nowhere/*";
    EXPECT_THROW(lib->path(pp), error);
}

TEST(playlist_cli, recommend_and_path_print_json_and_write_m3u8) {
    const planted& p = library_of_planted();
    const std::string lib = " --library " + quoted(p.dir) + " ";
    const test::cli_result r = test::run_cli("recommend --json -k 5" + lib + std::to_string(p.ids.at(p.a[5])) +
                                             " --unlike " + std::to_string(p.ids.at(p.b[0])));
    ASSERT_EQ(r.code, 0) << r.err;
    const json hits = json::parse(r.out);
    ASSERT_EQ(hits.size(), 5u);
    for (const auto& h : hits) EXPECT_EQ(h.at("path").get<std::string>().rfind("/a/", 0), 0u);

    const fs::path m3u = test::scratch_dir() / "journey.m3u8";
    const test::cli_result path = test::run_cli("path --steps 3 --m3u " + quoted(m3u) + lib + std::to_string(p.ids.at(p.chain.front())) +
                                                " " + std::to_string(p.ids.at(p.chain.back())));
    ASSERT_EQ(path.code, 0) << path.err;
    EXPECT_EQ(test::read_file(m3u), "#EXTM3U\n#EXTINF:-1,c0\n/chain/c0.wav\n#EXTINF:-1,c5\n/chain/c5.wav\n#EXTINF:-1,c10\n/chain/c10.wav\n");
    // A weighted seed, tags in the playlist names ("artist - title" when both, else the file name).
    const test::cli_result weighted = test::run_cli("recommend -k 2 --m3u " + quoted(m3u) + lib + "'2*" +
                                                    std::to_string(p.ids.at(p.a[5])) + "'");
    ASSERT_EQ(weighted.code, 0) << weighted.err;
    EXPECT_EQ(test::read_file(m3u).rfind("#EXTM3U\n#EXTINF:-1,a", 0), 0u) << test::read_file(m3u);

    for (const std::string& bad : {"recommend" + lib, "recommend --diversity 2" + lib + "1", "recommend '0*1'" + lib,
                                  "path --steps 1" + lib + "1 2", "path" + lib + "1"}) {
        const test::cli_result e = test::run_cli(bad);
        EXPECT_EQ(e.code, 2) << bad << "\n" << e.err;
    }
    const test::cli_result unknown = test::run_cli("path" + lib + "1 /not/in/library.wav");
    EXPECT_EQ(unknown.code, 1) << unknown.err;
}
