// libFuzzer target: any bytes, opened as an audio file's tags by each reader in turn (read_file_tags and
// plan_tag_write, src/file_tags/, through Debian's TagLib): the same in-memory file is reached through
// names ending in .mp3 .flac .ogg (Vorbis, then Opus) .m4a .wav .aiff, since the extension picks the
// reader. A plan is made for a fixed set of fields, with no overwrite and with "all"; nothing is ever
// written. Refusing (sonavec::error) is fine; crashing, a sanitizer report or another exception is a bug,
// and so is a plan that breaks what file_tags.h promises: the format the extension names; one change
// per field, in order, to the tag the header's table gives for that format; add exactly when the file
// has no value, same when it holds the value as this format stores it, keep (the old value kept) without
// overwrite and replace with "all"; every field with a value also named in read_file_tags; and the file
// unchanged (plan_tag_write "reads only"). Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "memory_file.h"
#include "sonavec/error.h"
#include "sonavec/file_tags.h"

namespace fs = std::filesystem;

namespace {

void fail(const std::string& what) {
    std::fprintf(stderr, "%s\n", what.c_str());
    std::abort();
}

struct reader {
    const char* ext;
    const char* formats[2];  // what plan.format may be
    int family;              // 0 ID3v2, 1 Vorbis comment, 2 MP4: the header's table's columns
};
const reader readers[] = {{"mp3", {"mp3", "mp3"}, 0}, {"flac", {"flac", "flac"}, 1}, {"ogg", {"ogg", "opus"}, 1},
                          {"m4a", {"m4a", "m4a"}, 2}, {"wav", {"wav", "wav"}, 0},    {"aiff", {"aiff", "aiff"}, 0}};

const sonavec::tag_fields fields = {{"bpm", "120"},          {"energy", "0.5"},
                                    {"genre", "Ambient"},    {"key", "8A"},
                                    {"mood", "calm"},        {"replaygain_track_gain", "-6.50 dB"},
                                    {"replaygain_track_peak", "0.988000"}};

// Where a field goes, from file_tags.h's table.
std::string expected_tag(int family, const std::string& field) {
    std::string upper = field;
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (family == 0) {
        if (field == "bpm") return "TBPM";
        if (field == "key") return "TKEY";
        if (field == "genre") return "TCON";
        return "TXXX:" + upper;
    }
    if (family == 1) return field == "key" ? "INITIALKEY" : upper;
    if (field == "bpm") return "tmpo";
    if (field == "genre") return "\xc2\xa9gen";
    if (field == "key") return "----:com.apple.iTunes:initialkey";
    return "----:com.apple.iTunes:" + (field.rfind("replaygain_", 0) == 0 ? field : upper);
}

// The neutral name read_file_tags gives a field's tag.
std::string neutral_name(const std::string& field) {
    if (field == "key") return "INITIALKEY";
    std::string upper = field;
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return upper;
}

void check_plan(const sonavec::tag_plan& plan, const reader& r, const fs::path& path, bool overwrite_all,
                const std::map<std::string, std::vector<std::string>>& tags) {
    using sonavec::tag_action;
    if (plan.file != path) fail("the plan names another file");
    if (plan.format != r.formats[0] && plan.format != r.formats[1])
        fail(std::string("a .") + r.ext + " file planned as " + plan.format);
    if (plan.changes.size() != fields.size()) fail("not one change per field");
    auto field = fields.begin();
    for (const auto& c : plan.changes) {
        const auto expect = [&](bool ok, const char* what) {
            if (!ok) fail(c.field + ": " + what + " (old '" + c.old_value + "', new '" + c.new_value + "')");
        };
        // Every value asked for is already in the form each format stores ("120" is an integer tempo).
        const std::string& wanted = field->second;
        expect(c.field == field->first, "changes out of order or renamed");
        ++field;
        expect(c.tag == expected_tag(r.family, c.field), "planned into another tag than the header's table");
        expect((c.action == tag_action::add) == c.old_value.empty(), "add when the file has a value, or not");
        expect((c.action == tag_action::same) == (c.old_value == wanted), "same disagrees with the old value");
        expect(c.action != tag_action::keep || (!overwrite_all && c.new_value == c.old_value), "a bad keep");
        expect(c.action != tag_action::replace || overwrite_all, "replaced without overwrite");
        expect(c.action == tag_action::keep || c.new_value == wanted, "not the value asked for");
        expect(c.old_value.empty() || tags.count(neutral_name(c.field)), "a value read_file_tags does not list");
    }
}

struct fuzz_files {
    sonavec::test::memory_file file;
    fs::path dir;
    std::vector<fs::path> names;  // one per reader, each a link to the memory file
    fuzz_files() {
        std::string templ = (fs::temp_directory_path() / "sonavec-fuzz-tags-XXXXXX").string();
        if (!::mkdtemp(templ.data())) fail("mkdtemp failed");
        dir = templ;
        for (const auto& r : readers) {
            names.push_back(dir / (std::string("input.") + r.ext));
            fs::create_symlink(file.path(), names.back());
        }
    }
    ~fuzz_files() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

std::string contents(const fs::path& path, size_t size) {
    std::string out(size + 1, '\0');
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) fail("cannot read the input back");
    out.resize(std::fread(out.data(), 1, out.size(), f));
    std::fclose(f);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fuzz_files files;  // removed at exit
    files.file.assign(data, size);
    for (size_t i = 0; i < std::size(readers); ++i) {
        const fs::path& path = files.names[i];
        try {
            const auto tags = sonavec::read_file_tags(path);
            check_plan(sonavec::plan_tag_write(path, fields, {}), readers[i], path, false, tags);
            const sonavec::tag_write_options all{.overwrite = {"all"}};
            check_plan(sonavec::plan_tag_write(path, fields, all), readers[i], path, true, tags);
        } catch (const sonavec::error&) {
        }
    }
    if (contents(files.names[0], size) != std::string(reinterpret_cast<const char*>(data), size))
        fail("planning changed the file");
    return 0;
}
