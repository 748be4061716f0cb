#include "nn/onednn_matmul.h"

#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include "sonavec/error.h"

namespace sonavec {

namespace {

using dnnl::memory;

// The batch size the packed layout is asked for; oneDNN 2.6 picks the same layout for every m
// (checked when each shape is compiled, with a reorder as the fallback).
constexpr int64_t layout_probe_rows = 64;
// Bounds the cache when callers use many shapes; the towers use a few dozen.
constexpr size_t max_compiled_shapes = 1024;

// Element type of A; B is the same except s8 for u8s8.
memory::data_type a_type(matmul_type t) {
    switch (t) {
        case matmul_type::f32: return memory::data_type::f32;
        case matmul_type::bf16: return memory::data_type::bf16;
        case matmul_type::u8s8: return memory::data_type::u8;
    }
    return memory::data_type::f32;
}

memory::data_type b_type(matmul_type t) { return t == matmul_type::u8s8 ? memory::data_type::s8 : a_type(t); }

memory::desc packed_layout_query(matmul_type type, int64_t n, int64_t k);

struct compiled_matmul {
    dnnl::matmul prim;
    memory::desc scratchpad;
    // Set when this shape wants the packed weights in another layout than the probe's: they are
    // reordered on every call (correct, slower; not seen with oneDNN 2.6 on AVX-512).
    bool reorder_weights = false;
    memory::desc packed, wanted;
    dnnl::reorder reorder;
};

struct onednn_state {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    std::mutex mutex;
    std::map<matmul_shape, compiled_matmul> compiled;  // JIT once per shape: creating one costs milliseconds
    std::map<std::tuple<matmul_type, int64_t, int64_t>, memory::desc> layouts;
    std::map<std::tuple<matmul_type, int64_t, int64_t>, dnnl::reorder> packers;  // plain [n,k] -> packed
};

onednn_state& state() {
    static onednn_state s;
    return s;
}

// oneDNN's OpenMP team is held to the calling thread while a kernel is compiled (it plans its split for
// the thread count then) and while it runs; the thread's setting is put back after, for OpenMP users
// such as FAISS on the same thread.
struct one_omp_thread {
    int saved = omp_get_max_threads();
    one_omp_thread() { omp_set_num_threads(1); }
    ~one_omp_thread() { omp_set_num_threads(saved); }
};

memory::desc plain_weights(matmul_type type, int64_t n, int64_t k, int64_t ldb) {
    return memory::desc({k, n}, b_type(type), memory::dims{1, ldb});
}

// Caller holds the mutex.
const memory::desc& packed_layout(matmul_type type, int64_t n, int64_t k) {
    onednn_state& s = state();
    const auto key = std::make_tuple(type, n, k);
    auto it = s.layouts.find(key);
    if (it == s.layouts.end()) it = s.layouts.emplace(key, packed_layout_query(type, n, k)).first;
    return it->second;
}

memory::desc packed_layout_query(matmul_type type, int64_t n, int64_t k) {
    const memory::desc a({layout_probe_rows, k}, a_type(type), memory::format_tag::ab);
    const memory::desc b({k, n}, b_type(type), memory::format_tag::any);
    const memory::desc c({layout_probe_rows, n}, memory::data_type::f32, memory::format_tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), dnnl::primitive_attr(), state().engine);
    return pd.weights_desc();
}

// Caller holds the mutex.
compiled_matmul compile(const matmul_shape& key) {
    onednn_state& s = state();
    const memory::desc a_desc({key.m, key.k}, a_type(key.type), memory::dims{key.lda, 1});
    const memory::desc b_desc = key.packed_b ? memory::desc({key.k, key.n}, b_type(key.type), memory::format_tag::any)
                                             : plain_weights(key.type, key.n, key.k, key.ldb);
    const memory::desc c_desc({key.m, key.n}, memory::data_type::f32, memory::dims{key.ldc, 1});
    const memory::desc bias_desc =
        key.bias ? memory::desc({1, key.n}, memory::data_type::f32, memory::format_tag::ab) : memory::desc();
    dnnl::primitive_attr attr;
    // oneDNN's own scratchpad is shared by every thread running a primitive: each caller brings its own.
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::post_ops ops;
    if (key.accumulate) ops.append_sum(1.0f);
    if (key.gelu) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
    if (key.accumulate || key.gelu) attr.set_post_ops(ops);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_desc, b_desc, bias_desc, c_desc), attr, s.engine);
    compiled_matmul out{dnnl::matmul(pd), pd.scratchpad_desc(), false, {}, {}, {}};
    if (key.packed_b) {
        out.packed = packed_layout(key.type, key.n, key.k);
        out.wanted = pd.weights_desc();
        if (out.wanted != out.packed) {
            out.reorder_weights = true;
            out.reorder = dnnl::reorder(dnnl::reorder::primitive_desc(s.engine, out.packed, s.engine, out.wanted));
        }
    }
    return out;
}

}  // namespace

