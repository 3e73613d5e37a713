"""The coordinator (issue 5): node health, dead-node cleanup, cluster view, CLI.

Two kinds of tests, all against a real redis-server and the real `realtime` binary:

* coordinator alone: heartbeats and presence are written into Redis from Python,
  exactly as the edge contract says (docs/COORDINATOR.md), so judging, cleanup,
  leases and the HTTP/CLI surface are tested without depending on edge timing;
* end to end: real `realtime edge` processes with python-socketio clients, one
  edge killed with SIGKILL, the survivors' members must get `channel:leave`.

Everything listens on 127.0.0.1; every process started here is killed by pid in
teardown, also when a test fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Optional

import pytest
import requests

from rt import HOST, Edge, closed_after_test, RedisServer, RTClient, free_port, realtime_bin, tail, unique, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
HTTP = requests.Session()
HTTP.trust_env = False  # never route loopback requests through a proxy


# --------------------------------------------------------------------------- Redis


class RespError(Exception):
    pass


class Resp:
    """A minimal RESP2 client: enough to play an edge and to watch pub/sub."""

    def __init__(self, port: int, timeout: float = 5.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, *args: Any) -> None:
        out = [f"*{len(args)}\r\n".encode()]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))

    def call(self, *args: Any) -> Any:
        self.send(*args)
        return self.read()

    def read(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RespError(f"unexpected RESP line {line!r}")

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("redis closed the connection")
        self.buf += chunk


class Subscriber:
    """Records every message published on the given topics (a pub/sub connection)."""

    def __init__(self, port: int, topics: list[str]):
        self.conn = Resp(port, timeout=None)
        self.messages: list[tuple[str, bytes]] = []
        self.cond = threading.Condition()
        self.conn.send("SUBSCRIBE", *topics)
        for _ in topics:
            self.conn.read()  # subscribe confirmations
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while True:
                msg = self.conn.read()
                if isinstance(msg, list) and msg and msg[0] == b"message":
                    with self.cond:
                        self.messages.append((msg[1].decode(), msg[2]))
                        self.cond.notify_all()
        except (OSError, ConnectionError, RespError):
            pass

    def on(self, topic: str) -> list[bytes]:
        with self.cond:
            return [p for t, p in self.messages if t == topic]

    def wait(self, pred, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: pred(self), timeout=timeout)

    def close(self) -> None:
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def now_ms() -> int:
    return int(time.time() * 1000)


class FakeEdge:
    """Plays an edge towards the coordinator: a heartbeat every `interval` seconds
    (`SET rt:node:<id>:heartbeat <stats+ts> PX 30000`, `SADD rt:nodes <id>`) and
    presence records written the way an edge writes them."""

    def __init__(self, redis_port: int, node_id: str, connections: int = 0, msg_rate: int = 0,
                 interval: float = 1.0):
        self.redis_port = redis_port
        self.id = node_id
        self.connections = connections
        self.msg_rate = msg_rate
        self.interval = interval
        self.messages_in = 0
        self.messages_out = 0
        self.started = time.time()
        self.stop_event = threading.Event()
        self.thread: Optional[threading.Thread] = None
        # Longer than any pause a test imposes on Redis, so a stall never kills the writer.
        self.conn = Resp(redis_port, timeout=15)
        self.lock = threading.Lock()

    def stats(self) -> dict:
        return {
            "node": self.id, "address": f"http://{HOST}:1{abs(hash(self.id)) % 1000:03d}", "version": "0.1.0",
            "uptimeSeconds": round(time.time() - self.started, 1), "connections": self.connections,
            "totalConnections": self.connections, "channels": 2,
            "messagesIn": self.messages_in, "messagesOut": self.messages_out,
            "bytesIn": self.messages_in * 100, "bytesOut": self.messages_out * 100,
            "errorsSent": 0, "handshakeFailures": 0, "slowClientDisconnects": 1, "rateLimitRejections": 7,
            "backend": {"kind": "redis", "up": True, "outages": 0, "downSince": None},
            "draining": False, "ts": now_ms(),
        }

    def beat(self) -> None:
        with self.lock:
            self.conn.call("SET", f"rt:node:{self.id}:heartbeat", json.dumps(self.stats()), "PX", "30000")
            self.conn.call("SADD", "rt:nodes", self.id)

    def start(self) -> "FakeEdge":
        self.beat()
        self.stop_event.clear()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop_event.wait(self.interval):
            self.messages_in += int(self.msg_rate * self.interval)
            self.messages_out += int(self.msg_rate * self.interval * 3)
            try:
                self.beat()
            except (OSError, ConnectionError, RespError):
                return

    def crash(self) -> None:
        """Stop beating without any cleanup (what kill -9 leaves behind)."""
        self.stop_event.set()
        if self.thread:
            self.thread.join(5)

    def deregister(self) -> None:
        """A graceful shutdown: presence already cleaned, then DEL heartbeat, SREM."""
        self.crash()
        with self.lock:
            self.conn.call("DEL", f"rt:node:{self.id}:heartbeat")
            self.conn.call("SREM", "rt:nodes", self.id)

    def join(self, channel: str, member: str, data: Any = None) -> None:
        record = json.dumps({"id": member, "data": data, "node": self.id})
        with self.lock:
            assert self.conn.call("HSETNX", f"rt:presence:{channel}", member, record) == 1
            self.conn.call("SADD", f"rt:node:{self.id}:presence", f"{member}\n{channel}")
            self.conn.call("SADD", "rt:channels", channel)

    def close(self) -> None:
        self.crash()
        self.conn.close()


# --------------------------------------------------------------------------- processes


class CoordinatorProc:
    def __init__(self, workdir: Path, redis_url: str, coord_id: str, dead_after: Optional[float] = None):
        self.workdir = workdir
        self.redis_url = redis_url
        self.id = coord_id
        self.dead_after = dead_after
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None
        self.log = workdir / f"coordinator-{coord_id}.log"

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> "CoordinatorProc":
        for _ in range(3):
            self.port = free_port()
            cmd = [str(realtime_bin()), "coordinator", "--port", str(self.port), "--host", HOST,
                   "--redis", self.redis_url, "--id", self.id]
            if self.dead_after is not None:
                cmd += ["--dead-after", str(self.dead_after)]
            env = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
            with open(self.log, "ab") as logf:
                logf.write(f"\n===== {' '.join(cmd)}\n".encode())
                logf.flush()
                self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             env=env)
            if wait_until(self._healthy, timeout=15, interval=0.05):
                return self
            self.kill()
            if "in use" not in tail(self.log, 20).lower():
                break
        raise RuntimeError(f"coordinator {self.id} did not become healthy:\n{tail(self.log)}")

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            return False
        try:
            return HTTP.get(self.base + "/health", timeout=0.5).status_code == 200
        except requests.RequestException:
            return False

    def get(self, path: str) -> requests.Response:
        return HTTP.get(self.base + path, timeout=5)

    def cluster(self) -> dict:
        r = self.get("/cluster")
        assert r.status_code == 200, f"/cluster answered {r.status_code}: {r.text[:300]}"
        return r.json()

    def node(self, node_id: str) -> Optional[dict]:
        return next((n for n in self.cluster()["nodes"] if n["id"] == node_id), None)

    def status(self, node_id: str) -> Optional[str]:
        n = self.node(node_id)
        return n["status"] if n else None

    def is_leader(self) -> bool:
        try:
            return self.cluster()["coordinator"]["leader"]
        except (requests.RequestException, AssertionError):
            return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
            self.proc.wait(5)

    def terminate(self, timeout: float = 5) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()


class Harness:
    """Owns every process and connection a test starts; `close` kills them all."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.redis = RedisServer(workdir).start()
        self.coordinators: list[CoordinatorProc] = []
        self.fakes: list[FakeEdge] = []
        self.subscribers: list[Subscriber] = []
        self.edges: list[Edge] = []
        self.clients: list[RTClient] = []
        self.conn = Resp(self.redis.port)

    @property
    def redis_url(self) -> str:
        return self.redis.url

    def coordinator(self, coord_id: str, dead_after: Optional[float] = None) -> CoordinatorProc:
        c = CoordinatorProc(self.workdir, self.redis_url, coord_id, dead_after)
        self.coordinators.append(c)
        return c.start()

    def fake(self, node_id: str, **kw) -> FakeEdge:
        f = FakeEdge(self.redis.port, node_id, **kw)
        self.fakes.append(f)
        return f

    def subscribe(self, *topics: str) -> Subscriber:
        s = Subscriber(self.redis.port, list(topics))
        self.subscribers.append(s)
        return s

    def edge(self, node_id: str) -> Edge:
        e = Edge(len(self.edges), self.workdir, ["--redis", self.redis_url], node_id)
        self.edges.append(e)
        self.spawn_edge(e)
        return e

    def spawn_edge(self, e: Edge) -> None:
        for _ in range(3):
            e.spawn()
            if e.wait_healthy():
                return
            if e.alive():
                e.proc.kill()
        raise RuntimeError(f"edge {e.node_id} did not become healthy:\n{tail(e.log)}")

    def client(self, e: Edge, name: str) -> RTClient:
        c = RTClient(e.base, name=name)
        self.clients.append(c)
        return c.connect()

    def logs(self) -> str:
        parts = [f"--- {c.log.name}:\n{tail(c.log, 40)}" for c in self.coordinators]
        parts += [f"--- edge {e.node_id}:\n{tail(e.log, 30)}" for e in self.edges]
        return "\n".join(parts)

    def close(self) -> None:
        for c in self.clients:
            c.disconnect()
        for f in self.fakes:
            f.close()
        for s in self.subscribers:
            s.close()
        for e in self.edges:
            if e.alive():
                e.proc.kill()
                try:
                    e.proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
        for c in self.coordinators:
            c.kill()
        self.conn.close()
        self.redis.stop()


