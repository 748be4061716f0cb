// libFuzzer target: any bytes, sent raw over TCP to sonavec serve's HTTP server (src/server on Debian's
// cpp-httplib), so both the request parsing and the route handlers get them. Two api_server instances run
// in this process on 127.0.0.1 over one small library indexed at start (six generated tracks in two
// folders, a copy of one, a file that is not audio; descriptors, fingerprints, mood tags and a stored map):
// server 0 with the golden model and the token "fuzz-token", server 1 with neither. The input's first byte
// picks the server (even: 0, odd: 1); the rest is the connection's bytes. Both refuse POST /api/index
// (allow_index false), so no input can index a folder of this machine. Crashes and sanitizer reports in
// the servers' threads are bugs, and so is a server that stops answering /api/health (asked every 64
// inputs) or an answer that breaks HTTP's or server.h's promises:
//   - each starts "HTTP/1.1 NNN " and its body is whole (Content-Length or chunks) when the server closes;
//   - no 5xx but 500 of kind "I/O", 501 "unsupported" and 503 "cancelled" (routes.cpp's http_status);
//   - an application/json body parses; every 4xx and 5xx is a JSON object {error, kind} of strings;
//   - no answer names the library's folder, the model's or an upload's temporary file (sonavec-upload-...),
//     and no error names a path under this target's temporary folder but a track's own (unless the
//     request holds that name itself: libFuzzer learns these strings from the checks' comparisons);
//   - a 206 has one Content-Range "bytes A-B/N" inside a track's file, and its body is those bytes of it
//     (so several ranges are answered with the whole file); a 200 of audio is a whole file; no other
//     status but 416 has a Content-Range;
//   - after "Connection: close" the server closes; and it sends no more answers than there are requests
//     in the bytes as RFC 9112 frames them (Content-Length, chunked), since a surplus answer means a
//     request's body was read as a request. Bytes whose framing is unclear (bare LF, odd or repeated
//     Content-Length, other codings...) skip that count.
// A connection ends when the server closes (it does after each answer), 10 ms after a whole answer if it
// keeps the connection, or after 3 s; a complete request unanswered by then is a bug. An unfinished
// request is half-closed at once (the server would wait its read timeout, 25 ms here, for the rest); its
// answer, if any, may then be cut short, since httplib writes nothing more to a half-closed peer.
// Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh (FUZZ_RUNS=http).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "music_signal.h"
#include "server.h"
#include "sonavec/engine.h"
#include "sonavec/library.h"
#include "sonavec/tagging.h"

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr const char* token = "fuzz-token";  // server 0's; scripts/fuzz.sh's seeds send it

std::string printable(std::string_view s) {
    std::string out;
    for (const char c : s.substr(0, 800)) {
        if (c == '\n') out += "\\n\n";
        else if (c == '\r') out += "\\r";
        else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
            out += hex;
        } else out += c;
    }
    return out;
}

[[noreturn]] void fail(const std::string& what, std::string_view got = {}) {
    std::fprintf(stderr, "ERROR: fuzz_http_server: %s\n", what.c_str());  // "ERROR": scripts/fuzz.sh shows it
    if (!got.empty()) std::fprintf(stderr, "the answer (its start):\n%s\n", printable(got).c_str());
    std::abort();
}

struct fixture {
    fs::path dir, library, music;  // music: the tracks' folder, the one path errors may name (a track's own)
    std::vector<std::string> files;  // every track's bytes, to check what the audio route sends
    int port[2] = {0, 0};
};

// A server on a thread of its own, never destroyed: it serves until the process ends.
int start_server(sonavec::server::server_options o) {
    auto listening = std::make_shared<std::promise<int>>();
    auto port = listening->get_future();
    o.on_listening = [listening](const std::string& url) { listening->set_value(std::stoi(url.substr(url.rfind(':') + 1))); };
    auto* server = new sonavec::server::api_server(std::move(o));
    std::thread([server] { server->run(); }).detach();
    if (port.wait_for(std::chrono::seconds(60)) != std::future_status::ready) fail("a server did not start");
    return port.get();
}

