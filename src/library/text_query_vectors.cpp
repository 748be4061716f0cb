// text_query_vectors (library.h): an in-memory LRU of query vectors in front of the persistent text
// cache, and one text tower run at a time.
#include <list>
#include <mutex>
#include <unordered_map>

#include "sonavec/library.h"

namespace sonavec {

struct text_query_vectors::impl {
    const engine& eng;
    size_t max_texts;
    bool use_cache;
    std::mutex mutex;  // the LRU
    std::list<std::pair<std::string, std::vector<float>>> recent;  // most recent first
    std::unordered_map<std::string, decltype(recent)::iterator> by_text;
    std::mutex tower;  // one embedding at a time
    impl(const engine& e, size_t n, bool cache) : eng(e), max_texts(n), use_cache(cache) {}

    bool find(const std::string& text, std::vector<float>& out) {
        std::lock_guard lock(mutex);
        const auto it = by_text.find(text);
        if (it == by_text.end()) return false;
        recent.splice(recent.begin(), recent, it->second);
        out = it->second->second;
        return true;
    }
    void keep(const std::string& text, const std::vector<float>& v) {
        std::lock_guard lock(mutex);
        if (by_text.count(text) || max_texts == 0) return;
        recent.emplace_front(text, v);
        by_text[text] = recent.begin();
        while (recent.size() > max_texts) {
            by_text.erase(recent.back().first);
            recent.pop_back();
        }
    }
};

text_query_vectors::text_query_vectors(const engine& eng, size_t max_texts, bool use_cache)
    : impl_(std::make_unique<impl>(eng, max_texts, use_cache)) {}

text_query_vectors::~text_query_vectors() = default;

std::vector<float> text_query_vectors::vector(const std::string& text) {
    impl& s = *impl_;
    std::vector<float> v;
    if (s.find(text, v)) return v;
    {
        std::lock_guard one(s.tower);
        if (s.find(text, v)) return v;  // embedded while this waited
        v = embed_texts_cached(s.eng, {text}, s.use_cache);
    }
    s.keep(text, v);
    return v;
}

}  // namespace sonavec