@pytest.fixture
def h(realtime_binary, tmp_path, request):
    with closed_after_test(Harness(tmp_path), request) as harness:
        yield harness


def leave_payloads(sub: Subscriber, channel: str) -> list[dict]:
    """The channel:leave events published on a channel topic, decoded from the
    pub/sub envelope `<published at> <excluded id>\\n<Engine.IO frame>`."""
    out = []
    for payload in sub.on(f"rt:ch:{channel}"):
        header, frame = payload.split(b"\n", 1)
        published_at, excluded = header.split(b" ", 1)
        assert published_at.isdigit() and abs(int(published_at) / 1e6 - time.time()) < 60, payload
        assert excluded == b"", f"a cleanup leave must exclude nobody, got {payload!r}"
        assert frame.startswith(b"42"), f"not a Socket.IO EVENT frame: {frame!r}"
        name, body = json.loads(frame[2:])
        if name == "channel:leave":
            out.append(body)
    return out


def hkeys(h: Harness, key: str) -> set[str]:
    return {k.decode() for k in h.conn.call("HKEYS", key)}


def smembers(h: Harness, key: str) -> set[str]:
    return {k.decode() for k in h.conn.call("SMEMBERS", key)}


# --------------------------------------------------------------------------- judging and /cluster


def test_cluster_document_judges_alive_suspect_dead(h):
    live = h.fake("n-live", connections=12, msg_rate=50).start()
    h.fake("n-stale", connections=3).beat()  # one beat, then silence: suspect after 2 s
    stale_ts = now_ms() - 60_000
    h.conn.call("SET", "rt:node:n-old:heartbeat", json.dumps({**live.stats(), "node": "n-old", "ts": stale_ts}),
                "PX", "30000")
    h.conn.call("SADD", "rt:nodes", "n-old")
    h.conn.call("SADD", "rt:channels", "a", "b", "c")
    # What the edges' rate-limit script keeps cluster-wide.
    h.conn.call("HSET", "rt:rl:rejections", "chat", "5", "joins", "2")
    h.conn.call("ZADD", "rt:rl:top", "4", "ip:10.0.0.7", "3", "u:alice")
    c = h.coordinator("c1", dead_after=8)  # n-stale stays suspect while we look

    assert wait_until(lambda: c.status("n-old") == "dead", timeout=3), c.cluster()
    assert wait_until(lambda: c.status("n-stale") == "suspect", timeout=4), c.cluster()
    assert wait_until(lambda: (c.node("n-live") or {}).get("messagesInPerSecond", 0) > 0, timeout=4), c.cluster()
    doc = c.cluster()
    assert c.status("n-live") == "alive"

    assert doc["coordinator"]["id"] == "c1" and isinstance(doc["coordinator"]["leader"], bool)
    node = next(n for n in doc["nodes"] if n["id"] == "n-live")
    for field, kind in [("id", str), ("address", str), ("status", str), ("connections", int), ("channels", int),
                        ("messagesInPerSecond", (int, float)), ("messagesOutPerSecond", (int, float)),
                        ("bytesInPerSecond", (int, float)), ("bytesOutPerSecond", (int, float)),
                        ("lastHeartbeat", int), ("uptimeSeconds", (int, float)), ("version", str),
                        ("backendUp", bool), ("slowClientDisconnects", int), ("rateLimitRejections", int)]:
        assert isinstance(node.get(field), kind), f"node field {field} = {node.get(field)!r}"
    assert node["connections"] == 12 and node["version"] == "0.1.0" and node["backendUp"] is True
    assert 40 <= node["messagesInPerSecond"] <= 60, node
    assert 120 <= node["messagesOutPerSecond"] <= 180, node
    assert abs(node["lastHeartbeat"] - now_ms()) < 3000

    t = doc["totals"]
    assert (t["nodes"], t["alive"], t["suspect"], t["dead"]) == (3, 1, 1, 1), t
    assert t["connections"] == 15, "alive and suspect nodes count, dead ones do not"
    assert t["channels"] == 3, "distinct channels come from rt:channels"
    assert t["messagesInPerSecond"] == pytest.approx(node["messagesInPerSecond"], abs=0.01)
    assert doc["rateLimitRejections"]["total"] == 21
    assert doc["rateLimitRejections"]["perNode"] == {"n-live": 7, "n-stale": 7, "n-old": 7}
    assert doc["rateLimitRejections"]["perLimit"] == {"chat": 5, "joins": 2}
    assert doc["rateLimitRejections"]["topSubjects"] == [{"subject": "ip:10.0.0.7", "rejections": 4},
                                                         {"subject": "u:alice", "rejections": 3}]
    assert set(doc["cleanups"]) >= {"nodes", "members"}


