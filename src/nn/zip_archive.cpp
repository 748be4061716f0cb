#include "nn/zip_archive.h"

#include <cstring>

#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr uint32_t local_header_signature = 0x04034b50;
constexpr uint32_t central_header_signature = 0x02014b50;
constexpr uint32_t end_signature = 0x06054b50;
constexpr uint32_t zip64_end_signature = 0x06064b50;
constexpr uint32_t zip64_locator_signature = 0x07064b50;
constexpr size_t local_header_size = 30;
constexpr size_t central_header_size = 46;
constexpr size_t end_record_size = 22;
constexpr size_t zip64_end_record_size = 56;
constexpr size_t zip64_locator_size = 20;
constexpr uint16_t zip64_extra_id = 0x0001;
constexpr uint32_t zip64_marker32 = 0xffffffffu;
constexpr uint16_t flag_encrypted = 1u << 0;
constexpr uint16_t flag_data_descriptor = 1u << 3;

// Zip fields are little-endian whatever the host; callers have bounds-checked `p`.
uint16_t read_u16(const std::byte* p) {
    return static_cast<uint16_t>(std::to_integer<uint16_t>(p[0]) | std::to_integer<uint16_t>(p[1]) << 8);
}
uint32_t read_u32(const std::byte* p) { return read_u16(p) | static_cast<uint32_t>(read_u16(p + 2)) << 16; }
uint64_t read_u64(const std::byte* p) { return read_u32(p) | static_cast<uint64_t>(read_u32(p + 4)) << 32; }

// The sizes and offset an entry's ZIP64 extra field replaces: only those whose 32-bit field is all ones.
struct zip64_fields {
    bool want_size, want_compressed, want_offset;
    uint64_t size, compressed, offset;
};

void apply_zip64_extra(const std::byte* extra, size_t extra_len, zip64_fields& f, const std::string& what) {
    size_t pos = 0;
    while (extra_len - pos >= 4) {
        const uint16_t id = read_u16(extra + pos);
        const uint16_t len = read_u16(extra + pos + 2);
        pos += 4;
        if (len > extra_len - pos) throw error(error_kind::corrupt_file, what + ": extra field runs past its record");
        if (id == zip64_extra_id) {
            const std::byte* p = extra + pos;
            size_t left = len;
            // APPNOTE 4.5.3: the fields appear in this order, each only when its 32-bit field overflowed.
            for (auto [want, value] : {std::pair{f.want_size, &f.size}, std::pair{f.want_compressed, &f.compressed},
                                       std::pair{f.want_offset, &f.offset}}) {
                if (!want) continue;
                if (left < 8) throw error(error_kind::corrupt_file, what + ": ZIP64 extra field is too short");
                *value = read_u64(p);
                p += 8;
                left -= 8;
            }
            return;
        }
        pos += len;
    }
    if (f.want_size || f.want_compressed || f.want_offset)
        throw error(error_kind::corrupt_file, what + ": sizes marked as ZIP64 but no ZIP64 extra field is present");
}

}  // namespace

zip_archive::zip_archive(const std::byte* data, size_t size, std::string where)
    : data_(data), size_(size), where_(std::move(where)) {
    uint64_t entry_count = 0, directory_size = 0;
    read_end_records(entry_count, directory_size);
    read_central_directory(entry_count, directory_size);
}

void zip_archive::read_end_records(uint64_t& entry_count, uint64_t& directory_size) {
    if (size_ < end_record_size) throw error(error_kind::corrupt_file, where_ + ": too short to be a zip archive");
    // The end record sits at the very end unless a comment (at most 64 KiB) follows it; take the last
    // candidate whose comment length reaches exactly the end of the file.
    const size_t lowest = size_ - end_record_size > 0xffff ? size_ - end_record_size - 0xffff : 0;
    size_t end_offset = size_;
    for (size_t pos = size_ - end_record_size + 1; pos-- > lowest;) {
        if (read_u32(data_ + pos) == end_signature &&
            pos + end_record_size + read_u16(data_ + pos + 20) == size_) {
            end_offset = pos;
            break;
        }
    }
    if (end_offset == size_)
        throw error(error_kind::corrupt_file,
                    where_ + ": no zip end-of-central-directory record (truncated or not a zip archive)");
    const std::byte* end = data_ + end_offset;
    if (read_u16(end + 4) != 0 || read_u16(end + 6) != 0)
        throw error(error_kind::unsupported, where_ + ": multi-volume zip archives are not supported");
    entry_count = read_u16(end + 10);
    directory_size = read_u32(end + 12);
    central_directory_offset_ = read_u32(end + 16);
    uint64_t records_begin = end_offset;  // the central directory must end before the end records

    if (end_offset >= zip64_locator_size &&
        read_u32(data_ + end_offset - zip64_locator_size) == zip64_locator_signature) {
        const std::byte* locator = data_ + end_offset - zip64_locator_size;
        const uint64_t zip64_offset = read_u64(locator + 8);
        if (read_u32(locator + 4) != 0 || read_u32(locator + 16) > 1)
            throw error(error_kind::unsupported, where_ + ": multi-volume zip archives are not supported");
        if (zip64_offset > end_offset - zip64_locator_size ||
            end_offset - zip64_locator_size - zip64_offset < zip64_end_record_size)
            throw error(error_kind::corrupt_file,
                        where_ + ": ZIP64 end record offset " + std::to_string(zip64_offset) + " is out of range");
        const std::byte* end64 = data_ + zip64_offset;
        if (read_u32(end64) != zip64_end_signature)
            throw error(error_kind::corrupt_file, where_ + ": ZIP64 end record not found where its locator points");
        if (read_u32(end64 + 16) != 0 || read_u32(end64 + 20) != 0)
            throw error(error_kind::unsupported, where_ + ": multi-volume zip archives are not supported");
        entry_count = read_u64(end64 + 32);
        directory_size = read_u64(end64 + 40);
        central_directory_offset_ = read_u64(end64 + 48);
        records_begin = zip64_offset;
    }
    if (central_directory_offset_ > records_begin || directory_size > records_begin - central_directory_offset_)
        throw error(error_kind::corrupt_file,
                    where_ + ": central directory [" + std::to_string(central_directory_offset_) + ", +" +
                        std::to_string(directory_size) + ") lies outside the archive");
    if (entry_count > directory_size / central_header_size)
        throw error(error_kind::corrupt_file,
                    where_ + ": " + std::to_string(entry_count) + " entries cannot fit in a " +
                        std::to_string(directory_size) + "-byte central directory");
}

