// Zero-shot tags through the public API: probabilities against the reference's softmax(logits_per_audio),
// the batch scorer against a plain double-precision loop, template ensembles against vectors averaged
// by hand, the built-in taxonomies' sizes, and hostile taxonomy files.
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <gtest/gtest.h>

#include "cli_run.h"
#include "sonavec/error.h"
#include "sonavec/tagging.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

// The message of the invalid_input error that parsing `text` throws, or "" when it parses.
std::string parse_error(const std::string& text) {
    try {
        parse_taxonomy(text, "custom", "custom.txt");
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::invalid_input) << e.what();
        return e.what();
    }
    return "";
}

std::vector<float> random_unit_rows(int64_t n, int64_t dim, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g;
    std::vector<float> v(static_cast<size_t>(n * dim));
    for (int64_t r = 0; r < n; r++) {
        double s = 0;
        for (int64_t d = 0; d < dim; d++) s += std::pow(v[r * dim + d] = g(rng), 2);
        for (int64_t d = 0; d < dim; d++) v[r * dim + d] = static_cast<float>(v[r * dim + d] / std::sqrt(s));
    }
    return v;
}

}  // namespace

TEST(tagging, probabilities_match_the_reference_softmax_of_logits_per_audio) {
    auto eng = test::golden_engine();
    auto ref = test::open_golden("text/zero_shot.safetensors");
    auto index = nlohmann::json::parse(std::ifstream(test::golden_dir() / "index.json"));
    // The golden texts are the labels, used as they are (--template "{}").
    taxonomy t;
    t.name = "golden";
    t.labels = index["texts_for_zero_shot"].get<std::vector<std::string>>();
    t.templates = {"{}"};
    const label_set set = prepare_labels(*eng, t, false);

    std::vector<std::vector<float>> waves;
    for (auto& name : index["audio_case_order_for_zero_shot"])
        waves.push_back(test::floats(*test::open_golden("audio/" + name.get<std::string>() + ".safetensors")->find("waveform")));
    std::vector<std::span<const float>> spans(waves.begin(), waves.end());
    const std::vector<float> audio = eng->embed_audio_windows(spans);
    const int64_t na = static_cast<int64_t>(spans.size()), nt = static_cast<int64_t>(t.labels.size());
    const std::vector<float> p = score_batch(audio, na, set, eng->logit_scale(), 2);

    const std::vector<float> logits = test::floats(*ref->find("logits_per_audio"));
    ASSERT_EQ(logits.size(), static_cast<size_t>(na * nt));
    double worst = 0, worst_logit = 0;
    for (int64_t a = 0; a < na; a++) {
        double top = -INFINITY, sum = 0;
        for (int64_t l = 0; l < nt; l++) top = std::max<double>(top, logits[a * nt + l]);
        for (int64_t l = 0; l < nt; l++) sum += std::exp(logits[a * nt + l] - top);
        for (int64_t l = 0; l < nt; l++) {
            const double expected = std::exp(logits[a * nt + l] - top) / sum;
            worst = std::max(worst, std::abs(expected - p[a * nt + l]));
            // The golden model's scale is near 1, so its probabilities are near uniform: the log-ratios
            // check the logits themselves.
            const double log_ratio = std::log(p[a * nt + l] / p[a * nt]);
            worst_logit = std::max(worst_logit, std::abs(log_ratio - (logits[a * nt + l] - logits[a * nt])));
        }
        // One vector at a time gives the batch's row.
        const auto one = zero_shot_probabilities(std::span<const float>(audio).subspan(a * eng->dim(), eng->dim()), set,
                                                 eng->logit_scale());
        for (int64_t l = 0; l < nt; l++) EXPECT_NEAR(one[l], p[a * nt + l], 1e-6);
    }
    EXPECT_LE(worst, 1e-4);
    EXPECT_LE(worst_logit, 1e-3);
}

