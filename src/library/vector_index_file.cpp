// The vector index file (vector_index::save / load). Little-endian:
//
//   header (64 bytes): magic "SONAVIDX", u32 version, u32 kind (0 exact, 1 IVF-Flat), u64 n, u64 dim,
//                      u64 fingerprint bytes, u64 nlist, u64 nprobe (both 0 when exact),
//                      u64 checksum of every byte of the file but these eight
//   then each section at the next multiple of 64 bytes (zero bytes between), the file ending with the last:
//   fingerprint, ids (n x i64), vectors (n x dim x f32, IVF: grouped by list),
//   IVF only: centroids (nlist x dim x f32), list offsets ((nlist + 1) x i64)
//
// load() maps the file and searches its vectors in place: nothing is copied or allocated for them. The IVF
// index is rebuilt from these arrays through FAISS's API rather than read with faiss::read_index, whose
// parser trusts the sizes it reads: every number here is checked before anything is allocated.
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "library/vector_index.h"
#include "library/vector_index_impl.h"
#include "sonavec/atomic_file.h"
#include "util/checksum.h"
#include "sonavec/error.h"
#include "util/mapped_file.h"

namespace sonavec {

namespace {

constexpr char magic[8] = {'S', 'O', 'N', 'A', 'V', 'I', 'D', 'X'};
constexpr uint32_t format_version = 1;
constexpr uint32_t kind_exact = 0, kind_ivf_flat = 1;
constexpr uint64_t max_fingerprint_bytes = 1 << 20;

struct file_header {
    char magic[8];
    uint32_t version;
    uint32_t kind;
    uint64_t n, dim, fingerprint_bytes, nlist, nprobe;
    uint64_t checksum;
};
static_assert(sizeof(file_header) == 64, "the header is 64 bytes on disk");
constexpr size_t checked_header_bytes = offsetof(file_header, checksum);

// Where each section starts, for sizes already checked (no sum here can overflow).
struct file_layout {
    uint64_t fingerprint = 0, ids = 0, rows = 0, centroids = 0, offsets = 0, end = 0;
};

file_layout layout_of(const file_header& h) {
    auto next = [](uint64_t at) { return (at + 63) / 64 * 64; };
    file_layout l;
    l.fingerprint = sizeof(file_header);
    l.ids = next(l.fingerprint + h.fingerprint_bytes);
    l.rows = next(l.ids + h.n * sizeof(int64_t));
    l.end = l.rows + h.n * h.dim * sizeof(float);
    if (h.kind == kind_ivf_flat) {
        l.centroids = next(l.end);
        l.offsets = next(l.centroids + h.nlist * h.dim * sizeof(float));
        l.end = l.offsets + (h.nlist + 1) * sizeof(int64_t);
    }
    return l;
}

struct section {
    uint64_t at;
    std::string_view bytes;
};

std::string_view bytes_of(const void* p, size_t size) { return {static_cast<const char*>(p), size}; }

}  // namespace

void vector_index::save(const std::filesystem::path& file, const std::string& fingerprint) const {
    if (!impl_) throw error(error_kind::invalid_input, file.string() + ": cannot save an empty vector_index object");
    const impl& ix = *impl_;
    file_header h{};
    std::memcpy(h.magic, magic, sizeof magic);
    h.version = format_version;
    h.kind = ix.ivf ? kind_ivf_flat : kind_exact;
    h.n = static_cast<uint64_t>(ix.n);
    h.dim = static_cast<uint64_t>(ix.dim);
    h.fingerprint_bytes = fingerprint.size();
    if (h.fingerprint_bytes > max_fingerprint_bytes)
        throw error(error_kind::invalid_input, file.string() + ": fingerprint too long");
    if (ix.ivf) {
        h.nlist = static_cast<uint64_t>(ix.ivf->nlist());
        h.nprobe = static_cast<uint64_t>(ix.ivf->nprobe());
    }
    const file_layout l = layout_of(h);
    std::vector<section> body = {{l.fingerprint, fingerprint},
                                 {l.ids, bytes_of(ix.ids.data(), ix.ids.size() * sizeof(int64_t))},
                                 {l.rows, bytes_of(ix.rows, h.n * h.dim * sizeof(float))}};
    if (ix.ivf) {
        const auto& c = ix.ivf->centroids();
        const auto& o = ix.ivf->list_offsets();
        body.push_back({l.centroids, bytes_of(c.data(), c.size() * sizeof(float))});
        body.push_back({l.offsets, bytes_of(o.data(), o.size() * sizeof(int64_t))});
    }
    static constexpr char zeros[64] = {};
    auto write_all = [&](auto&& put) {  // the bytes after the header, gaps included
        uint64_t at = sizeof h;
        for (const section& s : body) {
            put(std::string_view(zeros, s.at - at));
            put(s.bytes);
            at = s.at + s.bytes.size();
        }
    };
    checksum64 sum;
    sum.update(&h, checked_header_bytes);
    write_all([&](std::string_view b) { sum.update(b.data(), b.size()); });
    h.checksum = sum.value();

    atomic_file_writer out(file);
    out.stream().write(reinterpret_cast<const char*>(&h), sizeof h);
    write_all([&](std::string_view b) { out.stream().write(b.data(), static_cast<std::streamsize>(b.size())); });
    out.commit();
}

vector_index vector_index::load(const std::filesystem::path& file, const std::string& fingerprint) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
        throw error(error_kind::not_found, file.string() + ": no vector index file");
    auto map = std::make_unique<mapped_file>(file);
    auto bad = [&](const std::string& why, error_kind kind = error_kind::corrupt_file) {
        return error(kind, file.string() + ": not a usable vector index: " + why);
    };

