#include "hub/file_download.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <curl/curl.h>

#include "hub/download_progress.h"
#include "util/sha256.h"
#include "util/text_case.h"

namespace sonavec {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t max_file_size = uint64_t(1) << 40;  // no model file comes near 1 TiB; larger is a lie
constexpr size_t max_error_body = 4096;
constexpr size_t max_hops = 16;  // 10 redirects, and room to spare

void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw error("cannot initialise libcurl");
    });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

std::optional<uint64_t> parse_size(std::string_view s) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v > max_file_size) return std::nullopt;
    return v;
}

// Text the server sent, made safe to print: printable ASCII only, and short.
std::string printable(std::string_view s, size_t max = 200) {
    std::string out;
    for (char c : s.substr(0, max)) out += (c >= ' ' && c <= '~') ? c : ' ';
    if (s.size() > max) out += "...";
    return std::string(trim(out));
}

// The Hub puts an LFS file's SHA-256 in its ETag / X-Linked-Etag; anything else there (git blob ids) is ignored.
std::string sha256_from_etag(std::string_view v) {
    v = trim(v);
    if (v.starts_with("W/")) v.remove_prefix(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.size() != 64) return {};
    for (char c : v)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return {};
    return ascii_lower(v);
}

struct content_range {
    std::optional<uint64_t> start;
    std::optional<uint64_t> total;
};

// "bytes 100-199/1000", or "bytes */1000" on a 416.
content_range parse_content_range(std::string_view v) {
    content_range r;
    v = trim(v);
    if (!v.starts_with("bytes ")) return r;
    v.remove_prefix(6);
    const size_t slash = v.find('/');
    if (slash == std::string_view::npos) return r;
    r.total = parse_size(v.substr(slash + 1));
    const std::string_view span = v.substr(0, slash);
    const size_t dash = span.find('-');
    if (dash != std::string_view::npos) r.start = parse_size(span.substr(0, dash));
    return r;
}

struct response_headers {
    long status = 0;
    std::optional<uint64_t> content_length;
    std::optional<uint64_t> linked_size;
    std::string content_range;
    std::string etag;
    std::string linked_etag;
    std::string error_code;
    std::string error_message;
};

using file_ptr = std::unique_ptr<FILE, int (*)(FILE*)>;

struct transfer {
    std::vector<response_headers> hops;  // one per response; hops[0] comes from the endpoint itself
    fs::path part;
    file_ptr out{nullptr, &std::fclose};
    bool body_decided = false;
    bool writing = false;
    uint64_t offset = 0;    // bytes in the .part when the request went out
    uint64_t written = 0;   // bytes in the .part now
    uint64_t expected = 0;  // the whole file's size
    std::string error_body;
    std::string failure;  // why a callback stopped the transfer
    download_error::kind failure_kind = download_error::kind::fatal;
    bool remove_part = false;
    download_progress* progress = nullptr;

    bool fail(download_error::kind k, std::string why, bool drop_part) {
        failure_kind = k;
        failure = std::move(why);
        remove_part = remove_part || drop_part;
        return false;
    }
};

// The size the whole file should have: X-Linked-Size from the Hub, else what the final server says.
std::optional<uint64_t> announced_size(const transfer& t, const response_headers& last) {
    if (t.hops.front().linked_size) return t.hops.front().linked_size;
    if (last.status == 206) return parse_content_range(last.content_range).total;
    return last.content_length;
}

std::string announced_sha256(const transfer& t) {
    const response_headers& first = t.hops.front();
    // Only the endpoint's own headers: a CDN's ETag may be a 64-hex hash of something else.
    if (!first.linked_etag.empty()) return sha256_from_etag(first.linked_etag);
    return sha256_from_etag(first.etag);
}