TEST(tagging, batch_scoring_matches_a_plain_loop_at_a_real_models_scale) {
    const int64_t dim = 64, n = 1000, nl = 37;  // rows over several blocks, a partial last one
    label_set set;
    set.name = "random";
    for (int64_t l = 0; l < nl; l++) set.labels.push_back("label " + std::to_string(l));
    set.vectors = random_unit_rows(nl, dim, 1);
    set.dim = dim;
    std::vector<float> audio = random_unit_rows(n, dim, 2);
    for (int64_t d = 0; d < dim; d++) audio[7 * dim + d] *= 3.5f;  // not a unit vector: cosine all the same
    for (int64_t d = 0; d < dim; d++) audio[8 * dim + d] = 0;      // no direction at all
    const float scale = 100.0f;                                  // about laion CLAP's exp(logit_scale_a)
    const std::vector<float> p = score_batch(audio, n, set, scale, 3);
    double worst = 0;
    for (int64_t r = 0; r < n; r++) {
        if (r == 8) {
            for (int64_t l = 0; l < nl; l++) EXPECT_FLOAT_EQ(p[r * nl + l], 1.0f / nl);
            continue;
        }
        double norm = 0;
        for (int64_t d = 0; d < dim; d++) norm += static_cast<double>(audio[r * dim + d]) * audio[r * dim + d];
        std::vector<double> logit(nl);
        double top = -INFINITY, sum = 0;
        for (int64_t l = 0; l < nl; l++) {
            double dot = 0;
            for (int64_t d = 0; d < dim; d++) dot += static_cast<double>(audio[r * dim + d]) * set.vectors[l * dim + d];
            top = std::max(top, logit[l] = scale * dot / std::sqrt(norm));
        }
        for (int64_t l = 0; l < nl; l++) sum += std::exp(logit[l] - top);
        for (int64_t l = 0; l < nl; l++) worst = std::max(worst, std::abs(std::exp(logit[l] - top) / sum - p[r * nl + l]));
    }
    EXPECT_LE(worst, 1e-5);
    EXPECT_THROW(score_batch(std::span<const float>(audio).first(10), 1, set, scale), error);
    EXPECT_THROW(score_batch(audio, n, set, 0.0f), error);
}

TEST(tagging, a_template_ensemble_is_the_normalised_mean_of_its_prompt_vectors) {
    auto eng = test::golden_engine();
    const taxonomy t = parse_taxonomy("# template: This is a sound of {}.\n"
                                      "# template: A recording of {}, close up.\n"
                                      "rain\nsfx/dog barking\nchurch bells\n",
                                      "ensemble");
    ASSERT_EQ(t.templates.size(), 2u);
    const label_set set = prepare_labels(*eng, t, false);
    ASSERT_EQ(set.vectors.size(), 3u * eng->dim());
    const std::vector<std::string> texts = {"rain", "dog barking", "church bells"};
    for (size_t l = 0; l < texts.size(); l++) {
        const auto v = eng->embed_texts({"This is a sound of " + texts[l] + ".", "A recording of " + texts[l] + ", close up."});
        std::vector<double> mean(eng->dim());
        double s = 0;
        for (int64_t d = 0; d < eng->dim(); d++) s += std::pow(mean[d] = v[d] + v[eng->dim() + d], 2);
        double worst = 0;
        for (int64_t d = 0; d < eng->dim(); d++)
            worst = std::max(worst, std::abs(mean[d] / std::sqrt(s) - set.vectors[l * eng->dim() + d]));
        EXPECT_LE(worst, 1e-6) << texts[l];
    }
    // Through the text cache the vectors are the same.
    setenv("XDG_CACHE_HOME", (test::scratch_dir() / "cache").c_str(), 1);
    for (int run = 0; run < 2; run++) {
        const label_set cached = prepare_labels(*eng, t, true);
        EXPECT_LE(test::max_abs_diff(cached.vectors.data(), set.vectors.data(), set.vectors.size()), 1e-7) << run;
    }
}

TEST(tagging, builtin_taxonomies_hold_the_promised_sizes) {
    std::set<std::string> names;
    for (const auto& t : builtin_taxonomies()) {
        names.insert(t.name);
        EXPECT_FALSE(t.templates.empty()) << t.name;
        std::set<std::string> unique(t.labels.begin(), t.labels.end());
        EXPECT_EQ(unique.size(), t.labels.size()) << t.name;
    }
    EXPECT_EQ(names, (std::set<std::string>{"genre", "instrument", "mood", "segments", "sfx", "usecase", "vocals"}));
    const taxonomy& genre = builtin_taxonomy("genre");
    std::set<std::string> top_level;
    for (const auto& l : genre.labels) {
        const std::string parent = l.substr(0, l.find('/'));
        if (l.find('/') == std::string::npos) top_level.insert(l);
        else EXPECT_TRUE(top_level.count(parent)) << l << ": its parent comes first";
    }
    EXPECT_EQ(top_level.size(), 19u);
    EXPECT_GT(genre.labels.size(), 100u);
    EXPECT_GE(builtin_taxonomy("mood").labels.size(), 150u);
    EXPECT_GE(builtin_taxonomy("instrument").labels.size(), 40u);
    EXPECT_GE(builtin_taxonomy("usecase").labels.size(), 40u);
    const auto& vocals = builtin_taxonomy("vocals").labels;
    for (const char* v : {"male vocals", "female vocals", "choir", "rap", "instrumental"})
        EXPECT_NE(std::find(vocals.begin(), vocals.end(), v), vocals.end()) << v;
    // UCS v8 has 82 categories; a few of its names, as sonavec writes them.
    const auto& sfx = builtin_taxonomy("sfx").labels;
    EXPECT_EQ(sfx.size(), 82u);
    for (const char* c : {"aircraft", "doors", "footsteps", "user interface", "water", "weapons", "wood"})
        EXPECT_NE(std::find(sfx.begin(), sfx.end(), c), sfx.end()) << c;
    EXPECT_THROW(builtin_taxonomy("colours"), error);
}

