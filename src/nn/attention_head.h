// One attention head over a short sequence, fused: softmax(scale * q k^T + bias + mask) v, one query
// row at a time, so the scores never leave L1. Swin's windows (64 tokens, head size 24) are far too
// small for a library product: the call overhead alone cost more than the arithmetic.
#pragma once
#include <cstdint>

namespace sonavec {

// q, k, v: [n, d], rows ld apart (views into a fused query|key|value buffer). bias: [n, n]; mask:
// [n, n] or null. out: [n, d], rows ldo apart. Runs on the calling thread.
void attention_head(const float* q, const float* k, const float* v, int64_t ld, int64_t n, int64_t d, float scale,
                    const float* bias, const float* mask, float* out, int64_t ldo);

}  // namespace sonavec
