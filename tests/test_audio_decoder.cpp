// audio_decoder against independent references: files written by ffmpeg and sox at test time from a
// signal we also compute here (per channel a tone, plus a common chirp that makes any time offset
// visible), in every format the decoder must read, then decoded and compared with the analytic mean.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "audio/audio_decoder.h"
#include "cli_run.h"
#include "test_data.h"
#include "sonavec/error.h"

namespace fs = std::filesystem;
using sonavec::audio_decoder;

namespace {

constexpr double seconds = 4.0;
constexpr int out_rate = 48000;
constexpr double pi = 3.14159265358979323846;

double tone_hz(int channel) { return 330.0 + 110.0 * channel; }

// Channel c of the test signal at time t; the same formula goes to ffmpeg's aevalsrc below.
double signal(int channel, double t) {
    return 0.3 * std::sin(2 * pi * tone_hz(channel) * t) + 0.2 * std::sin(2 * pi * (150 * t + 300 * t * t));
}

std::string channel_expression(int channel) {
    return "0.3*sin(2*PI*" + std::to_string(tone_hz(channel)) + "*t)+0.2*sin(2*PI*(150*t+300*t*t))";
}

// The mean of all channels, sampled at 48 kHz: what the decoder must return.
std::vector<float> expected_mono(int channels, double length = seconds) {
    std::vector<float> out(static_cast<size_t>(std::llround(length * out_rate)));
    for (size_t n = 0; n < out.size(); ++n) {
        double sum = 0;
        for (int c = 0; c < channels; ++c) sum += signal(c, static_cast<double>(n) / out_rate);
        out[n] = static_cast<float>(sum / channels);
    }
    return out;
}

using sonavec::test::have_tool;

std::string quoted(const fs::path& p) { return std::string(1, '\'') + p.string() + '\''; }

void run(const std::string& command) {
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

const char* layout_name(int channels) { return channels == 1 ? "mono" : channels == 2 ? "stereo" : "5.1"; }

// Writes the test signal with ffmpeg; `codec_args` picks the encoder.
fs::path make_file(const fs::path& dir, const std::string& name, int rate, int channels, const std::string& codec_args,
                   double length = seconds, const std::string& extra = "") {
    std::string exprs;
    for (int c = 0; c < channels; ++c) {
        if (c) exprs += '|';
        exprs += channel_expression(c);
    }
    const fs::path out = dir / name;
    run("ffmpeg -v error -y -f lavfi -i \"aevalsrc=exprs='" + exprs + "':s=" + std::to_string(rate) +
        ":d=" + std::to_string(length) + ":c=" + layout_name(channels) + "\" " + codec_args + " " + extra + " " +
        quoted(out));
    return out;
}

double snr_db(const std::vector<float>& x, const std::vector<float>& ref, size_t from, size_t to) {
    double signal_energy = 0, noise = 0;
    for (size_t n = from; n < to; ++n) {
        signal_energy += static_cast<double>(ref[n]) * ref[n];
        noise += (static_cast<double>(x[n]) - ref[n]) * (static_cast<double>(x[n]) - ref[n]);
    }
    return 10 * std::log10(signal_energy / (noise + 1e-30));
}

// The lag (x shifted against ref) with the highest cross-correlation over [from, to).
int best_lag(const std::vector<float>& x, const std::vector<float>& ref, size_t from, size_t to, int max_lag) {
    int best = 0;
    double best_value = -1e300;
    for (int lag = -max_lag; lag <= max_lag; ++lag) {
        double sum = 0;
        for (size_t n = from; n < to; ++n) {
            const long j = static_cast<long>(n) + lag;
            if (j >= 0 && j < static_cast<long>(x.size())) sum += static_cast<double>(x[j]) * ref[n];
        }
        if (sum > best_value) {
            best_value = sum;
            best = lag;
        }
    }
    return best;
}

class audio_decoder_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = fs::temp_directory_path() / ("sonavec_audio_decoder_test_" + std::to_string(getpid()));
        fs::create_directories(dir_);
    }
    static void TearDownTestSuite() { fs::remove_all(dir_); }
    void SetUp() override {
        if (!have_tool("ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed";
    }
    static fs::path dir_;
};
fs::path audio_decoder_test::dir_;

struct format_case {
    std::string name;
    std::string codec_args;
    int rate;
    int channels;
    double min_snr_db;
};

// Decodes a file and checks length, SNR against the analytic mean and zero time offset.
void expect_matches_signal(const fs::path& file, const format_case& fc, bool exact_length) {
    SCOPED_TRACE(fc.name);
    audio_decoder dec(file);
    EXPECT_EQ(dec.info().sample_rate, fc.rate);
    EXPECT_EQ(dec.info().channels, fc.channels);
    EXPECT_NEAR(dec.info().duration_seconds, seconds, 0.05);
    const std::vector<float> x = dec.read_all(60);
    const std::vector<float> ref = expected_mono(fc.channels);
    if (exact_length) {
        EXPECT_NEAR(static_cast<double>(x.size()), static_cast<double>(ref.size()), 1.0);
    } else {  // lossy codecs may keep part of the encoder's end padding
        EXPECT_GE(x.size() + 2, ref.size());
        EXPECT_LE(x.size(), ref.size() + out_rate / 10);
    }
    ASSERT_GE(x.size() + 2, ref.size());
    const size_t edge = out_rate / 20;  // the signal starts and stops abruptly: skip the resampler's edge ringing
    const size_t to = std::min(x.size(), ref.size()) - edge;
    const double snr = snr_db(x, ref, edge, to);
    const int lag = best_lag(x, ref, edge + 1000, to - 1000, 400);
    std::printf("  %-28s SNR %6.1f dB  lag %d\n", fc.name.c_str(), snr, lag);
    EXPECT_GE(snr, fc.min_snr_db);
    EXPECT_EQ(lag, 0);
}

}  // namespace

TEST_F(audio_decoder_test, lossless_formats_give_the_channel_mean_at_48k) {
    const std::vector<format_case> cases = {
        {"wav_s16_48k_stereo.wav", "-c:a pcm_s16le", 48000, 2, 80},
        {"wav_u8_48k_stereo.wav", "-c:a pcm_u8", 48000, 2, 35},
        {"wav_s24_48k_stereo.wav", "-c:a pcm_s24le", 48000, 2, 120},
        {"wav_s32_48k_stereo.wav", "-c:a pcm_s32le", 48000, 2, 120},
        {"wav_f32_48k_stereo.wav", "-c:a pcm_f32le", 48000, 2, 120},
        {"wav_f64_48k_stereo.wav", "-c:a pcm_f64le", 48000, 2, 120},
        {"wav_s16_48k_mono.wav", "-c:a pcm_s16le", 48000, 1, 80},
        {"wav_s16_48k_51.wav", "-c:a pcm_s16le", 48000, 6, 80},
        {"flac_48k_stereo.flac", "-c:a flac", 48000, 2, 80},
        {"flac_48k_51.flac", "-c:a flac", 48000, 6, 80},
        {"alac_48k_stereo.m4a", "-c:a alac", 48000, 2, 80},
        {"aiff_48k_stereo.aiff", "-c:a pcm_s16be", 48000, 2, 80},
        {"wav_s16_44k_stereo.wav", "-c:a pcm_s16le", 44100, 2, 80},
        {"wav_f32_44k_stereo.wav", "-c:a pcm_f32le", 44100, 2, 95},
        {"flac_44k_mono.flac", "-c:a flac", 44100, 1, 80},
        {"alac_44k_stereo.m4a", "-c:a alac", 44100, 2, 80},
        {"aiff_44k_51.aiff", "-c:a pcm_s16be", 44100, 6, 80},
        {"wav_s24_96k_stereo.wav", "-c:a pcm_s24le", 96000, 2, 95},
        {"flac_96k_51.flac", "-c:a flac -sample_fmt s32", 96000, 6, 95},
        {"alac_96k_stereo.m4a", "-c:a alac", 96000, 2, 80},
    };
    for (const auto& fc : cases) {
        const fs::path file = make_file(dir_, fc.name, fc.rate, fc.channels, fc.codec_args);
        expect_matches_signal(file, fc, true);
    }
}

TEST_F(audio_decoder_test, lossy_formats_match_the_signal_without_time_offset) {
    const std::vector<format_case> cases = {
        {"mp3_48k_stereo.mp3", "-c:a libmp3lame -b:a 192k", 48000, 2, 20},
        {"mp3_44k_stereo.mp3", "-c:a libmp3lame -b:a 192k", 44100, 2, 20},
        {"mp3_44k_mono.mp3", "-c:a libmp3lame -b:a 128k", 44100, 1, 20},
        {"aac_48k_stereo.m4a", "-c:a aac -b:a 192k", 48000, 2, 20},
        {"aac_44k_stereo.m4a", "-c:a aac -b:a 192k", 44100, 2, 20},
        {"aac_96k_stereo.m4a", "-c:a aac -b:a 256k", 96000, 2, 20},
        // FFmpeg's AAC encoder keeps only the lowest band of the LFE channel, and its 660 Hz tone is gone.
        {"aac_48k_51.m4a", "-c:a aac -b:a 384k", 48000, 6, 10},
        {"vorbis_48k_stereo.ogg", "-c:a libvorbis -q:a 6", 48000, 2, 20},
        {"vorbis_44k_stereo.ogg", "-c:a libvorbis -q:a 6", 44100, 2, 20},
        {"opus_48k_stereo.opus", "-c:a libopus -b:a 160k", 48000, 2, 15},
        {"opus_48k_mono.opus", "-c:a libopus -b:a 96k", 48000, 1, 15},
    };
    for (const auto& fc : cases) {
        const fs::path file = make_file(dir_, fc.name, fc.rate, fc.channels, fc.codec_args);
        expect_matches_signal(file, fc, false);
    }
}

// swr's default 5.1 downmix weights the centre and fronts differently and drops the LFE: a plain mean
// of six different tones proves the custom matrix is in use. Stereo with unequal sides as well.
TEST_F(audio_decoder_test, downmix_is_the_plain_channel_average) {
    for (int channels : {2, 6}) {
        const fs::path file = make_file(dir_, "downmix_" + std::to_string(channels) + ".wav", 48000, channels,
                                        "-c:a pcm_f32le");
        audio_decoder dec(file);
        const std::vector<float> x = dec.read_all(60);
        const std::vector<float> ref = expected_mono(channels);
        ASSERT_EQ(x.size(), ref.size());
        EXPECT_LT(sonavec::test::max_abs_diff(x.data(), ref.data(), x.size()), 1e-6) << channels << " channels";
    }
}

TEST_F(audio_decoder_test, many_channels_from_sox_average_too) {
    if (!have_tool("sox")) GTEST_SKIP() << "sox is not installed";
    // Ten channels of DC at levels 0.05 .. 0.5 (no standard layout): the mean is 0.275.
    const fs::path file = dir_ / "ten_channels.wav";
    run("sox -n -b 32 -e floating-point -r 48000 -c 1 " + quoted(dir_ / "dc.wav") + " trim 0 1 dcshift 0.9");
    std::string merge = "sox -M";
    for (int c = 1; c <= 10; ++c) {
        const fs::path part = dir_ / ("dc_" + std::to_string(c) + ".wav");
        run("sox " + quoted(dir_ / "dc.wav") + " " + quoted(part) + " vol " + std::to_string(0.05 * c));
        merge += ' ';
        merge += quoted(part);
    }
    run(merge + " " + quoted(file));
    audio_decoder dec(file);
    EXPECT_EQ(dec.info().channels, 10);
    const std::vector<float> x = dec.read_all(10);
    ASSERT_EQ(x.size(), 48000u);
    audio_decoder one(dir_ / "dc.wav");
    const std::vector<float> dc = one.read_all(10);
    ASSERT_EQ(dc.size(), 48000u);
    for (size_t n = 0; n < x.size(); n += 997) EXPECT_NEAR(x[n], 0.275 * dc[n], 1e-5) << n;
}

// Seeking reads: lossless windows equal the same span of read_all (bit-exact at the file's own rate,
// within float rounding of the resampler otherwise), at starts that fall between samples too.
TEST_F(audio_decoder_test, lossless_windows_equal_read_all) {
    struct file_case {
        std::string name;
        std::string codec_args;
        int rate;
    };
    for (const file_case& fc : {file_case{"win_48k.wav", "-c:a pcm_s16le", 48000},
                                file_case{"win_48k.flac", "-c:a flac", 48000},
                                file_case{"win_44k.wav", "-c:a pcm_s24le", 44100},
                                file_case{"win_44k.flac", "-c:a flac", 44100},
                                file_case{"win_96k.flac", "-c:a flac", 96000}}) {
        SCOPED_TRACE(fc.name);
        const fs::path file = make_file(dir_, fc.name, fc.rate, 2, fc.codec_args, 12.0);
        audio_decoder dec(file);
        const std::vector<float> all = dec.read_all(60);
        ASSERT_EQ(all.size(), 12u * out_rate);
        for (double start : {0.0, 0.01, 1.0, 3.333331, 6.5, 10.999}) {
            const std::vector<float> w = dec.read(start, 0.75);
            const size_t first = static_cast<size_t>(std::llround(start * out_rate));
            ASSERT_EQ(w.size(), static_cast<size_t>(0.75 * out_rate)) << start;
            const double diff = sonavec::test::max_abs_diff(w.data(), all.data() + first, w.size());
            if (fc.rate == out_rate) {
                EXPECT_EQ(diff, 0.0) << start;
            } else {
                EXPECT_LT(diff, 1e-5) << start;
            }
        }
        // Past the end: what exists, then nothing.
        EXPECT_EQ(dec.read(11.5, 2.0).size(), static_cast<size_t>(0.5 * out_rate));
        EXPECT_TRUE(dec.read(13.0, 2.0).empty());
    }
}

TEST_F(audio_decoder_test, lossy_windows_line_up_with_read_all) {
    for (const std::string& args : {std::string("-c:a libmp3lame -b:a 192k|mp3"), std::string("-c:a aac -b:a 192k|m4a"),
                                    std::string("-c:a libvorbis|ogg"), std::string("-c:a libopus|opus")}) {
        const std::string codec = args.substr(0, args.find('|'));
        const std::string ext = args.substr(args.find('|') + 1);
        SCOPED_TRACE(ext);
        const int rate = ext == "opus" ? 48000 : 44100;
        const fs::path file = make_file(dir_, "lossy_win." + ext, rate, 2, codec, 12.0);
        audio_decoder dec(file);
        const std::vector<float> all = dec.read_all(60);
        for (double start : {1.0, 4.321, 8.0}) {
            const std::vector<float> w = dec.read(start, 1.0);
            ASSERT_EQ(w.size(), static_cast<size_t>(out_rate));
            const size_t first = static_cast<size_t>(std::llround(start * out_rate));
            const std::vector<float> slice(all.begin() + first, all.begin() + first + w.size());
            EXPECT_EQ(best_lag(w, slice, 600, w.size() - 600, 300), 0) << start;
            EXPECT_GT(sonavec::test::cosine(w.data(), slice.data(), w.size()), 0.9999) << start;
        }
    }
}

TEST_F(audio_decoder_test, durations_codecs_and_containers) {
    struct duration_case {
        std::string name;
        std::string codec_args;
        std::string codec;
        double tolerance;
    };
    for (const duration_case& dc : {duration_case{"d.wav", "-c:a pcm_s16le", "pcm_s16le", 1e-3},
                                    duration_case{"d.flac", "-c:a flac", "flac", 1e-3},
                                    duration_case{"d.mp3", "-c:a libmp3lame", "mp3", 0.05},
                                    duration_case{"d.m4a", "-c:a aac", "aac", 0.05},
                                    duration_case{"d.ogg", "-c:a libvorbis", "vorbis", 0.05},
                                    duration_case{"d.opus", "-c:a libopus", "opus", 0.05},
                                    duration_case{"d.aiff", "-c:a pcm_s16be", "pcm_s16be", 1e-3}}) {
        SCOPED_TRACE(dc.name);
        audio_decoder dec(make_file(dir_, dc.name, 48000, 2, dc.codec_args, 7.5));
        EXPECT_NEAR(dec.info().duration_seconds, 7.5, dc.tolerance);
        EXPECT_EQ(dec.info().codec, dc.codec);
        EXPECT_FALSE(dec.info().container.empty());
    }
    // Raw ADTS AAC has no duration in its header: it is estimated, then refined from the packets.
    audio_decoder adts(make_file(dir_, "d.aac", 48000, 2, "-c:a aac", 7.5));
    EXPECT_NEAR(adts.info().duration_seconds, 7.5, 0.1);
    EXPECT_EQ(adts.info().container, "aac");
}

TEST_F(audio_decoder_test, tags_come_back_with_lower_case_keys) {
    const std::string tags =
        "-metadata title='Test Title' -metadata artist='Some Artist' -metadata album='An Album' "
        "-metadata genre='Ambient' -metadata date=2021";
    for (const std::string& args : {std::string("-c:a libmp3lame|mp3"), std::string("-c:a flac|flac"),
                                    std::string("-c:a aac|m4a"), std::string("-c:a libvorbis|ogg"),
                                    std::string("-c:a libopus|opus")}) {
        const std::string ext = args.substr(args.find('|') + 1);
        SCOPED_TRACE(ext);
        audio_decoder dec(make_file(dir_, "tags." + ext, 48000, 2, args.substr(0, args.find('|')), 1.0, tags));
        const auto& t = dec.info().tags;
        ASSERT_TRUE(t.count("title"));
        EXPECT_EQ(t.at("title"), "Test Title");
        EXPECT_EQ(t.count("artist") ? t.at("artist") : "", "Some Artist");
        EXPECT_EQ(t.count("album") ? t.at("album") : "", "An Album");
        EXPECT_EQ(t.count("genre") ? t.at("genre") : "", "Ambient");
        EXPECT_EQ(t.count("year") ? t.at("year") : "", "2021");
        EXPECT_EQ(t.count("date") ? t.at("date").substr(0, 4) : "", "2021");
    }
}

TEST_F(audio_decoder_test, another_target_rate) {
    audio_decoder dec(make_file(dir_, "rate16.flac", 44100, 2, "-c:a flac", 2.0), 16000);
    EXPECT_EQ(dec.target_rate(), 16000);
    const std::vector<float> x = dec.read_all(10);
    ASSERT_NEAR(static_cast<double>(x.size()), 32000.0, 1.0);
    double energy = 0, noise = 0;
    for (size_t n = 800; n + 800 < x.size(); ++n) {
        const double t = static_cast<double>(n) / 16000;
        const double ref = (signal(0, t) + signal(1, t)) / 2;
        energy += ref * ref;
        noise += (x[n] - ref) * (x[n] - ref);
    }
    EXPECT_GT(10 * std::log10(energy / noise), 60.0);
}

// --- Files that must be refused with a clear reason --------------------------------------------------

namespace {

// The sonavec::error decoding file throws (nullopt when it decodes).
std::optional<sonavec::error> failure_of(const fs::path& file) {
    try {
        audio_decoder dec(file);
        dec.read_all(60);
    } catch (const sonavec::error& e) {
        return e;
    }
    return std::nullopt;
}

std::string error_of(const fs::path& file) {
    const auto failure = failure_of(file);
    return failure ? failure->what() : "";
}

void write_bytes(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary) << bytes;
}

std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

#define EXPECT_REFUSED(file, reason)                                                   \
    do {                                                                               \
        const std::string message = error_of(file);                                    \
        EXPECT_NE(message.find(reason), std::string::npos) << "got: '" << message << "'"; \
        EXPECT_NE(message.find(fs::path(file).filename().string()), std::string::npos) << message; \
    } while (0)

}  // namespace

