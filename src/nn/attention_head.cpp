#include "nn/attention_head.h"

#include <algorithm>
#include <vector>

#include "nn/fast_math.h"

namespace sonavec {

void attention_head(const float* q, const float* k, const float* v, int64_t ld, int64_t n, int64_t d, float scale,
                    const float* bias, const float* mask, float* out, int64_t ldo) {
    // K^T [d, n]: each query row then adds d scaled rows of n contiguous floats (vector lanes over keys).
    thread_local std::vector<float> kt, scores, acc;
    kt.resize(static_cast<size_t>(d * n));
    scores.resize(static_cast<size_t>(n));
    acc.resize(static_cast<size_t>(d));
    for (int64_t j = 0; j < n; j++)
        for (int64_t c = 0; c < d; c++) kt[static_cast<size_t>(c * n + j)] = k[j * ld + c];
    float* s = scores.data();
    float* a = acc.data();
    for (int64_t i = 0; i < n; i++) {
        const float* qi = q + i * ld;
        std::fill(s, s + n, 0.0f);
        for (int64_t c = 0; c < d; c++) {
            const float qc = qi[c];
            const float* kc = kt.data() + c * n;
            for (int64_t j = 0; j < n; j++) s[j] += qc * kc[j];
        }
        for (int64_t j = 0; j < n; j++) s[j] *= scale;
        softmax_rows_added(s, 1, n, bias + i * n, mask ? mask + i * n : nullptr);
        std::fill(a, a + d, 0.0f);
        for (int64_t j = 0; j < n; j++) {
            const float p = s[j];
            const float* vj = v + j * ld;
            for (int64_t c = 0; c < d; c++) a[c] += p * vj[c];
        }
        std::copy(a, a + d, out + i * ldo);
    }
}

}  // namespace sonavec
