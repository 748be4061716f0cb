#include "file_tags/tag_store.h"

#include <taglib/aifffile.h>
#include <taglib/flacfile.h>
#include <taglib/id3v2tag.h>
#include <taglib/mp4file.h>
#include <taglib/mpegfile.h>
#include <taglib/opusfile.h>
#include <taglib/textidentificationframe.h>
#include <taglib/tpropertymap.h>
#include <taglib/vorbisfile.h>
#include <taglib/wavfile.h>
#include <taglib/xiphcomment.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "sonavec/error.h"
#include "util/file_error_kind.h"
#include "util/text_case.h"

namespace sonavec {

namespace {

std::string utf8(const TagLib::String& s) { return s.to8Bit(true); }
TagLib::String tstr(const std::string& s) { return TagLib::String(s, TagLib::String::UTF8); }

std::string ascii_upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

std::string joined(const TagLib::StringList& list, size_t from = 0) {
    std::string out;
    for (size_t i = from; i < list.size(); ++i) {
        if (!out.empty()) out += "; ";
        out += utf8(list[static_cast<unsigned>(i)]);
    }
    return out;
}

std::map<std::string, std::vector<std::string>> from_property_map(const TagLib::PropertyMap& map) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& [key, values] : map) {
        auto& v = out[utf8(key)];
        for (const auto& s : values) v.push_back(utf8(s));
    }
    return out;
}

// A tempo as ID3v2 (TBPM "is an integer") and MP4 (tmpo, a 16-bit integer) hold it.
std::string integer_tempo(const std::string& value) {
    const double bpm = std::strtod(value.c_str(), nullptr);
    return std::to_string(static_cast<long>(std::lround(bpm)));
}

// ---- ID3v2: mp3, and the ID3 chunk of wav and aiff ----

const char* id3_text_frame(const std::string& field) {
    if (field == "bpm") return "TBPM";
    if (field == "key") return "TKEY";
    if (field == "genre") return "TCON";
    return nullptr;  // the rest are TXXX frames
}

TagLib::ID3v2::UserTextIdentificationFrame* find_txxx(TagLib::ID3v2::Tag* tag, const std::string& description) {
    for (auto* frame : tag->frameList("TXXX")) {
        auto* t = dynamic_cast<TagLib::ID3v2::UserTextIdentificationFrame*>(frame);
        if (t && ascii_upper(utf8(t->description())) == description) return t;
    }
    return nullptr;
}

class id3v2_store : public tag_store {
public:
    std::string tag_name(const std::string& field) const override {
        if (const char* id = id3_text_frame(field)) return id;
        return std::string("TXXX:").append(ascii_upper(field));
    }
    std::string value(const std::string& field) const override {
        auto* tag = id3();
        if (!tag) return "";
        if (field == "genre") return utf8(tag->genre());
        if (const char* id = id3_text_frame(field)) {
            const auto& frames = tag->frameList(id);
            return frames.isEmpty() ? "" : utf8(frames.front()->toString());
        }
        if (auto* t = find_txxx(tag, ascii_upper(field))) return joined(t->fieldList(), 1);
        // ID3v2.4's own mood frame counts as an existing mood.
        if (field == "mood" && !tag->frameList("TMOO").isEmpty()) return utf8(tag->frameList("TMOO").front()->toString());
        return "";
    }
    std::string stored_form(const std::string& field, const std::string& v) const override {
        return field == "bpm" ? integer_tempo(v) : v;
    }
    void set(const std::string& field, const std::string& v) override {
        auto* tag = id3(true);
        if (const char* id = id3_text_frame(field)) {
            tag->removeFrames(id);
            auto* frame = new TagLib::ID3v2::TextIdentificationFrame(id, TagLib::String::UTF8);
            frame->setText(tstr(stored_form(field, v)));
            tag->addFrame(frame);  // the tag owns it
            return;
        }
        const std::string description = ascii_upper(field);
        while (auto* old = find_txxx(tag, description)) tag->removeFrame(old);
        if (field == "mood") tag->removeFrames("TMOO");
        tag->addFrame(new TagLib::ID3v2::UserTextIdentificationFrame(tstr(description), TagLib::StringList(tstr(v)),
                                                                     TagLib::String::UTF8));
    }

protected:
    virtual TagLib::ID3v2::Tag* id3(bool create = false) const = 0;
    // Keep an ID3v2.3 tag at 2.3 (older players read only that); anything else is written as 2.4.
    TagLib::ID3v2::Version version_to_write() const {
        auto* tag = id3();
        return tag && tag->header()->majorVersion() == 3 ? TagLib::ID3v2::v3 : TagLib::ID3v2::v4;
    }
};

