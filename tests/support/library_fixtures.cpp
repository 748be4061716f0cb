#include "library_fixtures.h"

#include <cmath>
#include <random>

namespace sonavec::test {

std::vector<float> random_unit_vector(uint32_t seed, int dim) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> v(static_cast<size_t>(dim));
    for (auto& x : v) x = normal(rng);
    normalise(v);
    return v;
}

void normalise(std::vector<float>& v) {
    double squares = 0;
    for (float x : v) squares += static_cast<double>(x) * x;
    const double norm = std::sqrt(squares);
    for (auto& x : v) x = static_cast<float>(x / norm);
}

const std::vector<std::string>& awkward_paths() {
    static const std::vector<std::string> paths = {
        "/music/plain.mp3",
        "/music/it's \"quoted\", with\\backslash; DROP TABLE sonavec_tracks; --.flac",
        "/music/back\\slash\\n and \\' escapes.wav",
        "/music/\xC3\xBCn\xC3\xAF\x63\xC3\xB8\x64\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\xB5.ogg",
        "/music/tab\there, comma.m4a",
        "/music/{\"json\": [1, 2]} $(echo x).aiff",
    };
    return paths;
}

}  // namespace sonavec::test
