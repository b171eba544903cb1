#!/usr/bin/python3
"""An HTTP/2 client on one TLS connection (Debian's python3-h2 over the ssl module, so through
libssl), or on one cleartext connection (h2c, prior knowledge) when CA_FILE is "-": sends each batch of paths as concurrent streams, waits for their responses, and
prints "<path> <status> <body bytes>" per response.

Usage: h2_client.py HOST PORT CA_FILE BATCH [--wait-for FILE BATCH]...
A BATCH is comma-separated paths. Before each batch after --wait-for FILE, the client prints
"waiting", then waits (connection open) until FILE exists: a test starts something meanwhile.
Every request carries the same x-trace header, which the encoder indexes in the dynamic table.
"""
import os
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events


def main():
    host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    steps = []  # (wait_file or None, [paths])
    args = sys.argv[4:]
    wait = None
    while args:
        if args[0] == "--wait-for":
            wait = args[1]
            args = args[2:]
            continue
        steps.append((wait, args[0].split(",")))
        wait = None
        args = args[1:]

    sock = socket.create_connection((host, port))
    if ca != "-":
        context = ssl.create_default_context(cafile=ca)
        context.set_alpn_protocols(["h2"])
        sock = context.wrap_socket(sock, server_hostname=host)
        if sock.selected_alpn_protocol() != "h2":
            sys.exit("the server did not choose h2")
    scheme = "http" if ca == "-" else "https"
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())

    for wait_file, paths in steps:
        if wait_file:
            print("waiting", flush=True)
            while not os.path.exists(wait_file):
                time.sleep(0.02)
        streams = {}
        for path in paths:
            stream = conn.get_next_available_stream_id()
            conn.send_headers(stream, [(":method", "GET"), (":scheme", scheme), (":authority", host),
                                       (":path", path), ("user-agent", "h2-test-client"),
                                       ("x-trace", "trace-1234567890")], end_stream=True)
            streams[stream] = [path, None, 0]
        sock.sendall(conn.data_to_send())
        open_streams = set(streams)
        while open_streams:
            data = sock.recv(65536)
            if not data:
                sys.exit("connection closed")
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    streams[event.stream_id][1] = dict(event.headers)[b":status"].decode()
                elif isinstance(event, h2.events.DataReceived):
                    streams[event.stream_id][2] += len(event.data)
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    open_streams.discard(event.stream_id)
                elif isinstance(event, h2.events.StreamReset):
                    streams[event.stream_id][1] = "reset"
                    open_streams.discard(event.stream_id)
            sock.sendall(conn.data_to_send())
        for stream in sorted(streams):
            path, status, size = streams[stream]
            print(path, status, size, flush=True)
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()


main()
