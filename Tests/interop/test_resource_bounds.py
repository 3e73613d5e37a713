"""Resource bounds under load and hostile clients (issue 9; PROTOCOL.md §6 "A slow client
cannot grow an edge's memory without bound"): a slow consumer, a connection flood /
reconnect storm, and the bounded accept (--max-connections, --max-connect-rate).

One real `realtime edge` process (in-memory backend: the per-connection queue and the
accept path are the same code with Redis) on 127.0.0.1. Its memory (VmRSS) and open
file descriptors are read from /proc/<pid>. Measured figures are printed (run with -s).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Optional

import pytest
import websocket

from rt import (HOST, Cluster, open_packet, raw_call, short, sio_connect, tail, unique,
                wait_until)

# Per-connection outbound queue cap (Sources/RealtimeCore/Settings/ConnectionLimits.swift:
# maxQueuedFrames 4096, maxQueuedBytes 4 MiB; not a command-line flag). Past it the
# connection is closed as a slow consumer.
QUEUE_CAP_BYTES = 4 * 1024 * 1024
MSG_BYTES = 2048
N_MESSAGES = 20000  # 2 KiB each: ~41 MB published to a client that never reads
# What the slow consumer may cost the edge: its capped queue (4 MiB), the frame being
# written, the normal member's in-flight frames (the publisher keeps it at most
# PACE_LAG messages behind: ~2 MiB) and what the allocator keeps after freeing: about
# 8 MiB measured at peak. Without the cap the edge would hold everything the kernel did
# not absorb: ~41 MB published, minus the ~2.7 MB the slow client's socket buffers
# took, i.e. more than 36 MiB of frames. The bound sits between the two.
RSS_BOUND = 6 * QUEUE_CAP_BYTES  # 24 MiB
PACE_LAG = 1000

pytestmark = pytest.mark.timeout(90)


# --------------------------------------------------------------------------- process figures


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class RssSampler:
    """Samples a process's VmRSS every 20 ms in a thread; keeps the peak."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak = rss_kib(pid)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.wait(0.02):
            try:
                self.peak = max(self.peak, rss_kib(self.pid))
            except (OSError, AssertionError):
                return

    def close(self) -> int:
        self.stop.set()
        self.thread.join(2)
        return self.peak


# --------------------------------------------------------------------------- a minimal raw WebSocket client
#
# websocket-client is too slow for a flood and hides the HTTP answer of a refused
# upgrade; this speaks just enough RFC 6455 over a plain socket.

WS_PATH = "/realtime/?EIO=4&transport=websocket"


class Refused(Exception):
    """A connection the edge refused at admission: either an HTTP answer instead of the
    101 (`status`, `headers`, `body`), or a WebSocket close right after the 101 before
    any Engine.IO packet (`close_code`, `close_reason`)."""

    def __init__(self, status: int = 101, headers: Optional[dict] = None, body: bytes = b"",
                 close_code: Optional[int] = None, close_reason: str = ""):
        super().__init__(f"HTTP {status}" if close_code is None else f"close {close_code} {close_reason!r}")
        self.status, self.headers, self.body = status, headers or {}, body
        self.close_code, self.close_reason = close_code, close_reason


