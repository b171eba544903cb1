#!/usr/bin/python3
"""gRPC calls made by hand over HTTP/2 (Debian's python3-h2 on the ssl module, so through
libssl, which egresswatch probes; grpcio has its own TLS). Each CALL is METHOD_PATH or
METHOD_PATH=SERVICE: a grpc.health.v1.HealthCheckRequest for SERVICE, framed as gRPC frames
it. Prints "<path> <grpc-status>" per call, in order, on one connection.

Usage: grpc_call.py HOST PORT CA_FILE CALL...
"""
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events


def request_message(service):
    name = service.encode()
    body = (b"\x0a" + bytes([len(name)]) + name) if name else b""  # field 1, string
    return b"\x00" + len(body).to_bytes(4, "big") + body  # not compressed, length, message


def main():
    host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    context = ssl.create_default_context(cafile=ca)
    context.set_alpn_protocols(["h2"])
    sock = context.wrap_socket(socket.create_connection((host, port)), server_hostname=host)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    for call in sys.argv[4:]:
        path, _, service = call.partition("=")
        stream = conn.get_next_available_stream_id()
        conn.send_headers(stream, [(":method", "POST"), (":scheme", "https"), (":authority", f"{host}:{port}"),
                                   (":path", path), ("content-type", "application/grpc"), ("te", "trailers"),
                                   ("user-agent", "grpc-python-h2-test")])
        conn.send_data(stream, request_message(service), end_stream=True)
        sock.sendall(conn.data_to_send())
        status = None
        done = False
        while not done:
            data = sock.recv(65536)
            if not data:
                sys.exit("connection closed")
            for event in conn.receive_data(data):
                headers = getattr(event, "headers", None)
                if headers:
                    fields = {k.decode() if isinstance(k, bytes) else k: v.decode() if isinstance(v, bytes) else v
                              for k, v in headers}
                    status = fields.get("grpc-status", status)
                if isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                if isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)) and event.stream_id == stream:
                    done = True
            sock.sendall(conn.data_to_send())
        print(path, status, flush=True)
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()


main()