TEST(tagging, label_text_and_prompts) {
    EXPECT_EQ(label_text("rock/indie rock"), "indie rock");
    EXPECT_EQ(label_text("rain"), "rain");
    EXPECT_EQ(label_prompt("This is a {} song.", "soul and r&b/neo soul"), "This is a neo soul song.");
    EXPECT_EQ(label_prompt("{}", "x/ y "), "y");
    const taxonomy t = parse_taxonomy("\xEF\xBB\xBF" "a\r\n  b  \n\n# note\nc", "crlf");
    // A byte-order mark is not part of the first label.
    EXPECT_EQ(t.labels, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(t.templates, std::vector<std::string>{default_label_template});
    EXPECT_EQ(with_templates(t, {"{}"}).templates, std::vector<std::string>{"{}"});
    EXPECT_THROW(with_templates(t, {"no label"}), error);
    EXPECT_THROW(with_templates(t, {}), error);
}

// --template values get the checks a template line of a taxonomy file gets. The fixture is what
// fuzz_taxonomy found: a taxonomy, a NUL, then --template values separated by NULs, the last one of
// several lines with a byte that is not UTF-8; with_templates used to take it as is.
TEST(tagging, templates_given_apart_are_checked_as_in_a_file) {
    const std::string input = test::read_file(test::data_dir() / "corrupt" / "taxonomy" / "template_of_many_lines.bin");
    const size_t nul = input.find('\0');
    ASSERT_NE(nul, std::string::npos);
    std::vector<std::string> templates;
    std::stringstream rest(input.substr(nul + 1));
    for (std::string part; std::getline(rest, part, '\0');) templates.push_back(part);
    ASSERT_EQ(templates.size(), 3u);
    const taxonomy t = parse_taxonomy(input.substr(0, nul), "usecase");
    EXPECT_EQ(with_templates(t, {templates[0], templates[1]}).templates,
              (std::vector<std::string>{"This is {}.", "{}"}));
    const auto refused = [&](const std::vector<std::string>& given) {
        try {
            with_templates(t, given);
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::invalid_input) << e.what();
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(refused(templates).find("--template: not one line of UTF-8 text"), std::string::npos);
    EXPECT_NE(refused({"A {} sound\nsecond line"}).find("not one line"), std::string::npos);
    EXPECT_NE(refused({"A {} sound \xff"}).find("not one line"), std::string::npos);
    EXPECT_NE(refused({"A {}\x01 sound"}).find("not one line"), std::string::npos);
    EXPECT_NE(refused({"{}" + std::string(999, 'x')}).find("1001 bytes, more than 1000"), std::string::npos);
    EXPECT_NE(refused(std::vector<std::string>(101, "{}")).find("more than 100 templates"), std::string::npos);
    // What a file may hold is still taken: a tab, UTF-8 text, 1000 bytes, 100 templates.
    EXPECT_EQ(refused({"A\t{} \u00e9t\u00e9", "{}" + std::string(998, 'x')}), "");
    EXPECT_EQ(refused(std::vector<std::string>(100, "{}")), "");
}

TEST(tagging, hostile_taxonomy_text_gives_clear_errors) {
    EXPECT_NE(parse_error("").find("no labels"), std::string::npos);
    EXPECT_NE(parse_error("# only\n# comments\n\n   \n").find("no labels"), std::string::npos);
    EXPECT_NE(parse_error("ok\n" + std::string(5000, 'x') + "\n").find("custom.txt:2: line of 5000 bytes"), std::string::npos);
    EXPECT_NE(parse_error(std::string("ok\n\x01\x02\x00\xff", 7)).find("not a text file"), std::string::npos);
    EXPECT_NE(parse_error("caf\xC3\n").find("not UTF-8"), std::string::npos);
    EXPECT_NE(parse_error("rain\nwind\nrain\n").find("custom.txt:3: label \"rain\" is already on line 1"), std::string::npos);
    EXPECT_NE(parse_error("# template: This is a sound.\nrain\n").find("custom.txt:1: template \"This is a sound.\" has no {}"),
              std::string::npos);
    EXPECT_NE(parse_error("# template: {} and {}\nrain\n").find("more than once"), std::string::npos);
    EXPECT_NE(parse_error("rock/\n").find("no text after its last '/'"), std::string::npos);
    std::string many;
    for (int i = 0; i <= 10000; i++) many += "label " + std::to_string(i) + "\n";
    EXPECT_NE(parse_error(many).find("more than 10000 labels"), std::string::npos);
    EXPECT_NE(parse_error(std::string((4u << 20) + 1, 'a')).find("4 MiB"), std::string::npos);
    EXPECT_EQ(parse_error("# template: Music for {}.\n# template: {}\nrain\n"), "");
}

TEST(tagging, taxonomy_files) {
    const fs::path dir = test::scratch_dir() / "taxonomies";
    fs::create_directories(dir);
    test::write_file(dir / "weather.txt", "# template: The sound of {}.\nthunder\nrain\n");
    const taxonomy t = load_taxonomy(dir / "weather.txt");
    EXPECT_EQ(t.name, "weather");
    EXPECT_EQ(t.labels, (std::vector<std::string>{"thunder", "rain"}));
    EXPECT_EQ(t.templates, std::vector<std::string>{"The sound of {}."});
    try {
        load_taxonomy(dir / "missing.txt");
        ADD_FAILURE();
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::not_found);
    }
    EXPECT_THROW(load_taxonomy(dir), error);
    // A huge file is refused without being read whole.
    {
        std::ofstream big(dir / "big.txt", std::ios::binary);
        big.seekp((64 << 20) - 1);
        big.put('\n');
    }
    try {
        load_taxonomy(dir / "big.txt");
        ADD_FAILURE();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("4 MiB"), std::string::npos) << e.what();
    }
}

