// Segmentation (sonavec/timeline.h): the layout of a timeline from known window probabilities and levels,
// its exports, and a recording made here of known parts (music, noise, silences, a speech-like voice, the
// voice over music, a near-silent hiss). Silence is energy's, so its places are asserted to the level
// step. The kinds come from the model, whose real weights are not here: they are tested with stand-in
// vectors, each kind's the tiny model's own vector of that part's audio, so the mechanics (scoring the
// stored windows, cells, merging, find --within) are what is judged.
#include <cairo.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <random>

#include "library/segment_timeline.h"
#include "sonavec/error.h"
#include "sonavec/library.h"
#include "sonavec/timeline.h"
#include "sonavec/track.h"
#include "support/cli_run.h"
#include "support/music_signal.h"
#include "support/test_data.h"

namespace fs = std::filesystem;
using namespace sonavec;

namespace {

constexpr int rate = 48000;

// A voice-like signal: a glottal pulse train gliding between 100 and 160 Hz through two formant
// resonators that move, in syllables of about 0.25 s with gaps between words.
std::vector<float> voice(uint32_t seed, double seconds) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    const size_t n = static_cast<size_t>(seconds * rate);
    std::vector<float> x(n);
    double phase = 0, f0 = 120, y1 = 0, y2 = 0, z1 = 0, z2 = 0, f1 = 500, f2 = 1500;
    size_t syllable_end = 0;
    bool sounding = true;
    for (size_t i = 0; i < n; i++) {
        if (i >= syllable_end) {
            sounding = !sounding || u(rng) < 0.8;  // a gap between words, never two in a row
            syllable_end = i + static_cast<size_t>((0.15 + 0.2 * u(rng)) * rate);
            f0 = 100 + 60 * u(rng);
            f1 = 300 + 600 * u(rng);
            f2 = 900 + 1600 * u(rng);
        }
        phase += f0 / rate;
        const double pulse = phase >= 1 ? (phase -= 1, 1.0) : 0.0;
        // Two-pole resonators (bandwidth about 100 Hz) in cascade.
        const double r = std::exp(-M_PI * 100.0 / rate);
        const double a1 = 2 * r * std::cos(2 * M_PI * f1 / rate), a2 = -r * r;
        const double y = pulse + a1 * y1 + a2 * y2;
        y2 = y1, y1 = y;
        const double b1 = 2 * r * std::cos(2 * M_PI * f2 / rate);
        const double z = y + b1 * z1 + a2 * z2;
        z2 = z1, z1 = z;
        x[i] = sounding ? static_cast<float>(0.02 * z) : 0.0f;
    }
    float peak = 0;
    for (float v : x) peak = std::max(peak, std::fabs(v));
    for (float& v : x) v *= 0.3f / std::max(peak, 1e-6f);
    return x;
}

std::vector<float> white(uint32_t seed, double seconds, float sigma) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0, sigma);
    std::vector<float> x(static_cast<size_t>(seconds * rate));
    for (float& v : x) v = n(rng);
    return x;
}

struct part {
    double start, end;
    segment_kind kind;
};

// The recording: what lies where, and the parts' audio for the stand-in vectors.
const std::vector<part> layout = {
    {0, 60, segment_kind::music},
    {60, 120, segment_kind::noise},
    {120, 126.4, segment_kind::silence},            // digital silence, 6.4 s
    {126.4, 186.4, segment_kind::speech},
    {186.4, 187.9, segment_kind::speech},           // 1.5 s of digital silence: too short to be silence
    {187.9, 250, segment_kind::speech_over_music},
    {250, 256, segment_kind::silence},              // a hiss at about -76 dB below 5.5 kHz
    {256, 300, segment_kind::music},                // the first part's piece again
};
constexpr double jingle_in_music = 20, jingle_in_noise = 80;  // a 6 s jingle, played twice

