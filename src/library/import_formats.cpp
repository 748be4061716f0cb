#include "library/import_formats.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "util/base64.h"
#include "sonavec/error.h"
#include "util/file_error_kind.h"
#include "util/text_case.h"

namespace sonavec {

namespace {

using nlohmann::json;

constexpr size_t max_path_bytes = 4096;
constexpr int max_record_depth = 3;             // record { windows [ { vector [ ] } ] }
constexpr size_t max_record_values = 4u << 20;  // parsed values per record: bounds the memory one record takes
constexpr size_t max_windows = 100000;

// nlohmann's messages start with "[json.exception.parse_error.101] "; the reader needs only the rest.
std::string parse_message(const std::string& what, bool one_line) {
    std::string m = what;
    if (m.rfind("[json.exception.", 0) == 0 && m.find("] ") != std::string::npos) m = m.substr(m.find("] ") + 2);
    // A JSON Lines record is parsed alone, so nlohmann's line is always 1; the caller names the real one.
    if (one_line)
        if (auto at = m.find("at line 1, column "); at != std::string::npos) m.replace(at, 10, "at ");
    return m;
}

// Limits that must hold while a record is parsed, before its values take memory.
class parse_guard {
public:
    parse_guard(std::string file, int record_depth) : file_(std::move(file)), record_depth_(record_depth) {}
    std::string where;  // the record being parsed, for messages

    void start_record() { values_ = 0; }
    void check(int depth, json::parse_event_t event) {
        using ev = json::parse_event_t;
        if ((event == ev::object_start || event == ev::array_start) && depth > record_depth_ + max_record_depth)
            throw error(error_kind::corrupt_file,
                        file_ + ": " + where + ": nested deeper than a vectors record can be");
        if ((event == ev::value || event == ev::key) && ++values_ > max_record_values)
            throw error(
                error_kind::corrupt_file,
                file_ + ": " + where + ": more than " + std::to_string(max_record_values) + " values in one record");
    }

private:
    std::string file_;
    int record_depth_;
    size_t values_ = 0;
};

class record_reader {
public:
    record_reader(const import_options& options, std::string file) : o_(options), file_(std::move(file)) {}

    void add(const json& rec, const std::string& where) {
        where_ = where;
        if (!rec.is_object()) fail("expected a JSON object");
        catalog_entry e;
        e.status = entry_status::ok;
        e.window_plan = "import";
        const bool has_path = rec.contains("path");
        const std::string name_key = has_path ? "path" : "trackName";
        e.path = text(rec, name_key.c_str(), max_path_bytes, true);
        // A name that is not UTF-8 reads as U+FFFD in the text field; its exact bytes are beside it.
        const std::string bytes_key = name_key + "_bytes_b64";
        if (rec.contains(bytes_key)) e.path = exact_bytes(rec.at(bytes_key), bytes_key);
        if (e.path.empty()) fail("\"" + name_key + "\" is empty");
        const char* vector_key = rec.contains("embedding") ? "embedding" : "vector";
        if (!rec.contains(vector_key)) fail("no \"embedding\" or \"vector\"");
        e.vector = vector(rec.at(vector_key), vector_key);

        if (rec.contains("duration_seconds")) e.duration_seconds = seconds(rec.at("duration_seconds"), "duration_seconds");
        if (rec.contains("format")) e.format = text(rec, "format", 256, false);
        if (rec.contains("sample_rate")) e.sample_rate = integer(rec.at("sample_rate"), "sample_rate", 10'000'000);
        if (rec.contains("channels")) e.channels = integer(rec.at("channels"), "channels", 1024);
        if (rec.contains("model")) e.model_id = text(rec, "model", 1024, false);
        if (!o_.model_id.empty()) e.model_id = o_.model_id;
        if (rec.contains("tags")) e.tags = tags(rec.at("tags"));
        // `sonavec embed` writes a window count there; only a list holds vectors.
        if (rec.contains("windows") && rec.at("windows").is_array()) e.windows = windows(rec.at("windows"));

        name_once(e.path, has_path);
        result_.entries.push_back(std::move(e));
    }

    import_result finish() {
        if (result_.entries.empty()) throw error(error_kind::corrupt_file, file_ + ": holds no vectors");
        return std::move(result_);
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw error(error_kind::corrupt_file, file_ + ": " + where_ + ": " + what);
    }

    std::string text(const json& rec, const char* key, size_t max_bytes, bool required) const {
        auto it = rec.find(key);
        if (it == rec.end()) {
            if (required) fail(std::string("no \"path\" or \"trackName\""));
            return {};
        }
        if (!it->is_string()) fail(std::string("\"") + key + "\" is not a string");
        return checked_text(it->get_ref<const std::string&>(), std::string("\"") + key + "\"", max_bytes);
    }

