#include "features/fft.h"

#include <cmath>
#include <numbers>
#include <string>

#include "sonavec/error.h"

namespace sonavec {

namespace {

// Written out because std::complex's operator* takes a slow NaN-recovery path without -ffast-math.
inline std::complex<double> multiply(std::complex<double> a, std::complex<double> b) {
    return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// Twiddles straight from cos/sin rather than by recurrence, so their error does not grow with the index.
std::complex<double> unit_root(int k, int n) {
    double angle = -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n);
    return {std::cos(angle), std::sin(angle)};
}

}  // namespace

real_fft::real_fft(int n) : n_(n), half_(n / 2) {
    if (n < 2 || (n & (n - 1)) != 0)
        throw error(error_kind::invalid_input, "real_fft: size must be a power of two >= 2, got " + std::to_string(n));

    int bits = 0;
    while ((1 << bits) < half_) ++bits;
    bit_reverse_.resize(static_cast<size_t>(half_));
    for (int i = 0; i < half_; ++i) {
        int r = 0;
        for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
        bit_reverse_[static_cast<size_t>(i)] = r;
    }

    half_twiddle_.resize(static_cast<size_t>(half_ / 2));
    for (int j = 0; j < half_ / 2; ++j) half_twiddle_[static_cast<size_t>(j)] = unit_root(j, half_);

    full_twiddle_.resize(static_cast<size_t>(n_ / 4 + 1));
    for (int k = 0; k <= n_ / 4; ++k) full_twiddle_[static_cast<size_t>(k)] = unit_root(k, n_);
}

void real_fft::transform(const double* input, std::complex<double>* spectrum) const {
    std::complex<double>* a = spectrum;

    // Pack even samples as real parts and odd samples as imaginary parts: one complex FFT of half the size.
    for (int m = 0; m < half_; ++m) a[bit_reverse_[static_cast<size_t>(m)]] = {input[2 * m], input[2 * m + 1]};

    // Iterative radix-2 decimation in time over the bit-reversed sequence.
    for (int len = 2; len <= half_; len <<= 1) {
        const int span = len / 2;
        const int step = half_ / len;
        for (int start = 0; start < half_; start += len) {
            for (int j = 0; j < span; ++j) {
                std::complex<double> u = a[start + j];
                std::complex<double> v = multiply(a[start + j + span], half_twiddle_[static_cast<size_t>(j * step)]);
                a[start + j]        = u + v;
                a[start + j + span] = u - v;
            }
        }
    }

    // Unpack: with Z the half-size transform, even part E[k] = (Z[k] + conj Z[h-k]) / 2, odd part
    // O[k] = (Z[k] - conj Z[h-k]) / 2i, X[k] = E[k] + W^k O[k] and X[h-k] = conj(E[k] - W^k O[k]).
    const std::complex<double> z0 = a[0];
    spectrum[half_] = {z0.real() - z0.imag(), 0.0};
    spectrum[0]     = {z0.real() + z0.imag(), 0.0};
    for (int k = 1; k <= half_ / 2; ++k) {
        const std::complex<double> zk = a[k];
        const std::complex<double> zm = std::conj(a[half_ - k]);
        const std::complex<double> even = 0.5 * (zk + zm);
        const std::complex<double> diff = zk - zm;
        const std::complex<double> odd{0.5 * diff.imag(), -0.5 * diff.real()};
        const std::complex<double> rotated = multiply(full_twiddle_[static_cast<size_t>(k)], odd);
        spectrum[k]         = even + rotated;
        spectrum[half_ - k] = std::conj(even - rotated);
    }
}

}  // namespace sonavec
