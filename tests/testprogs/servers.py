#!/usr/bin/python3
"""Test servers for a network namespace: a minimal HTTP responder on TCP and a UDP echo,
both dual-stack. Usage: servers.py TCP_PORT UDP_PORT. Runs until killed."""
import socket
import sys
import threading


def dual_stack(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    return s


def answer(conn):
    try:
        conn.settimeout(2)
        # The whole head, even when it comes in several segments: closing with unread bytes
        # would reset the connection under a client still reading the answer.
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    except OSError:
        pass
    finally:
        conn.close()


def serve_tcp(port):
    s = dual_stack(socket.SOCK_STREAM, port)
    s.listen(512)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=answer, args=(conn,), daemon=True).start()


def serve_udp(port):
    s = dual_stack(socket.SOCK_DGRAM, port)
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)


if __name__ == "__main__":
    tcp_port, udp_port = int(sys.argv[1]), int(sys.argv[2])
    threading.Thread(target=serve_udp, args=(udp_port,), daemon=True).start()
    serve_tcp(tcp_port)