def test_graceful_deregistration_is_gone_not_dead(h):
    f = h.fake("n-bye").start()
    c = h.coordinator("c1")
    assert wait_until(lambda: c.status("n-bye") == "alive", timeout=3)
    f.deregister()
    assert wait_until(lambda: c.node("n-bye") is None, timeout=3), c.cluster()
    time.sleep(1)
    assert c.cluster()["cleanups"] == {"nodes": 0, "members": 0}


# --------------------------------------------------------------------------- cleanup


def populate(dead: FakeEdge, live: FakeEdge, channels: list[str], per_channel: int) -> dict[str, set[str]]:
    """Members of `dead` and one member of `live` in every channel but the last,
    which only the dead node's members hold. Returns channel -> dead member ids."""
    ghosts: dict[str, set[str]] = {}
    for i, ch in enumerate(channels):
        ghosts[ch] = set()
        for j in range(per_channel):
            m = f"ghost{j}"  # the same socket in several channels, as in real life
            dead.join(ch, m, data={"n": j, "tag": "ghost"})
            ghosts[ch].add(m)
        if i < len(channels) - 1:
            live.join(ch, f"live-{i}", data=None)
    return ghosts


def test_dead_node_cleaned_up_exactly_once_with_two_coordinators(h):
    ghost = h.fake("n-ghost").start()
    live = h.fake("n-live").start()
    channels = [unique("room") for _ in range(3)]
    ghosts = populate(ghost, live, channels, per_channel=7)
    sub = h.subscribe(*[f"rt:ch:{ch}" for ch in channels], "rt:ctl")
    a = h.coordinator("cA", dead_after=3)
    b = h.coordinator("cB", dead_after=3)
    assert wait_until(lambda: a.is_leader() or b.is_leader(), timeout=3)
    assert wait_until(lambda: a.status("n-ghost") == "alive" and b.status("n-ghost") == "alive", timeout=3)

    killed = time.monotonic()
    ghost.crash()
    expected = sum(len(v) for v in ghosts.values())
    assert sub.wait(lambda s: sum(len(leave_payloads(s, ch)) for ch in channels) >= expected, timeout=8), \
        f"leaves: {sub.messages!r}"
    took = time.monotonic() - killed
    assert took < 3 + 1 + 1.5, f"cleanup took {took:.1f}s with --dead-after 3"
    time.sleep(1.5)  # anything published twice would have arrived by now

    for ch in channels:
        leaves = leave_payloads(sub, ch)
        ids = [e["message"]["id"] for e in leaves]
        assert sorted(ids) == sorted(ghosts[ch]), f"{ch}: each member announced exactly once, got {ids}"
        for e in leaves:
            assert e["channel"] == ch
            assert e["message"]["data"] == {"n": int(e["message"]["id"][5:]), "tag": "ghost"}
            assert set(e["message"]) == {"id", "data"}, "the node and user id stay private"
    assert sub.on("rt:ctl") == [b"evicted\nn-ghost"], "the eviction notice is published once"

    for i, ch in enumerate(channels):
        assert hkeys(h, f"rt:presence:{ch}") == ({f"live-{i}"} if i < len(channels) - 1 else set())
    assert smembers(h, "rt:channels") == set(channels[:-1]), "a channel left empty leaves rt:channels"
    assert h.conn.call("EXISTS", "rt:node:n-ghost:presence") == 0
    assert smembers(h, "rt:nodes") == {"n-live"}
    assert smembers(h, "rt:node:n-live:presence") == {f"live-{i}\n{ch}" for i, ch in enumerate(channels[:-1])}

    for c in (a, b):
        doc = wait_until(lambda: (lambda d: d if d["cleanups"]["nodes"] == 1 else None)(c.cluster()), timeout=2)
        assert doc, c.cluster()
        assert doc["cleanups"] == {"nodes": 1, "members": expected}
        assert c.status("n-ghost") == "dead", "a cleaned-up node stays visible as dead"
        assert c.status("n-live") == "alive"