class mp3_store : public id3v2_store {
public:
    explicit mp3_store(const char* path) : file_(path) {}
    bool valid() const { return file_.isValid(); }
    std::string format() const override { return "mp3"; }
    std::map<std::string, std::vector<std::string>> properties() const override {
        return from_property_map(file_.properties());
    }
    bool save() override {
        // Only the tags the file already has: never adds an ID3v1 or APE tag, never strips one.
        int tags = TagLib::MPEG::File::ID3v2;
        if (file_.hasID3v1Tag()) tags |= TagLib::MPEG::File::ID3v1;
        if (file_.hasAPETag()) tags |= TagLib::MPEG::File::APE;
        return file_.save(tags, TagLib::File::StripNone, version_to_write(), TagLib::File::DoNotDuplicate);
    }

protected:
    TagLib::ID3v2::Tag* id3(bool create) const override { return file_.ID3v2Tag(create); }

private:
    mutable TagLib::MPEG::File file_;
};

class wav_store : public id3v2_store {
public:
    explicit wav_store(const char* path) : file_(path) {}
    bool valid() const { return file_.isValid(); }
    std::string format() const override { return "wav"; }
    // A genre in the RIFF INFO list (IGNR, where ffmpeg writes it) is the file's genre too.
    std::string value(const std::string& field) const override {
        std::string v = id3v2_store::value(field);
        if (v.empty() && field == "genre" && file_.hasInfoTag()) v = utf8(file_.InfoTag()->genre());
        return v;
    }
    // TagLib reads the ID3 chunk alone when there is one: the INFO list's tags (title, artist) too.
    std::map<std::string, std::vector<std::string>> properties() const override {
        auto out = from_property_map(file_.properties());
        if (file_.hasInfoTag())
            for (auto& [key, values] : from_property_map(file_.InfoTag()->properties())) out.emplace(key, values);
        return out;
    }
    // The ID3 chunk only: the RIFF INFO list (where ffmpeg and most tools put title and artist) is
    // left as it is, byte for byte.
    bool save() override { return file_.save(TagLib::RIFF::WAV::File::ID3v2, TagLib::File::StripNone, version_to_write()); }

protected:
    TagLib::ID3v2::Tag* id3(bool) const override { return file_.ID3v2Tag(); }  // always present (maybe empty)

private:
    mutable TagLib::RIFF::WAV::File file_;
};

class aiff_store : public id3v2_store {
public:
    explicit aiff_store(const char* path) : file_(path) {}
    bool valid() const { return file_.isValid(); }
    std::string format() const override { return "aiff"; }
    std::map<std::string, std::vector<std::string>> properties() const override {
        return from_property_map(file_.properties());
    }
    bool save() override { return file_.save(version_to_write()); }

protected:
    TagLib::ID3v2::Tag* id3(bool) const override { return file_.tag(); }

private:
    mutable TagLib::RIFF::AIFF::File file_;
};

// ---- Vorbis comments: flac, ogg vorbis, opus ----

std::string vorbis_key(const std::string& field) { return field == "key" ? "INITIALKEY" : ascii_upper(field); }

class xiph_store : public tag_store {
public:
    std::string tag_name(const std::string& field) const override { return vorbis_key(field); }
    std::string value(const std::string& field) const override {
        auto* c = comment();
        if (!c) return "";
        const auto& map = c->fieldListMap();
        for (const std::string& key : {vorbis_key(field), std::string(field == "key" ? "KEY" : "")}) {
            if (key.empty()) continue;
            const auto it = map.find(tstr(key));
            if (it != map.end() && !it->second.isEmpty()) return joined(it->second);
        }
        return "";
    }
    void set(const std::string& field, const std::string& v) override {
        auto* c = comment(true);
        if (field == "key") c->removeFields("KEY");  // one key, under the name players read
        c->addField(tstr(vorbis_key(field)), tstr(v), true);
    }

protected:
    virtual TagLib::Ogg::XiphComment* comment(bool create = false) const = 0;
};

class flac_store : public xiph_store {
public:
    explicit flac_store(const char* path) : file_(path) {}
    bool valid() const { return file_.isValid(); }
    std::string format() const override { return "flac"; }
    std::map<std::string, std::vector<std::string>> properties() const override {
        return from_property_map(file_.properties());
    }
    bool save() override { return file_.save(); }

protected:
    TagLib::Ogg::XiphComment* comment(bool create) const override { return file_.xiphComment(create); }

private:
    mutable TagLib::FLAC::File file_;
};

template <class File>
class ogg_store : public xiph_store {
public:
    ogg_store(const char* path, const char* format) : file_(path), format_(format) {}
    bool valid() const { return file_.isValid(); }
    std::string format() const override { return format_; }
    std::map<std::string, std::vector<std::string>> properties() const override {
        return from_property_map(file_.properties());
    }
    bool save() override { return file_.save(); }

protected:
    TagLib::Ogg::XiphComment* comment(bool) const override { return file_.tag(); }

private:
    mutable File file_;
    const char* format_;
};

// ---- MP4 atoms: m4a ----