TEST_F(audio_decoder_test, missing_unreadable_empty_and_directory) {
    EXPECT_REFUSED(dir_ / "does_not_exist.wav", "no such file");
    write_bytes(dir_ / "empty.wav", "");
    EXPECT_REFUSED(dir_ / "empty.wav", "empty file");
    fs::create_directories(dir_ / "folder.wav");
    EXPECT_REFUSED(dir_ / "folder.wav", "directory");
    const fs::path locked = make_file(dir_, "locked.wav", 48000, 1, "-c:a pcm_s16le", 0.5);
    fs::permissions(locked, fs::perms::none);
    if (geteuid() != 0) EXPECT_REFUSED(locked, "permission denied");  // root reads anything
}

TEST_F(audio_decoder_test, files_that_are_not_audio) {
    write_bytes(dir_ / "notes.txt", "This is a text file, not audio.\nIt has two lines.\n");
    const std::string text_error = error_of(dir_ / "notes.txt");
    EXPECT_TRUE(text_error.find("not a recognised audio file") != std::string::npos ||
                text_error.find("no audio stream") != std::string::npos)
        << text_error;
    run("ffmpeg -v error -y -f lavfi -i color=c=red:s=32x32 -frames:v 1 " + quoted(dir_ / "picture.png"));
    EXPECT_REFUSED(dir_ / "picture.png", "no audio stream");
    // A playlist would make FFmpeg open the files it names: refused outright.
    write_bytes(dir_ / "list.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n" + (dir_ / "d.wav").string() +
                                        "\n#EXT-X-ENDLIST\n");
    EXPECT_FALSE(error_of(dir_ / "list.m3u8").empty());
}

