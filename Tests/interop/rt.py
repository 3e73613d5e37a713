"""Harness for the interop suite: real redis-server and `realtime edge` processes,
and a thin wrapper over the stock python-socketio client.

Everything listens on and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Optional

import jwt
import requests
import socketio
import websocket

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

HOST = "127.0.0.1"
MASTER_KEY = "interop-master-key-0123456789"
JWT_SECRET = "interop-jwt-secret-0123456789abcdef"
DEFAULT_WAIT = 3.0  # seconds for anything that should arrive
QUIET_WAIT = 0.5  # seconds we watch for something that must NOT arrive

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_SETTINGS = {
    "enabled": True,
    "apiKeyRequired": False,
    "sessionRequired": False,
    "apiKeys": [],
    "rateLimits": [],
}


# --------------------------------------------------------------------------- utils


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def unique(prefix: str = "ch") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def realtime_bin() -> Path:
    env = os.environ.get("REALTIME_BIN")
    p = Path(env) if env else REPO_ROOT / ".build" / "debug" / "realtime"
    if not p.is_absolute():
        p = REPO_ROOT / p
    return p


def make_jwt(sub: Optional[str], secret: str = JWT_SECRET, exp_in: int = 3600, **extra) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {"iat": now, "exp": now + exp_in, **extra}
    if sub is not None:
        payload["sub"] = sub
    return jwt.encode(payload, secret, algorithm="HS256")


def make_unsigned_jwt(sub: str) -> str:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': sub, 'exp': int(time.time()) + 300})}."


def tail(path: Path, lines: int = 60) -> str:
    """The last lines of a log, preceded by any fatal-error lines from earlier in it."""
    try:
        data = path.read_text(errors="replace").splitlines()
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    last = data[-lines:]
    fatal = [l for l in data[:-lines] if "Fatal error" in l or "Program crashed" in l][:5]
    return "\n".join((fatal + ["..."] if fatal else []) + last)


def wait_until(pred: Callable[[], Any], timeout: float = DEFAULT_WAIT, interval: float = 0.02) -> Any:
    """Poll pred until it returns a truthy value; return it (or the last falsy value)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


# --------------------------------------------------------------------------- processes


@contextlib.contextmanager
def closed_after_test(harness, request):
    """A fixture's harness of processes: yielded to the test, its logs printed when the
    test failed, closed whatever happened."""
    try:
        yield harness
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            print(harness.logs())
    finally:
        harness.close()


class ProcessStartError(RuntimeError):
    pass


