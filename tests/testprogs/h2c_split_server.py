#!/usr/bin/python3
"""An h2c server (Debian's python3-h2 on a plain socket) that sends each response in two
segments: its HEADERS, padded past 1000 bytes with an x-pad header, then its DATA, written
separately with TCP_NODELAY so that they leave as two packets. A test that drops the first
on the way makes the second arrive ahead of it.

Usage: h2c_split_server.py PORT   (prints "listening" once it accepts)
"""
import socket
import sys

import h2.config
import h2.connection
import h2.events
import h2.exceptions


def serve(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    while True:
        data = sock.recv(65536)
        if not data:
            return
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                # Huffman coding shrinks 'p' to 6 bits: 2000 of them are 1500 bytes.
                conn.send_headers(event.stream_id, [(":status", "200"), ("x-pad", "p" * 2000)])
                sock.sendall(conn.data_to_send())
                conn.send_data(event.stream_id, b"ok" * 100, end_stream=True)
        sock.sendall(conn.data_to_send())


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", int(sys.argv[1])))
    listener.listen()
    print("listening", flush=True)
    while True:
        sock, _ = listener.accept()
        with sock:
            try:
                serve(sock)
            except (OSError, h2.exceptions.ProtocolError):
                pass  # a probe that only connects, or a client gone: serve the next


main()