class timeline_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new fs::path(test::scratch_dir() / "timeline");
        fs::remove_all(*dir_);
        fs::create_directories(*dir_ / "archive");
        const std::vector<float> music = test::to_mono(test::music_signal(31, 60, rate)), noise = white(32, 60, 0.05f),
                                 speech = voice(33, 60), bed = test::to_mono(test::music_signal(34, 62.1, rate)),
                                 tail = test::to_mono(test::music_signal(31, 44, rate)), jingle = test::to_mono(test::music_signal(21, 6, rate));
        std::vector<float> mix = voice(36, 62.1);
        for (size_t i = 0; i < mix.size(); i++) mix[i] += 0.3f * bed[i];
        std::vector<float> x;
        auto add = [&](const std::vector<float>& v) { x.insert(x.end(), v.begin(), v.end()); };
        add(music);
        add(noise);
        x.resize(x.size() + static_cast<size_t>(6.4 * rate), 0.0f);
        add(speech);
        x.resize(x.size() + static_cast<size_t>(1.5 * rate), 0.0f);
        add(mix);
        add(white(37, 6, 3e-4f));
        add(tail);
        for (double at : {jingle_in_music, jingle_in_noise}) {
            const auto first = static_cast<size_t>(at * rate);
            for (size_t i = 0; i < jingle.size(); i++) x[first + i] = 0.25f * x[first + i] + jingle[i];
        }
        test::write_mono_wav(*dir_ / "archive" / "show.wav", x, rate);
        test::write_mono_wav(*dir_ / "jingle.wav", jingle, rate);
        test::write_mono_wav(*dir_ / "music.wav", music, rate);
        test::write_mono_wav(*dir_ / "tail.wav", tail, rate);
        test::write_mono_wav(*dir_ / "noise.wav", noise, rate);
        test::write_mono_wav(*dir_ / "speech.wav", speech, rate);
        test::write_mono_wav(*dir_ / "mix.wav", mix, rate);
        eng_ = test::golden_engine(2).release();
        auto lib = library::open(*dir_ / "lib");
        index_params ip;
        ip.track.plan = segments_plan();
        ASSERT_TRUE(lib->index({*dir_ / "archive"}, *eng_, ip).complete());
    }
    static void TearDownTestSuite() {
        delete eng_;
        delete dir_;
    }
    static std::unique_ptr<library> lib() { return library::open(*dir_ / "lib", library::open_mode::read_only); }
    // Each kind's stand-in: the tiny model's vector of the very audio of its parts (music has two).
    static label_set stand_ins() {
        return segment_labels(*eng_, {{"music", {*dir_ / "music.wav", *dir_ / "tail.wav"}}, {"noise", {*dir_ / "noise.wav"}},
                                      {"speech", {*dir_ / "speech.wav"}}, {"speech-over-music", {*dir_ / "mix.wav"}}});
    }
    static timeline_report with_stand_ins(timeline_params p = {}) {
        p.labels = stand_ins();
        return lib()->timeline(p, *eng_);
    }

    static fs::path* dir_;
    static engine* eng_;
};
fs::path* timeline_test::dir_ = nullptr;
engine* timeline_test::eng_ = nullptr;

const timeline_segment* segment_at(const file_timeline& t, double s) {
    for (const timeline_segment& g : t.segments)
        if (g.start_seconds <= s && s < g.end_seconds) return &g;
    return nullptr;
}

}  // namespace

