#include "nn/ops.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include "nn/fast_math.h"
#include "nn/thread_pool.h"

namespace sonavec {

namespace {

// Below this many multiply-adds a product runs on one thread: splitting costs more than it saves.
constexpr int64_t parallel_gemm_min_work = 1 << 18;

// Products of activations by nn.Linear weights (A plain, B transposed) go to oneDNN: its brgemm
// kernels use AVX-512 where this OpenBLAS build runs its AVX2 kernel, about twice the speed at the
// towers' shapes on this CPU (120-140 vs 55-65 GFLOP/s per core). Everything else stays on BLAS.
struct matmul_key {
    int64_t m, n, k, lda, ldb, ldc;
    bool accumulate, bias;
    auto operator<=>(const matmul_key&) const = default;
};

struct onednn_kernels {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    std::mutex mutex;
    struct compiled_matmul {
        dnnl::matmul prim;
        dnnl::memory::desc scratchpad;
    };
    std::map<matmul_key, compiled_matmul> compiled;  // JIT once per shape: creating one costs milliseconds
};

onednn_kernels& onednn() {
    static onednn_kernels kernels;
    return kernels;
}

// Bounds the cache when callers use many batch sizes; the tower uses a few dozen shapes.
constexpr size_t max_compiled_shapes = 1024;

// c = a * b (+ bias[n] when key.bias) (+ c when key.accumulate).
void onednn_matmul(const matmul_key& key, const float* a, const float* b, const float* bias, float* c) {
    using dnnl::memory;
    // The caller's thread does the work: our pool already split it, so oneDNN's OpenMP team is one thread,
    // when a kernel is compiled (it plans its split for the thread count then) and when it runs. The
    // thread's setting is put back after, for OpenMP users such as FAISS on the same thread.
    struct one_omp_thread {
        int saved = omp_get_max_threads();
        one_omp_thread() { omp_set_num_threads(1); }
        ~one_omp_thread() { omp_set_num_threads(saved); }
    } serial;
    const memory::dims a_strides = {key.lda, 1}, b_strides = {1, key.ldb}, c_strides = {key.ldc, 1};
    const memory::desc a_desc({key.m, key.k}, memory::data_type::f32, a_strides);
    const memory::desc b_desc({key.k, key.n}, memory::data_type::f32, b_strides);
    const memory::desc c_desc({key.m, key.n}, memory::data_type::f32, c_strides);
    const memory::desc bias_desc = key.bias ? memory::desc({1, key.n}, memory::data_type::f32, memory::format_tag::ab)
                                            : memory::desc();
    onednn_kernels& dn = onednn();
    onednn_kernels::compiled_matmul kernel;
    {
        std::lock_guard<std::mutex> lock(dn.mutex);
        auto it = dn.compiled.find(key);
        if (it == dn.compiled.end()) {
            dnnl::primitive_attr attr;
            // oneDNN's own scratchpad is shared by every thread running a primitive: each caller brings its own.
            attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
            if (key.accumulate) {
                dnnl::post_ops ops;
                ops.append_sum(1.0f);
                attr.set_post_ops(ops);
            }
            if (dn.compiled.size() >= max_compiled_shapes) dn.compiled.clear();
            const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_desc, b_desc, bias_desc, c_desc), attr, dn.engine);
            it = dn.compiled.emplace(key, onednn_kernels::compiled_matmul{dnnl::matmul(pd), pd.scratchpad_desc()}).first;
        }
        kernel = it->second;
    }
    thread_local dnnl::stream stream(onednn().engine);
    memory a_mem(a_desc, dn.engine, const_cast<float*>(a));
    memory b_mem(b_desc, dn.engine, const_cast<float*>(b));
    memory c_mem(c_desc, dn.engine, c);
    const memory::desc& pad_desc = kernel.scratchpad;
    thread_local std::vector<uint8_t> pad;
    if (pad.size() < pad_desc.get_size()) pad.resize(pad_desc.get_size());
    memory pad_mem(pad_desc, dn.engine, pad.data());
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}, {DNNL_ARG_SCRATCHPAD, pad_mem}};
    if (key.bias) args.emplace(DNNL_ARG_BIAS, memory(bias_desc, dn.engine, const_cast<float*>(bias)));
    kernel.prim.execute(stream, args);
    stream.wait();
}

}  // namespace