void onednn_matmul(const matmul_shape& key, const void* a, const void* b, const float* bias, float* c) {
    if ((key.bias || key.gelu) && key.type == matmul_type::u8s8)
        throw error(error_kind::invalid_input, "onednn_matmul: int8 products take no bias or GELU");
    if (key.gelu && key.accumulate)
        throw error(error_kind::unsupported, "onednn_matmul: GELU after accumulating is not supported");
    one_omp_thread serial;
    onednn_state& s = state();
    compiled_matmul kernel;
    {
        std::lock_guard<std::mutex> lock(s.mutex);
        auto it = s.compiled.find(key);
        if (it == s.compiled.end()) {
            if (s.compiled.size() >= max_compiled_shapes) s.compiled.clear();
            it = s.compiled.emplace(key, compile(key)).first;
        }
        kernel = it->second;
    }
    thread_local dnnl::stream stream(state().engine);
    memory a_mem(memory::desc({key.m, key.k}, a_type(key.type), memory::dims{key.lda, 1}), s.engine, const_cast<void*>(a));
    memory c_mem(memory::desc({key.m, key.n}, memory::data_type::f32, memory::dims{key.ldc, 1}), s.engine, c);
    memory b_mem;
    thread_local std::vector<std::byte> reordered;
    if (!key.packed_b) {
        b_mem = memory(plain_weights(key.type, key.n, key.k, key.ldb), s.engine, const_cast<void*>(b));
    } else if (!kernel.reorder_weights) {
        b_mem = memory(kernel.packed, s.engine, const_cast<void*>(b));
    } else {
        reordered.resize(kernel.wanted.get_size());
        b_mem = memory(kernel.wanted, s.engine, reordered.data());
        memory from(kernel.packed, s.engine, const_cast<void*>(b));
        kernel.reorder.execute(stream, from, b_mem);
    }
    thread_local std::vector<uint8_t> pad;
    if (pad.size() < kernel.scratchpad.get_size()) pad.resize(kernel.scratchpad.get_size());
    memory pad_mem(kernel.scratchpad, s.engine, pad.data());
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}, {DNNL_ARG_SCRATCHPAD, pad_mem}};
    if (key.bias)
        args.emplace(DNNL_ARG_BIAS, memory(memory::desc({1, key.n}, memory::data_type::f32, memory::format_tag::ab),
                                           s.engine, const_cast<float*>(bias)));
    kernel.prim.execute(stream, args);
    stream.wait();
}

size_t packed_matmul_weights_size(matmul_type type, int64_t n, int64_t k) {
    one_omp_thread serial;
    std::lock_guard<std::mutex> lock(state().mutex);
    return packed_layout(type, n, k).get_size();
}

int64_t packed_matmul_column_block(matmul_type type, int64_t n, int64_t k, size_t& block_bytes) {
    one_omp_thread serial;
    std::lock_guard<std::mutex> lock(state().mutex);
    const dnnl_memory_desc_t& d = packed_layout(type, n, k).data;
    if (d.format_kind != dnnl_blocked || d.extra.flags != 0 || d.ndims != 2) return 0;
    const dnnl_blocking_desc_t& blk = d.format_desc.blocking;
    // Columns are dimension 1 of B [k, n]; the column block is the inner block over dimension 1.
    int64_t cols = 0;
    for (int i = 0; i < blk.inner_nblks; i++)
        if (blk.inner_idxs[i] == 1) cols = blk.inner_blks[i];
    if (cols <= 0 || d.padded_dims[1] % cols != 0) return 0;
    block_bytes = static_cast<size_t>(blk.strides[1]) * memory::data_type_size(b_type(type));
    // Only an outer-most column dimension lets a run of blocks stand alone as a narrower matrix.
    if (blk.strides[1] < blk.strides[0] || static_cast<size_t>(d.padded_dims[1] / cols) * block_bytes != packed_layout(type, n, k).get_size())
        return 0;
    return cols;
}

void pack_matmul_weights(matmul_type type, int64_t n, int64_t k, const void* weight, void* packed) {
    one_omp_thread serial;
    onednn_state& s = state();
    memory::desc to;
    dnnl::reorder packer;
    {
        std::lock_guard<std::mutex> lock(s.mutex);
        to = packed_layout(type, n, k);
        const auto key = std::make_tuple(type, n, k);
        auto it = s.packers.find(key);
        if (it == s.packers.end())
            it = s.packers.emplace(key, dnnl::reorder(dnnl::reorder::primitive_desc(s.engine, plain_weights(type, n, k, k),
                                                                                   s.engine, to))).first;
        packer = it->second;
    }
    // weight is [n,k] row-major: as oneDNN's B [k,n] that is strides {1, k}.
    memory from_mem(plain_weights(type, n, k, k), s.engine, const_cast<void*>(weight));
    memory to_mem(to, s.engine, packed);
    thread_local dnnl::stream stream(state().engine);
    packer.execute(stream, from_mem, to_mem);
    stream.wait();
}

}  // namespace sonavec
