#!/usr/bin/python3
"""HTTP test server on a container network's gateway address (ContainerTestNetwork).

Usage: gateway_web_server.py ADDRESS PORT LOG

Binds ADDRESS:PORT with IP_FREEBIND: the address is the host's end of a podman bridge, which
exists only while a container is attached, and the server must be listening before that.
Answers every GET and HEAD with 200 and a short text, and writes one line per request to LOG,
before answering (a client that has the answer finds the line):
    <peer> <METHOD> <Host or -> <path>
Runs until killed.
"""
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)
LOG_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "egresswatch-test"
    sys_version = ""
    timeout = 10

    def log_message(self, fmt, *args):  # the request log below replaces stderr chatter
        pass

    def _answer(self):
        line = "%s %s %s %s\n" % (self.client_address[0], self.command, self.headers.get("Host") or "-", self.path)
        with LOG_LOCK:
            with open(self.server.log_path, "a") as log:
                log.write(line)
        body = b"hello from the gateway\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = _answer
    do_HEAD = _answer


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, port, log_path):
        self.log_path = log_path
        super().__init__((address, port), Handler)

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
        super().server_bind()


def main():
    address, port, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    open(log_path, "a").close()
    GatewayServer(address, port, log_path).serve_forever()


if __name__ == "__main__":
    main()
