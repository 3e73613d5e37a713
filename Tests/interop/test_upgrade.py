"""The WebSocket upgrade as clients and load balancers send it (PROTOCOL.md §2):
the query must say EIO=4 and transport=websocket; an upgrade is accepted on any
request of a kept-alive HTTP/1.1 connection; a CONNECT to a namespace the server
does not serve gets CONNECT_ERROR, with or without the trailing comma."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time

import pytest
import socketio

from rt import HOST, open_packet, raw_connect, recv_frame, sio_connect


def http_exchange(sock: socket.socket, request: bytes, timeout: float = 3.0) -> tuple[int, dict, bytes]:
    """Sends one request and reads one response (Content-Length framed, or headers only)."""
    sock.settimeout(timeout)
    sock.sendall(request)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed before a response head: {buf!r}"
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(4096)
        assert chunk, "connection closed inside a response body"
        rest += chunk
    return status, headers, rest[:length] if status != 101 else rest


def upgrade_request(path: str, extra: str = "") -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n").encode()


def ws_frame(text: str) -> bytes:
    """A masked client text frame (payload < 126 bytes)."""
    payload = text.encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def read_ws_text(sock: socket.socket, pending: bytes = b"", timeout: float = 3.0) -> tuple[str, bytes]:
    """The next unmasked server text frame; returns it and the bytes after it."""
    sock.settimeout(timeout)
    buf = pending
    while True:
        if len(buf) >= 2:
            length = buf[1] & 0x7F
            start = 2
            if length == 126:
                if len(buf) >= 4:
                    length = struct.unpack("!H", buf[2:4])[0]
                    start = 4
                else:
                    length = None
            if length is not None and len(buf) >= start + length:
                assert buf[0] & 0x0F == 1, f"expected a text frame, got opcode {buf[0] & 0x0F}"
                return buf[start:start + length].decode(), buf[start + length:]
        chunk = sock.recv(4096)
        assert chunk, f"connection closed while reading a frame: {buf!r}"
        buf += chunk


def connect_socket(cluster) -> socket.socket:
    return socket.create_connection((HOST, cluster.edge(0).port), timeout=3)


# --------------------------------------------------------------------------- query


@pytest.mark.parametrize("query", ["?EIO=3&transport=websocket", "?transport=websocket", "?EIO=abc&transport=websocket", ""])
def test_upgrade_without_eio_4_gets_400_unsupported_protocol_version(cluster, query):
    with connect_socket(cluster) as s:
        status, headers, body = http_exchange(s, upgrade_request("/socket.io/" + query))
    assert status == 400, f"{query!r}: HTTP {status} {body!r}"
    assert headers.get("content-type", "").startswith("application/json")
    errors = json.loads(body)["errors"]
    assert errors[0]["code"] == "unsupported_protocol_version" and errors[0]["message"]


@pytest.mark.parametrize("query", ["?EIO=4", "?EIO=4&transport=polling", "?EIO=4&transport="])
def test_upgrade_without_transport_websocket_gets_400_transport_not_supported(cluster, query):
    with connect_socket(cluster) as s:
        status, _, body = http_exchange(s, upgrade_request("/realtime/" + query))
    assert status == 400, f"{query!r}: HTTP {status} {body!r}"
    assert json.loads(body)["errors"][0]["code"] == "transport_not_supported"


def test_upgrade_with_the_stock_query_is_accepted(cluster):
    with connect_socket(cluster) as s:
        status, headers, rest = http_exchange(s, upgrade_request("/socket.io/?EIO=4&transport=websocket&t=abc"))
        assert status == 101, f"HTTP {status}"
        first, _ = read_ws_text(s, rest)
        assert first.startswith("0{"), first


# --------------------------------------------------------------------------- keep-alive


def test_upgrade_on_a_reused_keep_alive_connection(cluster):
    """A load balancer's pooled connection: plain requests first, then the upgrade."""
    with connect_socket(cluster) as s:
        for _ in range(2):
            status, _, body = http_exchange(s, f"GET /health HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            assert status == 200, body
        status, headers, rest = http_exchange(s, upgrade_request("/realtime/?EIO=4&transport=websocket"))
        assert status == 101, f"late upgrade answered {status} {headers}"
        assert headers.get("upgrade", "").lower() == "websocket"
        opened, rest = read_ws_text(s, rest)
        assert opened.startswith("0{") and json.loads(opened[1:])["sid"], opened
        s.sendall(ws_frame("40"))
        answer, rest = read_ws_text(s, rest)
        assert answer.startswith("40{") and json.loads(answer[2:])["sid"], answer
        s.sendall(ws_frame('421["join",{"channel":"keepalive-upgrade","echo":false}]'))
        ack, _ = read_ws_text(s, rest)
        assert ack == '431[{"ok":true}]', ack


def test_late_upgrade_with_frames_sent_before_the_101(cluster):
    """Bytes after the upgrade request are WebSocket frames, not the next request."""
    with connect_socket(cluster) as s:
        status, _, _ = http_exchange(s, f"GET /health HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        assert status == 200
        s.sendall(upgrade_request("/realtime/?EIO=4&transport=websocket") + ws_frame("40"))
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            assert chunk
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head
        opened, rest = read_ws_text(s, rest)
        assert opened.startswith("0{")
        answer, _ = read_ws_text(s, rest)
        assert answer.startswith("40{"), answer


def test_late_upgrade_with_a_bad_query_is_refused_with_its_reason(cluster):
    with connect_socket(cluster) as s:
        status, _, _ = http_exchange(s, f"GET /health HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        assert status == 200
        status, headers, body = http_exchange(s, upgrade_request("/realtime/?EIO=3&transport=websocket"))
        assert status == 400, body
        assert json.loads(body)["errors"][0]["code"] == "unsupported_protocol_version"
        assert headers.get("connection", "").lower() == "close"


# --------------------------------------------------------------------------- namespaces


@pytest.mark.parametrize("packet", ["40/x", "40/x,", '40/x,{"apiKey":"k"}'])
def test_connect_to_an_unknown_namespace_gets_connect_error(cluster, packet):
    ws = raw_connect(cluster)
    try:
        open_packet(ws)
        ws.send(packet)
        answer = recv_frame(ws, 3)
        assert answer == '44/x,{"message":"Invalid namespace"}', f"{packet!r} answered {answer!r}"
        # The connection stays usable for the main namespace.
        main = sio_connect(ws)
        assert main.startswith("40{"), main
    finally:
        ws.close()


def test_python_socketio_client_gets_connect_error_for_an_unknown_namespace(cluster):
    client = socketio.Client(reconnection=False)
    errors: list = []
    client.on("connect_error", lambda data: errors.append(data), namespace="/x")
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(cluster.url(0), socketio_path="/realtime", transports=["websocket"], namespaces=["/x"],
                           wait_timeout=3)
        deadline = time.monotonic() + 3
        while not errors and time.monotonic() < deadline:
            time.sleep(0.02)
        assert errors and errors[0] == {"message": "Invalid namespace"}, errors
    finally:
        client.disconnect()