// Decides, at the first byte of the final response, where the body goes.
bool start_body(transfer& t) {
    t.body_decided = true;
    const response_headers& last = t.hops.back();
    if (last.status != 200 && last.status != 206) return true;  // an error page: kept for the message
    uint64_t start = 0;
    std::optional<uint64_t> sent_total = last.content_length;
    if (last.status == 206) {
        const content_range cr = parse_content_range(last.content_range);
        if (!cr.start || *cr.start != t.offset)
            return t.fail(download_error::kind::transient, "the server resumed at the wrong offset", true);
        start = t.offset;
        sent_total = cr.total;
    }
    const std::optional<uint64_t> expected = announced_size(t, last);
    if (!expected)
        return t.fail(download_error::kind::fatal, "the server did not say how large the file is", false);
    if (sent_total && *sent_total != *expected)
        return t.fail(download_error::kind::integrity,
                      "size mismatch: the Hub announced " + std::to_string(*expected) +
                          " bytes but the download server sends " + std::to_string(*sent_total),
                      true);
    if (start > *expected)
        return t.fail(download_error::kind::integrity, "the partial download is larger than the file", true);
    t.out.reset(std::fopen(t.part.c_str(), start == 0 ? "wb" : "ab"));
    if (!t.out)
        return t.fail(download_error::kind::fatal, "cannot write " + t.part.string() + ": " + std::strerror(errno),
                      false);
    t.writing = true;
    t.written = start;
    t.expected = *expected;
    if (t.progress) t.progress->begin(start, *expected);
    return true;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<transfer*>(user);
    const size_t len = size * count;
    const std::string_view line = trim(std::string_view(data, len));
    if (line.starts_with("HTTP/")) {
        // An informational 1xx (100 Continue, 103 Early Hints) is not a hop of its own.
        if (!t->hops.empty() && t->hops.back().status < 200) t->hops.pop_back();
        if (t->hops.size() >= max_hops) return 0;
        response_headers h;
        const size_t space = line.find(' ');
        if (space != std::string_view::npos) {
            const std::string_view code = line.substr(space + 1, 3);
            std::from_chars(code.data(), code.data() + code.size(), h.status);
        }
        t->hops.push_back(std::move(h));
        return len;
    }
    const size_t colon = line.find(':');
    if (t->hops.empty() || colon == std::string_view::npos) return len;
    const std::string name = ascii_lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    response_headers& h = t->hops.back();
    if (name == "content-length") h.content_length = parse_size(value);
    else if (name == "x-linked-size") h.linked_size = parse_size(value);
    else if (name == "content-range") h.content_range = value;
    else if (name == "etag") h.etag = value;
    else if (name == "x-linked-etag") h.linked_etag = value;
    else if (name == "x-error-code") h.error_code = printable(value, 64);
    else if (name == "x-error-message") h.error_message = printable(value);
    return len;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<transfer*>(user);
    const size_t len = size * count;
    if (t->hops.empty()) return 0;
    if (!t->body_decided && !start_body(*t)) return 0;
    if (!t->writing) {
        if (t->error_body.size() < max_error_body)
            t->error_body.append(data, std::min(len, max_error_body - t->error_body.size()));
        return len;
    }
    if (len > t->expected - t->written) {
        t->fail(download_error::kind::integrity,
                "the server sent more than the " + std::to_string(t->expected) + " bytes it announced", true);
        return 0;
    }
    if (std::fwrite(data, 1, len, t->out.get()) != len) {
        t->fail(download_error::kind::fatal, "cannot write " + t->part.string() + ": " + std::strerror(errno),
                false);
        return 0;
    }
    t->written += len;
    return len;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<transfer*>(user);
    if (t->writing && t->progress) t->progress->update(t->written);
    return 0;
}

download_error http_failure(const transfer& t, const std::string& url) {
    const response_headers& last = t.hops.back();
    std::string msg = url + " answered HTTP " + std::to_string(last.status);
    if (!last.error_code.empty()) msg += " (" + last.error_code + ")";
    if (!last.error_message.empty()) msg += ": " + last.error_message;
    else if (!t.error_body.empty()) msg += ": " + printable(t.error_body);
    const bool retry = last.status >= 500 || last.status == 429 || last.status == 408;
    return download_error(retry ? download_error::kind::transient : download_error::kind::http, msg, last.status,
                          last.error_code);
}

download_error transport_failure(CURLcode rc, const transfer& t, const std::string& url, const char* errbuf) {
    const std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            // Failing to reach a redirect's target after the Hub answered is a hiccup, not "no network".
            return download_error(t.hops.empty() ? download_error::kind::no_connection
                                                 : download_error::kind::transient,
                                  url + ": " + detail);
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            return download_error(download_error::kind::transient, url + ": " + detail);
        default:
            return download_error(download_error::kind::fatal, url + ": " + detail);
    }
}

}  // namespace

struct http_client::impl {
    CURL* handle = nullptr;
    curl_slist* headers = nullptr;
    std::string protocols;
    char errbuf[CURL_ERROR_SIZE] = {};

    void prepare(const std::string& url, transfer& t) {
        curl_easy_reset(handle);  // keeps the connection cache
        errbuf[0] = 0;
        curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
        curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, protocols.c_str());
        curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, protocols.c_str());
        curl_easy_setopt(handle, CURLOPT_USERAGENT, "sonavec/0.1");
        curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 20L);
        // A stalled transfer (under 1 byte/s for a minute) is abandoned and retried from the .part.
        curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
        curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(handle, CURLOPT_HEADERDATA, &t);
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &t);
    }
};

http_client::http_client(std::string bearer_token, bool allow_plain_http) : impl_(std::make_unique<impl>()) {
    for (char c : bearer_token)
        if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) throw error("HF_TOKEN contains control characters");
    init_curl_once();
    impl_->protocols = allow_plain_http ? "http,https" : "https";
    if (!bearer_token.empty()) {
        // curl drops a custom Authorization header when a redirect leaves the host, so the CDN never sees it.
        const std::string header = "Authorization: Bearer " + bearer_token;
        impl_->headers = curl_slist_append(nullptr, header.c_str());
        if (!impl_->headers) throw error("out of memory");
    }
    impl_->handle = curl_easy_init();
    if (!impl_->handle) {
        curl_slist_free_all(impl_->headers);
        throw error("cannot create a libcurl handle");
    }
}