TEST_F(audio_decoder_test, zero_length_unsupported_truncated_and_corrupt) {
    // Zero-length: a valid WAV header and no samples.
    run("ffmpeg -v error -y -f lavfi -i anullsrc=r=48000:cl=stereo -t 0 -c:a pcm_s16le " + quoted(dir_ / "zero.wav"));
    EXPECT_REFUSED(dir_ / "zero.wav", "zero-length");

    // Unsupported codec: a WAV whose format tag names no codec FFmpeg knows.
    const fs::path wav = make_file(dir_, "codec.wav", 48000, 1, "-c:a pcm_s16le -bitexact", 0.5);
    std::string bytes = read_bytes(wav);
    ASSERT_EQ(bytes.substr(12, 4), "fmt ");
    bytes[20] = '\x34';
    bytes[21] = '\x12';
    write_bytes(dir_ / "unknown_codec.wav", bytes);
    EXPECT_REFUSED(dir_ / "unknown_codec.wav", "unsupported audio codec");

    // Truncated: half of a FLAC, WAV and MP3 whose headers declare the full length.
    for (const std::string& args :
         {std::string("-c:a flac|flac"), std::string("-c:a pcm_s16le|wav"), std::string("-c:a libmp3lame|mp3")}) {
        const std::string ext = args.substr(args.find('|') + 1);
        const fs::path full = make_file(dir_, "full." + ext, 48000, 2, args.substr(0, args.find('|')), 6.0);
        const std::string data = read_bytes(full);
        write_bytes(dir_ / ("truncated." + ext), data.substr(0, data.size() / 2));
        EXPECT_REFUSED(dir_ / ("truncated." + ext), "truncated");
    }
    // An M4A whose index sits at the end (ffmpeg's default layout) loses it when cut.
    const fs::path m4a = make_file(dir_, "full.m4a", 48000, 2, "-c:a aac", 6.0);
    const std::string m4a_data = read_bytes(m4a);
    write_bytes(dir_ / "cut.m4a", m4a_data.substr(0, m4a_data.size() / 2));
    EXPECT_FALSE(error_of(dir_ / "cut.m4a").empty());

    // Header only: a FLAC's stream header and metadata, no frames.
    const std::string flac = read_bytes(dir_ / "full.flac");
    write_bytes(dir_ / "header_only.flac", flac.substr(0, 42));
    EXPECT_FALSE(error_of(dir_ / "header_only.flac").empty());

    // A FLAC whose STREAMINFO is garbage.
    std::string bad_info = flac;
    for (size_t i = 8; i < 42; ++i) bad_info[i] = static_cast<char>(0xff);
    write_bytes(dir_ / "bad_streaminfo.flac", bad_info);
    EXPECT_FALSE(error_of(dir_ / "bad_streaminfo.flac").empty());
}

