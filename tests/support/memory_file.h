// A file that lives only in memory (a memfd), so tests and fuzzers can hand bytes to readers that
// open a path, and change a few bytes between opens without rewriting the whole file.
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace sonavec::test {

class memory_file {
public:
    memory_file() : fd_(::memfd_create("sonavec-test", MFD_CLOEXEC)) {
        if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    }
    ~memory_file() { ::close(fd_); }
    memory_file(const memory_file&) = delete;
    memory_file& operator=(const memory_file&) = delete;

    void assign(const void* data, size_t size) {
        resize(0);
        write_at(0, data, size);
    }
    void write_at(size_t offset, const void* data, size_t size) {
        const auto* p = static_cast<const char*>(data);
        while (size > 0) {
            const ssize_t n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
            if (n <= 0) throw std::runtime_error("pwrite to memfd failed");
            p += n;
            offset += static_cast<size_t>(n);
            size -= static_cast<size_t>(n);
        }
    }
    void resize(size_t size) {
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) throw std::runtime_error("ftruncate of memfd failed");
    }
    // Opening this path opens the same in-memory file.
    std::filesystem::path path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

}  // namespace sonavec::test
