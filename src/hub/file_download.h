// One file over HTTP(S) with libcurl: written to <destination>.part, resumed from it with a Range request,
// checked against the sizes and SHA-256 the server announces, then renamed into place.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "sonavec/error.h"
#include "sonavec/hub.h"

namespace sonavec {

struct download_error : error {
    enum class kind {
        no_connection,  // nothing answered: no network, wrong host, nothing listening
        transient,      // cut off, timed out or a 5xx: trying again resumes from the .part
        http,           // the server said no (4xx); http_status and hub_error_code say why
        integrity,      // sizes or checksum do not match; the .part was removed
        fatal,          // anything else (TLS, local disk, too many redirects)
    };
    download_error(kind k, const std::string& message, long status = 0, std::string code = {})
        : error(error_kind_of(k, status), message), what_kind(k), http_status(status),
          hub_error_code(std::move(code)) {}
    // What a caller of the library sees: a missing repository or file is not_found, a bad download
    // corrupt_file, the rest (network, disk, access) io.
    static error_kind error_kind_of(kind k, long status) {
        if (k == kind::integrity) return error_kind::corrupt_file;
        if (k == kind::http && (status == 404 || status == 401)) return error_kind::not_found;
        return error_kind::io;
    }

    kind what_kind;
    long http_status;
    std::string hub_error_code;  // the Hub's X-Error-Code, e.g. RepoNotFound or EntryNotFound
};

struct remote_file {
    uint64_t size = 0;
    std::string sha256;  // 64 lowercase hex digits when the server gave one, else empty
};

struct download_result {
    uint64_t size = 0;
    bool sha256_checked = false;
};

// A libcurl handle kept across requests so the connection to the Hub is reused.
class http_client {
public:
    // bearer_token, when not empty, is sent as "Authorization: Bearer ..." (never to a redirect's other host).
    // allow_plain_http permits http:// (local mirrors and tests); otherwise only https://, redirects included.
    http_client(std::string bearer_token, bool allow_plain_http);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    // What a HEAD request says about url (following redirects).
    remote_file probe(const std::string& url);

    // Downloads url into destination (via destination.part), resuming any .part already there.
    // progress (may be empty) hears begin, update and finish, or abandon when the transfer stops
    // after begin without finishing; label is the events' file name.
    download_result download(const std::string& url, const std::filesystem::path& destination,
                             const std::string& label, const download_callback& progress);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sonavec
