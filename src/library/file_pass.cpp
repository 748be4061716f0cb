#include "library/file_pass.h"

#include "sonavec/error.h"

namespace sonavec {

std::vector<std::string> root_prefixes(const std::vector<std::filesystem::path>& roots,
                                       std::vector<std::pair<std::string, std::string>>& unreadable,
                                       const std::string& done) {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    for (const fs::path& root : roots) {
        const fs::path given = fs::absolute(root).lexically_normal();
        std::error_code ec;
        const fs::path real = fs::canonical(given, ec);
        if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory)
            throw error(error_kind::not_found, root.string() + ": no such file or folder (nothing was " + done + ")");
        if (ec) {
            unreadable.emplace_back(given.string(), ec.message());
            continue;
        }
        for (const fs::path& p : {given, real}) {
            std::string s = p.string();
            while (s.size() > 1 && s.back() == '/') s.pop_back();
            out.push_back(s);
        }
    }
    return out;
}

bool under_prefixes(const std::string& path, const std::vector<std::string>& prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
        return path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 &&
                             (path[p.size()] == '/' || p == "/"));
    });
}

std::string changed_since_indexed(const analysis_target& t) {
    struct stat st {};
    if (::stat(t.path.c_str(), &st) != 0) return std::error_code(errno, std::generic_category()).message();  // thread-safe
    const int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    if (static_cast<uint64_t>(st.st_size) != t.size_bytes || mtime != t.mtime_ns)
        return "changed since it was indexed (run sonavec index first)";
    return {};
}

}  // namespace sonavec