    std::string checked_text(const std::string& s, const std::string& what, size_t max_bytes) const {
        if (s.size() > max_bytes) fail(what + " is longer than " + std::to_string(max_bytes) + " bytes");
        if (s.find('\0') != std::string::npos) fail(what + " holds a NUL character");
        return s;
    }

    std::string exact_bytes(const json& v, const std::string& key) const {
        const std::string what = "\"" + key + "\"";
        if (!v.is_string()) fail(what + " is not a string");
        const std::string& text = v.get_ref<const std::string&>();
        if (text.size() > (max_path_bytes + 2) / 3 * 4) fail(what + " is longer than a path can be");
        std::string bytes;
        try {
            bytes = base64_decoded(text);
        } catch (const error& e) {
            fail(what + " is not base64: " + e.what());
        }
        return checked_text(bytes, what, max_path_bytes);
    }

    double seconds(const json& v, const std::string& what) const {
        if (!v.is_number()) fail("\"" + what + "\" is not a number");
        const double s = v.get<double>();
        if (!std::isfinite(s) || s < 0 || s > 1e9) fail("\"" + what + "\" is out of range");
        return s;
    }

    int integer(const json& v, const char* what, int64_t max) const {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > max)
            fail(std::string("\"") + what + "\" is not an integer from 0 to " + std::to_string(max));
        return static_cast<int>(v.get<int64_t>());
    }

    std::vector<float> vector(const json& v, const std::string& what) {
        if (!v.is_array()) fail("\"" + what + "\" is not an array of numbers");
        if (v.empty()) fail("\"" + what + "\" is empty");
        if (static_cast<int64_t>(v.size()) > o_.max_dim)
            fail("\"" + what + "\" has " + std::to_string(v.size()) + " values, more than " + std::to_string(o_.max_dim));
        if (result_.dim == 0) result_.dim = static_cast<int64_t>(v.size());
        if (static_cast<int64_t>(v.size()) != result_.dim)
            fail("\"" + what + "\" has " + std::to_string(v.size()) + " values, the first vector had " +
                 std::to_string(result_.dim));
        std::vector<float> out(v.size());
        double squares = 0;
        for (size_t i = 0; i < v.size(); i++) {
            if (!v[i].is_number()) fail("\"" + what + "\"[" + std::to_string(i) + "] is not a number");
            out[i] = static_cast<float>(v[i].get<double>());
            if (!std::isfinite(out[i])) fail("\"" + what + "\"[" + std::to_string(i) + "] is not a finite float");
            squares += static_cast<double>(out[i]) * out[i];
        }
        const double norm = std::sqrt(squares);
        if (norm == 0) fail("\"" + what + "\" is all zeros: it has no direction");
        if (std::abs(norm - 1) > 1e-5) {
            for (float& x : out) x = static_cast<float>(x / norm);
            result_.normalised++;
        }
        return out;
    }

    std::map<std::string, std::string> tags(const json& v) const {
        if (!v.is_object()) fail("\"tags\" is not an object");
        if (v.size() > o_.max_tags) fail("more than " + std::to_string(o_.max_tags) + " tags");
        std::map<std::string, std::string> out;
        for (const auto& [raw_key, value] : v.items()) {
            const std::string key = ascii_lower(checked_text(raw_key, "a tag name", o_.max_text_bytes));
            if (key.empty()) fail("a tag has an empty name");
            const std::string what = "tag \"" + key + "\"";
            if (value.is_null()) continue;
            if (value.is_string()) out[key] = checked_text(value.get_ref<const std::string&>(), what, o_.max_text_bytes);
            else if (value.is_number() || value.is_boolean()) out[key] = value.dump();
            else fail(what + " is not text, a number or a boolean");
        }
        return out;
    }

    std::vector<catalog_window> windows(const json& v) {
        if (v.size() > max_windows) fail("more than " + std::to_string(max_windows) + " windows");
        std::vector<catalog_window> out;
        for (size_t i = 0; i < v.size(); i++) {
            const std::string at = "windows[" + std::to_string(i) + "]";
            const json& w = v[i];
            if (!w.is_object() || !w.contains("start_seconds") || !w.contains("length_seconds") || !w.contains("vector"))
                fail(at + " is not an object with start_seconds, length_seconds and vector");
            catalog_window cw;
            cw.start_seconds = seconds(w.at("start_seconds"), at + ".start_seconds");
            cw.length_seconds = seconds(w.at("length_seconds"), at + ".length_seconds");
            cw.vector = vector(w.at("vector"), at + ".vector");
            out.push_back(std::move(cw));
        }
        return out;
    }