TEST(tagging, top_k_and_the_multi_label_rule) {
    const std::vector<std::string> labels = {"a", "b", "c", "d", "e"};
    const std::vector<float> p = {0.05f, 0.40f, 0.30f, 0.05f, 0.20f};
    const auto top = top_tags(p, labels, 2);
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0].label, "b");
    EXPECT_EQ(top[1].label, "c");
    EXPECT_EQ(top_tags(p, labels, 50).size(), 5u);
    EXPECT_THROW(top_tags(p, labels, 0), error);
    EXPECT_THROW(top_tags(std::span<const float>(p).first(3), labels, 1), error);
    // ratio 0.5 of 0.40 = 0.20 and 2 x uniform = 0.40: only b.
    auto m = multi_label_tags(p, labels);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].label, "b");
    // Above uniform by 1: b, c and e (0.20 >= 0.5 * 0.40).
    m = multi_label_tags(p, labels, {0.5f, 1.0f, 10});
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[2].label, "e");
    EXPECT_EQ(multi_label_tags(p, labels, {0.5f, 1.0f, 2}).size(), 2u);
    // A flat distribution claims nothing.
    EXPECT_TRUE(multi_label_tags(std::vector<float>(5, 0.2f), labels).empty());
}

TEST(tagging, tag_track_embeds_a_file_and_tags_it) {
    auto eng = test::golden_engine();
    const fs::path wav = test::scratch_dir() / "tone.wav";
    const auto made = test::run_shell("ffmpeg -nostdin -loglevel error -y -f lavfi -i 'sine=frequency=440:duration=4' " +
                                      test::quoted(wav));
    ASSERT_EQ(made.code, 0) << made.err;
    const taxonomy t = with_templates(builtin_taxonomy("vocals"), {"{}"});
    const std::vector<label_set> sets = {prepare_labels(*eng, t, false), prepare_labels(*eng, builtin_taxonomy("sfx"), false)};
    tag_params tp;
    tp.top = 4;
    const tagged_track tagged = tag_track(*eng, wav, sets, {}, tp);
    ASSERT_EQ(tagged.tags.size(), 2u);
    EXPECT_EQ(tagged.tags[0].taxonomy, "vocals");
    ASSERT_EQ(tagged.tags[0].tags.size(), 4u);
    // The same as scoring the file's vector by hand.
    const auto p = zero_shot_probabilities(tagged.track.vector, sets[0], eng->logit_scale());
    const auto expected = top_tags(p, sets[0].labels, 4);
    for (size_t i = 0; i < 4; i++) {
        EXPECT_EQ(tagged.tags[0].tags[i].label, expected[i].label);
        EXPECT_FLOAT_EQ(tagged.tags[0].tags[i].probability, expected[i].probability);
    }
    EXPECT_THROW(tag_track(*eng, test::scratch_dir() / "none.wav", sets), error);
}
