// The directory of a zip archive held in memory (ZIP64 included), for reading stored entries in place.
// ref: PKWARE APPNOTE.TXT 4.3 (record layouts) and 4.5.3 (the ZIP64 extra field)
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace sonavec {

struct zip_entry {
    uint16_t method = 0;           // 0 = stored; anything else is compressed and refused on read
    uint16_t flags = 0;
    uint64_t compressed_size = 0;
    uint64_t size = 0;
    uint64_t local_header_offset = 0;
};

// A span of bytes inside the archive.
struct byte_span {
    const std::byte* data = nullptr;
    size_t size = 0;
};

class zip_archive {
public:
    // Parses the end-of-central-directory records and the central directory; throws sonavec::error
    // (prefixed with `where`) on anything malformed. The bytes must outlive the archive.
    zip_archive(const std::byte* data, size_t size, std::string where);

    const std::map<std::string, zip_entry>& entries() const { return entries_; }
    const zip_entry* find(const std::string& name) const;

    // The contents of a stored entry, after checking its local header agrees with the directory.
    byte_span contents(const std::string& name) const;

private:
    const std::byte* data_;
    size_t size_;
    std::string where_;
    uint64_t central_directory_offset_ = 0;
    std::map<std::string, zip_entry> entries_;

    void read_end_records(uint64_t& entry_count, uint64_t& directory_size);
    void read_central_directory(uint64_t entry_count, uint64_t directory_size);
};

}  // namespace sonavec
