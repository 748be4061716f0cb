#include "util/mapped_file.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file_error_kind.h"

namespace sonavec {

mapped_file::mapped_file(const std::filesystem::path& path) : path_(path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        throw error(file_error_kind(err), "cannot open " + path.string() + ": " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw error(error_kind::unsupported, "not a regular file: " + path.string());
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            throw error(error_kind::io, "cannot map " + path.string() + ": " + std::strerror(e));
        }
        data_ = static_cast<const std::byte*>(p);
    }
    ::close(fd);
}

mapped_file::~mapped_file() {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

void mapped_file::release(const std::byte* p, size_t n) const {
    if (!data_ || p < data_ || n > size_ || static_cast<size_t>(p - data_) > size_ - n) return;
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) / page * page;
    // A private, read-only file map: MADV_DONTNEED only unmaps, the file's bytes stay as they are.
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace sonavec
