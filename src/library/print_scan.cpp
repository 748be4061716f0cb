#include "library/print_scan.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <climits>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace sonavec {

namespace {

constexpr int64_t task_offsets = 1 << 16;  // offsets a thread takes at a time

struct task {
    size_t recording;
    int64_t first, end;  // offsets
};

// 1 - the bit error rate of query against hashes from offset o; -1 where the query runs past their end.
double similarity_at(const std::vector<uint32_t>& hashes, std::span<const uint32_t> q, int64_t o) {
    const auto nq = static_cast<int64_t>(q.size());
    if (o < 0 || o + nq > static_cast<int64_t>(hashes.size())) return -1;
    int64_t errors = 0;
    for (int64_t i = 0; i < nq; i++) errors += std::popcount(hashes[static_cast<size_t>(o + i)] ^ q[static_cast<size_t>(i)]);
    return 1.0 - static_cast<double>(errors) / (32.0 * static_cast<double>(nq));
}

}  // namespace

print_hit rescore_hit(const catalog::stored_print& print, const std::vector<std::span<const uint32_t>>& queries,
                      const print_hit& hit, int64_t reach) {
    print_hit best = hit;
    best.similarity = -1;
    for (int64_t o = hit.offset - reach; o <= hit.offset + reach; o++)
        for (size_t v = 0; v < queries.size(); v++) {
            if (queries[v].size() < min_query_hashes) continue;
            const double similarity = similarity_at(print.print.fingerprint.hashes, queries[v], o);
            if (similarity > best.similarity) best = {hit.recording, o, similarity, v};
        }
    return best.similarity < 0 ? hit : best;
}

std::vector<print_hit> scan_prints(const std::vector<catalog::stored_print>& prints,
                                   const std::vector<std::span<const uint32_t>>& queries, double min_similarity,
                                   size_t max_hits, int threads) {
    std::vector<print_hit> hits;
    std::vector<size_t> usable;  // the versions long enough
    for (size_t v = 0; v < queries.size(); v++)
        if (queries[v].size() >= min_query_hashes) usable.push_back(v);
    if (usable.empty() || max_hits == 0) return hits;
    int64_t longest = 0, shortest = INT64_MAX;
    for (size_t v : usable) {
        const auto& q = queries[v];
        longest = std::max(longest, static_cast<int64_t>(q.size()));
        shortest = std::min(shortest, static_cast<int64_t>(q.size()));
    }
    std::vector<task> tasks;
    for (size_t r = 0; r < prints.size(); r++) {
        const auto offsets = static_cast<int64_t>(prints[r].print.fingerprint.hashes.size()) - shortest + 1;
        for (int64_t o = 0; o < offsets; o += task_offsets) tasks.push_back({r, o, std::min(offsets, o + task_offsets)});
    }
    std::atomic<size_t> next{0};
    std::mutex mutex;
    const auto work = [&] {
        std::vector<print_hit> mine;
        for (size_t t; (t = next.fetch_add(1)) < tasks.size();) {
            const task& k = tasks[t];
            const std::vector<uint32_t>& hashes = prints[k.recording].print.fingerprint.hashes;
            for (int64_t o = k.first; o < k.end; o++) {
                print_hit best{k.recording, o, -1, 0};
                for (size_t v : usable) {
                    const double similarity = similarity_at(hashes, queries[v], o);
                    if (similarity > best.similarity) best = {k.recording, o, similarity, v};
                }
                if (best.similarity >= min_similarity) mine.push_back(best);
            }
        }
        std::lock_guard lock(mutex);
        hits.insert(hits.end(), mine.begin(), mine.end());
    };
    const int n = std::clamp<int>(threads, 1, static_cast<int>(std::max<size_t>(1, tasks.size())));
    std::vector<std::thread> pool;
    for (int i = 1; i < n; i++) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();

    // One playing is one hit: the best, and nothing within the query's length of a better one.
    std::sort(hits.begin(), hits.end(), [](const print_hit& a, const print_hit& b) {
        if (a.similarity != b.similarity) return a.similarity > b.similarity;
        return a.recording != b.recording ? a.recording < b.recording : a.offset < b.offset;
    });
    std::vector<print_hit> kept;
    std::map<size_t, std::set<int64_t>> taken;  // per recording, the kept offsets
    for (const print_hit& c : hits) {
        std::set<int64_t>& at = taken[c.recording];
        const auto after = at.lower_bound(c.offset - longest + 1);
        if (after != at.end() && *after < c.offset + longest) continue;
        at.insert(c.offset);
        kept.push_back(c);
        if (kept.size() == max_hits) break;
    }
    return kept;
}

}  // namespace sonavec
