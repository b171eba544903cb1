#!/usr/bin/python3
"""Virtual-hosting HTTP/1.1 and HTTPS test server for a network namespace (NamedTestHosts).

Usage: web_server.py HTTP_PORT HTTPS_PORT CERT KEY LOG

Both servers are dual-stack (one IPv6 socket accepting IPv4-mapped peers), keep connections
alive (HTTP/1.1) and give every response a Content-Length. The HTTPS server offers ALPN
http/1.1 and remembers the SNI each connection sent. One line per request goes to LOG:
    <scheme> <peer> <peer_port> <sni or -> <METHOD> <host or -> <path> <status> <bytes>
so a test can see which requests shared a connection (same peer port). Runs until killed.

Routes (the query string is ignored for routing):
    Host secure.test on the plain port, any path  200 "secure-plain"
    /                                            200 text naming the Host (and the SNI)
    /pool/main/x/x_1.0_amd64.deb, any *.deb      200 a few KiB, application/vnd.debian.binary-package
    /api/v1/status                               200 small JSON
    /big.iso                                     200 2 MiB
    POST /api/v1/echo                            200 JSON with the request body's length
    /missing and anything else                   404
"""
import json
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEB_BODY = bytes((i * 7 + 3) & 0xFF for i in range(6 * 1024))
BIG_BODY = b"egresswatch-big-iso-".ljust(64, b".") * (2 * 1024 * 1024 // 64)
LOG_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "egresswatch-test"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is closed after this long

    def log_message(self, fmt, *args):  # the request log below replaces stderr chatter
        pass

    def _host(self):
        host = self.headers.get("Host")
        if not host:
            return None
        if host.startswith("["):  # [v6]:port
            return host.split("]")[0] + "]"
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host

    def _send(self, status, body, content_type="text/plain; charset=utf-8"):
        if isinstance(body, str):
            body = body.encode()
        self._log(status, len(body))  # before answering: a client that has the answer finds the line
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _log(self, status, size):
        tls = isinstance(self.connection, ssl.SSLSocket)
        sni = getattr(self.connection, "egresswatch_sni", None) if tls else None
        peer = self.client_address
        line = "%s %s %d %s %s %s %s %d %d\n" % (
            "https" if tls else "http", peer[0], peer[1], sni or "-", self.command,
            self._host() or "-", self.path, status, size)
        with LOG_LOCK:
            with open(self.server.log_path, "a") as log:
                log.write(line)

    def _route(self):
        tls = isinstance(self.connection, ssl.SSLSocket)
        host = self._host()
        path = self.path.split("?", 1)[0]
        if not tls and host == "secure.test":
            return self._send(200, "secure-plain")
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            received = self.rfile.read(length) if length > 0 else b""
            if path == "/api/v1/echo":
                return self._send(200, json.dumps({"received": len(received)}), "application/json")
            return self._send(404, "not found\n")
        if path == "/":
            sni = getattr(self.connection, "egresswatch_sni", None) if tls else None
            text = "hello from %s\nhost=%s\ntls=%s\nsni=%s\n" % (host, host, "yes" if tls else "no", sni or "-")
            return self._send(200, text)
        if path.endswith(".deb"):
            return self._send(200, DEB_BODY, "application/vnd.debian.binary-package")
        if path == "/api/v1/status":
            return self._send(200, json.dumps({"status": "ok", "host": host}), "application/json")
        if path == "/big.iso":
            return self._send(200, BIG_BODY, "application/octet-stream")
        return self._send(404, "not found\n")

    do_GET = _route
    do_HEAD = _route
    do_POST = _route


class DualStackServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port, log_path, tls_context=None):
        self.log_path = log_path
        self.tls_context = tls_context
        super().__init__(("::", port), Handler)

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def finish_request(self, request, client_address):
        # Runs in the connection's own thread: a slow or broken TLS client never holds up accept().
        if self.tls_context is not None:
            request.settimeout(10)
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
            request.settimeout(None)
        super().finish_request(request, client_address)


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])

    def remember_sni(sock, server_name, _ctx):
        sock.egresswatch_sni = server_name
        return None

    ctx.sni_callback = remember_sni
    return ctx


def main():
    http_port, https_port = int(sys.argv[1]), int(sys.argv[2])
    cert, key, log_path = sys.argv[3], sys.argv[4], sys.argv[5]
    plain = DualStackServer(http_port, log_path)
    secure = DualStackServer(https_port, log_path, tls_context(cert, key))
    threading.Thread(target=secure.serve_forever, daemon=True).start()
    plain.serve_forever()


if __name__ == "__main__":
    main()
