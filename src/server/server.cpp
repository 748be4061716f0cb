// server.h: the httplib server, its limits, the check made before every route, and the one place
// errors become responses.
#include "server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "routes.h"
#include "sonavec/error.h"

namespace sonavec::server {

namespace {

void send_error(httplib::Response& res, int status, const std::string& kind, const std::string& message) {
    res.status = status;
    res.set_content(nlohmann::json{{"error", message}, {"kind", kind}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    json_type);
}

// A library error names its folder (".../lib holds no recordings ..."): a client is told "the library"
// instead, as it is never told where the server keeps its files. A track's path under that folder
// (the folder followed by '/') stays as it is.
std::string without_library_folder(std::string message, const std::string& folder) {
    if (folder.empty()) return message;
    for (size_t at = message.find(folder); at != std::string::npos; at = message.find(folder, at)) {
        if (at + folder.size() < message.size() && message[at + folder.size()] == '/') {
            at += folder.size();
            continue;
        }
        message.replace(at, folder.size(), "the library");
        at += std::string("the library").size();
    }
    return message;
}

// The audio route's path (routes.cpp), the one that answers byte ranges.
bool is_audio_path(const std::string& path) {
    const std::string prefix = "/api/tracks/", suffix = "/audio";
    return path.size() > prefix.size() + suffix.size() && path.rfind(prefix, 0) == 0 &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The Host header's host part: "127.0.0.1" of "127.0.0.1:8750", "::1" of "[::1]:8750".
std::string host_of(const std::string& host) {
    if (!host.empty() && host[0] == '[') return host.substr(1, host.find(']') - 1);
    return host.substr(0, host.find(':'));
}

}  // namespace

struct api_server::impl {
    api_context ctx;
    httplib::Server http;
    int listening = -1;  // the socket bound last
};

api_server::api_server(server_options options) : impl_(std::make_unique<impl>()) {
    if (!is_loopback(options.bind) && options.token.empty())
        throw error(error_kind::invalid_input, "serving on " + options.bind + " (not this machine alone) needs a token");
    if (options.port < 0 || options.port > 65535) throw error(error_kind::invalid_input, "the port must be 0 to 65535");
    if (options.threads < 1 || options.threads > 256) throw error(error_kind::invalid_input, "the server's threads must be 1 to 256");
    if (!(options.timeout_seconds > 0 && options.timeout_seconds <= 3600))
        throw error(error_kind::invalid_input, "the server's timeout must be more than 0 s and at most an hour");
    impl_->ctx.lib = library::open(options.library_dir, library::open_mode::read_only);
    if (options.model) {
        impl_->ctx.eng = engine::open(*options.model);
        impl_->ctx.texts = std::make_unique<text_query_vectors>(*impl_->ctx.eng);
    }
    impl_->ctx.indexing = std::make_unique<index_job>(options.library_dir, impl_->ctx.eng.get());
    impl_->ctx.options = std::move(options);
    const server_options& o = impl_->ctx.options;
    httplib::Server& http = impl_->http;
    const int threads = o.threads;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    http.set_payload_max_length(o.max_upload_bytes + (64u << 10));  // the upload and its multipart framing
    // Whole seconds and the microseconds past them: 0.5 s truncated to 0 would be no wait at all.
    const auto secs = static_cast<time_t>(o.timeout_seconds);
    const auto usecs = static_cast<time_t>((o.timeout_seconds - static_cast<double>(secs)) * 1e6);
    http.set_read_timeout(secs, usecs);
    http.set_write_timeout(secs, usecs);
    // One request per connection: httplib 0.11 answers some requests before reading their bodies (a
    // refused origin or token, a GET with a body, an address over 8 KB) and would read that body as the
    // next request, one that names no Origin; it also drops pipelined requests read with the one before.
    http.set_keep_alive_max_count(1);
    // Without it a response's header and body segments wait on the client's delayed ACK: 40 ms each.
    http.set_tcp_nodelay(true);
    // With a connection per request, httplib 0.11's listen backlog of 5 overflows under load and each
    // dropped connection waits out a 1 s SYN retry; run() raises it on the listening socket, noted here
    // (these are httplib's default options otherwise).
    http.set_socket_options([this](int sock) {
        const int yes = 1;
        (void)setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        (void)setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes);
        impl_->listening = sock;
    });

    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        const server_options& opt = impl_->ctx.options;
        // Byte ranges are the audio route's alone: httplib 0.11 would cut any answer, JSON included, to
        // the Range asked for. (req is process_request's own Request, not a const object.)
        if (!is_audio_path(req.path)) const_cast<httplib::Request&>(req).ranges.clear();
        // A GET or HEAD carries no body: one that claims one is malformed (its bytes would be read as
        // the next request).
        if ((req.method == "GET" || req.method == "HEAD") &&
            (req.has_header("Transfer-Encoding") || (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0"))) {
            send_error(res, 400, "bad request", "a GET request carries no body");
            return httplib::Server::HandlerResponse::Handled;
        }
        // A page of another site may not use this server through the user's browser (no CORS): a request
        // naming another origin is refused, and on loopback the Host must be this machine's name too, so
        // that a rebound DNS name cannot pass for it.
        const std::string host = req.get_header_value("Host");
        if (is_loopback(opt.bind) && !host.empty() && !is_loopback(host_of(host))) {
            send_error(res, 403, "forbidden", "this server answers requests for this machine only");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (req.has_header("Origin") && req.get_header_value("Origin") != "http://" + host) {
            send_error(res, 403, "forbidden", "requests from another origin are refused");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!opt.token.empty()) {
            std::string given = req.get_header_value("Authorization");
            given = given.rfind("Bearer ", 0) == 0 ? given.substr(7) : req.get_param_value("token");
            if (!same_token(given, opt.token)) {
                send_error(res, 401, "unauthorized", "a token is needed: Authorization: Bearer TOKEN");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    const std::string folder = impl_->ctx.lib->dir().string();
    http.set_exception_handler([folder](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
            std::rethrow_exception(ep);
        } catch (const error& e) {
            send_error(res, http_status(e.kind()), error_kind_name(e.kind()), without_library_folder(e.what(), folder));
        } catch (const std::exception&) {
            send_error(res, 500, "internal", "the request failed");  // never a stack or an internal message
        }
    });
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        const_cast<httplib::Request&>(req).ranges.clear();  // an error is sent whole, never cut to a Range
        if (!res.body.empty()) return;                      // a route's own answer
        switch (res.status) {
            case 404: send_error(res, 404, "not found", "no such endpoint"); break;
            case 413: send_error(res, 413, "too large", "the request body is larger than this server takes (--max-upload-mb)"); break;
            case 414: send_error(res, 414, "too large", "the request's address is too long"); break;
            case 416: send_error(res, 416, "bad request", "the Range header cannot be read"); break;
            default: send_error(res, res.status, "bad request", "the request was refused"); break;
        }
    });
    add_routes(http, impl_->ctx);
}

api_server::~api_server() = default;

void api_server::run() {
    const server_options& o = impl_->ctx.options;
    int port = o.port;
    if (port == 0) port = impl_->http.bind_to_any_port(o.bind);
    else if (!impl_->http.bind_to_port(o.bind, port)) port = -1;
    if (port <= 0) throw error(error_kind::io, "cannot listen on " + o.bind + ":" + std::to_string(o.port) + " (in use?)");
    if (impl_->listening >= 0) (void)::listen(impl_->listening, SOMAXCONN);  // Linux: a new backlog
    const std::string host = o.bind.find(':') != std::string::npos ? "[" + o.bind + "]" : o.bind;
    if (o.on_listening) o.on_listening("http://" + host + ":" + std::to_string(port));
    impl_->http.listen_after_bind();
}

void api_server::stop() { impl_->http.stop(); }

}  // namespace sonavec::server