std::string mp4_freeform(const std::string& field) {
    if (field == "key") return "----:com.apple.iTunes:initialkey";
    // ReplayGain in lower case, as foobar2000 and rsgain write it in MP4.
    if (field.rfind("replaygain_", 0) == 0) return std::string("----:com.apple.iTunes:").append(field);
    return std::string("----:com.apple.iTunes:").append(ascii_upper(field));
}

class mp4_store : public tag_store {
public:
    explicit mp4_store(const char* path) : file_(path) {}
    bool valid() const { return file_.isValid() && file_.tag(); }
    std::string format() const override { return "m4a"; }
    std::string tag_name(const std::string& field) const override {
        if (field == "bpm") return "tmpo";
        if (field == "genre") return "\xc2\xa9gen";
        return mp4_freeform(field);
    }
    std::string value(const std::string& field) const override {
        auto* tag = file_.tag();
        if (field == "genre") return utf8(tag->genre());  // ©gen, or the numeric gnre
        if (field == "bpm") {
            if (!tag->contains("tmpo")) return "";
            return std::to_string(tag->item("tmpo").toInt());
        }
        const std::string wanted = ascii_upper(mp4_freeform(field));
        for (const auto& [key, item] : tag->itemMap())
            if (ascii_upper(utf8(key)) == wanted) return joined(item.toStringList());
        return "";
    }
    std::string stored_form(const std::string& field, const std::string& v) const override {
        return field == "bpm" ? integer_tempo(v) : v;
    }
    void set(const std::string& field, const std::string& v) override {
        auto* tag = file_.tag();
        if (field == "bpm") {
            tag->setItem("tmpo", TagLib::MP4::Item(static_cast<int>(std::stol(integer_tempo(v)))));
            return;
        }
        if (field == "genre") {
            tag->removeItem("gnre");
            tag->setItem("\251gen", TagLib::MP4::Item(TagLib::StringList(tstr(v))));  // Latin-1 "©gen", TagLib's key
            return;
        }
        const std::string wanted = ascii_upper(mp4_freeform(field));
        std::vector<TagLib::String> old;
        for (const auto& [key, item] : tag->itemMap())
            if (ascii_upper(utf8(key)) == wanted) old.push_back(key);
        for (const auto& key : old) tag->removeItem(key);
        tag->setItem(tstr(mp4_freeform(field)), TagLib::MP4::Item(TagLib::StringList(tstr(v))));
    }
    std::map<std::string, std::vector<std::string>> properties() const override {
        return from_property_map(file_.properties());
    }
    bool save() override { return file_.save(); }

private:
    mutable TagLib::MP4::File file_;
};

template <class Store, class... Args>
std::unique_ptr<tag_store> open_valid(const std::filesystem::path& path, Args... args) {
    auto store = std::make_unique<Store>(path.c_str(), args...);
    if (!store->valid()) return nullptr;
    return store;
}

}  // namespace

std::string tag_store::stored_form(const std::string&, const std::string& value) const { return value; }

std::string tag_format_of(const std::filesystem::path& path) {
    const std::string ext = ascii_lower(path.extension().string());
    if (ext == ".mp3") return "mp3";
    if (ext == ".flac") return "flac";
    if (ext == ".ogg" || ext == ".oga" || ext == ".opus") return "ogg";
    if (ext == ".m4a" || ext == ".mp4" || ext == ".m4b") return "m4a";
    if (ext == ".wav") return "wav";
    if (ext == ".aif" || ext == ".aiff" || ext == ".aifc") return "aiff";
    return "";
}

std::unique_ptr<tag_store> open_tag_store(const std::filesystem::path& path, const std::string& as_format) {
    const std::string name = path.string();
    // TagLib says only "invalid" for every failure: ask the system first why a file cannot be opened.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        throw error(file_error_kind(err), name + ": cannot read: " + std::strerror(err));
    }
    ::close(fd);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw error(error_kind::invalid_input, name + ": not a regular file");
    if (std::filesystem::file_size(path, ec) == 0) throw error(error_kind::corrupt_file, name + ": empty file");

    const std::string format = as_format.empty() ? tag_format_of(path) : as_format;
    std::unique_ptr<tag_store> store;
    if (format == "mp3") store = open_valid<mp3_store>(path);
    else if (format == "flac") store = open_valid<flac_store>(path);
    else if (format == "ogg") {
        store = open_valid<ogg_store<TagLib::Ogg::Vorbis::File>>(path, "ogg");
        if (!store) store = open_valid<ogg_store<TagLib::Ogg::Opus::File>>(path, "opus");
    } else if (format == "m4a") store = open_valid<mp4_store>(path);
    else if (format == "wav") store = open_valid<wav_store>(path);
    else if (format == "aiff") store = open_valid<aiff_store>(path);
    else throw error(error_kind::unsupported, name + ": writing tags is not supported for this file type (mp3, flac, ogg, opus, m4a, wav, aiff are)");
    if (!store) throw error(error_kind::corrupt_file, name + ": not a valid " + format + " file (TagLib cannot read its tags)");
    return store;
}

}  // namespace sonavec
