#!/usr/bin/python3
# A tiny HTTP server for the alert webhook test: appends each POST body, as one line, to
# BODIES, answers 204, and writes the port it listens on (127.0.0.1) to PORTFILE once ready.
# Exits after LIFETIME seconds, so a test that fails halfway leaves nothing running for long.
import http.server, os, sys, threading

portfile, bodies, lifetime = sys.argv[1], sys.argv[2], float(sys.argv[3])

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(bodies, "ab") as f:
            f.write(body.rstrip(b"\n") + b"\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
threading.Timer(lifetime, server.shutdown).start()
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
