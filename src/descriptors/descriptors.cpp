// The public face of the descriptors (sonavec/descriptors.h): checks, decoding, Camelot names.
#include "sonavec/descriptors.h"

#include <array>
#include <cctype>
#include <cmath>

#include "audio/audio_decoder.h"
#include "descriptors/descriptor_analyzer.h"
#include "sonavec/error.h"

namespace sonavec {

void check_descriptor_params(const descriptor_params& p) {
    if (!(p.min_bpm >= 20 && p.min_bpm <= 400) || !(p.max_bpm <= 1000) || !(p.max_bpm >= 2 * p.min_bpm - 1))
        throw error(error_kind::invalid_input,
                    "descriptors: the tempo range [min_bpm, max_bpm) must span an octave within 20-1000 BPM");
    if (!(p.excerpt_seconds >= 0) || !std::isfinite(p.excerpt_seconds))
        throw error(error_kind::invalid_input, "descriptors: excerpt_seconds must be 0 (whole track) or positive");
    if (!(p.max_seconds > 0))
        throw error(error_kind::invalid_input, "descriptors: max_seconds must be positive");
}

namespace {

// The frames [first, end) around the middle that tempo and key analyse.
std::pair<int64_t, int64_t> excerpt_frames(int64_t total, int rate, double excerpt_seconds) {
    if (excerpt_seconds <= 0) return {0, INT64_MAX};
    const int64_t want = static_cast<int64_t>(excerpt_seconds * rate);
    if (want >= total) return {0, INT64_MAX};
    const int64_t first = (total - want) / 2;
    return {first, first + want};
}

int pitch_class(const std::string& tonic) {
    static constexpr std::array<int, 7> letters = {9, 11, 0, 2, 4, 5, 7};  // A B C D E F G
    if (tonic.empty() || tonic[0] < 'A' || tonic[0] > 'G' || tonic.size() > 2) return -1;
    int p = letters[static_cast<size_t>(tonic[0] - 'A')];
    if (tonic.size() == 2) {
        if (tonic[1] == '#') ++p;
        else if (tonic[1] == 'b') --p;
        else return -1;
    }
    return (p + 12) % 12;
}

}  // namespace

std::string camelot_notation(const std::string& key) {
    const auto space = key.find(' ');
    if (space == std::string::npos) return {};
    const int p = pitch_class(key.substr(0, space));
    const std::string mode = key.substr(space + 1);
    if (p < 0 || (mode != "major" && mode != "minor")) return {};
    // The wheel steps by fifths: C major is 8B, G major 9B; a minor key shares its relative major's number.
    const int major = mode == "major" ? p : (p + 3) % 12;
    const int number = (major * 7 % 12 + 7) % 12 + 1;
    return std::to_string(number) + (mode == "major" ? "B" : "A");
}

track_descriptors analyze_samples(const float* interleaved, size_t frames, int channels, int sample_rate,
                                  const descriptor_params& params) {
    check_descriptor_params(params);
    if (channels < 1 || channels > 64)
        throw error(error_kind::invalid_input, "analyze_samples: channels must be 1 to 64, not " + std::to_string(channels));
    if (sample_rate < 8000 || sample_rate > 384000)
        throw error(error_kind::invalid_input,
                    "analyze_samples: sample rate " + std::to_string(sample_rate) + " Hz is out of range (8-384 kHz)");
    if (frames > 0 && interleaved == nullptr) throw error(error_kind::invalid_input, "analyze_samples: no samples");
    const size_t n = frames * static_cast<size_t>(channels);
    for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(interleaved[i]))
            throw error(error_kind::invalid_input, "analyze_samples: sample " + std::to_string(i) + " is not finite");
    const auto [first, end] = excerpt_frames(static_cast<int64_t>(frames), sample_rate, params.excerpt_seconds);
    descriptor_analyzer a(channels, sample_rate, params, first, end);
    const size_t limit = std::min(frames, static_cast<size_t>(params.max_seconds * sample_rate));
    if (limit > 0) a.add(interleaved, limit);
    return a.finish();
}

track_descriptors analyze_file(const std::filesystem::path& path, const descriptor_params& params) {
    check_descriptor_params(params);
    audio_decoder dec(path);
    const audio_info& info = dec.info();
    const double seconds = std::min(info.duration_seconds, params.max_seconds);
    const auto [first, end] =
        excerpt_frames(static_cast<int64_t>(seconds * info.sample_rate), info.sample_rate, params.excerpt_seconds);
    descriptor_analyzer a(info.channels, info.sample_rate, params, first, end);
    dec.read_native(params.max_seconds, [&](const float* x, size_t frames) { a.add(x, frames); });
    return a.finish();
}

std::string key_camelot(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    const auto last = text.find_last_not_of(" \t");
    const std::string t = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
    const auto bad = [&]() -> std::string {
        throw error(error_kind::invalid_input, "'" + text.substr(0, 40) +
                                                   "' is not a key: give a name such as \"A minor\", \"F# major\", "
                                                   "\"Bbm\" or a Camelot code such as \"8A\"");
    };
    // A Camelot code: 1-12 and A (minor) or B (major).
    if (t.size() >= 2 && t.size() <= 3 && std::isdigit(static_cast<unsigned char>(t[0]))) {
        const std::string digits = t.substr(0, t.size() - 1);
        const char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(t.back())));
        if (digits.find_first_not_of("0123456789") != std::string::npos || digits[0] == '0' ||
            std::stoi(digits) > 12 || (letter != 'A' && letter != 'B'))
            return bad();
        return digits + letter;
    }
    if (t.empty()) return bad();
    std::string tonic(1, static_cast<char>(std::toupper(static_cast<unsigned char>(t[0]))));
    size_t i = 1;
    if (i < t.size() && (t[i] == '#' || t[i] == 'b')) tonic += t[i++];
    std::string mode;
    for (; i < t.size(); i++)
        if (t[i] != ' ') mode += static_cast<char>(std::tolower(static_cast<unsigned char>(t[i])));
    // "m" alone is minor, as in chord names; "M" would be major, but lower-casing loses it: written out.
    if (mode == "m" && t.back() == 'M') mode = "major";
    if (mode.empty() || mode == "maj" || mode == "major") mode = "major";
    else if (mode == "m" || mode == "min" || mode == "minor") mode = "minor";
    else return bad();
    const std::string code = camelot_notation(tonic + " " + mode);
    return code.empty() ? bad() : code;
}

}  // namespace sonavec
