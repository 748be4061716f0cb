#include "models/hub_url.h"

#include <cstdlib>

#include "sonavec/error.h"

namespace sonavec {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
}

void check_repo_part(const std::string& part, const std::string& repo) {
    if (part.empty() || part.size() > 96)
        throw error(error_kind::invalid_input,
                    "invalid repository id '" + repo + "': expected owner/name, each 1 to 96 characters");
    for (char c : part)
        if (!is_name_char(c))
            throw error(error_kind::invalid_input,
                        "invalid repository id '" + repo + "': only letters, digits, '-', '_' and '.' are allowed");
    // ".." could climb out of the cache; "--" is our owner/name separator on disk and must stay unambiguous.
    if (part.find("..") != std::string::npos || part.find("--") != std::string::npos || part.front() == '.' ||
        part.front() == '-' || part.back() == '.' || part.back() == '-')
        throw error(error_kind::invalid_input,
                    "invalid repository id '" + repo + "': no '..' or '--', and no '.' or '-' at either end");
}

}  // namespace

std::string hub_endpoint(const std::string& explicit_endpoint) {
    std::string e = explicit_endpoint;
    if (e.empty()) e = env("SONAVEC_HF_ENDPOINT");
    if (e.empty()) e = env("HF_ENDPOINT");
    if (e.empty()) e = default_hub_endpoint;
    while (!e.empty() && e.back() == '/') e.pop_back();
    if (e.rfind("https://", 0) != 0 && e.rfind("http://", 0) != 0)
        throw error(error_kind::invalid_input,
                    "hub endpoint '" + e + "' must start with https:// (or http:// for a local mirror)");
    for (char c : e)
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
            throw error(error_kind::invalid_input, "hub endpoint must not contain spaces or control characters");
    return e;
}

void check_repo_id(const std::string& repo) {
    const size_t slash = repo.find('/');
    if (slash == std::string::npos || repo.find('/', slash + 1) != std::string::npos)
        throw error(error_kind::invalid_input,
                    "invalid repository id '" + repo + "': expected owner/name, e.g. " + default_model_repo);
    check_repo_part(repo.substr(0, slash), repo);
    check_repo_part(repo.substr(slash + 1), repo);
}

void check_revision(const std::string& revision) {
    const error invalid(error_kind::invalid_input, "invalid revision '" + revision + "'");
    if (revision.empty() || revision.size() > 256) throw invalid;
    for (char c : revision)
        if (!is_name_char(c) && c != '/') throw invalid;
    if (revision.find("..") != std::string::npos || revision.front() == '/' || revision.back() == '/') throw invalid;
}

std::string hub_file_url(const std::string& endpoint, const std::string& repo, const std::string& revision,
                         const std::string& file) {
    // The Hub takes a revision such as refs/pr/1 as one path segment, so its slashes are escaped.
    std::string rev;
    for (char c : revision) rev += c == '/' ? std::string("%2F") : std::string(1, c);
    return endpoint + "/" + repo + "/resolve/" + rev + "/" + file;
}

}  // namespace sonavec
