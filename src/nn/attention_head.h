// One attention head over a short sequence, fused: softmax(scale * q k^T + bias + mask) v. Swin's
// windows (64 tokens, head size 24) are far too small for a library product: the call overhead alone
// cost more than the arithmetic. The scores are kept transposed, [key, query], so every step (the
// products, the softmax over keys) runs in vector lanes across 16 queries at a time, in L1.
#pragma once
#include <cstdint>

namespace sonavec {

// q, k, v: [n, d], rows ld apart (views into a fused query|key|value buffer). bias_t, mask_t: the
// additive bias and mask TRANSPOSED, [key j][query i], n x n; mask_t may be null. out: [n, d], rows
// ldo apart. Runs on the calling thread.
void attention_head(const float* q, const float* k, const float* v, int64_t ld, int64_t n, int64_t d, float scale,
                    const float* bias_t, const float* mask_t, float* out, int64_t ldo);

}  // namespace sonavec