fixture* make_fixture() {
    auto* f = new fixture;
    std::string dir = (fs::temp_directory_path() / "sonavec-fuzz-http-XXXXXX").string();
    if (!::mkdtemp(dir.data())) fail("mkdtemp failed");
    f->dir = dir;
    f->library = f->dir / "library";
    f->music = f->dir / "music";
    const fs::path& music = f->music;
    ::setenv("XDG_CACHE_HOME", (f->dir / "cache").c_str(), 1);  // the text cache and model digests stay in here
    fs::create_directories(music / "kicks");
    fs::create_directories(music / "pads");
    for (uint32_t i = 0; i < 6; i++) {
        const fs::path p = music / (i % 2 ? "pads" : "kicks") / ("track_" + std::to_string(i) + ".wav");
        sonavec::test::write_stereo_wav(p, sonavec::test::music_signal(i + 1, 1.5 + 0.5 * i, 22050), 22050);
    }
    fs::copy_file(music / "kicks" / "track_0.wav", music / "pads" / "copy_of_0.wav");  // a duplicate group
    std::ofstream(music / "broken.wav") << "RIFF, and nothing else";                  // a failed row

    sonavec::engine_params model;
    model.model_dir = SONAVEC_TEST_DATA "/golden/model";
    model.threads = 1;
    {
        const auto eng = sonavec::engine::open(model);
        const auto lib = sonavec::library::open(f->library, sonavec::library::open_mode::create);
        sonavec::index_params ip;
        ip.threads = 1;
        lib->index({music}, *eng, ip);
        sonavec::analyze_params ap;
        ap.threads = 1;
        lib->analyze(ap);
        sonavec::retag_params rp;
        rp.threads = 1;
        lib->retag(*eng, {sonavec::builtin_taxonomy("mood")}, rp);
        lib->map({});  // stored, so GET /api/map keeps it instead of laying it out again
    }
    for (const auto& e : fs::recursive_directory_iterator(music)) {
        if (!e.is_regular_file()) continue;
        std::ifstream in(e.path(), std::ios::binary);
        f->files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    sonavec::server::server_options o;
    o.library_dir = f->library;
    o.port = 0;
    o.threads = 4;
    o.timeout_seconds = 0.025;  // an unfinished request is given up soon
    o.allow_index = false;      // never index this machine's folders
    o.max_upload_bytes = 1u << 20;
    f->port[1] = start_server(o);
    o.model = model;
    o.token = token;
    f->port[0] = start_server(o);
    return f;
}

// --- The requests' framing (RFC 9112), to bound how many answers the bytes may get ---

struct framing {
    bool known = true;     // false: something whose framing is unclear; no count is checked
    size_t complete = 0;   // whole requests
    bool partial = false;  // and an unfinished one after them
    // Each request's method; "HEAD?" where the server may or may not read a HEAD, "?" where not.
    std::vector<std::string> methods;
};

bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool request_line(std::string_view line, std::string& method) {
    static const std::vector<std::string_view> methods = {"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                                          "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI"};
    const size_t a = line.find(' '), b = line.rfind(' ');
    if (a == std::string_view::npos || a == b || b == a + 1) return false;
    method = std::string(line.substr(0, a));
    const std::string_view target = line.substr(a + 1, b - a - 1), version = line.substr(b + 1);
    const std::string_view path = target.substr(0, target.find('#'));
    return std::find(methods.begin(), methods.end(), method) != methods.end() && target.find(' ') == std::string_view::npos &&
           path.find('?') == path.rfind('?') && (version == "HTTP/1.1" || version == "HTTP/1.0");
}

// Whether httplib may take these bytes' request as a HEAD, whose answer has no body: its first word,
// after any spaces, is HEAD.
bool maybe_head(std::string_view s) {
    const size_t start = s.find_first_not_of(' ');
    return start != std::string_view::npos && s.substr(start, 4) == "HEAD";
}

framing frame_requests(std::string_view s) {
    framing f;
    const auto unclear = [&f] {
        f.known = false;
        return f;
    };
    size_t at = 0;
    while (at < s.size()) {
        const size_t end = s.find("\r\n\r\n", at);
        if (end == std::string_view::npos) {
            for (size_t i = at; i < s.size(); i++)  // a bare CR or LF: httplib skips such lines, and may end there
                if ((s[i] == '\n' && (i == at || s[i - 1] != '\r')) || (s[i] == '\r' && i + 1 < s.size() && s[i + 1] != '\n'))
                    return unclear();
            f.partial = true;
            f.methods.push_back(maybe_head(s.substr(at)) ? "HEAD?" : "?");
            return f;
        }
        const std::string_view head = s.substr(at, end + 2 - at);
        for (const char c : head)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f) return unclear();
        std::optional<uint64_t> length;
        bool chunked = false;
        for (size_t line_at = 0, n = 0; line_at < head.size(); n++) {
            const size_t crlf = head.find("\r\n", line_at);
            const std::string_view line = head.substr(line_at, crlf - line_at);
            line_at = crlf + 2;
            if (line.find_first_of("\r\n") != std::string_view::npos) return unclear();
            if (n == 0) {
                std::string method;
                if (!request_line(line, method)) return unclear();
                f.methods.push_back(method);
                continue;
            }
            const size_t colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return unclear();
            for (const char c : line.substr(0, colon))
                if (!is_tchar(c)) return unclear();
            const std::string name = lower(line.substr(0, colon));
            const std::string_view value = trimmed(line.substr(colon + 1));
            if (name == "content-length") {
                if (length || value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string_view::npos)
                    return unclear();
                length = std::stoull(std::string(value));
            } else if (name == "transfer-encoding") {
                if (chunked || lower(value) != "chunked") return unclear();
                chunked = true;
            }
        }
        if (chunked && length) return unclear();
        at = end + 4;
        if (chunked) {
            for (;;) {
                const size_t crlf = s.find("\r\n", at);
                if (crlf == std::string_view::npos) {
                    f.partial = true;
                    return f;
                }
                const std::string_view size_line = s.substr(at, crlf - at);
                if (size_line.empty() || size_line.size() > 8 || size_line.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos)
                    return unclear();
                const uint64_t n = std::stoull(std::string(size_line), nullptr, 16);
                at = crlf + 2;
                if (at + n + 2 > s.size()) {
                    f.partial = true;
                    return f;
                }
                if (s.substr(at + n, 2) != "\r\n") return unclear();  // trailers, or a chunk of another length
                at += n + 2;
                if (n == 0) break;
            }
        } else if (length) {
            if (at + *length > s.size()) {
                f.partial = true;
                return f;
            }
            at += *length;
        }
        f.complete++;
    }
    return f;
}

// --- The answers ---

struct response {
    int status = 0;
    bool bodiless = false;  // a HEAD's answer, or a status that has no body
    std::string head;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    bool complete = false;

    std::optional<std::string> header(const std::string& name) const {
        for (const auto& [n, v] : headers)
            if (n == name) return v;
        return std::nullopt;
    }
};

// The answers in `got`, the last perhaps unfinished. `methods` are the requests' (framing's): a HEAD's
// answer has no body, a "HEAD?"'s has one when bytes follow its head before the server closes. Answers
// past them are read as answers to a GET when `past` is true, else left unread.
std::vector<response> parse_responses(std::string_view got, const std::vector<std::string>& methods, bool past, bool closed) {
    std::vector<response> out;
    size_t at = 0, final_count = 0;
    while (at < got.size()) {
        if (final_count >= methods.size() && !past) break;
        const std::string method = final_count < methods.size() ? methods[final_count] : "GET";
        response r;
        const size_t end = got.find("\r\n\r\n", at);
        const std::string_view start = got.substr(at, 13);
        if (start.size() >= 9 && (start.substr(0, 9) != "HTTP/1.1 " ||
                                  (start.size() >= 13 && (!std::isdigit(static_cast<unsigned char>(start[9])) ||
                                                          !std::isdigit(static_cast<unsigned char>(start[10])) ||
                                                          !std::isdigit(static_cast<unsigned char>(start[11])) || start[12] != ' '))))
            fail("an answer that does not start HTTP/1.1 NNN", got.substr(at));
        if (end == std::string_view::npos) {
            if (closed) fail("the server closed in the middle of an answer's headers", got.substr(at));
            out.push_back(std::move(r));
            return out;
        }
        r.head = std::string(got.substr(at, end + 2 - at));
        if (r.head.size() < 13) fail("an answer that does not start HTTP/1.1 NNN", r.head);
        r.status = std::stoi(r.head.substr(9, 3));
        if (r.status < 100) fail("a status under 100", r.head);
        for (size_t line_at = r.head.find("\r\n") + 2; line_at < r.head.size();) {
            const size_t crlf = r.head.find("\r\n", line_at);
            const std::string line = r.head.substr(line_at, crlf - line_at);
            line_at = crlf + 2;
            const size_t colon = line.find(": ");
            if (colon == std::string::npos) fail("an answer's header line without ': '", r.head);
            r.headers.emplace_back(lower(line.substr(0, colon)), line.substr(colon + 2));
        }
        at = end + 4;
        const bool interim = r.status < 200;
        if (method == "HEAD?" && at == got.size() && !closed) {  // a body may yet come
            out.push_back(std::move(r));
            return out;
        }
        r.bodiless = interim || r.status == 204 || r.status == 304 || method == "HEAD" || (method == "HEAD?" && at == got.size());
        if (r.bodiless) {
            r.complete = true;
        } else if (lower(r.header("transfer-encoding").value_or("")) == "chunked") {
            for (;;) {
                const size_t crlf = got.find("\r\n", at);
                if (crlf == std::string_view::npos) break;
                const uint64_t n = std::strtoull(std::string(got.substr(at, crlf - at)).c_str(), nullptr, 16);
                if (crlf + 2 + n + 2 > got.size()) break;
                r.body.append(got.substr(crlf + 2, n));
                at = crlf + 2 + n + 2;
                if (n == 0) {
                    r.complete = true;
                    break;
                }
            }
        } else if (const auto length = r.header("content-length")) {
            const uint64_t n = std::strtoull(length->c_str(), nullptr, 10);
            if (got.size() - at >= n) {
                r.body = std::string(got.substr(at, n));
                at += n;
                r.complete = true;
            }
        } else {  // until the server closes
            r.body = std::string(got.substr(at));
            at = got.size();
            r.complete = closed;
        }
        if (!r.complete) {
            if (closed) fail("the server closed before the end of an answer's body", r.head);
            out.push_back(std::move(r));
            return out;
        }
        if (!interim) final_count++;
        out.push_back(std::move(r));
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

void check_range(const response& r, const fixture& f) {
    const auto given = r.header("content-range");
    if (!given) fail("a 206 without a Content-Range (several ranges answered part by part)", r.head);
    const std::string range = *given;
    unsigned long long a = 0, b = 0, n = 0;
    char tail = 0;
    if (std::sscanf(range.c_str(), "bytes %llu-%llu/%llu%c", &a, &b, &n, &tail) != 3 || a > b || b >= n)
        fail("a 206 whose Content-Range '" + range + "' is not inside the file", r.head);
    if (r.body.size() != b - a + 1) fail("a 206 whose body is not its Content-Range's length", r.head);
    for (const std::string& file : f.files)
        if (file.size() == n && file.compare(a, b - a + 1, r.body) == 0) return;
    fail("a 206 whose bytes are not those of a track's file", r.head);
}

// `input` is the request's bytes: a name it holds itself may come back in an error's message.
void check_response(const response& r, const fixture& f, std::string_view input) {
    const std::string type = r.header("content-type").value_or("");
    const bool coded = r.header("content-encoding").has_value();  // gzip or br: the body is not looked into
    const bool has_body = !r.bodiless && !coded;
    const auto names = [&](const std::string& part, const std::string& what) {
        return part.find(what) != std::string::npos && input.find(what) == std::string_view::npos;
    };
    for (const std::string* part : {&r.head, &r.body}) {
        if (names(*part, "sonavec-upload-")) fail("an answer names an upload's temporary file", *part);
        if (names(*part, f.library.string())) fail("an answer names the library's folder", *part);
        if (names(*part, SONAVEC_TEST_DATA "/golden/model")) fail("an answer names the model's folder", *part);
    }
    const bool asked_for_dir = input.find(f.dir.string()) != std::string_view::npos;
    for (size_t at = 0; r.status >= 400 && !asked_for_dir && (at = r.body.find(f.dir.string(), at)) != std::string::npos; at++)
        if (r.body.compare(at, f.music.string().size() + 1, f.music.string() + "/") != 0)
            fail("an error names a path of this machine other than a track's", r.body);
    if (r.status >= 500 && r.status != 500 && r.status != 501 && r.status != 503) fail("a 5xx no error kind maps to", r.head);
    if (has_body && starts_with(type, "application/json")) {
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_discarded()) fail("an application/json answer that is not JSON", r.head + r.body);
        if (r.status >= 400) {
            if (!j.is_object() || !j.contains("error") || !j["error"].is_string() || !j.contains("kind") || !j["kind"].is_string())
                fail("an error that is not {error, kind}", r.body);
            const std::string kind = j["kind"];
            if ((r.status == 500 && kind != "I/O") || (r.status == 501 && kind != "unsupported") || (r.status == 503 && kind != "cancelled"))
                fail("a " + std::to_string(r.status) + " of kind " + kind, r.body);
        }
    } else if (has_body && r.status >= 400) {
        fail("an error that is not JSON", r.head + r.body);
    }
    if (has_body && starts_with(type, "multipart/byteranges") && r.body.find("application/json") != std::string::npos)
        fail("a JSON answer cut into byte ranges", r.head);
    if (r.status == 206) {
        if (has_body) check_range(r, f);
    } else if (r.header("content-range") && r.status != 416) {
        fail("a Content-Range on a " + std::to_string(r.status), r.head);
    }
    if (r.status == 200 && has_body && starts_with(type, "audio/") &&
        std::find(f.files.begin(), f.files.end(), r.body) == f.files.end())
        fail("a 200 of audio that is not a whole track's file", r.head);
}

// --- The connection ---

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket() failed");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // Room for a whole answer (a track's file), so the server never waits on this thread (its write
    // timeout is short too).
    const int room = 4 << 20;
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &room, sizeof room);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    // Non-blocking, since libFuzzer's SIGALRM (its -timeout watch) would interrupt a blocking connect.
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        if (errno != EINPROGRESS && errno != EINTR) fail(std::string("cannot connect to a server: ") + std::strerror(errno));
        pollfd p{fd, POLLOUT, 0};
        const auto start = clock_type::now();
        while (::poll(&p, 1, 100) <= 0)
            if (clock_type::now() - start > std::chrono::seconds(10)) fail("cannot connect to a server in 10 s");
        int err = 0;
        socklen_t n = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) != 0 || err != 0)
            fail(std::string("cannot connect to a server: ") + std::strerror(err));
    }
    return fd;
}