TEST(timeline_layout, cells_take_the_mean_of_their_windows_and_silence_is_laid_over_them) {
    // Windows of 10 s every 5 s over 30 s; two kinds; the first three windows speech, the rest music.
    timeline_input in;
    in.kinds = {segment_kind::speech, segment_kind::music};
    for (int i = 0; i < 5; i++) {
        in.starts.push_back(5.0 * i);
        in.lengths.push_back(10);
        const float speech = i < 3 ? 0.8f : 0.3f;
        in.probabilities.insert(in.probabilities.end(), {speech, 1 - speech});
    }
    // Levels every 0.1 s: -20 dB, with -80 dB from 12.0 to 14.5 s (2.5 s: silence) and 20.0 to 21.0 s (too short).
    in.seconds_per_level = 0.1;
    for (int k = 0; k < 300; k++) in.levels_db.push_back((k >= 120 && k < 145) || (k >= 200 && k < 210) ? -80.0f : -20.0f);
    const std::vector<timeline_segment> t = build_timeline(in, -60, 2);
    // Cells: [0,5) speech (0.8), [5,10) speech (0.8, 0.8), [10,15) (0.8, 0.8) speech, [15,20) (0.8, 0.3) speech
    // at 0.55, [20,25) (0.3, 0.3) music, [25,30) music.
    ASSERT_EQ(t.size(), 4u);
    EXPECT_EQ(t[0].kind, segment_kind::speech);
    EXPECT_DOUBLE_EQ(t[0].start_seconds, 0);
    EXPECT_NEAR(t[0].end_seconds, 12.0, 1e-9);
    EXPECT_NEAR(t[0].probability, 0.8, 1e-6);
    EXPECT_NEAR(t[0].level_db, -20, 1e-4);
    EXPECT_EQ(t[1].kind, segment_kind::silence);
    EXPECT_NEAR(t[1].start_seconds, 12.0, 1e-9);
    EXPECT_NEAR(t[1].end_seconds, 14.5, 1e-9);
    EXPECT_NEAR(t[1].level_db, -80, 1e-4);
    EXPECT_EQ(t[2].kind, segment_kind::speech);
    EXPECT_NEAR(t[2].end_seconds, 20, 1e-9);
    // 0.5 s at 0.8 and 5 s at 0.55, weighted by length.
    EXPECT_NEAR(t[2].probability, (0.5 * 0.8 + 5 * 0.55) / 5.5, 1e-6);
    EXPECT_EQ(t[3].kind, segment_kind::music);
    EXPECT_NEAR(t[3].end_seconds, 30, 1e-9);
    EXPECT_NEAR(t[3].probability, 0.7, 1e-6);
    // The 1 s dip counts in the level: a tenth of the time 60 dB down.
    EXPECT_NEAR(t[3].level_db, 10 * std::log10((9 * std::pow(10, -2.0) + std::pow(10, -8.0)) / 10), 1e-3);

    // A lower threshold finds no silence; a shorter minimum finds both.
    EXPECT_EQ(build_timeline(in, -90, 2).size(), 2u);
    size_t silences = 0;
    for (const timeline_segment& s : build_timeline(in, -60, 1)) silences += s.kind == segment_kind::silence;
    EXPECT_EQ(silences, 2u);
    // Without levels, no silence at all.
    in.levels_db.clear();
    EXPECT_EQ(build_timeline(in, -60, 2).size(), 2u);
}

TEST(timeline_layout, slivers_join_a_neighbour_and_silence_runs_are_measured_to_the_step) {
    timeline_input in;
    in.kinds = {segment_kind::speech, segment_kind::noise};
    in.starts = {0, 5};
    in.lengths = {10, 10};
    in.probabilities = {0.1f, 0.9f, 0.1f, 0.9f};
    in.seconds_per_level = 0.1;
    // Silent from 0.0 to 4.9 s, then 0.1 s of sound, then silent to 9.0 s: the sound between is a sliver.
    for (int k = 0; k < 150; k++) in.levels_db.push_back(k < 49 || (k >= 50 && k < 90) ? -120.0f : -10.0f);
    // The sliver 4.9-5.0 joins the silence before it, which then meets the next: one silence.
    const std::vector<timeline_segment> t = build_timeline(in, -60, 2);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].kind, segment_kind::silence);
    EXPECT_NEAR(t[0].start_seconds, 0, 1e-9);
    EXPECT_NEAR(t[0].end_seconds, 9.0, 1e-9);
    EXPECT_EQ(t[1].kind, segment_kind::noise);
    EXPECT_NEAR(t[1].start_seconds, 9.0, 1e-9);
    EXPECT_NEAR(t[1].end_seconds, 15.0, 1e-9);
    const auto runs = silent_stretches(in.levels_db, 0.1, -60, 2);
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_NEAR(runs[0].second, 4.9, 1e-9);
    EXPECT_NEAR(runs[1].first, 5.0, 1e-9);
    EXPECT_TRUE(silent_stretches(in.levels_db, 0.1, -60, 5).empty());
    // A sliver of sound at the very start joins the piece after it.
    in.levels_db.assign(150, -10.0f);
    for (int k = 1; k < 40; k++) in.levels_db[static_cast<size_t>(k)] = -120.0f;
    const std::vector<timeline_segment> first = build_timeline(in, -60, 2);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].kind, segment_kind::silence);
    EXPECT_NEAR(first[0].start_seconds, 0, 1e-9);
    EXPECT_NEAR(first[0].end_seconds, 4.0, 1e-9);
}