def test_leader_killed_standby_takes_over_and_cleans_up_once(h):
    ghost = h.fake("n-ghost").start()
    live = h.fake("n-live").start()
    channels = [unique("room") for _ in range(2)]
    ghosts = populate(ghost, live, channels, per_channel=4)
    sub = h.subscribe(*[f"rt:ch:{ch}" for ch in channels], "rt:ctl")
    a = h.coordinator("cA", dead_after=3)
    b = h.coordinator("cB", dead_after=3)
    assert wait_until(lambda: a.is_leader() != b.is_leader(), timeout=4), (a.cluster(), b.cluster())
    leader, standby = (a, b) if a.is_leader() else (b, a)
    assert standby.cluster()["coordinator"]["leaderId"] == leader.id

    # The node and the leader die together: the standby must take the lapsed lease
    # and still clean up within PROTOCOL.md bound (10 s).
    killed = time.monotonic()
    ghost.crash()
    leader.kill()
    assert wait_until(standby.is_leader, timeout=7), standby.cluster()
    expected = sum(len(v) for v in ghosts.values())
    assert sub.wait(lambda s: sum(len(leave_payloads(s, ch)) for ch in channels) >= expected, timeout=10)
    took = time.monotonic() - killed
    assert took <= 10, f"cleanup after a leader failover took {took:.1f}s"
    time.sleep(1.5)
    for ch in channels:
        ids = sorted(e["message"]["id"] for e in leave_payloads(sub, ch))
        assert ids == sorted(ghosts[ch]), f"{ch}: {ids}"
    assert sub.on("rt:ctl") == [b"evicted\nn-ghost"]
    assert standby.cluster()["cleanups"] == {"nodes": 1, "members": expected}