http_client::~http_client() {
    curl_slist_free_all(impl_->headers);
    curl_easy_cleanup(impl_->handle);
}

remote_file http_client::probe(const std::string& url) {
    transfer t;
    impl_->prepare(url, t);
    curl_easy_setopt(impl_->handle, CURLOPT_NOBODY, 1L);
    const CURLcode rc = curl_easy_perform(impl_->handle);
    if (rc != CURLE_OK) throw transport_failure(rc, t, url, impl_->errbuf);
    if (t.hops.empty()) throw download_error(download_error::kind::fatal, url + ": no HTTP response");
    const response_headers& last = t.hops.back();
    if (last.status != 200) throw http_failure(t, url);
    const std::optional<uint64_t> size = announced_size(t, last);
    if (!size) throw download_error(download_error::kind::fatal, url + ": the server did not say how large it is");
    return {*size, announced_sha256(t)};
}

download_result http_client::download(const std::string& url, const fs::path& destination, const std::string& label,
                                      bool show_progress) {
    transfer t;
    t.part = destination;
    t.part += ".part";
    std::error_code ec;
    if (fs::is_regular_file(t.part, ec)) {
        t.offset = fs::file_size(t.part, ec);
        if (ec) t.offset = 0;
    }
    download_progress progress(label, show_progress);
    t.progress = &progress;
    // Whatever way this returns, a live progress line is ended before the next message.
    struct end_line {
        download_progress& p;
        ~end_line() { p.abandon(); }
    } guard{progress};

    impl_->prepare(url, t);
    const std::string range = std::to_string(t.offset) + "-";
    if (t.offset > 0) curl_easy_setopt(impl_->handle, CURLOPT_RANGE, range.c_str());
    curl_easy_setopt(impl_->handle, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(impl_->handle, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(impl_->handle, CURLOPT_XFERINFODATA, &t);
    const CURLcode rc = curl_easy_perform(impl_->handle);
    // A 200 or 206 with an empty body never reached the write callback.
    if (rc == CURLE_OK && t.failure.empty() && !t.body_decided && !t.hops.empty()) start_body(t);
    const bool closed_ok = !t.out || std::fclose(t.out.release()) == 0;

    if (t.remove_part) fs::remove(t.part, ec);
    if (!t.failure.empty()) throw download_error(t.failure_kind, label + ": " + t.failure);
    if (rc != CURLE_OK) {
        download_error e = transport_failure(rc, t, url, impl_->errbuf);
        if (e.what_kind != download_error::kind::transient || !t.writing) throw e;
        throw download_error(e.what_kind, std::string(e.what()) + "; " + label + " stopped after " +
                                              std::to_string(t.written) + " of " + std::to_string(t.expected) +
                                              " bytes, kept in " + t.part.string() + " to resume from");
    }
    if (t.hops.empty()) throw download_error(download_error::kind::fatal, url + ": no HTTP response");
    if (!closed_ok) throw download_error(download_error::kind::fatal, "cannot write " + t.part.string());

    const response_headers& last = t.hops.back();
    if (last.status == 416 && t.offset > 0) {
        // The .part may already be whole: a pull stopped between the last byte and the rename.
        const std::optional<uint64_t> total =
            t.hops.front().linked_size ? t.hops.front().linked_size : parse_content_range(last.content_range).total;
        if (!total || *total != t.offset) {
            fs::remove(t.part, ec);
            throw download_error(download_error::kind::transient,
                                 url + ": the server cannot resume from " + t.part.string() + "; starting over");
        }
        t.expected = *total;
    } else if (last.status != 200 && last.status != 206) {
        throw http_failure(t, url);
    }

    const uint64_t size = fs::file_size(t.part, ec);
    if (ec) throw download_error(download_error::kind::fatal, "cannot read " + t.part.string() + ": " + ec.message());
    if (size < t.expected)
        throw download_error(download_error::kind::transient,
                             label + ": the transfer ended after " + std::to_string(size) + " of " +
                                 std::to_string(t.expected) + " bytes, kept in " + t.part.string() + " to resume from");
    if (size != t.expected) {
        fs::remove(t.part, ec);
        throw download_error(download_error::kind::integrity, label + ": size mismatch: got " + std::to_string(size) +
                                                                  " bytes, the server announced " +
                                                                  std::to_string(t.expected));
    }
    download_result result{size, false};
    if (const std::string want = announced_sha256(t); !want.empty()) {
        const std::string got = sha256_file_hex(t.part);
        if (got != want) {
            fs::remove(t.part, ec);
            throw download_error(download_error::kind::integrity,
                                 label + ": SHA-256 mismatch: got " + got + ", the Hub announced " + want);
        }
        result.sha256_checked = true;
    }
    fs::rename(t.part, destination, ec);
    if (ec)
        throw download_error(download_error::kind::fatal,
                             "cannot move " + t.part.string() + " into place: " + ec.message());
    progress.finish(size);
    return result;
}

}  // namespace sonavec
