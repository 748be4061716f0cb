#include "models/bpe_files.h"

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "models/bpe_text.h"
#include "util/file_error_kind.h"

namespace sonavec {

namespace {

// Real vocabularies are about 1 MB; the bound only stops a hostile file from exhausting memory.
constexpr uintmax_t max_tokenizer_file_bytes = 64ull << 20;

std::string read_small_file(const std::filesystem::path& path) {
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) throw error(file_error_kind(ec), path.string() + ": cannot read: " + ec.message());
    if (size > max_tokenizer_file_bytes)
        throw error(error_kind::corrupt_file,
                    path.string() + ": " + std::to_string(size) + " bytes is too large for a tokenizer file (limit " +
                        std::to_string(max_tokenizer_file_bytes) + ")");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(error_kind::io, path.string() + ": cannot open");
    std::string text(static_cast<size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (in.gcount() != static_cast<std::streamsize>(size)) throw error(error_kind::io, path.string() + ": short read");
    return text;
}

// Accepts exactly one flat JSON object of string -> non-negative integer; stops at the first other thing.
class vocabulary_reader : public nlohmann::json::json_sax_t {
public:
    bpe_vocabulary vocab;
    std::string problem;

    bool start_object(std::size_t) override {
        if (depth_++ == 0) return true;
        return fail("values must be integer ids, not objects");
    }
    bool end_object() override {
        depth_--;
        return true;
    }
    bool key(string_t& token) override {
        key_ = token;
        return true;
    }
    bool number_integer(number_integer_t id) override {
        if (id < 0) return fail("token " + quoted_for_error(key_) + " has negative id " + std::to_string(id));
        return add(static_cast<uint64_t>(id));
    }
    bool number_unsigned(number_unsigned_t id) override { return add(id); }
    bool number_float(number_float_t, const string_t& literal) override {
        return fail("token " + quoted_for_error(key_) + " has id " + literal + ", not a whole number in range");
    }
    bool null() override { return wrong_value("null"); }
    bool boolean(bool) override { return wrong_value("a boolean"); }
    bool string(string_t&) override { return wrong_value("a string"); }
    bool binary(binary_t&) override { return wrong_value("binary data"); }
    bool start_array(std::size_t) override { return wrong_value("an array"); }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception& ex) override {
        return fail("malformed JSON at byte " + std::to_string(position) + " (" + ex.what() + ")");
    }

private:
    int depth_ = 0;
    std::string key_;

    bool fail(const std::string& why) {
        if (problem.empty()) problem = why;
        return false;
    }
    bool wrong_value(const char* what) {
        if (depth_ == 0) return fail("expected a JSON object of token -> id, found " + std::string(what));
        return fail("token " + quoted_for_error(key_) + " has " + what + " where an integer id belongs");
    }
    bool add(uint64_t id) {
        if (depth_ != 1) return fail("expected a JSON object of token -> id, found a number");
        if (id > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
            return fail("token " + quoted_for_error(key_) + " has out-of-range id " + std::to_string(id));
        if (!vocab.emplace(key_, static_cast<int32_t>(id)).second)
            return fail("token " + quoted_for_error(key_) + " appears twice");
        return true;
    }
};

}  // namespace

bpe_vocabulary read_bpe_vocabulary(const std::filesystem::path& vocab_json) {
    const std::string text = read_small_file(vocab_json);
    vocabulary_reader reader;
    bool ok = false;
    try {
        ok = nlohmann::json::sax_parse(text, &reader);
    } catch (const nlohmann::json::exception& ex) {
        reader.problem = std::string("malformed JSON (") + ex.what() + ")";
    }
    if (!ok || !reader.problem.empty())
        throw error(error_kind::corrupt_file,
                    vocab_json.string() +
                        ": not a usable vocabulary: " + (reader.problem.empty() ? "malformed JSON" : reader.problem));
    bpe_vocabulary vocab = std::move(reader.vocab);
    if (vocab.empty()) throw error(error_kind::corrupt_file, vocab_json.string() + ": the vocabulary is empty");

    // Ids must be a permutation of 0..n-1: then every id the tokenizer emits is a row of the embedding table.
    std::vector<const std::string*> token_of(vocab.size(), nullptr);
    for (const auto& [token, id] : vocab) {
        if (static_cast<size_t>(id) >= vocab.size())
            throw error(error_kind::corrupt_file,
                        vocab_json.string() + ": token " + quoted_for_error(token) + " has id " + std::to_string(id) +
                            ", past the " + std::to_string(vocab.size()) + " entries of the vocabulary");
        if (token_of[id])
            throw error(error_kind::corrupt_file,
                        vocab_json.string() + ": tokens " + quoted_for_error(*token_of[id]) + " and " +
                            quoted_for_error(token) + " share id " + std::to_string(id));
        token_of[id] = &token;
    }
    return vocab;
}

bpe_merge_table read_bpe_merges(const std::filesystem::path& merges_txt, const bpe_vocabulary& vocab) {
    const std::string text = read_small_file(merges_txt);
    const auto where = [&](size_t line_number) {
        return merges_txt.string() + " line " + std::to_string(line_number) + ": ";
    };
    const auto id_of = [&](const std::string& token, size_t line_number) {
        auto it = vocab.find(token);
        if (it == vocab.end())
            throw error(error_kind::corrupt_file,
                        where(line_number) + "token " + quoted_for_error(token) + " is not in the vocabulary");
        return it->second;
    };

    bpe_merge_table merges;
    int32_t rank = 0;
    size_t line_number = 0, blank_line = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        std::string_view line(text.data() + pos, eol - pos);
        pos = eol + 1;
        line_number++;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

        // ref: tokenization_roberta.py RobertaTokenizer.__init__ (the first line is the "#version" header)
        if (line_number == 1 && line.starts_with('#')) continue;
        if (line.empty()) {
            if (!blank_line) blank_line = line_number;
            continue;
        }
        if (blank_line)
            throw error(error_kind::corrupt_file, where(blank_line) + "blank line in the middle of the merges");

        std::vector<std::string> parts;
        for (size_t i = 0; i < line.size();) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
            size_t start = i;
            while (i < line.size() && line[i] != ' ' && line[i] != '\t') i++;
            if (i > start) parts.emplace_back(line.substr(start, i - start));
        }
        if (parts.size() != 2)
            throw error(error_kind::corrupt_file,
                        where(line_number) + "expected two tokens separated by a space, found " +
                            std::to_string(parts.size()) + " in " + quoted_for_error(line));
        if (rank == std::numeric_limits<int32_t>::max())
            throw error(error_kind::corrupt_file, where(line_number) + "too many merges");

        const int32_t left = id_of(parts[0], line_number);
        const int32_t right = id_of(parts[1], line_number);
        const int32_t merged = id_of(parts[0] + parts[1], line_number);
        // A repeated pair takes its later rank, as dict(zip(bpe_merges, range(...))) does in the reference.
        merges[bpe_pair_key(left, right)] = bpe_merge{rank++, merged};
    }
    if (merges.empty()) throw error(error_kind::corrupt_file, merges_txt.string() + ": no merges found");
    return merges;
}

}  // namespace sonavec