TEST(timeline_exports, json_csv_audacity_and_webvtt_say_the_same_segments) {
    timeline_report r;
    r.kinds = {"speech", "music"};
    file_timeline f;
    f.track_id = 7;
    f.path = "/archive/a, \"b\".wav";
    f.duration_seconds = 3725.5;
    f.has_levels = true;
    f.segments = {{0, 12.25, segment_kind::speech, 0.75, -21.5}, {12.25, 3725.5, segment_kind::speech_over_music, 0.5, -18}};
    r.files = {f};
    const nlohmann::json j = nlohmann::json::parse(timeline_json(r));
    ASSERT_EQ(j["files"].size(), 1u);
    EXPECT_EQ(j["files"][0]["id"], 7);
    EXPECT_EQ(j["files"][0]["segments"][1]["kind"], "speech over music");
    EXPECT_DOUBLE_EQ(j["files"][0]["segments"][0]["end_seconds"].get<double>(), 12.25);
    EXPECT_EQ(timeline_csv(r), "path,start_seconds,end_seconds,kind,probability,level_db\n"
                               "\"/archive/a, \"\"b\"\".wav\",0.000,12.250,speech,0.750,-21.5\n"
                               "\"/archive/a, \"\"b\"\".wav\",12.250,3725.500,speech over music,0.500,-18.0\n");
    EXPECT_EQ(timeline_audacity(f), "0.000\t12.250\tspeech\n12.250\t3725.500\tspeech over music\n");
    EXPECT_EQ(timeline_webvtt(f), "WEBVTT\n\n00:00:00.000 --> 00:00:12.250\nspeech\n\n"
                                  "00:00:12.250 --> 01:02:05.500\nspeech over music\n");
    EXPECT_EQ(kind_at(f, 12.25), segment_kind::speech_over_music);
    EXPECT_EQ(kind_at(f, 0), segment_kind::speech);
    EXPECT_FALSE(kind_at(f, 3725.5));
    EXPECT_FALSE(kind_at(f, -1));
}

TEST(timeline_exports, the_picture_draws_each_segment_in_its_kinds_colour_to_one_time_scale) {
    timeline_report r;
    file_timeline a, b;
    a.path = "/archive/a.wav";
    a.duration_seconds = 100;
    a.segments = {{0, 40, segment_kind::speech, 0.7, -20}, {40, 50, segment_kind::silence, 1, -90},
                  {50, 100, segment_kind::music, 0.6, -18}};
    b.path = "/archive/b.wav";
    b.duration_seconds = 50;
    b.segments = {{0, 50, segment_kind::noise, 0.5, -30}};
    r.files = {a, b};
    const fs::path png = test::scratch_dir() / "timeline.png";
    timeline_picture_options o;
    o.width = 1000;
    write_timeline_picture(r, png, o);
    cairo_surface_t* s = cairo_image_surface_create_from_png(png.c_str());
    ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    EXPECT_EQ(cairo_image_surface_get_width(s), 1000);
    const unsigned char* px = cairo_image_surface_get_data(s);
    const int stride = cairo_image_surface_get_stride(s);
    auto colour = [&](double seconds, int row) {
        // The strips start after the names (a quarter of the width) and a 16 px margin; 100 s fill the rest
        // but the right margin. Rows are 26 px apart below the legend, each strip 18 px high.
        const int x = static_cast<int>(16 + 250 + seconds * (1000 - 266 - 16) / 100.0), y = 16 + 34 + 26 * row + 9;
        const unsigned char* p = px + y * stride + x * 4;  // BGRA in memory (native-endian ARGB32)
        return static_cast<unsigned>(p[2]) << 16 | static_cast<unsigned>(p[1]) << 8 | p[0];
    };
    EXPECT_EQ(colour(20, 0), 0x4e79a7u);  // speech
    EXPECT_EQ(colour(45, 0), 0xc4c4c4u);  // silence
    EXPECT_EQ(colour(75, 0), 0xf28e2bu);  // music
    EXPECT_EQ(colour(25, 1), 0x9c755fu);  // noise
    EXPECT_EQ(colour(75, 1), 0xffffffu);  // past the shorter recording's end: the same scale for both
    cairo_surface_destroy(s);
    const fs::path svg = test::scratch_dir() / "timeline.svg";
    write_timeline_picture(r, svg, o);
    EXPECT_NE(test::read_file(svg).find("</svg>"), std::string::npos);
    EXPECT_THROW(write_timeline_picture(r, test::scratch_dir() / "timeline.jpg", o), error);
    o.width = 100;
    EXPECT_THROW(write_timeline_picture(r, png, o), error);
}

