// Forward FFT of a real signal whose length is a power of two, in double precision (the reference uses
// numpy's float64 FFT). Tables are built once; transform() is const and allocation-free, so one plan
// serves any number of threads.
#pragma once
#include <complex>
#include <cstddef>
#include <vector>

namespace sonavec {

class real_fft {
public:
    explicit real_fft(int n);  // n: a power of two >= 2

    int size() const { return n_; }
    int bins() const { return n_ / 2 + 1; }

    // spectrum[k] = sum_t input[t] * exp(-2 pi i k t / n) for k in [0, n/2]. input holds n values,
    // spectrum n/2 + 1; they must not overlap.
    void transform(const double* input, std::complex<double>* spectrum) const;

private:
    int                               n_;
    int                               half_;          // the real signal is packed into half_ complex values
    std::vector<int>                  bit_reverse_;   // [half_] input permutation of the complex FFT
    std::vector<std::complex<double>> half_twiddle_;  // [half_ / 2] exp(-2 pi i j / half_)
    std::vector<std::complex<double>> full_twiddle_;  // [n_ / 4 + 1] exp(-2 pi i k / n_), to unpack
};

}  // namespace sonavec