    file_header h{};
    if (map->size() < sizeof h) throw bad("shorter than its header");
    std::memcpy(&h, map->data(), sizeof h);
    if (std::memcmp(h.magic, magic, sizeof magic) != 0) throw bad("not a sonavec index file");
    if (h.version != format_version)
        throw bad("format version " + std::to_string(h.version) + ", expected " + std::to_string(format_version),
                  error_kind::unsupported);
    if (h.kind != kind_exact && h.kind != kind_ivf_flat) throw bad("unknown index kind " + std::to_string(h.kind));
    if (h.fingerprint_bytes > max_fingerprint_bytes)
        throw bad("fingerprint of " + std::to_string(h.fingerprint_bytes) + " bytes");
    // Each vector takes at least one byte, so n is bounded by the file size, and no size below can overflow.
    if (h.n > map->size()) throw bad("declares " + std::to_string(h.n) + " vectors in " + std::to_string(map->size()) + " bytes");
    if (h.dim < (h.n > 0 ? 1u : 0u) || h.dim > static_cast<uint64_t>(max_vector_dim))
        throw bad("dimension " + std::to_string(h.dim) + " out of range");
    if (h.kind == kind_exact && (h.nlist != 0 || h.nprobe != 0)) throw bad("exact index with lists");
    if (h.kind == kind_ivf_flat && (h.nlist < 1 || h.nlist > h.n || h.nprobe < 1 || h.nprobe > h.nlist))
        throw bad(std::to_string(h.nlist) + " lists, nprobe " + std::to_string(h.nprobe) + " for " + std::to_string(h.n) + " vectors");
    const file_layout l = layout_of(h);
    if (map->size() != l.end)
        throw bad(std::to_string(map->size()) + " bytes where its header declares " + std::to_string(l.end) + " (truncated?)");

    const char* base = reinterpret_cast<const char*>(map->data());
    if (std::string_view(base + l.fingerprint, h.fingerprint_bytes) != fingerprint)
        throw error(error_kind::corrupt_file,
                    file.string() + ": the vector index is stale (built for another state of the catalog)");
    checksum64 sum;
    sum.update(&h, checked_header_bytes);
    sum.update(base + sizeof h, map->size() - sizeof h);
    if (sum.value() != h.checksum) throw bad("checksum mismatch (the file is damaged)");

    auto ix = std::make_unique<impl>();
    ix->n = static_cast<int64_t>(h.n);
    ix->dim = static_cast<int64_t>(h.dim);
    ix->ids.resize(h.n);
    if (h.n > 0) std::memcpy(ix->ids.data(), base + l.ids, h.n * sizeof(int64_t));
    ix->rows = reinterpret_cast<const float*>(base + l.rows);  // 64-byte aligned in a page-aligned mapping
    try {
        ix->check_rows();
    } catch (const error& e) {
        throw bad(e.what());
    }
    if (h.kind == kind_ivf_flat) {
        std::vector<float> centroids(h.nlist * h.dim);
        std::memcpy(centroids.data(), base + l.centroids, centroids.size() * sizeof(float));
        std::vector<int64_t> offsets(h.nlist + 1);
        std::memcpy(offsets.data(), base + l.offsets, offsets.size() * sizeof(int64_t));
        for (float c : centroids)
            if (!std::isfinite(c)) throw bad("a list centroid has a non-finite value");
        try {
            ix->ivf = std::make_unique<ivf_index>(ix->rows, ix->n, ix->dim, std::move(centroids), std::move(offsets),
                                                  static_cast<int64_t>(h.nprobe));
        } catch (const error& e) {
            throw bad(e.what());
        }
    }
    ix->file = std::move(map);
    return vector_index(std::move(ix));
}

}  // namespace sonavec
