// EBU R128 loudness with libebur128 on a track's own channels and rate: integrated loudness (LUFS),
// loudness range (LU) and true peak (dBTP, the maximum over channels).
#pragma once
#include <cstddef>
#include <memory>

#include <ebur128.h>

namespace sonavec {

struct loudness_values {
    double integrated_lufs = 0;  // -infinity for silence
    double range_lu = 0;
    double true_peak_dbtp = 0;   // -infinity for silence
};

class loudness_meter {
public:
    loudness_meter(int channels, int sample_rate);
    ~loudness_meter();
    loudness_meter(const loudness_meter&) = delete;
    loudness_meter& operator=(const loudness_meter&) = delete;

    void add(const float* interleaved, size_t frames);
    loudness_values result() const;

private:
    struct closer {
        void operator()(ebur128_state* s) const;
    };
    std::unique_ptr<ebur128_state, closer> state_;
    int channels_;
};

}  // namespace sonavec