def test_graceful_coordinator_shutdown_hands_over_the_lease(h):
    a = h.coordinator("cA")
    assert wait_until(a.is_leader, timeout=3)
    b = h.coordinator("cB")
    time.sleep(1.2)
    assert not b.is_leader()
    a.terminate()
    assert a.proc.returncode == 0, tail(a.log)
    started = time.monotonic()
    assert wait_until(b.is_leader, timeout=3), "SIGTERM releases the lease; the standby takes it at its next try"
    assert time.monotonic() - started < 2.5


def test_node_that_comes_back_is_readmitted(h):
    f = h.fake("n-flaky", connections=4).start()
    f.join(unique("room"), "m1")
    sub = h.subscribe("rt:ctl")
    c = h.coordinator("c1", dead_after=3)
    assert wait_until(lambda: c.status("n-flaky") == "alive", timeout=3)
    f.crash()
    assert wait_until(lambda: c.status("n-flaky") == "dead", timeout=5)
    assert sub.wait(lambda s: s.on("rt:ctl") == [b"evicted\nn-flaky"], timeout=3), \
        "a partitioned edge learns it was evicted (and re-asserts its presence)"
    assert wait_until(lambda: "n-flaky" not in smembers(h, "rt:nodes"), timeout=2)
    assert c.node("n-flaky")["connections"] == 0

    f.start()  # heartbeats resume
    assert wait_until(lambda: c.status("n-flaky") == "alive", timeout=3), c.cluster()
    node = c.node("n-flaky")
    assert node["connections"] == 4 and node["readmissions"] == 1 and node["deadSince"] is None
    time.sleep(1)
    assert c.cluster()["cleanups"]["nodes"] == 1, "a re-admitted node is not cleaned up again"