void exchange(const fixture& f, int port, std::string_view input) {
    const framing fr = frame_requests(input);
    std::vector<std::string> methods = fr.methods;
    if (!fr.known) methods.assign(1, maybe_head(input) ? "HEAD?" : "?");  // the first answer alone is checked
    const int fd = connect_to(port);
    size_t sent = 0;
    bool shut = false, closed = false;
    std::string got;
    std::vector<response> answers;
    const auto start = clock_type::now();
    auto last_byte = start;
    std::optional<clock_type::time_point> close_by;
    for (;;) {
        while (sent < input.size()) {
            const ssize_t w = ::send(fd, input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
            if (w > 0) {
                sent += static_cast<size_t>(w);
            } else {
                if (errno != EAGAIN && errno != EWOULDBLOCK) sent = input.size();  // the server has closed
                break;
            }
        }
        if (sent == input.size() && !shut && fr.known && fr.complete == 0 && fr.partial) {
            ::shutdown(fd, SHUT_WR);  // nothing to answer: let the server see the end now
            shut = true;
        }
        char buf[1 << 16];
        for (;;) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n > 0) {
                got.append(buf, static_cast<size_t>(n));
                last_byte = clock_type::now();
            } else {
                if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;  // FIN or reset
                break;
            }
        }
        // After our half-close httplib may stop writing at any point (it writes to no half-closed peer).
        answers = parse_responses(got, methods, fr.known, closed && !shut);
        if (closed) break;
        const auto now = clock_type::now();
        size_t finals = 0;
        bool says_close = false;
        for (const response& r : answers) {
            if (!r.complete || r.status < 200) continue;
            finals++;
            says_close |= r.header("connection") == "close";
        }
        const bool whole = !answers.empty() && answers.back().complete;
        if (says_close) {
            if (!close_by) close_by = now + std::chrono::seconds(1);
            if (now > *close_by) fail("the server said Connection: close and kept the connection open", got);
        } else if (sent == input.size() && whole && finals > 0 && now - last_byte > std::chrono::milliseconds(10)) {
            break;  // a kept connection, quiet: what was asked is answered (a surplus answer would have come by now)
        }
        if (now - start > std::chrono::seconds(3)) {
            if (answers.empty() && fr.known && fr.complete > 0) fail("no answer in 3 s to a complete request");
            break;
        }
        pollfd p{fd, static_cast<short>(POLLIN | (sent < input.size() ? POLLOUT : 0)), 0};
        ::poll(&p, 1, 5);
    }
    ::close(fd);
    size_t finals = 0;
    for (size_t i = 0; i < answers.size(); i++) {
        const response& r = answers[i];
        if (r.status < 200) continue;  // 100 Continue, or headers not yet whole
        if (r.complete && finals < methods.size()) check_response(r, f, input);
        finals++;
        if (r.header("connection") == "close" && i + 1 != answers.size())
            fail("an answer after one that said Connection: close", got);
    }
    const size_t asked = fr.complete + (fr.partial ? 1 : 0);
    if (fr.known && finals > asked)
        fail("more answers (" + std::to_string(finals) + ") than requests (" + std::to_string(asked) +
                 "): a request's body was read as a request",
             got);
}

