// libFuzzer target: any bytes, read as a taxonomy file (parse_taxonomy, src/tagging/taxonomy.cpp), and
// the bytes after the input's first NUL as `--template` values, one per further NUL-separated part
// (with_templates; applied to the parsed taxonomy, or to the built-in "vocals" when the text is refused).
// Refusing is fine; crashing, an exception other than sonavec::error, or an accepted taxonomy that breaks
// what tagging.h promises is a bug:
// - text is accepted only when it is UTF-8 without control characters (tab, CR and LF aside);
// - the given name; 1 to 10,000 labels, unique, none empty or with an empty text after its last '/',
//   none starting with '#', over 1,000 bytes, or holding a newline or other control character (tab, CR aside);
// - 1 to 100 templates, each with "{}" exactly once, UTF-8, at most 1,000 bytes, without a newline or
//   other control character (tab, CR aside); label_prompt puts label_text where "{}" was;
// - the taxonomy written back as text parses to the same labels and templates;
// - with_templates ("each checked as parse_taxonomy does") accepts exactly the lists of at most 100
//   templates that each meet the template rule above, keeps the labels and takes the templates as given.
// Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sonavec/error.h"
#include "sonavec/tagging.h"
#include "util/utf8.h"

namespace {

void fail(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::abort();
}

bool has_control(std::string_view s, bool allow_cr) {
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\t' && !(allow_cr && c == '\r') && c != '\n') || c == 0x7f) return true;
    return false;
}

// What parse_taxonomy takes as a template, with_templates must take too, and nothing else.
bool acceptable_template(const std::string& t) {
    const size_t at = t.find("{}");
    return at != std::string::npos && t.find("{}", at + 2) == std::string::npos && t.size() <= 1000 &&
           sonavec::is_valid_utf8(t) && !has_control(t, true) && t.find('\n') == std::string::npos;
}

void check_templates(const sonavec::taxonomy& t) {
    if (t.templates.empty() || t.templates.size() > 100) fail("0 or over 100 templates were accepted");
    for (const auto& tmpl : t.templates) {
        if (!acceptable_template(tmpl)) fail("a template a taxonomy file could not hold was accepted");
        for (const auto& label : t.labels) {
            const std::string prompt = sonavec::label_prompt(tmpl, label);
            const std::string text = sonavec::label_text(label);
            const size_t at = tmpl.find("{}");
            if (prompt != tmpl.substr(0, at) + text + tmpl.substr(at + 2))
                fail("a prompt is not its template with the label's text");
        }
    }
}

void check_taxonomy(const sonavec::taxonomy& t, std::string_view text) {
    if (t.name != "fuzz") fail("the taxonomy lost its name");
    if (!sonavec::is_valid_utf8(text) || has_control(text, true)) fail("binary or non-UTF-8 text was accepted");
    if (t.labels.empty() || t.labels.size() > 10000) fail("a taxonomy with 0 or over 10000 labels was accepted");
    std::set<std::string> seen;
    for (const auto& label : t.labels) {
        if (label.empty() || sonavec::label_text(label).empty()) fail("an empty label was accepted");
        if (label[0] == '#' || label.size() > 1000) fail("a comment or an over-long line was accepted as a label");
        if (has_control(label, true) || label.find('\n') != std::string::npos) fail("a label holds a control char");
        if (!seen.insert(label).second) fail("a label was accepted twice");
    }
    check_templates(t);
    // Written back as a file, the taxonomy must read the same.
    std::string again;
    for (const auto& tmpl : t.templates) again += "# template: " + tmpl + "\n";
    for (const auto& label : t.labels) again += label + "\n";
    const sonavec::taxonomy u = sonavec::parse_taxonomy(again, "fuzz");
    if (u.labels != t.labels || u.templates != t.templates) fail("the taxonomy written back reads differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t nul = input.find('\0');
    const std::string_view text = input.substr(0, nul);
    sonavec::taxonomy parsed = sonavec::builtin_taxonomy("vocals");
    try {
        parsed = sonavec::parse_taxonomy(text, "fuzz");
        check_taxonomy(parsed, text);
    } catch (const sonavec::error&) {
    }
    if (nul == std::string_view::npos) return 0;
    std::vector<std::string> templates;
    std::string_view rest = input.substr(nul + 1);
    for (size_t end; (end = rest.find('\0')) != std::string_view::npos; rest.remove_prefix(end + 1))
        templates.emplace_back(rest.substr(0, end));
    templates.emplace_back(rest);
    bool acceptable = templates.size() <= 100;
    for (const auto& tmpl : templates) acceptable = acceptable && acceptable_template(tmpl);
    try {
        const sonavec::taxonomy t = sonavec::with_templates(parsed, templates);
        if (!acceptable) fail("with_templates took a template parse_taxonomy refuses");
        if (t.labels != parsed.labels || t.templates != templates) fail("with_templates changed what it was given");
        check_templates(t);
    } catch (const sonavec::error&) {
        if (acceptable) fail("with_templates refused templates parse_taxonomy takes");
    }
    return 0;
}