// Damage in the middle of the data: refusing is fine, and so is decoding around it; crashing, hanging
// or returning more than the file holds is not.
TEST_F(audio_decoder_test, random_bytes_in_the_middle_never_crash) {
    std::mt19937 rng(1234);
    for (const std::string& args : {std::string("-c:a flac|flac"), std::string("-c:a libmp3lame|mp3"),
                                    std::string("-c:a aac|m4a"), std::string("-c:a libvorbis|ogg"),
                                    std::string("-c:a libopus|opus"), std::string("-c:a alac|m4a")}) {
        const std::string ext = args.substr(args.find('|') + 1);
        const fs::path full = make_file(dir_, "mid." + ext, 48000, 2, args.substr(0, args.find('|')), 3.0);
        const std::string data = read_bytes(full);
        for (int trial = 0; trial < 4; ++trial) {
            std::string damaged = data;
            const size_t at = data.size() / 4 + rng() % (data.size() / 2);
            for (size_t i = at; i < std::min(data.size(), at + 64 + 256 * trial); ++i) damaged[i] = static_cast<char>(rng());
            const fs::path file = dir_ / ("damaged_" + std::to_string(trial) + "." + ext);
            write_bytes(file, damaged);
            try {
                audio_decoder dec(file);
                EXPECT_LE(dec.read_all(60).size(), static_cast<size_t>(3.5 * out_rate));
                EXPECT_LE(dec.read(1.0, 7.0).size(), static_cast<size_t>(7 * out_rate));
            } catch (const sonavec::error& e) {
                EXPECT_NE(std::string(e.what()).find(file.filename().string()), std::string::npos);
            }
        }
    }
}

// The committed fixtures (tests/data/corrupt/audio) are refused, each with the reason in its name and
// the kind of error it is.
TEST(audio_decoder_fixtures, committed_corrupt_files_are_refused) {
    const fs::path folder = sonavec::test::data_dir() / "corrupt" / "audio";
    ASSERT_TRUE(fs::is_directory(folder));
    int count = 0;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (entry.path().extension() == ".md" || entry.path().extension() == ".py") continue;
        ++count;
        const auto failure = failure_of(entry.path());
        ASSERT_TRUE(failure) << entry.path();
        const std::string message = failure->what();
        EXPECT_NE(message.find(entry.path().filename().string()), std::string::npos) << message;
        // Damaged, or (one codec tag no decoder knows) well-formed but not decodable here.
        const bool unknown_codec = entry.path().filename() == "unknown_codec_tag.wav";
        EXPECT_EQ(failure->kind(), unknown_codec ? sonavec::error_kind::unsupported : sonavec::error_kind::corrupt_file)
            << message;
        std::printf("  %-26s %s\n", entry.path().filename().c_str(), message.c_str());
    }
    EXPECT_GE(count, 10);
}