TEST(timeline_exports, kinds_are_named_and_parsed_back) {
    for (segment_kind k : {segment_kind::speech, segment_kind::music, segment_kind::speech_over_music,
                           segment_kind::noise, segment_kind::silence})
        EXPECT_EQ(parse_segment_kind(segment_kind_name(k)), k);
    EXPECT_EQ(parse_segment_kind("Speech-Over_music"), segment_kind::speech_over_music);
    try {
        parse_segment_kind("jazz");
        ADD_FAILURE() << "jazz is a kind";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::invalid_input);
        EXPECT_NE(std::string(e.what()).find("speech over music"), std::string::npos) << e.what();
    }
}

TEST_F(timeline_test, silence_is_found_where_it_was_made_and_only_there) {
    const timeline_report r = with_stand_ins();
    ASSERT_EQ(r.files.size(), 1u);
    const file_timeline& t = r.files[0];
    EXPECT_TRUE(t.has_levels);
    EXPECT_EQ(t.windows, 59u);  // 10 s every 5 s over 300 s
    EXPECT_NEAR(t.segments.front().start_seconds, 0, 1e-9);
    EXPECT_NEAR(t.segments.back().end_seconds, 300, 0.1);
    std::vector<std::pair<double, double>> silences;
    for (const timeline_segment& s : t.segments) {
        if (s.kind != segment_kind::silence) continue;
        silences.emplace_back(s.start_seconds, s.end_seconds);
        EXPECT_LT(s.level_db, -60);
    }
    // The digital silence and the hiss, to the level step (0.1 s) and a frame either side; not the 1.5 s gap.
    ASSERT_EQ(silences.size(), 2u) << timeline_json(r, 1);
    EXPECT_NEAR(silences[0].first, 120, 0.21);
    EXPECT_NEAR(silences[0].second, 126.4, 0.21);
    EXPECT_NEAR(silences[1].first, 250, 0.21);
    EXPECT_NEAR(silences[1].second, 256, 0.21);
    // At -80 dB the hiss is sound; at a 1 s minimum the short gap is silence.
    timeline_params p;
    p.silence_db = -80;
    size_t found = 0;
    for (const timeline_segment& s : with_stand_ins(p).files[0].segments) found += s.kind == segment_kind::silence;
    EXPECT_EQ(found, 1u);
    p = {};
    p.min_silence_seconds = 1;
    found = 0;
    for (const timeline_segment& s : with_stand_ins(p).files[0].segments)
        if (s.kind == segment_kind::silence) found++;
    EXPECT_EQ(found, 3u);
}

TEST_F(timeline_test, stand_in_vectors_label_every_cell_inside_a_part_with_its_kind) {
    const file_timeline t = with_stand_ins().files[0];
    size_t judged = 0, right = 0;
    for (const part& p : layout) {
        if (p.kind == segment_kind::silence) continue;
        // Cells [c, c + 5) whose windows (from c - 5 to c + 10) lie inside the part and miss the jingles.
        for (double c = 5 * std::ceil((p.start + 5) / 5); c + 10 <= p.end; c += 5) {
            const bool jingle = std::fabs(c - jingle_in_music) < 12 || std::fabs(c - jingle_in_noise) < 12;
            if (jingle) continue;
            const timeline_segment* g = segment_at(t, c + 2.5);
            ASSERT_NE(g, nullptr) << c;
            judged++;
            right += g->kind == p.kind;
            EXPECT_EQ(g->kind, p.kind) << "cell at " << c << " s: " << segment_kind_name(g->kind);
        }
    }
    EXPECT_GE(judged, 25u);
    EXPECT_EQ(right, judged);
}

