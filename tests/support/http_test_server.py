#!/usr/bin/env python3
"""A small stand-in for the Hugging Face Hub, for the download client's tests. Test use only.

Serves the files of --root as the repository --repo at /{repo}/resolve/{revision}/{file} over HTTP/1.1 on
127.0.0.1, on a free port that it prints as the first line of stdout. Supports HEAD and Range requests.
It exits when its stdin closes, so it never outlives the test that started it.

  --lfs                  serve *.safetensors and *.bin the way the Hub serves LFS files: a 302 to /cdn/...
                         carrying X-Linked-Size and X-Linked-Etag (the SHA-256); the CDN's own ETag is a
                         different 64-hex value that a client must not take for the SHA-256
  --cut FILE:N           the first GET of FILE sends only N body bytes, then closes the connection
  --size-delta FILE:D    X-Linked-Size of FILE is off by D bytes (needs --lfs)
  --bad-sha FILE         X-Linked-Etag of FILE is a wrong SHA-256 (needs --lfs)
  --log PATH             one line per request: METHOD PATH range=<Range header or -> auth=<Authorization or ->
"""
import argparse
import hashlib
import http.server
import os
import socket
import sys
import threading
import urllib.parse


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--repo", default="laion/clap-htsat-unfused")
    p.add_argument("--lfs", action="store_true")
    p.add_argument("--cut", action="append", default=[])
    p.add_argument("--size-delta", action="append", default=[])
    p.add_argument("--bad-sha", action="append", default=[])
    p.add_argument("--log")
    return p.parse_args()


ARGS = parse_args()
CUTS = {name: int(n) for name, n in (c.rsplit(":", 1) for c in ARGS.cut)}
SIZE_DELTAS = {name: int(d) for name, d in (c.rsplit(":", 1) for c in ARGS.size_delta)}
LOCK = threading.Lock()


def log(line):
    if ARGS.log:
        with LOCK, open(ARGS.log, "a") as f:
            f.write(line + "\n")


def is_lfs(name):
    return ARGS.lfs and (name.endswith(".safetensors") or name.endswith(".bin"))


def file_path(name):
    # Only plain names in the root: nothing a request says can reach outside it.
    if not name or "/" in name or name.startswith("."):
        return None
    path = os.path.join(ARGS.root, name)
    return path if os.path.isfile(path) else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_HEAD(self):
        self.handle_request(send_body=False)

    def do_GET(self):
        self.handle_request(send_body=True)

    def handle_request(self, send_body):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        log("%s %s range=%s auth=%s" % (self.command, path, self.headers.get("Range", "-"),
                                         self.headers.get("Authorization", "-")))
        if path.startswith("/cdn/"):
            return self.serve_file(path[len("/cdn/"):], send_body, cdn=True)
        prefix = "/" + ARGS.repo + "/resolve/"
        if not path.startswith(prefix):
            return self.error(404, "RepoNotFound", "Repository not found")
        rest = path[len(prefix):]
        if "/" not in rest:
            return self.error(404, "EntryNotFound", "Entry not found")
        revision, name = rest.split("/", 1)
        if revision != "main":
            return self.error(404, "RevisionNotFound", "Revision not found")
        if file_path(name) is None:
            return self.error(404, "EntryNotFound", "Entry not found")
        if is_lfs(name):
            return self.redirect(name)
        return self.serve_file(name, send_body, cdn=False)

    def error(self, status, code, message):
        body = message.encode()
        self.send_response(status)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, name):
        data = open(file_path(name), "rb").read()
        sha = hashlib.sha256(data).hexdigest()
        if name in ARGS.bad_sha:
            sha = hashlib.sha256(data + b"tampered").hexdigest()
        self.send_response(302)
        self.send_header("Location", "/cdn/" + name + "?signature=test")
        self.send_header("X-Linked-Size", str(len(data) + SIZE_DELTAS.get(name, 0)))
        self.send_header("X-Linked-Etag", '"%s"' % sha)
        self.send_header("ETag", '"%s"' % sha)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve_file(self, name, send_body, cdn):
        path = file_path(name)
        if path is None:
            return self.error(404, "EntryNotFound", "Entry not found")
        data = open(path, "rb").read()
        size = len(data)
        if cdn:
            etag = hashlib.sha256(b"cdn" + data).hexdigest()
        else:
            etag = hashlib.sha1(b"blob %d\0" % size + data).hexdigest()
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng:
            if not rng.startswith("bytes=") or "," in rng:
                return self.error(400, "BadRange", "Unsupported range")
            first, _, last = rng[len("bytes="):].partition("-")
            if not first.isdigit() or last:
                return self.error(400, "BadRange", "Only bytes=N- ranges are supported")
            start = int(first)
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", '"%s"' % etag)
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
        self.end_headers()
        if not send_body:
            return
        with LOCK:
            cut = CUTS.pop(name, None)
        if cut is not None and cut < len(body):
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client hanging up mid-transfer is part of the tests, not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)

    def watch_stdin():
        sys.stdin.read()
        server.shutdown()

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