void zip_archive::read_central_directory(uint64_t entry_count, uint64_t directory_size) {
    const std::byte* p = data_ + central_directory_offset_;
    uint64_t left = directory_size;
    for (uint64_t i = 0; i < entry_count; i++) {
        const std::string what = where_ + ": central directory entry " + std::to_string(i);
        if (left < central_header_size || read_u32(p) != central_header_signature)
            throw error(error_kind::corrupt_file, what + " is malformed");
        const uint16_t name_len = read_u16(p + 28), extra_len = read_u16(p + 30), comment_len = read_u16(p + 32);
        const uint64_t record_len = central_header_size + uint64_t{name_len} + extra_len + comment_len;
        if (record_len > left) throw error(error_kind::corrupt_file, what + " runs past the central directory");
        if (read_u16(p + 34) != 0 && read_u16(p + 34) != 0xffff)
            throw error(error_kind::unsupported, what + " lives on another volume");
        std::string name(reinterpret_cast<const char*>(p + central_header_size), name_len);
        zip_entry entry;
        entry.flags = read_u16(p + 8);
        entry.method = read_u16(p + 10);
        zip64_fields f{read_u32(p + 24) == zip64_marker32, read_u32(p + 20) == zip64_marker32,
                       read_u32(p + 42) == zip64_marker32, read_u32(p + 24), read_u32(p + 20), read_u32(p + 42)};
        apply_zip64_extra(p + central_header_size + name_len, extra_len, f, what + " ('" + name + "')");
        entry.size = f.size;
        entry.compressed_size = f.compressed;
        entry.local_header_offset = f.offset;
        if (!entries_.emplace(name, entry).second)
            throw error(error_kind::corrupt_file, where_ + ": duplicate zip entry '" + name + "'");
        p += record_len;
        left -= record_len;
    }
}

const zip_entry* zip_archive::find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
}

byte_span zip_archive::contents(const std::string& name) const {
    const std::string what = where_ + ": zip entry '" + name + "'";
    const zip_entry* entry = find(name);
    if (!entry) throw error(error_kind::corrupt_file, where_ + ": missing zip entry '" + name + "'");
    if (entry->flags & flag_encrypted) throw error(error_kind::unsupported, what + " is encrypted");
    if (entry->method != 0)
        throw error(error_kind::unsupported,
                    what + " is compressed (method " + std::to_string(entry->method) +
                        "); only stored entries can be read in place");
    if (entry->compressed_size != entry->size)
        throw error(error_kind::corrupt_file, what + " is stored but its compressed and uncompressed sizes differ");

    // Everything an entry owns lies before the central directory.
    const uint64_t limit = central_directory_offset_;
    const uint64_t offset = entry->local_header_offset;
    if (offset > limit || limit - offset < local_header_size || read_u32(data_ + offset) != local_header_signature)
        throw error(error_kind::corrupt_file, what + ": no local header at offset " + std::to_string(offset));
    const std::byte* local = data_ + offset;
    const uint16_t name_len = read_u16(local + 26), extra_len = read_u16(local + 28);
    const uint64_t header_len = local_header_size + uint64_t{name_len} + extra_len;
    if (limit - offset < header_len)
        throw error(error_kind::corrupt_file, what + ": local header runs past the entry data area");
    if (name_len != name.size() || std::memcmp(local + local_header_size, name.data(), name_len) != 0)
        throw error(error_kind::corrupt_file, what + ": local header names a different entry");
    if (read_u16(local + 8) != entry->method)
        throw error(error_kind::corrupt_file, what + ": local header disagrees on the method");
    // With a data descriptor (flag bit 3) the local sizes are zero and the directory's are authoritative.
    if (!(read_u16(local + 6) & flag_data_descriptor)) {
        zip64_fields f{read_u32(local + 22) == zip64_marker32, read_u32(local + 18) == zip64_marker32, false,
                       read_u32(local + 22), read_u32(local + 18), 0};
        apply_zip64_extra(local + local_header_size + name_len, extra_len, f, what + " (local header)");
        if (f.size != entry->size || f.compressed != entry->compressed_size)
            throw error(error_kind::corrupt_file, what + ": local header sizes disagree with the central directory");
    }
    const uint64_t data_offset = offset + header_len;
    if (entry->size > limit - data_offset)
        throw error(error_kind::corrupt_file,
                    what + ": " + std::to_string(entry->size) + " bytes at offset " + std::to_string(data_offset) +
                        " run past the entry data area");
    return {data_ + data_offset, static_cast<size_t>(entry->size)};
}

}  // namespace sonavec