TEST_F(timeline_test, kinds_come_from_examples_or_from_the_prompts) {
    // An example's vector is the file's own (10 s windows every 10 s); several files' are averaged, normalised.
    const label_set s = stand_ins();
    ASSERT_EQ(s.labels, (std::vector<std::string>{"speech", "music", "speech over music", "noise"}));
    track_embed_params tp;
    tp.plan.kind = window_plan_kind::full;
    const track_embedding music = embed_track(*eng_, *dir_ / "music.wav", tp), tail = embed_track(*eng_, *dir_ / "tail.wav", tp);
    std::vector<float> both(music.vector.size());
    for (size_t i = 0; i < both.size(); i++) both[i] = music.vector[i] + tail.vector[i];
    EXPECT_GT(test::cosine(s.vectors.data() + eng_->dim(), both.data(), both.size()), 0.99999);
    // The kinds without examples keep their prompts' vectors, as prepare_labels makes them.
    const label_set text = prepare_labels(*eng_, builtin_taxonomy("segments"));
    const label_set one = segment_labels(*eng_, {{"music", {*dir_ / "music.wav"}}});
    for (size_t k : {0u, 2u, 3u})
        EXPECT_GT(test::cosine(one.vectors.data() + k * eng_->dim(), text.vectors.data() + k * eng_->dim(),
                               static_cast<size_t>(eng_->dim())),
                  0.99999);
    // The default is the prompts'.
    const timeline_report r = lib()->timeline({}, *eng_);
    EXPECT_EQ(r.kinds, s.labels);
    EXPECT_FALSE(r.files[0].segments.empty());
    // Refused: silence by example, a missing example, an unknown kind, too few labels.
    EXPECT_THROW(segment_labels(*eng_, {{"silence", {*dir_ / "music.wav"}}}), error);
    EXPECT_THROW(segment_labels(*eng_, {{"music", {*dir_ / "absent.wav"}}}), error);
    EXPECT_THROW(segment_labels(*eng_, {{"jazz", {*dir_ / "music.wav"}}}), error);
    timeline_params p;
    p.labels = s;
    p.labels->labels.resize(1);
    p.labels->vectors.resize(static_cast<size_t>(eng_->dim()));
    EXPECT_THROW(lib()->timeline(p, *eng_), error);
    p = {};
    p.silence_db = 5;
    EXPECT_THROW(lib()->timeline(p, *eng_), error);
}

TEST_F(timeline_test, find_within_keeps_the_moments_inside_the_kind) {
    find_params all;
    const find_report everywhere = lib()->find_clip(*dir_ / "jingle.wav", *eng_, all);
    std::vector<double> found;
    for (const occurrence& o : everywhere.occurrences)
        if (o.print_similarity > 0) found.push_back(o.start_seconds);
    ASSERT_EQ(found.size(), 2u) << find_report_json(everywhere, 1);
    const file_timeline t = with_stand_ins().files[0];
    size_t kept_somewhere = 0;
    for (segment_kind k : {segment_kind::speech, segment_kind::music, segment_kind::speech_over_music, segment_kind::noise}) {
        find_params p;
        p.within = k;
        p.timeline.labels = stand_ins();
        const find_report r = lib()->find_clip(*dir_ / "jingle.wav", *eng_, p);
        EXPECT_LT(r.windows_within, r.windows) << segment_kind_name(k);
        for (const occurrence& o : r.occurrences) EXPECT_EQ(kind_at(t, (o.start_seconds + o.end_seconds) / 2), k);
        // Each playing found everywhere is found within its own kind, and only there.
        for (double start : found) {
            const auto kind = kind_at(t, start + 3);
            const bool kept = std::any_of(r.occurrences.begin(), r.occurrences.end(),
                                          [&](const occurrence& o) { return std::fabs(o.start_seconds - start) < 0.5; });
            EXPECT_EQ(kept, kind == k) << start << " within " << segment_kind_name(k);
            kept_somewhere += kept;
        }
    }
    EXPECT_EQ(kept_somewhere, 2u);
}

