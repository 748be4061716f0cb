#include "util/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sonavec/error.h"

namespace sonavec {

void sha256::context_free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

sha256::sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) throw error(error_kind::unsupported, "SHA-256 is not available");
}

sha256::~sha256() = default;

void sha256::update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }

std::array<uint8_t, 32> sha256::finish() {
    std::array<uint8_t, 32> digest{};
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest.data(), &size);
    return digest;
}

std::string sha256::finish_hex() {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (const uint8_t b : finish()) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

std::string sha256_file_hex(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw error(errno == ENOENT ? error_kind::not_found : error_kind::io, path.string() + ": cannot read: " + std::strerror(errno));
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } close_on_exit{fd};
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    sha256 hash;
    std::vector<unsigned char> buffer(1 << 20);
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throw error(error_kind::io, path.string() + ": read failed: " + std::strerror(errno));
        }
        hash.update(buffer.data(), static_cast<size_t>(n));
    }
    return hash.finish_hex();
}

}  // namespace sonavec