// Both servers still answer /api/health (10 s each).
void check_alive(const fixture& f) {
    const std::string ask = std::string("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ") + token +
                            "\r\nConnection: close\r\n\r\n";
    for (int s = 0; s < 2; s++) {
        const int fd = connect_to(f.port[s]);
        (void)::send(fd, ask.data(), ask.size(), MSG_NOSIGNAL);
        std::string got;
        const auto start = clock_type::now();
        while (clock_type::now() - start < std::chrono::seconds(10)) {
            pollfd p{fd, POLLIN, 0};
            ::poll(&p, 1, 100);
            char buf[4096];
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
            if (n > 0) got.append(buf, static_cast<size_t>(n));
        }
        ::close(fd);
        if (!starts_with(got, "HTTP/1.1 200 ")) fail("server " + std::to_string(s) + " no longer answers /api/health", got);
    }
}

const fixture* the_fixture = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    the_fixture = make_fixture();
    std::atexit([] {  // a crash keeps the folder, for a look
        std::error_code ec;
        fs::remove_all(the_fixture->dir, ec);
    });
    check_alive(*the_fixture);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static uint64_t inputs = 0;
    if (size == 0) return 0;
    const fixture& f = *the_fixture;
    exchange(f, f.port[data[0] & 1], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
    if (++inputs % 64 == 0) check_alive(f);
    return 0;
}