class RedisServer:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None
        self.log = workdir / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}"

    def start(self) -> "RedisServer":
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        last = ""
        for _ in range(3):
            self.port = free_port()
            logf = open(self.log, "ab")
            self.proc = subprocess.Popen(
                [exe, "--bind", HOST, "--port", str(self.port), "--save", "", "--appendonly", "no",
                 "--dir", str(self.workdir), "--daemonize", "no"],
                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
            logf.close()
            if self._wait_ready(5.0):
                return self
            last = tail(self.log)
            self.stop()
        raise ProcessStartError(f"redis-server did not start:\n{last}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.proc = None


class Edge:
    def __init__(self, index: int, workdir: Path, args: list[str], node_id: Optional[str]):
        self.index = index
        self.workdir = workdir
        self.extra_args = args
        self.node_id = node_id
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None
        self.log = workdir / f"edge-{index}.log"
        self.stopping = False

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def spawn(self) -> None:
        self.port = free_port()
        cmd = [str(realtime_bin()), "edge", "--port", str(self.port), "--host", HOST] + self.extra_args
        if self.node_id:
            cmd += ["--node-id", self.node_id]
        logf = open(self.log, "ab")
        logf.write(f"\n===== {' '.join(cmd)}\n".encode())
        logf.flush()
        env = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
        # A crash prints its "Fatal error: ..." line either way; the symbolicated
        # backtrace takes ~10 s per crash, so it is opt-in.
        if not os.environ.get("REALTIME_TEST_BACKTRACE"):
            env.setdefault("SWIFT_BACKTRACE", "enable=no")
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        logf.close()

    def wait_healthy(self, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                r = requests.get(self.base + "/health", timeout=0.5)
                if r.status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.03)
        return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal_stop(self) -> None:
        self.stopping = True
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float = 3.0) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                pass


# --------------------------------------------------------------------------- client


class ConnectRejected(AssertionError):
    pass


def in_arrival_order(sio: socketio.Client) -> None:
    """Make a stock client handle packets in the order they arrive.

    python-engineio hands every received message to a new thread
    (`_trigger_event('message', ..., run_async=True)`), so under CPU load two events
    that arrived in order can be recorded out of order: the ordering tests then fail
    for the client's sake, not the server's. The recording handlers here never
    block, so running them on the read loop is safe."""
    eio = sio.eio
    trigger = eio._trigger_event

    def in_order(event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return trigger(event, *args, **kwargs)

    eio._trigger_event = in_order


class RTClient:
    """A python-socketio client that records every event it receives."""

    def __init__(self, url: str, path: str = "/realtime", auth: Optional[dict] = None, name: str = "client"):
        self.url = url
        self.path = path
        self.auth = auth
        self.name = name
        self.sio = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        in_arrival_order(self.sio)
        self.events: list[tuple[str, tuple]] = []
        self.cond = threading.Condition()
        self.connect_error_data: Any = None
        self.disconnect_reason: Any = None
        self.disconnected = threading.Event()
        self.sio.on("*", self._on_any)
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on("disconnect", self._on_disconnect)

    # handlers (run on the client's thread)
    def _on_any(self, event, *args):
        with self.cond:
            self.events.append((event, args))
            self.cond.notify_all()

    def _on_connect_error(self, *data):
        with self.cond:
            self.connect_error_data = data[0] if len(data) == 1 else (data if data else None)
            self.cond.notify_all()

    def _on_disconnect(self, *args):
        self.disconnect_reason = args[0] if args else None
        self.disconnected.set()

    # connection
    def connect(self, timeout: float = 5.0) -> "RTClient":
        try:
            self.sio.connect(self.url, transports=["websocket"], socketio_path=self.path,
                             auth=self.auth, wait_timeout=timeout)
        except socketio.exceptions.ConnectionError as e:
            raise ConnectRejected(
                f"{self.name}: connect to {self.url}{self.path} failed: {e!r}; "
                f"CONNECT_ERROR data: {self.connect_error_data!r}") from e
        return self

    def connect_expect_error(self, timeout: float = 5.0) -> Any:
        """Connect, expecting a CONNECT_ERROR; return its data object."""
        try:
            self.sio.connect(self.url, transports=["websocket"], socketio_path=self.path,
                             auth=self.auth, wait_timeout=timeout)
        except socketio.exceptions.ConnectionError:
            with self.cond:
                self.cond.wait_for(lambda: self.connect_error_data is not None, timeout=1.0)
            return self.connect_error_data
        self.disconnect()
        raise AssertionError(f"{self.name}: connection with auth={self.auth!r} was accepted, expected CONNECT_ERROR")

    @property
    def sid(self) -> str:
        return self.sio.get_sid("/")

    @property
    def connected(self) -> bool:
        return self.sio.connected and not self.disconnected.is_set()

    def disconnect(self) -> None:
        try:
            if self.sio.connected:
                self.sio.disconnect()
        except Exception:
            pass
        try:
            self.sio.shutdown()
        except Exception:
            pass

    # sending
    def emit(self, event: str, data: Any = None) -> None:
        self.sio.emit(event, data)

    def call(self, event: str, data: Any = None, timeout: float = DEFAULT_WAIT) -> Any:
        try:
            return self.sio.call(event, data, timeout=timeout)
        except socketio.exceptions.TimeoutError:
            raise AssertionError(f"{self.name}: no ack for {event!r} {short(data)} within {timeout}s") from None

    def ok(self, event: str, data: Any = None) -> Any:
        ack = self.call(event, data)
        assert ack == {"ok": True}, f"{self.name}: {event} {short(data)} acked {short(ack)}, expected {{'ok': True}}"
        return ack

    def join(self, channel: str, **kw) -> None:
        self.ok("join", {"channel": channel, **kw})

    def leave(self, channel: str, **kw) -> None:
        self.ok("leave", {"channel": channel, **kw})

    def members(self, channel: str) -> list:
        ack = self.call("members", {"channel": channel})
        assert isinstance(ack, dict) and isinstance(ack.get("data"), list), \
            f"{self.name}: members ack {short(ack)} is not {{data: [...]}}"
        return ack["data"]

    # receiving
    def _match(self, event: str, pred: Optional[Callable[..., bool]]):
        out = []
        for name, args in self.events:
            if name != event:
                continue
            try:
                if pred is None or pred(*args):
                    out.append(args)
            except Exception:
                pass
        return out

    def wait_for(self, event: str, pred: Optional[Callable[..., bool]] = None, timeout: float = DEFAULT_WAIT,
                 count: int = 1) -> tuple:
        """Wait until `count` events named `event` matching pred arrived; return the args of the first."""
        with self.cond:
            ok = self.cond.wait_for(lambda: len(self._match(event, pred)) >= count, timeout=timeout)
            if not ok:
                got = [(n, a) for n, a in self.events]
                raise AssertionError(
                    f"{self.name}: expected {count}x {event!r} (matching) within {timeout}s; "
                    f"received: {short(got, 1500)}")
            return self._match(event, pred)[0]

    def received(self, event: str, pred: Optional[Callable[..., bool]] = None) -> list:
        with self.cond:
            return self._match(event, pred)

    def assert_not_received(self, event: str, pred: Optional[Callable[..., bool]] = None,
                            within: float = QUIET_WAIT, what: str = "") -> None:
        with self.cond:
            self.cond.wait_for(lambda: len(self._match(event, pred)) > 0, timeout=within)
            got = self._match(event, pred)
        assert not got, f"{self.name}: must not receive {event!r} {what}, but got {short(got)}"

    def clear(self) -> None:
        with self.cond:
            self.events.clear()


def short(v: Any, n: int = 400) -> str:
    s = repr(v)
    return s if len(s) <= n else s[:n] + f"...<{len(s)} chars>"


# --------------------------------------------------------------------------- cluster


class Cluster:
    """One backend deployment: 'memory' (one edge, no Redis) or 'redis' (N edges, one redis-server)."""

    def __init__(self, backend: str, workdir: Path, edges: int = 3, settings: Optional[dict] = None,
                 master_key: Optional[str] = MASTER_KEY, jwt_secret: Optional[str] = JWT_SECRET,
                 ping_interval: Optional[int] = None, ping_timeout: Optional[int] = None,
                 extra_args: Optional[list[str]] = None):
        self.backend = backend
        self.workdir = workdir
        self.n_edges = 1 if backend == "memory" else edges
        # 'rediscluster': the edges share a local 3-master Redis Cluster (issue 17).
        self.settings = dict(DEFAULT_SETTINGS if settings is None else settings)
        self.master_key = master_key
        self.jwt_secret = jwt_secret
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.extra_args = extra_args or []
        self.redis: Optional[RedisServer] = None  # or a redis_cluster.RedisClusterServer
        self.edges: list[Edge] = []
        self.clients: list[RTClient] = []
        self._rr = 0
        self.crashed: list[str] = []
        self.http = requests.Session()
        self.http.trust_env = False

    # lifecycle
    def start(self) -> "Cluster":
        self.workdir.mkdir(parents=True, exist_ok=True)
        settings_file = self.workdir / "settings.json"
        settings_file.write_text(json.dumps(self.settings))
        common = ["--settings", str(settings_file)]
        if self.master_key:
            common += ["--master-key", self.master_key]
        if self.jwt_secret:
            common += ["--jwt-secret", self.jwt_secret]
        if self.ping_interval is not None:
            common += ["--ping-interval", str(self.ping_interval)]
        if self.ping_timeout is not None:
            common += ["--ping-timeout", str(self.ping_timeout)]
        if os.environ.get("REALTIME_TEST_LOG_LEVEL"):
            common += ["--log-level", os.environ["REALTIME_TEST_LOG_LEVEL"]]
        common += self.extra_args
        if self.backend == "redis":
            self.redis = RedisServer(self.workdir).start()
            common += ["--redis", self.redis.url]
        elif self.backend == "rediscluster":
            from redis_cluster import RedisClusterServer
            self.redis = RedisClusterServer(self.workdir).start()
            common += ["--redis", self.redis.url]
        tag = uuid.uuid4().hex[:6]
        for i in range(self.n_edges):
            node_id = f"edge{i}-{tag}" if self.backend != "memory" else None
            self.edges.append(Edge(i, self.workdir, list(common), node_id))
        try:
            pending = list(self.edges)
            for attempt in range(3):
                for e in pending:
                    e.spawn()
                failed = [e for e in pending if not e.wait_healthy()]
                if not failed:
                    return self
                # Retry only when the port was taken under us; a broken binary fails at once.
                retry = []
                for e in failed:
                    log = tail(e.log, 30)
                    if e.alive():
                        e.signal_stop()
                        e.wait_stopped(2)
                        raise ProcessStartError(f"edge {e.index} never answered GET /health:\n{log}")
                    if "in use" in log.lower() or "eaddrinuse" in log.lower():
                        retry.append(e)
                    else:
                        raise ProcessStartError(
                            f"edge {e.index} exited with {e.proc.returncode} before /health answered:\n{log}")
                pending = retry
            raise ProcessStartError("edges could not bind a free port after 3 attempts")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for c in self.clients:
            c.disconnect()
        self.clients.clear()
        for e in self.edges:
            e.signal_stop()
        for e in self.edges:
            e.wait_stopped()
        if self.redis:
            self.redis.stop()
        self.http.close()

    def check_alive(self) -> list[str]:
        """Return a description of every edge that died on its own (a crash)."""
        dead = []
        for e in self.edges:
            if not e.stopping and e.proc is not None and e.proc.poll() is not None:
                dead.append(f"edge {e.index} (port {e.port}) exited with {e.proc.returncode}:\n{tail(e.log, 80)}")
        if self.redis and self.redis.proc is not None and self.redis.proc.poll() is not None:
            dead.append("redis-server exited")
        return dead

    def logs(self, lines: int = 40) -> str:
        return "\n".join(f"--- edge {e.index} (port {e.port}) log tail:\n{tail(e.log, lines)}" for e in self.edges)

    def end_test(self) -> None:
        for c in self.clients:
            c.disconnect()
        self.clients.clear()

    # clients
    def edge(self, i: int) -> Edge:
        return self.edges[i % len(self.edges)]

    def url(self, i: int) -> str:
        return self.edge(i).base

    def client(self, auth: Optional[dict] = None, edge: Optional[int] = None, path: str = "/realtime",
               connect: bool = True, name: Optional[str] = None) -> RTClient:
        """A client on edge `edge`, or the next edge round-robin so clients land on different edges."""
        if edge is None:
            edge = self._rr
            self._rr += 1
        e = self.edge(edge)
        c = RTClient(e.base, path=path, auth=auth, name=name or f"client@edge{e.index}")
        c.edge_index = e.index
        self.clients.append(c)
        if connect:
            c.connect()
        return c

    def clients_on_distinct_edges(self, n: int, **kw) -> list[RTClient]:
        return [self.client(edge=i, name=f"c{i}@edge{i % len(self.edges)}", **kw) for i in range(n)]

    # server API
    def api(self, method: str, path: str, edge: int = 0, key: Any = "master", **kw) -> requests.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if key == "master":
            key = self.master_key
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        kw.setdefault("timeout", 5)
        return self.http.request(method, self.url(edge) + path, headers=headers, **kw)


def members_set(data: list) -> dict:
    """Normalise a member list [{id, data}] to {id: data}, checking the shape."""
    assert isinstance(data, list), f"members is not a list: {short(data)}"
    out = {}
    for m in data:
        assert isinstance(m, dict) and set(m.keys()) >= {"id", "data"}, f"member entry {short(m)} is not {{id, data}}"
        assert m["id"] not in out, f"member {m['id']} listed twice in {short(data)}"
        out[m["id"]] = m["data"]
    return out


def is_error(ack: Any, code: str) -> bool:
    return (isinstance(ack, dict) and isinstance(ack.get("error"), dict)
            and ack["error"].get("code") == code and isinstance(ack["error"].get("message"), str)
            and ack["error"]["message"] != "")


def assert_error_ack(ack: Any, code: str, what: str = "") -> None:
    assert is_error(ack, code), \
        f"{what}: expected ack {{error: {{code: {code!r}, message: <non-empty>}}}}, got {short(ack)}"
    assert set(ack.keys()) == {"error"}, f"{what}: error ack has extra keys: {short(ack)}"


def assert_api_error(r: requests.Response, status: int, what: str = "") -> dict:
    assert r.status_code == status, f"{what}: HTTP {r.status_code} {r.text[:300]!r}, expected {status}"
    try:
        body = r.json()
    except ValueError:
        raise AssertionError(f"{what}: error body is not JSON: {r.text[:300]!r}") from None
    errs = body.get("errors") if isinstance(body, dict) else None
    assert isinstance(errs, list) and errs, f"{what}: body {short(body)} has no errors list"
    assert isinstance(errs[0].get("code"), str) and errs[0]["code"], f"{what}: errors[0] has no code: {short(body)}"
    assert isinstance(errs[0].get("message"), str), f"{what}: errors[0] has no message: {short(body)}"
    return body


# --------------------------------------------------------------------------- raw Engine.IO helpers


def raw_connect(cluster, edge: int = 0, path: str = "/realtime/") -> websocket.WebSocket:
    url = f"ws://{HOST}:{cluster.edge(edge).port}{path}?EIO=4&transport=websocket"
    return websocket.create_connection(url, timeout=3, suppress_origin=True)


def recv_frame(ws: websocket.WebSocket, timeout: float):
    """Next text/binary frame, answering nothing; None on timeout, '' when closed."""
    ws.settimeout(timeout)
    try:
        data = ws.recv()
    except websocket.WebSocketTimeoutException:
        return None
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        return ""
    if data in ("", b""):
        return ""
    return data


def open_packet(ws) -> dict:
    first = recv_frame(ws, 3)
    assert isinstance(first, str) and first.startswith("0"), f"first frame is not an Engine.IO open packet: {first!r}"
    return json.loads(first[1:])


def sio_connect(ws, auth: dict | None = None) -> str:
    """Send the Socket.IO CONNECT; return the server's answer (skipping pings, which are answered)."""
    ws.send("40" + (json.dumps(auth) if auth is not None else ""))
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        f = recv_frame(ws, 0.5)
        if f == "2":
            ws.send("3")
            continue
        if f is None:
            continue
        return f
    raise AssertionError("no answer to the Socket.IO CONNECT packet within 3s")


def next_non_ping(ws, within: float, answer_pings: bool = True):
    deadline = time.monotonic() + within
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        f = recv_frame(ws, left)
        if f == "2":
            if answer_pings:
                ws.send("3")
            continue
        return f


def raw_call(ws, ack_id: int, event: str, payload, within: float = 3.0):
    """Emit an event with an ack id over a raw connection; return the ack's argument list."""
    ws.send(f"42{ack_id}" + json.dumps([event, payload]))
    deadline = time.monotonic() + within
    prefix = f"43{ack_id}"
    while time.monotonic() < deadline:
        f = next_non_ping(ws, deadline - time.monotonic())
        if f is None or f == "":
            break
        if isinstance(f, str) and f.startswith(prefix) and f[len(prefix):len(prefix) + 1] == "[":
            return json.loads(f[len(prefix):])
    raise AssertionError(f"no ack {ack_id} for raw {event} within {within}s")