def test_redis_stall_does_not_evict_live_nodes(h):
    f = h.fake("n-live", connections=2).start()
    f.join(unique("room"), "m1")
    c = h.coordinator("c1", dead_after=3)
    assert wait_until(lambda: c.status("n-live") == "alive", timeout=3)
    # Every client, the coordinator included, is blind for longer than --dead-after.
    h.conn.call("CLIENT", "PAUSE", "4500", "ALL")
    time.sleep(4.5)
    assert wait_until(lambda: c.status("n-live") == "alive", timeout=6), c.cluster()
    time.sleep(2)
    doc = c.cluster()
    assert doc["cleanups"]["nodes"] == 0, "time the coordinator could not see is not held against the nodes"
    assert c.status("n-live") == "alive"
    assert smembers(h, f"rt:node:n-live:presence")


# --------------------------------------------------------------------------- metrics, health, CLI


def metric_samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_metrics_health_and_cli(h):
    h.fake("n1", connections=5, msg_rate=10).start()
    h.fake("n2", connections=6).start()
    h.conn.call("HSET", "rt:rl:rejections", "chat", "5")
    c = h.coordinator("c1")
    assert wait_until(lambda: c.cluster()["totals"]["alive"] == 2, timeout=3)
    time.sleep(2.2)  # two heartbeats: rates are known

    r = c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    m = metric_samples(r.text)
    assert m['realtime_cluster_nodes{status="alive"}'] == 2
    assert m['realtime_cluster_nodes{status="dead"}'] == 0
    assert m["realtime_cluster_connections"] == 11
    # The per-node view has its own names: summing realtime_connections over the
    # edge and coordinator jobs must not count a node twice.
    assert m['realtime_coordinator_node_connections{node="n1"}'] == 5
    assert m['realtime_coordinator_node_connections{node="n2"}'] == 6
    assert m['realtime_coordinator_node_state{node="n1",state="alive"}'] == 1
    assert m['realtime_coordinator_node_state{node="n1",state="dead"}'] == 0
    assert m['realtime_coordinator_node_messages_in_total{node="n1"}'] > 0
    assert m['realtime_coordinator_node_rate_limit_rejections_total{node="n2"}'] == 7
    assert m["realtime_coordinator_leader"] == 1
    assert m['realtime_cluster_rate_limit_rejections_total{limit="chat"}'] == 5
    assert m['realtime_build_info{version="0.1.0",component="coordinator"}'] == 1
    assert m["process_resident_memory_bytes"] > 0 and m["process_open_fds"] > 0
    assert not any(name.startswith("realtime_connections") or "per_second" in name for name in m)
    assert all(name.startswith(("realtime_", "process_")) for name in m)

    health = c.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"

    page = c.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" in page.text and "<style" in page.text
    assert "http://" not in page.text and "https://" not in page.text, "no CDN: the page ships its own JS and CSS"

    def run(*args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
        return subprocess.run([str(realtime_bin()), *args], capture_output=True, text=True, timeout=20, env=env)

    nodes = run("nodes", "--coordinator", c.base)
    assert nodes.returncode == 0, nodes.stderr
    lines = nodes.stdout.splitlines()
    assert lines[0].startswith("coordinator c1 (leader")
    header = next(line for line in lines if line.startswith("NODE"))
    for column in ("STATUS", "ADDRESS", "CONNS", "CHANNELS", "IN/S", "OUT/S", "HEARTBEAT"):
        assert column in header
    rows = {line.split()[0]: line.split() for line in lines[lines.index(header) + 1:] if line.strip()}
    assert set(rows) == {"n1", "n2"}
    assert rows["n1"][1] == "alive" and rows["n1"][3] == "5" and rows["n2"][3] == "6"

    as_json = run("nodes", "--coordinator", c.base + "/", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert {n["id"] for n in json.loads(as_json.stdout)["nodes"]} == {"n1", "n2"}

    stats = run("stats", "--coordinator", c.base)
    assert stats.returncode == 0, stats.stderr
    values = dict(line.rsplit(None, 1) for line in stats.stdout.splitlines()[2:] if line.strip())
    assert values["connections"] == "11" and values["alive"] == "2" and values["dead"] == "0"

    down = run("nodes", "--coordinator", f"http://{HOST}:{free_port()}")
    assert down.returncode != 0 and "cannot reach the coordinator" in down.stderr

    # Cut off from Redis, the coordinator says so instead of serving a frozen picture.
    h.redis.stop()
    assert wait_until(lambda: c.get("/health").status_code == 503, timeout=8)
    assert c.cluster()["coordinator"]["redisUp"] is False


# --------------------------------------------------------------------------- dashboard


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return exe


def chromium_args(tmp: Path) -> list[str]:
    return [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
            "--proxy-server=direct://", "--proxy-bypass-list=*",  # loopback only, never a proxy
            f"--user-data-dir={tmp / 'chromium-profile'}", "--window-size=1280,800"]


@pytest.mark.timeout(150)
def test_dashboard_renders_live_nodes_in_headless_chromium(h, tmp_path):
    fleet = {
        "edge-a": h.fake("edge-a", connections=1240, msg_rate=830),
        "edge-b": h.fake("edge-b", connections=1187, msg_rate=610),
        "edge-c": h.fake("edge-c", connections=977, msg_rate=450),
        "edge-d": h.fake("edge-d", connections=300, msg_rate=200),
    }
    rooms = [f"room-{i}" for i in range(6)]
    for i, (node_id, f) in enumerate(fleet.items()):
        f.start()
        for k, room in enumerate(rooms[i:i + 3]):
            f.join(room, f"{node_id}-m{k}")
    c = h.coordinator("coord-1", dead_after=3)
    # History for the charts (served by /history): traffic changes for a while,
    # then edge-d crashes and is cleaned up.
    for i in range(18):
        fleet["edge-a"].connections += 41 * (1 if i % 4 else -2)
        fleet["edge-a"].msg_rate = 830 + 260 * (i % 5)
        fleet["edge-b"].connections += 12
        fleet["edge-b"].msg_rate = 610 + 90 * ((i * 7) % 4)
        fleet["edge-c"].msg_rate = 450 + (40 if i % 2 else -40)
        if i == 11:
            fleet["edge-d"].crash()
        time.sleep(1)
    assert wait_until(lambda: c.status("edge-d") == "dead", timeout=6)
    history = c.get("/history").json()["samples"]
    assert len(history) >= 15 and all(set(s) == {"t", "nodes"} for s in history)
    assert "connections" in history[-1]["nodes"]["edge-a"]

    dom = subprocess.run(chromium_args(tmp_path) + ["--virtual-time-budget=5000", "--dump-dom", c.base + "/"],
                         capture_output=True, text=True, timeout=60)
    html = dom.stdout
    assert 'id="nodes"' in html, f"no nodes table in the DOM; chromium said:\n{dom.stderr[-2000:]}"
    for node, status in [("edge-a", "alive"), ("edge-b", "alive"), ("edge-c", "alive"), ("edge-d", "dead")]:
        assert f'data-node="{node}" data-status="{status}"' in html, f"{node} row missing or not {status}"
    connections = {n["id"]: n["connections"] for n in c.cluster()["nodes"]}
    assert f'data-field="connections">{connections["edge-c"]:,}</td>' in html, "live numbers from /cluster"
    assert 'id="total-nodes">4<' in html
    assert 'class="badge dead">dead<' in html
    assert 'id="total-cleaned-members">3 members removed<' in html

    # The screenshot for docs/.
    shot = tmp_path / "dashboard.png"
    subprocess.run(chromium_args(tmp_path) + ["--virtual-time-budget=5000", f"--screenshot={shot}", c.base + "/"],
                   capture_output=True, text=True, timeout=60)
    assert shot.exists() and shot.stat().st_size > 10_000, "chromium did not write the screenshot"
    docs = REPO_ROOT / "docs"
    if docs.is_dir() and os.environ.get("REALTIME_UPDATE_SCREENSHOT", "1") != "0":
        shutil.copyfile(shot, docs / "dashboard.png")


# --------------------------------------------------------------------------- end to end with real edges


@pytest.mark.timeout(150)
def test_killed_edge_members_leave_everywhere_and_it_is_readmitted(h):
    c = h.coordinator("coord-e2e")  # default --dead-after: PROTOCOL.md's bound is 10 s
    edges = [h.edge(f"edge{i}-{unique('n')[3:9]}") for i in range(3)]
    assert wait_until(lambda: c.cluster()["totals"]["alive"] == 3, timeout=6), \
        f"edges did not heartbeat to the coordinator: {c.cluster()}"

    channel = unique("room")
    clients = {}
    for i, e in enumerate(edges):
        for k in range(2):
            cl = h.client(e, name=f"c{k}@edge{i}")
            cl.join(channel)
            clients[(i, k)] = cl
    victims = {clients[(1, k)].sid for k in range(2)}
    survivors = [cl for (i, _), cl in clients.items() if i != 1]
    assert len(survivors[0].members(channel)) == 6
    assert wait_until(lambda: c.node(edges[1].node_id)["connections"] == 2, timeout=3)
    for cl in survivors:
        cl.clear()

    killed = time.monotonic()
    edges[1].proc.kill()  # kill -9: no cleanup, no deregistration
    edges[1].proc.wait(5)
    for cl in survivors:
        cl.wait_for("channel:leave", lambda p: p["message"]["id"] in victims and p["channel"] == channel,
                    timeout=12, count=2)
    took = time.monotonic() - killed
    assert took <= 10.5, f"leaves arrived {took:.1f}s after the crash (bound: 10 s)"
    time.sleep(1)
    for cl in survivors:
        got = [p["message"]["id"] for (p, *_) in cl.received("channel:leave") if p["channel"] == channel]
        assert sorted(got) == sorted(victims), f"{cl.name}: each leave exactly once, got {got}"
        ids = {m["id"] for m in cl.members(channel)}
        assert not ids & victims and len(ids) == 4, f"{cl.name}: members still list the dead node's sockets: {ids}"
    assert c.status(edges[1].node_id) == "dead"
    assert c.cluster()["cleanups"]["members"] == 2

    # The survivors keep relaying while the node is gone.
    survivors[0].emit("message", {"channel": channel, "eventName": "after-crash", "message": 1})
    survivors[-1].wait_for("after-crash")

    h.spawn_edge(edges[1])  # same node id
    assert wait_until(lambda: c.status(edges[1].node_id) == "alive", timeout=6), c.cluster()
    back = h.client(edges[1], name="back@edge1")
    back.join(channel)
    survivors[0].wait_for("channel:join", lambda p: p["message"]["id"] == back.sid)
    assert {m["id"] for m in back.members(channel)} == {cl.sid for cl in survivors} | {back.sid}


@pytest.mark.timeout(90)
def test_edges_keep_relaying_without_a_coordinator(h):
    c = h.coordinator("coord-gone")
    edges = [h.edge(f"edge{i}-{unique('n')[3:9]}") for i in range(2)]
    assert wait_until(lambda: c.cluster()["totals"]["alive"] == 2, timeout=6), c.cluster()
    c.kill()
    channel = unique("room")
    a = h.client(edges[0], "a@edge0")
    b = h.client(edges[1], "b@edge1")
    a.join(channel)
    b.join(channel)
    a.wait_for("channel:join", lambda p: p["message"]["id"] == b.sid)
    a.emit("message", {"channel": channel, "eventName": "ping", "message": {"n": 1}})
    assert b.wait_for("ping")[0] == {"channel": channel, "message": {"n": 1}}
    # And a coordinator started later picks the cluster up where it is.
    c2 = h.coordinator("coord-new")
    assert wait_until(lambda: c2.cluster()["totals"]["alive"] == 2, timeout=4), c2.cluster()
    assert wait_until(lambda: c2.cluster()["totals"]["connections"] == 2, timeout=3), c2.cluster()


@pytest.mark.timeout(90)
def test_edge_restarted_quickly_under_the_same_id_leaves_no_ghosts(h):
    c = h.coordinator("coord-restart")
    stable = h.edge(f"edge0-{unique('n')[3:9]}")
    flaky = h.edge(f"edge1-{unique('n')[3:9]}")
    assert wait_until(lambda: c.cluster()["totals"]["alive"] == 2, timeout=6), c.cluster()
    channel = unique("room")
    watcher = h.client(stable, "watcher@edge0")
    victim = h.client(flaky, "victim@edge1")
    watcher.join(channel)
    victim.join(channel)
    victim_sid = victim.sid
    flaky.proc.kill()  # crash, then back under the same id well before --dead-after
    flaky.proc.wait(5)
    h.spawn_edge(flaky)
    watcher.wait_for("channel:leave", lambda p: p["message"]["id"] == victim_sid, timeout=10)
    assert victim_sid not in {m["id"] for m in watcher.members(channel)}
