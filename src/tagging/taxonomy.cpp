// Taxonomies: the text format (sonavec/tagging.h), the built-in ones, and label prompts.
#include <fstream>
#include <map>

#include "sonavec/error.h"
#include "sonavec/tagging.h"
#include "tagging/builtin_taxonomy_text.h"
#include "util/utf8.h"

namespace sonavec {

namespace {

constexpr size_t max_text_bytes = 4u << 20;
constexpr size_t max_line_bytes = 1000;
constexpr size_t max_labels = 10000;
constexpr size_t max_templates = 100;
constexpr std::string_view template_prefix = "template:";

std::string trimmed(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) b++;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) e--;
    return std::string(s.substr(b, e - b));
}

// A template must place the label exactly once: without "{}" every label's prompt is the same text,
// and all the label vectors would be one.
void check_template(const std::string& t, const std::string& where) {
    const size_t at = t.find("{}");
    if (at == std::string::npos)
        throw error(error_kind::invalid_input, where + ": template \"" + t + "\" has no {} where the label goes");
    if (t.find("{}", at + 2) != std::string::npos)
        throw error(error_kind::invalid_input, where + ": template \"" + t + "\" has {} more than once");
}

// Control characters other than tab, CR and LF mean a binary file, not a list of labels.
bool has_control_characters(std::string_view s) {
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return true;
    return false;
}

}  // namespace

taxonomy parse_taxonomy(std::string_view text, const std::string& name, const std::string& origin) {
    if (text.size() > max_text_bytes)
        throw error(error_kind::invalid_input, origin + ": " + std::to_string(text.size()) +
                                                   " bytes, more than a taxonomy's 4 MiB");
    if (!is_valid_utf8(text) || has_control_characters(text))
        throw error(error_kind::invalid_input, origin + ": not a text file of labels (binary data or not UTF-8)");
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a byte-order mark from Windows editors
    taxonomy t;
    t.name = name;
    std::map<std::string, size_t> first_line;  // label -> its line, for the duplicate message
    size_t line_no = 0;
    for (size_t pos = 0; pos <= text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view raw = text.substr(pos, end - pos);
        pos = end + 1;
        line_no++;
        const std::string where = origin + ":" + std::to_string(line_no);
        if (raw.size() > max_line_bytes)
            throw error(error_kind::invalid_input, where + ": line of " + std::to_string(raw.size()) +
                                                       " bytes, more than 1000 (is this a taxonomy?)");
        const std::string line = trimmed(raw);
        if (line.empty()) continue;
        if (line[0] == '#') {
            const std::string comment = trimmed(std::string_view(line).substr(1));
            if (comment.rfind(template_prefix, 0) != 0) continue;
            const std::string tmpl = trimmed(std::string_view(comment).substr(template_prefix.size()));
            check_template(tmpl, where);
            if (t.templates.size() == max_templates)
                throw error(error_kind::invalid_input, where + ": more than 100 templates");
            t.templates.push_back(tmpl);
            continue;
        }
        if (label_text(line).empty())
            throw error(error_kind::invalid_input, where + ": label \"" + line + "\" has no text after its last '/'");
        auto [it, fresh] = first_line.emplace(line, line_no);
        if (!fresh)
            throw error(error_kind::invalid_input, where + ": label \"" + line + "\" is already on line " +
                                                       std::to_string(it->second));
        if (t.labels.size() == max_labels)
            throw error(error_kind::invalid_input, where + ": more than 10000 labels");
        t.labels.push_back(line);
    }
    if (t.labels.empty())
        throw error(error_kind::invalid_input, origin + ": no labels (one per line; '#' starts a comment)");
    if (t.templates.empty()) t.templates.push_back(default_label_template);
    return t;
}

taxonomy load_taxonomy(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
        throw error(error_kind::not_found, "taxonomy file " + file.string() + " does not exist");
    if (std::filesystem::is_directory(file, ec))
        throw error(error_kind::invalid_input, "taxonomy " + file.string() + " is a folder, not a file of labels");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw error(error_kind::io, "cannot read taxonomy file " + file.string());
    // Read at most one byte past the limit, so a huge file is refused without being loaded.
    std::string text(max_text_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) throw error(error_kind::io, "cannot read taxonomy file " + file.string());
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > max_text_bytes)
        throw error(error_kind::invalid_input, file.string() + ": more than a taxonomy's 4 MiB");
    return parse_taxonomy(text, file.stem().string(), file.string());
}

taxonomy find_taxonomy(const std::string& name_or_file) {
    std::error_code ec;
    const bool is_file = name_or_file.find('/') != std::string::npos || name_or_file.ends_with(".txt") ||
                         std::filesystem::is_regular_file(name_or_file, ec);
    return is_file ? load_taxonomy(name_or_file) : builtin_taxonomy(name_or_file);
}

taxonomy with_templates(taxonomy t, const std::vector<std::string>& templates) {
    if (templates.empty()) throw error(error_kind::invalid_input, "no template given");
    if (templates.size() > max_templates) throw error(error_kind::invalid_input, "--template: more than 100 templates");
    // What a taxonomy file could not hold (binary bytes, a line break, a line over 1000 bytes) is refused
    // here too: found by fuzz_taxonomy, a --template of several lines and a stray byte was taken as is.
    for (const auto& tmpl : templates) {
        if (tmpl.size() > max_line_bytes)
            throw error(error_kind::invalid_input,
                        "--template: " + std::to_string(tmpl.size()) + " bytes, more than 1000");
        if (!is_valid_utf8(tmpl) || has_control_characters(tmpl) || tmpl.find('\n') != std::string::npos)
            throw error(error_kind::invalid_input, "--template: not one line of UTF-8 text (a line break, a control "
                                                   "character or bytes that are not UTF-8)");
        check_template(tmpl, "--template");
    }
    t.templates = templates;
    return t;
}

std::string label_text(const std::string& label) {
    const size_t slash = label.rfind('/');
    return slash == std::string::npos ? label : trimmed(std::string_view(label).substr(slash + 1));
}

std::string label_prompt(const std::string& label_template, const std::string& label) {
    std::string out = label_template;
    const size_t at = out.find("{}");
    if (at != std::string::npos) out.replace(at, 2, label_text(label));
    return out;
}

const std::vector<taxonomy>& builtin_taxonomies() {
    // Parsed once; the files are ours, so an error here is a build mistake that the tests catch.
    static const std::vector<taxonomy> all = [] {
        std::vector<taxonomy> out;
        for (const auto& b : builtin_taxonomy_texts())
            out.push_back(parse_taxonomy(std::string_view(b.text, b.size), b.name,
                                         std::string("data/taxonomies/") + b.name + ".txt"));
        return out;
    }();
    return all;
}

const taxonomy& builtin_taxonomy(const std::string& name) {
    std::string names;
    for (const auto& t : builtin_taxonomies()) {
        if (t.name == name) return t;
        names += (names.empty() ? "" : ", ") + t.name;
    }
    throw error(error_kind::invalid_input, "no built-in taxonomy '" + name + "' (there are: " + names + ")");
}

}  // namespace sonavec
