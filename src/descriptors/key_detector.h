// Key and mode from a mono stream with Queen Mary's GetKeyMode (a chromagram correlated with major and
// minor key profiles): the track's key is the one whose profile correlations, summed over the blocks,
// are highest (a global key, not GetKeyMode's running median).
#pragma once
#include <array>
#include <cstddef>
#include <memory>
#include <string>

class GetKeyMode;

namespace sonavec {

struct key_estimate {
    std::string name;       // "F# minor"; empty: nothing analysed
    double confidence = 0;  // 0-1: its mean profile correlation over the blocks
};

class key_detector {
public:
    explicit key_detector(int sample_rate);
    ~key_detector();
    key_detector(const key_detector&) = delete;
    key_detector& operator=(const key_detector&) = delete;

    void add(const float* mono, size_t count);
    key_estimate finish() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// GetKeyMode's key number (1-12 major C..B, 13-24 minor C..B) as "C major", "A minor"; empty otherwise.
std::string key_name(int qm_key);

}  // namespace sonavec