class RawWS:
    def __init__(self, port: int, timeout: float = 5.0, rcvbuf: Optional[int] = None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.port = port
        self.buf = b""
        self.opened: Optional[str] = None

    # --- HTTP upgrade
    def upgrade(self) -> "RawWS":
        """Connects and upgrades; raises Refused with the answer when it is not a 101."""
        self.sock.connect((HOST, self.port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {WS_PATH} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed during the upgrade (got {self.buf[:200]!r})")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            headers[k.strip().lower()] = v.strip()
        if status != 101:
            n = int(headers.get("content-length", "0") or 0)
            deadline = time.monotonic() + 3
            while len(self.buf) < n and time.monotonic() < deadline:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.buf += chunk
            raise Refused(status, headers, self.buf[:n] if n else self.buf)
        return self

    def admit(self) -> "RawWS":
        """Upgrades and reads the first frame: the Engine.IO open packet, or raises Refused."""
        self.upgrade()
        op, payload = self.recv_frame()
        if op == 8:
            code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
            raise Refused(close_code=code, close_reason=payload[2:].decode(errors="replace"))
        text = payload.decode(errors="replace")
        assert op == 1 and text.startswith("0{"), f"expected the Engine.IO open packet, got {op} {text[:200]!r}"
        self.opened = text
        return self

    # --- frames
    def _need(self, n: int) -> None:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk

    def recv_frame(self) -> tuple[int, bytes]:
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, off = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, off = struct.unpack(">Q", self.buf[2:10])[0], 10
        self._need(off + n)
        payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
        return b0 & 0x0F, payload

    def recv_text(self) -> str:
        """The next text frame (answering Engine.IO pings); raises ConnectionError on a close."""
        while True:
            op, payload = self.recv_frame()
            if op == 8:
                raise ConnectionError(f"close frame {payload[:2].hex()} {payload[2:]!r}")
            if op == 1:
                text = payload.decode()
                if text == "2":
                    self.send_text("3")
                    continue
                return text

    def send_frame(self, op: int, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | op])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes((mask * (n // 4 + 1))[:n], "big")).to_bytes(n, "big")
        self.sock.sendall(head + mask + masked)

    def send_text(self, text: str) -> None:
        self.send_frame(1, text.encode())

    # --- Engine.IO / Socket.IO
    def sio_connect(self) -> str:
        op = self.opened or self.recv_text()
        assert op.startswith("0{"), f"expected the Engine.IO open packet, got {op[:200]!r}"
        self.send_text("40")
        ans = self.recv_text()
        assert ans.startswith("40{"), f"CONNECT answered {ans[:200]!r}"
        return json.loads(ans[2:])["sid"]

    # --- endings
    def close_clean(self) -> None:
        try:
            self.send_frame(8, struct.pack(">H", 1000))
        except OSError:
            pass
        self.sock.close()

    def abort(self) -> None:
        """An abrupt end: RST, no close frame, no FIN handshake."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.sock.close()


# --------------------------------------------------------------------------- fixtures




def stats(c: Cluster) -> dict:
    return c.http.get(c.edges[0].base + "/stats", timeout=5).json()


def healthy(c: Cluster) -> bool:
    try:
        return c.http.get(c.edges[0].base + "/health", timeout=3).status_code == 200
    except Exception:
        return False


def still_serving(c: Cluster, what: str) -> None:
    """A fresh stock python-socketio pair still exchanges a message; the edge is alive and healthy."""
    assert c.edges[0].alive(), f"after {what}: the edge died:\n{tail(c.edges[0].log, 80)}"
    assert healthy(c), f"after {what}: /health is not 200"
    ch = unique("still")
    a, b = c.client(edge=0, name="check-a"), c.client(edge=0, name="check-b")
    try:
        a.join(ch)
        b.join(ch)
        a.ok("message", {"channel": ch, "eventName": "still", "message": what})
        b.wait_for("still", lambda p: p == {"channel": ch, "message": what}, timeout=5)
    finally:
        a.disconnect()
        b.disconnect()


def refused_count(s: dict) -> int:
    """The refused-connections counter of /stats: `connectionsRefused` (what the edge
    serves; `connections` stays the number of open Socket.IO connections), or
    `connections.refused` should `connections` become an object."""
    conns = s.get("connections")
    if isinstance(conns, dict) and isinstance(conns.get("refused"), (int, float)):
        return int(conns["refused"])
    if isinstance(s.get("connectionsRefused"), (int, float)):
        return int(s["connectionsRefused"])
    raise AssertionError(f"/stats has no refused-connections counter (connectionsRefused): {short(s, 1500)}")


def open_connections(s: dict) -> int:
    conns = s.get("connections")
    if isinstance(conns, dict):
        for k in ("open", "current", "active"):
            if isinstance(conns.get(k), (int, float)):
                return int(conns[k])
        raise AssertionError(f"/stats connections has no open count: {short(conns)}")
    return int(conns)


# How an edge refuses a connection over --max-connections / --max-connect-rate
# (README, docs/RELIABILITY.md): the 101, then at once a WebSocket close 1013 (Try
# Again Later) whose reason starts with "too_many_connections", before any Engine.IO
# packet: a browser's WebSocket API hides the status of a failed upgrade, but shows
# the close code and reason. Anything but the 1013 (a 4xx/5xx, a bare close, an open
# packet) fails.
def refusal_form(e: Refused) -> str:
    return "close-1013"


def assert_too_many(e: Refused, what: str) -> None:
    assert e.close_code == 1013, f"{what}: {refusal_text(e)}, expected a WebSocket close 1013"
    assert e.close_reason.startswith("too_many_connections") and len(e.close_reason) > len("too_many_connections"), \
        f"{what}: close reason {e.close_reason!r}, expected 'too_many_connections: <message>'"


def expect_refused(port: int, what: str) -> Refused:
    """Opens a connection the edge must refuse at admission; returns the refusal."""
    ws = RawWS(port)
    with pytest.raises(Refused) as ei:
        ws.admit()
    ws.abort()
    assert_too_many(ei.value, what)
    return ei.value


def refusal_text(e: Refused) -> str:
    if e.close_code is not None:
        return f"WebSocket close {e.close_code} {e.close_reason!r}"
    return f"HTTP {e.status}, Retry-After {e.headers.get('retry-after')}, body {e.body[:200]!r}"


def wait_fds_settle(pid: int, target: int, timeout: float) -> int:
    """Waits until the fd count is at most target; returns the last count."""
    last = fd_count(pid)
    deadline = time.monotonic() + timeout
    while last > target and time.monotonic() < deadline:
        time.sleep(0.2)
        last = fd_count(pid)
    return last


# --------------------------------------------------------------------------- a. slow consumer


class Member:
    """A normal channel member reading as fast as it can in a thread (raw frames: the
    stock python-socketio client tops out below 1,000 events/s here), recording every
    message's sequence number and answering pings."""

    def __init__(self, port: int, channel: str):
        self.ws = RawWS(port, timeout=30).admit()
        self.ws.sio_connect()
        self.ws.send_text('421' + json.dumps(["join", {"channel": channel, "echo": False}]))
        assert self.ws.recv_text() == '431[{"ok":true}]'
        self.seqs: set[int] = set()
        self.ended: Optional[str] = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while True:
                t = self.ws.recv_text()
                if t.startswith('42["m",'):
                    self.seqs.add(json.loads(t[2:])[1]["message"]["seq"])
        except Exception as e:  # noqa: BLE001 - the reason is reported by the test
            self.ended = f"{type(e).__name__}: {e}"

    def close(self):
        self.ws.abort()


def test_slow_consumer_is_disconnected_and_memory_stays_bounded(start_edge):
    c = start_edge()
    edge = c.edges[0]
    pid = edge.proc.pid
    ch = unique("busy")
    payload = "x" * MSG_BYTES

    member = Member(edge.port, ch)
    # The publisher sends Socket.IO events without acks, paced so the member stays close.
    pub = RawWS(edge.port).admit()
    pub.sio_connect()
    seq = 0

    def publish(n: int) -> None:
        nonlocal seq
        for _ in range(n):
            seq += 1
            pub.send_text('42["message",' + json.dumps(
                {"channel": ch, "eventName": "m", "message": {"seq": seq, "pad": payload}}) + "]")

    def wait_member(upto: int, lag: int, timeout: float = 15) -> None:
        ok = wait_until(lambda: len(member.seqs) >= upto - lag or member.ended, timeout, interval=0.002)
        assert ok and not member.ended, \
            f"the normal member fell behind: {len(member.seqs)} of {upto} received (ended: {member.ended})"

    try:
        # Warm-up, so buffers and allocator pools exist before the baseline.
        for _ in range(10):
            publish(200)
            wait_member(seq, PACE_LAG)
        wait_member(seq, 0)
        time.sleep(0.5)
        s0 = stats(c)
        rss0 = rss_kib(pid)

        # The slow consumer: joins, then never reads again (a 4 KiB receive buffer).
        slow = websocket.create_connection(
            f"ws://{HOST}:{edge.port}{WS_PATH}", timeout=5, suppress_origin=True,
            sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
        open_packet(slow)
        assert sio_connect(slow).startswith("40")
        assert raw_call(slow, 1, "join", {"channel": ch}) == [{"ok": True}]
        first = seq + 1

        sampler = RssSampler(pid)
        t0 = time.monotonic()
        while seq < first - 1 + N_MESSAGES:
            publish(200)
            wait_member(seq, PACE_LAG)
        wait_member(seq, 0, timeout=20)
        took = time.monotonic() - t0
        last = seq

        # The edge closed the slow consumer: counted in /stats, gone from the connection count.
        def closed_as_slow():
            s = stats(c)
            return (s["slowClientDisconnects"] > s0["slowClientDisconnects"] and open_connections(s) == 2) and s
        s1 = wait_until(closed_as_slow, 10, interval=0.1)
        peak = sampler.close()
        time.sleep(1.0)
        rss1 = rss_kib(pid)
        s1 = s1 or stats(c)

        # The slow client's socket was closed: drain what the kernel buffered, then EOF or a close frame.
        received, end = 0, None
        slow.settimeout(1.0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                op, data = slow.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                end = "still open (no data, no close)"
                break
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError) as e:
                end = f"connection closed ({type(e).__name__})"
                break
            if op == websocket.ABNF.OPCODE_CLOSE:
                code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else None
                end = f"close frame {code} {data[2:].decode(errors='replace')!r}"
                break
            if op == websocket.ABNF.OPCODE_TEXT and data.startswith(b'42["m"'):
                received += 1
        slow.close()

        missing = [i for i in range(1, last + 1) if i not in member.seqs]
        print(f"\n[slow consumer] {N_MESSAGES} x {MSG_BYTES} B published in {took:.1f} s "
              f"({N_MESSAGES / took:.0f} msg/s, paced by the normal member); RSS before {rss0 / 1024:.1f} MiB, "
              f"peak {peak / 1024:.1f} MiB (+{(peak - rss0) / 1024:.1f}), after {rss1 / 1024:.1f} MiB "
              f"(+{(rss1 - rss0) / 1024:.1f}); bound +{RSS_BOUND / 2**20:.0f} MiB; slow client got {received} "
              f"of {N_MESSAGES} messages, then: {end}; slowClientDisconnects "
              f"{s0['slowClientDisconnects']} -> {s1['slowClientDisconnects']}; normal member missing {len(missing)}")

        assert s1["slowClientDisconnects"] == s0["slowClientDisconnects"] + 1, \
            f"slowClientDisconnects {s0['slowClientDisconnects']} -> {s1['slowClientDisconnects']}, expected +1"
        assert open_connections(s1) == 2, f"/stats connections {s1['connections']}: the slow client is still connected"
        assert end is not None and not end.startswith("still open"), f"the slow client's socket: {end}"
        assert received < N_MESSAGES, "the slow client received every message: it was not slow"
        assert not missing, f"the normal member missed {len(missing)} of {last} messages (first {missing[:10]})"
        assert (peak - rss0) * 1024 < RSS_BOUND, \
            f"edge RSS grew by {(peak - rss0) / 1024:.1f} MiB at peak (bound {RSS_BOUND / 2**20:.0f} MiB)"
        assert (rss1 - rss0) * 1024 < RSS_BOUND, \
            f"edge RSS grew by {(rss1 - rss0) / 1024:.1f} MiB after the slow consumer was dropped"
        assert member.ended is None, f"the normal member's connection ended: {member.ended}"
    finally:
        pub.abort()
        member.close()
    still_serving(c, "slow consumer")


# --------------------------------------------------------------------------- b. connection flood


def one_connection(port: int, kind: int) -> str:
    """One short-lived client; kind 0: handshake + close frame, 1: handshake + RST,
    2: upgrade + RST before the open packet, 3: TCP connect + RST (no request)."""
    ws = RawWS(port)
    try:
        if kind == 3:
            ws.sock.connect((HOST, port))
            ws.abort()
            return "tcp"
        ws.upgrade()
        if kind == 2:
            ws.abort()
            return "upgrade"
        ws.sio_connect()
        if kind == 0:
            ws.close_clean()
        else:
            ws.abort()
        return "connected"
    except Refused as e:
        ws.abort()
        return f"http{e.status}"
    except (OSError, ConnectionError, AssertionError) as e:
        ws.abort()
        return f"error:{type(e).__name__}:{str(e)[:80]}"


def flood(port: int, threads: int, per_thread: int, kinds=(0, 1, 2, 3)) -> tuple[dict, float]:
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def worker(t: int):
        local: dict[str, int] = {}
        for i in range(per_thread):
            r = one_connection(port, kinds[(i + t) % len(kinds)])
            local[r] = local.get(r, 0) + 1
        with lock:
            for k, v in local.items():
                counts[k] = counts.get(k, 0) + v

    ts = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return counts, time.monotonic() - t0


def test_connection_flood_leaks_no_fds(start_edge):
    c = start_edge()
    edge = c.edges[0]
    pid = edge.proc.pid
    flood(edge.port, 2, 50)  # warm-up: threads, buffers
    assert wait_until(lambda: open_connections(stats(c)) == 0, 10, 0.1)
    time.sleep(0.5)
    fds0, rss0 = fd_count(pid), rss_kib(pid)
    total0 = stats(c)["totalConnections"]

    threads, per_thread = 6, 700
    counts, took = flood(edge.port, threads, per_thread)
    n = threads * per_thread
    errors = {k: v for k, v in counts.items() if k.startswith("error") or k.startswith("http")}
    fds_peak = fd_count(pid)

    # Settle: every session ended and its socket closed.
    settled = wait_until(lambda: open_connections(stats(c)) == 0, 20, 0.2)
    fds1 = wait_fds_settle(pid, fds0 + 4, 20)
    rss1 = rss_kib(pid)
    s = stats(c)
    print(f"\n[connection flood] {n} connections from {threads} threads in {took:.1f} s = {n / took:.0f} connects/s "
          f"({counts}); fds before {fds0}, right after {fds_peak}, settled {fds1}; RSS {rss0 / 1024:.1f} -> "
          f"{rss1 / 1024:.1f} MiB; totalConnections +{s['totalConnections'] - total0}; open {s['connections']}")

    assert not errors, f"connections failed during the flood: {errors}"
    assert counts.get("connected", 0) == n // 2, f"expected {n // 2} completed handshakes: {counts}"
    assert s["totalConnections"] - total0 == counts["connected"], \
        f"totalConnections +{s['totalConnections'] - total0}, expected {counts['connected']}"
    assert settled, f"/stats connections {stats(c)['connections']} never went back to 0 after the flood"
    assert fds1 <= fds0 + 4, f"the edge holds {fds1} fds after the flood, {fds0} before: a leak"
    assert (rss1 - rss0) * 1024 < 64 * 2**20, f"RSS grew by {(rss1 - rss0) / 1024:.1f} MiB after the flood"
    still_serving(c, "connection flood")


# --------------------------------------------------------------------------- c. bounded accept


def test_max_connections_refuses_over_the_cap(start_edge):
    limit = 50
    c = start_edge(["--max-connections", str(limit)])
    port = c.edges[0].port
    pid = c.edges[0].proc.pid
    r0 = refused_count(stats(c))
    held: list[RawWS] = []
    try:
        for i in range(limit):
            held.append(RawWS(port).admit())
            held[-1].sio_connect()
        assert open_connections(stats(c)) == limit
        fds_full = fd_count(pid)

        # The 51st is refused, recognisably (too_many_connections), before any Engine.IO packet.
        refusal = expect_refused(port, f"connection {limit + 1} with {limit} open")
        print(f"\n[max-connections {limit}] connection {limit + 1} refused: {refusal_text(refusal)}")
        s = stats(c)
        assert refused_count(s) == r0 + 1, f"refused counter {r0} -> {refused_count(s)}, expected +1"
        assert open_connections(s) == limit, f"/stats connections {s['connections']} after a refusal"
        # More attempts, all refused; the held connections keep working.
        for _ in range(5):
            expect_refused(port, "refused again")
        assert wait_until(lambda: refused_count(stats(c)) == r0 + 6, 2, 0.05), \
            f"refused counter {r0} -> {refused_count(stats(c))}, expected +6"
        held[0].send_text('420["join",{"channel":"held","echo":false}]')
        assert held[0].recv_text() == '430[{"ok":true}]'

        # Closing one lets a new one in.
        held.pop().close_clean()
        t0 = time.monotonic()
        new = None
        while time.monotonic() - t0 < 5 and new is None:
            ws = RawWS(port)
            try:
                new = ws.admit()
            except Refused as e:
                ws.abort()
                assert_too_many(e, "while one slot frees")
                time.sleep(0.05)
        assert new is not None, "closing one of the connections did not let a new one in within 5 s"
        new.sio_connect()
        held.append(new)
        print(f"[max-connections {limit}] a slot freed {time.monotonic() - t0:.2f} s after a close")
        assert open_connections(stats(c)) == limit
        assert wait_fds_settle(pid, fds_full + 2, 5) <= fds_full + 2, "refused connections left fds behind"
    finally:
        for ws in held:
            ws.abort()
    assert wait_until(lambda: open_connections(stats(c)) == 0, 10, 0.1)
    still_serving(c, "max-connections")


def test_max_connect_rate_refuses_a_flood(start_edge):
    rate = 100
    c = start_edge(["--max-connect-rate", str(rate)])
    port = c.edges[0].port
    pid = c.edges[0].proc.pid
    time.sleep(1.2)  # a full bucket
    r0 = refused_count(stats(c))
    fds0 = fd_count(pid)
    bad: list[str] = []
    forms: set[str] = set()
    lock = threading.Lock()
    counts = {"accepted": 0, "refused": 0, "other": 0}

    def worker():
        for _ in range(150):
            ws = RawWS(port)
            try:
                ws.admit()
                k = "accepted"
            except Refused as e:
                k = "refused"
                with lock:
                    forms.add(refusal_form(e))
                try:
                    assert_too_many(e, "rate-limited connection")
                except AssertionError as err:
                    with lock:
                        bad.append(str(err))
            except (OSError, ConnectionError, AssertionError) as e:
                k = "other"
                with lock:
                    bad.append(f"{type(e).__name__}: {e}")
            ws.abort()
            with lock:
                counts[k] += 1

    ts = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    took = time.monotonic() - t0
    n = sum(counts.values())
    allowed = rate + rate * took  # the burst, plus the refill while the flood lasted
    print(f"\n[max-connect-rate {rate}] {n} attempts in {took:.2f} s ({n / took:.0f}/s): {counts}; "
          f"refused as {sorted(forms)}; the bucket allows at most ~{allowed:.0f}")
    assert not bad, f"{len(bad)} connections neither accepted nor refused as documented: {bad[:3]}"
    assert counts["refused"] > 0, f"a flood of {n / took:.0f}/s against a limit of {rate}/s was never refused"
    assert counts["accepted"] >= rate * 0.9, f"only {counts['accepted']} accepted: the burst of {rate} was not honoured"
    assert counts["accepted"] <= allowed * 1.1 + 10, \
        f"{counts['accepted']} accepted in {took:.2f} s, more than the {rate}/s limit allows (~{allowed:.0f})"
    assert wait_until(lambda: refused_count(stats(c)) == r0 + counts["refused"], 3, 0.1), \
        f"refused counter {r0} -> {refused_count(stats(c))}, expected +{counts['refused']}"
    assert wait_until(lambda: open_connections(stats(c)) == 0, 10, 0.1)
    fds1 = wait_fds_settle(pid, fds0 + 4, 10)
    assert fds1 <= fds0 + 4, f"fds {fds0} -> {fds1} after the flood"
    assert healthy(c), "/health is not 200 right after the flood"
    time.sleep(1.0)  # let the bucket refill
    still_serving(c, "connect-rate flood")
