// lexical_index.h: documents of three columns (name, tags, inferred) in a contentless-rowid FTS5 table
// with Porter stemming, queried with quoted words joined by OR.
#include "library/lexical_index.h"

#include <algorithm>
#include <cctype>

#include "library/sqlite_db.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

bool ascii_alnum(unsigned char c) { return std::isalnum(c) != 0; }

}  // namespace

std::string lexical_words(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    unsigned char prev = ' ';
    for (size_t i = 0; i < text.size(); i++) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {  // UTF-8: left to FTS5's unicode61 tokenizer
            out += static_cast<char>(c);
            prev = c;
            continue;
        }
        if (!ascii_alnum(c)) {
            if (!out.empty() && out.back() != ' ') out += ' ';
            prev = ' ';
            continue;
        }
        const bool boundary =
            ascii_alnum(prev) && prev < 0x80 &&
            ((std::islower(prev) && std::isupper(c)) ||  // bigKick
             (std::isalpha(prev) && std::isdigit(c)) || (std::isdigit(prev) && std::isalpha(c)) ||  // kick02, 808kick
             // KICKDrum: an upper-case run ending where a capitalised word starts
             (std::isupper(prev) && std::isupper(c) && i + 1 < text.size() &&
              std::islower(static_cast<unsigned char>(text[i + 1]))));
        if (boundary) out += ' ';
        out += static_cast<char>(c);
        prev = c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string lexical_query(std::string_view words) {
    // Each word the user typed is one phrase of its parts, so "c12" asks for "c" then "12" together, not
    // for either anywhere; words are alternatives.
    std::string query;
    size_t i = 0;
    while (i < words.size()) {
        size_t end = i;
        while (end < words.size() &&
               (ascii_alnum(static_cast<unsigned char>(words[end])) || static_cast<unsigned char>(words[end]) >= 0x80))
            end++;
        if (end > i) {
            const std::string parts = lexical_words(words.substr(i, end - i));
            if (!query.empty()) query += " OR ";
            query += '"' + parts + '"';  // alphanumerics and UTF-8 only: nothing to escape
        }
        i = std::max(end, i + 1);
    }
    return query;
}

std::vector<lexical_hit> lexical_ranking(const std::vector<catalog_entry>& entries, std::string_view words, int64_t limit,
                                         const std::function<bool(int64_t)>& accept) {
    const std::string query = lexical_query(words);
    if (query.empty())
        throw error(error_kind::invalid_input, "a text or hybrid search needs words to match (letters or digits)");
    if (limit <= 0 || entries.empty()) return {};
    sqlite_db db(":memory:", sqlite_open::create, 1 << 20);
    db.exec("CREATE VIRTUAL TABLE docs USING fts5(name, tags, inferred, tokenize = 'porter unicode61 remove_diacritics 2')");
    {
        sqlite_transaction t(db);
        sqlite_statement put = db.prepare("INSERT INTO docs (rowid, name, tags, inferred) VALUES (?1, ?2, ?3, ?4)");
        for (const catalog_entry& e : entries) {
            if (accept && !accept(e.id)) continue;
            std::string tags, inferred;
            for (const auto& [key, value] : e.tags) tags += lexical_words(value) + " ";
            for (const inferred_tag& g : e.inferred) inferred += lexical_words(g.label) + " ";
            put.bind(1, e.id);
            put.bind(2, lexical_words(e.path));
            put.bind(3, tags);
            put.bind(4, inferred);
            put.run();
            put.reset();
        }
        t.commit();
    }
    sqlite_statement s = db.prepare("SELECT rowid, bm25(docs) FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs), rowid LIMIT ?2");
    s.bind(1, query);
    s.bind(2, limit);
    std::vector<lexical_hit> hits;
    while (s.step()) hits.push_back({s.column_int64(0), -s.column_double(1)});
    return hits;
}

}  // namespace sonavec