TEST_F(timeline_test, the_cli_writes_webvtt_csv_and_refuses_what_it_cannot_do) {
    const std::string model = " --model " + test::quoted(test::golden_dir() / "model") + " ";
    const std::string common = "timeline --library " + test::quoted(*dir_ / "lib") + model;
    const std::string examples = "--example music=" + test::quoted(*dir_ / "music.wav") + " --example music=" +
                                 test::quoted(*dir_ / "tail.wav") + " --example noise=" +
                                 test::quoted(*dir_ / "noise.wav") + " --example speech=" + test::quoted(*dir_ / "speech.wav") +
                                 " --example speech-over-music=" + test::quoted(*dir_ / "mix.wav") + " ";
    const fs::path show = *dir_ / "archive" / "show.wav";
    const auto vtt = test::run_cli(common + examples + "--webvtt " + test::quoted(show));
    ASSERT_EQ(vtt.code, 0) << vtt.err;
    EXPECT_EQ(vtt.out.substr(0, 8), "WEBVTT\n\n");
    EXPECT_NE(vtt.out.find("00:02:0"), std::string::npos) << vtt.out;  // the silence from 120 s
    EXPECT_NE(vtt.out.find("\nsilence\n"), std::string::npos) << vtt.out;
    // The same segments as the API's, as CSV rows.
    const auto csv = test::run_cli(common + examples + "--csv");
    ASSERT_EQ(csv.code, 0) << csv.err;
    const size_t segments = with_stand_ins().files[0].segments.size();
    EXPECT_EQ(static_cast<size_t>(std::count(csv.out.begin(), csv.out.end(), '\n')), segments + 1);
    const auto table = test::run_cli(common + examples + test::quoted(show));
    ASSERT_EQ(table.code, 0) << table.err;
    EXPECT_NE(table.out.find("silence"), std::string::npos);
    // find --within through the CLI: the jingle's playings inside noise stretches only.
    const auto within = test::run_cli("find --library " + test::quoted(*dir_ / "lib") + model + examples +
                                      "--within noise --json " + test::quoted(*dir_ / "jingle.wav"));
    ASSERT_EQ(within.code, 0) << within.err;
    EXPECT_GT(nlohmann::json::parse(within.out)["windows_within"].get<size_t>(), 0u);

    EXPECT_EQ(test::run_cli(common + "--example music " + test::quoted(show)).code, 2);
    EXPECT_EQ(test::run_cli(common + "--example jazz=" + test::quoted(show) + " " + test::quoted(show)).code, 2);
    EXPECT_EQ(test::run_cli(common + "--silence-db 3 " + test::quoted(show)).code, 2);
    EXPECT_EQ(test::run_cli(common + "--webvtt --csv " + test::quoted(show)).code, 2);
    EXPECT_NE(test::run_cli(common + test::quoted(*dir_ / "music.wav")).code, 0);  // not in the library
    EXPECT_EQ(test::run_cli("find --library " + test::quoted(*dir_ / "lib") + model + "--within silence " +
                            test::quoted(*dir_ / "jingle.wav")).code, 2);
    // The picture: a PNG (or SVG) of the strips; the extension must be the option's.
    const fs::path png = *dir_ / "show.png";
    const auto drawn = test::run_cli(common + examples + "--png " + test::quoted(png) + " " + test::quoted(show));
    ASSERT_EQ(drawn.code, 0) << drawn.err;
    EXPECT_EQ(test::read_file(png).substr(1, 3), "PNG");
    EXPECT_EQ(test::run_cli(common + "--png " + test::quoted(*dir_ / "show.svg") + " " + test::quoted(show)).code, 2);
    EXPECT_EQ(test::run_cli(common + "--png " + test::quoted(png) + " --csv " + test::quoted(show)).code, 2);
    const auto help = test::run_cli("timeline --help");
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("examples:"), std::string::npos);
}
