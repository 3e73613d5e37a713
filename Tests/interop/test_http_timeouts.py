"""Silent and trickling sockets cannot pile up (PROTOCOL.md §5): a connection
without a complete request head within --request-timeout is closed, so is a
kept-alive one idle for --keep-alive-timeout, both counted; and a SIGTERM'd edge
exits within --drain-timeout whatever its clients do. Short timeouts through the
flags keep the tests quick."""

from __future__ import annotations

import resource
import socket
import subprocess
import time
from pathlib import Path
from typing import Optional

import pytest

from rt import HOST, Cluster, tail
from test_resource_bounds import stats

SHORT = ["--request-timeout", "0.5", "--keep-alive-timeout", "1"]






def closed_within(sock: socket.socket, seconds: float) -> Optional[float]:
    """Seconds until the server closed `sock` (EOF or reset), None if it stayed open."""
    start = time.monotonic()
    sock.settimeout(0.1)
    while time.monotonic() - start < seconds:
        try:
            data = sock.recv(4096)
            if not data:
                return time.monotonic() - start
        except socket.timeout:
            continue
        except ConnectionError:
            return time.monotonic() - start
    return None


def test_silent_socket_is_closed_after_the_request_timeout(start_edge):
    c = start_edge(SHORT)
    with socket.create_connection((HOST, c.edges[0].port), timeout=3) as s:
        took = closed_within(s, 5)
    assert took is not None, "a socket that sent nothing was still open after 5 s (--request-timeout 0.5)"
    assert 0.3 < took < 3, f"closed after {took:.2f} s"
    assert stats(c)["requestHeadTimeouts"] >= 1


def test_trickling_request_head_is_closed(start_edge):
    c = start_edge(SHORT)
    with socket.create_connection((HOST, c.edges[0].port), timeout=3) as s:
        head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        start = time.monotonic()
        closed = False
        for byte in head:
            try:
                s.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionError):
                closed = True
                break
            if closed_within(s, 0.1) is not None:
                closed = True
                break
            if time.monotonic() - start > 5:
                break
        took = time.monotonic() - start
    assert closed, "a request head trickled a byte every 0.1 s was still being read after 5 s"
    assert took < 3, f"closed after {took:.2f} s"


def test_idle_keep_alive_connection_is_closed_and_counted(start_edge):
    c = start_edge(SHORT)
    before = stats(c)["idleTimeouts"]
    with socket.create_connection((HOST, c.edges[0].port), timeout=3) as s:
        s.sendall(f"GET /health HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(4096)
        assert data.startswith(b"HTTP/1.1 200")
        # The rest of the (small) body may still be in flight; drain it, then wait.
        took = closed_within(s, 5)
    assert took is not None, "a kept-alive connection idle for 5 s was not closed (--keep-alive-timeout 1)"
    assert 0.5 < took < 3, f"closed after {took:.2f} s"
    assert stats(c)["idleTimeouts"] >= before + 1


def test_a_busy_keep_alive_connection_is_not_cut(start_edge):
    c = start_edge(SHORT)
    with socket.create_connection((HOST, c.edges[0].port), timeout=3) as s:
        for _ in range(6):
            s.sendall(f"GET /health HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            data = b""
            while b"}" not in data:
                chunk = s.recv(4096)
                assert chunk, "the connection was closed while in use"
                data += chunk
            time.sleep(0.3)


def test_upgraded_websocket_is_not_subject_to_http_timeouts(start_edge):
    c = start_edge(SHORT)
    a = c.client(edge=0, name="ws")
    time.sleep(2)
    assert a.connected and a.ok("message", {"eventName": "still", "message": 1}) is not None


def test_sigterm_exits_within_the_drain_timeout_with_thousands_of_silent_sockets(start_edge):
    # Long HTTP timeouts: only the drain bound can end these sockets in time.
    c = start_edge(["--request-timeout", "600", "--keep-alive-timeout", "600", "--drain-timeout", "3",
                    "--drain-delay", "0"])
    edge = c.edges[0]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096 <= hard or (soft < hard and hard < 4096):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    count = min(2000, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200)
    assert count >= 1000, "this machine's hard open-file limit is too low for the test"
    socks = []
    try:
        for i in range(count):
            s = socket.create_connection((HOST, edge.port), timeout=5)
            if i % 2:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # half a request head
            socks.append(s)
        # A live client too, which ignores nothing but keeps its socket.
        c.client(edge=0, name="live")
        start = time.monotonic()
        edge.signal_stop()
        try:
            rc = edge.proc.wait(8)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the edge was alive 8 s after SIGTERM (--drain-timeout 3):\n{tail(edge.log, 30)}") \
                from None
        took = time.monotonic() - start
        assert took < 5, f"exit took {took:.1f} s"
        assert rc == 0, f"exit status {rc}"
    finally:
        for s in socks:
            s.close()