    // Paths must be unique; track names often are not, so a repeated one gets a number.
    void name_once(std::string& path, bool is_path) {
        if (auto it = seen_.find(path); it != seen_.end()) {
            if (is_path) fail("path \"" + path + "\" is also at " + it->second);
            std::string unique;
            for (int n = 2;; n++) {
                unique = path + " (" + std::to_string(n) + ")";
                if (!seen_.count(unique)) break;
            }
            path = unique;
            result_.renamed++;
        }
        seen_.emplace(path, where_);
    }

    const import_options& o_;
    std::string file_;
    std::string where_;
    std::unordered_map<std::string, std::string> seen_;  // path -> where it was read
    import_result result_;
};

void read_array(std::istream& in, const std::string& file, record_reader& reader) {
    parse_guard guard(file, 1);
    int64_t element = 0;
    auto callback = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
        using ev = json::parse_event_t;
        if (depth == 1) {
            if (event == ev::object_start) {
                guard.where = "element " + std::to_string(++element);
                guard.start_record();
            } else if (event == ev::object_end) {
                reader.add(parsed, guard.where);
                return false;  // done with it: the array never holds more than one record
            } else if (event == ev::value || event == ev::array_start) {
                throw error(error_kind::corrupt_file,
                            file + ": element " + std::to_string(element + 1) + ": expected a JSON object");
            }
        }
        if (depth >= 1) guard.check(depth, event);
        return true;
    };
    try {
        const json emptied = json::parse(in, callback);  // the records went to the reader as they ended
    } catch (const json::exception& e) {
        const std::string in_element = element > 0 ? " (in element " + std::to_string(element) + ")" : "";
        throw error(error_kind::corrupt_file,
                    file + ": not valid JSON" + in_element + ": " + parse_message(e.what(), false));
    }
}

// One line at a time, never longer than max_bytes: a file without newlines cannot fill the memory.
bool read_line(std::istream& in, std::string& line, size_t max_bytes, const std::string& where) {
    line.clear();
    std::streambuf* sb = in.rdbuf();
    for (;;) {
        const int c = sb->sbumpc();
        if (c == std::char_traits<char>::eof()) return !line.empty();
        if (c == '\n') return true;
        if (line.size() >= max_bytes)
            throw error(error_kind::corrupt_file, where + " is longer than " + std::to_string(max_bytes) + " bytes");
        line.push_back(static_cast<char>(c));
    }
}

void read_lines(std::istream& in, const std::string& file, int64_t first_line, const import_options& options,
                record_reader& reader) {
    parse_guard guard(file, 0);
    auto callback = [&](int depth, json::parse_event_t event, json&) -> bool {
        guard.check(depth, event);
        return true;
    };
    std::string line;
    for (int64_t number = first_line;; number++) {
        guard.where = "line " + std::to_string(number);
        if (!read_line(in, line, options.max_line_bytes, file + ": " + guard.where)) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        guard.start_record();
        json rec;
        try {
            rec = json::parse(line, callback);
        } catch (const json::exception& e) {
            throw error(error_kind::corrupt_file,
                        file + ": " + guard.where + ": not valid JSON (JSON Lines needs one whole object per line): " +
                            parse_message(e.what(), true));
        }
        reader.add(rec, guard.where);
    }
}

}  // namespace

import_result read_vectors(std::istream& in, const std::string& name, const import_options& options) {
    std::streambuf* sb = in.rdbuf();
    // A byte order mark, then blank space, before the first character says which format this is.
    if (sb->sgetc() == 0xEF) {
        char bom[3];
        if (sb->sgetn(bom, 3) != 3 || bom[1] != '\xBB' || bom[2] != '\xBF')
            throw error(error_kind::corrupt_file, name + ": neither a JSON array nor JSON Lines");
    }
    int64_t line = 1;
    int c = sb->sgetc();
    while (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        if (c == '\n') line++;
        c = sb->snextc();
    }
    record_reader reader(options, name);
    if (c == '[') {
        read_array(in, name, reader);
    } else if (c == '{') {
        read_lines(in, name, line, options, reader);
    } else if (c == std::char_traits<char>::eof()) {
        throw error(error_kind::corrupt_file, name + ": is empty");
    } else {
        throw error(error_kind::corrupt_file,
                    name + ": neither a JSON array nor JSON Lines (it should start with '[' or '{')");
    }
    return reader.finish();
}

import_result read_vectors_file(const std::filesystem::path& file, const import_options& options) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) throw error(file_error_kind(ec), file.string() + ": cannot read: " + ec.message());
    if (size > options.max_file_bytes)
        throw error(error_kind::unsupported,
                    file.string() + ": " + std::to_string(size) + " bytes, more than the " +
                        std::to_string(options.max_file_bytes) + " an import reads");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw error(error_kind::io, file.string() + ": cannot open");
    return read_vectors(in, file.string(), options);
}

}  // namespace sonavec