void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    if (!trans_a && trans_b && alpha == 1.0f && (beta == 0.0f || beta == 1.0f) && m > 0 && n > 0 && k > 0) {
        onednn_matmul({m, n, k, lda, ldb, ldc, beta == 1.0f, false}, a, b, nullptr, c);
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
                static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

void set_compute_threads(int n) {
    // BLAS stays single-threaded: the compute pool splits the work, so no second set of threads spins.
    openblas_set_num_threads(1);
    resize_compute_pool(std::max(1, n));
}

int compute_threads() { return compute_pool().size(); }

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    thread_pool& pool = compute_pool();
    if (pool.size() == 1 || m * n * k < parallel_gemm_min_work) {
        gemm_serial(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (m >= n) {
        // Split the rows of C: row i of op(A) starts at a + i*lda, or at a + i when A is transposed.
        pool.parallel_for(m, 16, [&](int64_t r0, int64_t r1) {
            const float* a0 = trans_a ? a + r0 : a + r0 * lda;
            gemm_serial(trans_a, trans_b, r1 - r0, n, k, alpha, a0, lda, b, ldb, beta, c + r0 * ldc, ldc);
        });
    } else {
        // Few rows (a short text query): split the columns of C, so each thread reads its own share of B.
        pool.parallel_for(n, 16, [&](int64_t c0, int64_t c1) {
            const float* b0 = trans_b ? b + c0 * ldb : b + c0;
            gemm_serial(trans_a, trans_b, m, c1 - c0, k, alpha, a, lda, b0, ldb, beta, c + c0, ldc);
        });
    }
}

void linear(const float* x, int64_t rows, int64_t in, const float* w, const float* bias, int64_t out, float* y) {
    linear_into(x, rows, in, w, bias, out, y, out);
}

void linear_into(const float* x, int64_t rows, int64_t in, const float* w, const float* bias, int64_t out, float* y,
                 int64_t ldy) {
    // oneDNN adds the bias in its output pass, so y is written once and never read.
    const auto part = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
        onednn_matmul({r1 - r0, c1 - c0, in, in, in, ldy, false, bias != nullptr}, x + r0 * in, w + c0 * in,
                      bias ? bias + c0 : nullptr, y + r0 * ldy + c0);
    };
    thread_pool& pool = compute_pool();
    if (rows <= 0 || out <= 0) return;
    if (pool.size() == 1 || rows * out * in < parallel_gemm_min_work) part(0, rows, 0, out);
    else if (rows >= out) pool.parallel_for(rows, 16, [&](int64_t r0, int64_t r1) { part(r0, r1, 0, out); });
    else pool.parallel_for(out, 16, [&](int64_t c0, int64_t c1) { part(0, rows, c0, c1); });
}

void layer_norm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta, float eps,
                float* y) {
    compute_pool().parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, dim)), [&](int64_t r0, int64_t r1) {
        layer_norm_rows(x, r0, r1, dim, gamma, beta, eps, y);
    });
}

void layer_norm_rows(const float* x, int64_t first_row, int64_t end_row, int64_t dim, const float* gamma,
                     const float* beta, float eps, float* y) {
    // Float sums in vector lanes (sum_fast); two passes keep the variance free of cancellation.
    constexpr int64_t lanes = 16;
    const int64_t whole = dim - dim % lanes;
    for (int64_t r = first_row; r < end_row; r++) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        const float mean = sum_fast(xr, dim) / static_cast<float>(dim);
        float sq[lanes] = {};
        for (int64_t i = 0; i < whole; i += lanes)
            for (int64_t j = 0; j < lanes; j++) sq[j] += (xr[i + j] - mean) * (xr[i + j] - mean);
        float var = 0;
        for (int64_t i = whole; i < dim; i++) var += (xr[i] - mean) * (xr[i] - mean);
        for (int64_t j = 0; j < lanes; j++) var += sq[j];
        const float inv = 1.0f / std::sqrt(var / static_cast<float>(dim) + eps);
        for (int64_t i = 0; i < dim; i++) yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i];
    }
}

void gelu_inplace(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
}

void relu_inplace(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = std::max(x[i], 0.0f);
}

void tanh_inplace(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = std::tanh(x[i]);
}

void softmax_rows(float* x, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        float* xr = x + r * cols;
        float mx = xr[0];
        for (int64_t i = 1; i < cols; i++) mx = std::max(mx, xr[i]);
        float sum = 0;
        for (int64_t i = 0; i < cols; i++) {
            xr[i] = std::exp(xr[i] - mx);
            sum += xr[i];
        }
        const float inv = 1.0f / sum;
        for (int64_t i = 0; i < cols; i++) xr[i] *= inv;
    }
}

void add_inplace(float* x, const float* y, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] += y[i];
}

float l2_normalize(float* x, int64_t n) {
    double ss = 0;
    for (int64_t i = 0; i < n; i++) ss += static_cast<double>(x[i]) * x[i];
    const float norm = static_cast<float>(std::sqrt(ss));
    const float inv = 1.0f / std::max(norm, 1e-12f);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
    return norm;
}

}  // namespace sonavec
