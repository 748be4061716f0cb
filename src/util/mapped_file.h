// A read-only memory map of a whole file (RAII). Weights are used in place or packed from it once.
#pragma once
#include <cstddef>
#include <filesystem>

namespace sonavec {

class mapped_file {
public:
    explicit mapped_file(const std::filesystem::path& path);
    ~mapped_file();
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;

    const std::byte* data() const { return data_; }
    size_t size() const { return size_; }
    const std::filesystem::path& path() const { return path_; }

    // Drops the pages wholly inside [p, p + n) from this process's memory (they are read again from
    // the file if touched): for weights that were packed into another copy. Ranges outside the map are ignored.
    void release(const std::byte* p, size_t n) const;

private:
    std::filesystem::path path_;
    const std::byte* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace sonavec
