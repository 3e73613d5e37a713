"""Issue 7, end to end: `scripts/cluster` (Redis, coordinator, 3 edges, HAProxy) on
loopback, stock python-socketio clients through the load balancer, a rolling
restart of every edge while they keep exchanging messages, and `scripts/cluster
down` leaving nothing running.

The clients are python-socketio's own (reconnection on, default delays): what they
experience during the rolling restart is what an application's clients would.
The longest gap in any client's message stream is printed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Optional

import pytest
import requests
import socketio

from rt import HOST, REPO_ROOT, free_port, in_arrival_order, short, tail, unique, wait_until

SCRIPT = REPO_ROOT / "scripts" / "cluster"
N_EDGES = 3
N_CLIENTS = 6
SEND_INTERVAL = 0.1  # each client sends a message every 100 ms
MAX_GAP = 10.0  # seconds a client may go without messages during the rolling restart

pytestmark = pytest.mark.timeout(420)


# --------------------------------------------------------------------------- the cluster


def _pid_alive(pid: int) -> bool:
    """True when pid is a live (non-zombie) process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.3):
            return True
    except OSError:
        return False


class LocalCluster:
    """Drives scripts/cluster with its own run dir and free loopback ports."""

    def __init__(self, binary: Path, run_dir: Path):
        self.run_dir = run_dir
        ports = set()
        while len(ports) < 4 + N_EDGES:
            ports.add(free_port())
        ports = sorted(ports)
        self.lb_port, self.lb_stats_port, self.coordinator_port, self.redis_port = ports[:4]
        self.edge_ports = ports[4:]
        # Only the variables scripts/cluster documents: nothing from the caller's
        # REALTIME_* environment leaks into the processes.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
        self.env.update({
            "REALTIME_BIN": str(binary),
            "REALTIME_CLUSTER_DIR": str(run_dir),
            "REALTIME_EDGES": str(N_EDGES),
            "REALTIME_LB_PORT": str(self.lb_port),
            "REALTIME_LB_STATS_PORT": str(self.lb_stats_port),
            "REALTIME_COORDINATOR_PORT": str(self.coordinator_port),
            "REALTIME_REDIS_PORT": str(self.redis_port),
            "REALTIME_EDGE_PORTS": ",".join(map(str, self.edge_ports)),
            "REALTIME_DRAIN_TIMEOUT": "20",
            "SWIFT_BACKTRACE": "enable=no",
        })
        self.http = requests.Session()
        self.http.trust_env = False
        self.master_key = ""

    # scripts/cluster
    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        t0 = time.monotonic()
        p = subprocess.run([str(SCRIPT), *args], env=self.env, cwd=REPO_ROOT, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        p.elapsed = time.monotonic() - t0
        return p

    def must(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        p = self.run(*args, timeout=timeout)
        assert p.returncode == 0, (f"scripts/cluster {' '.join(args)} exited {p.returncode}\n"
                                   f"stdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}\n{self.logs()}")
        return p

    def up(self) -> None:
        # The first run on a fresh machine may install redis-server and haproxy.
        self.must("up", timeout=600)
        secrets = dict(line.split("=", 1) for line in (self.run_dir / "secrets.env").read_text().split())
        self.master_key = secrets["MASTER_KEY"].strip("'\"")

    def pids(self) -> dict[str, int]:
        out = {}
        for f in sorted((self.run_dir / "pids").glob("*.pid")):
            try:
                out[f.stem] = int(f.read_text().strip())
            except ValueError:
                pass
        return out

    def node_id(self, i: int) -> str:
        return (self.run_dir / "pids" / f"edge{i}.node").read_text().strip()

    def logs(self, lines: int = 40) -> str:
        d = self.run_dir / "logs"
        if not d.is_dir():
            return ""
        return "\n".join(f"--- {f.name}:\n{tail(f, lines)}" for f in sorted(d.glob("*.log")))

    # endpoints
    @property
    def lb(self) -> str:
        return f"http://{HOST}:{self.lb_port}"

    def edge_stats(self, i: int) -> dict:
        return self.http.get(f"http://{HOST}:{self.edge_ports[i - 1]}/stats", timeout=3).json()

    def cluster_doc(self) -> dict:
        return self.http.get(f"http://{HOST}:{self.coordinator_port}/cluster", timeout=3).json()

    def api(self, method: str, path: str, **kw) -> requests.Response:
        return self.http.request(method, self.lb + path, headers={"Authorization": f"Bearer {self.master_key}"},
                                 timeout=5, **kw)


def bring_down(c: "LocalCluster", started: dict) -> None:
    """`scripts/cluster down`, then SIGKILL whatever this cluster started and is still alive;
    asserts that `down` worked (after cleaning up, so a failing test leaves nothing behind)."""
    p = c.run("down", timeout=120)
    left = [f"{n} (pid {pid})" for n, pid in started.items() if _pid_alive(pid)]
    for pid in (pid for n, pid in started.items() if _pid_alive(pid)):
        try:
            os.kill(pid, 9)  # only what this test's cluster started
        except OSError:
            pass
    c.http.close()
    assert p.returncode == 0 and not left, \
        f"scripts/cluster down exited {p.returncode}, left running: {left}\n{p.stdout}\n{p.stderr}"


@pytest.fixture
def local_cluster(realtime_binary, tmp_path):
    c = LocalCluster(realtime_binary, tmp_path / "cluster")
    try:
        c.up()
        yield c
    finally:
        bring_down(c, c.pids())


# --------------------------------------------------------------------------- clients


class Chatter:
    """A stock python-socketio client (reconnection on) that rejoins its channel on
    every (re)connect, sends a numbered message every SEND_INTERVAL and records
    when each message from the others arrives."""

    def __init__(self, name: str, url: str, channel: str):
        self.name = name
        self.url = url
        self.channel = channel
        self.sio = socketio.Client(reconnection=True, logger=False, engineio_logger=False)
        in_arrival_order(self.sio)
        self.lock = threading.Lock()
        self.received: list[tuple[float, str, int]] = []  # (time, sender, seq)
        self.connects: list[float] = []
        self.disconnects: list[tuple[float, object]] = []
        self.joined = threading.Event()
        self.join_errors: list = []
        self.seq = 0
        self.send_errors = 0
        self.stop = threading.Event()
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("tick", self._on_tick)
        self.sender = threading.Thread(target=self._send_loop, name=f"send-{name}", daemon=True)

    def _on_connect(self):
        with self.lock:
            self.connects.append(time.monotonic())
        self.joined.clear()
        self.sio.emit("join", {"channel": self.channel}, callback=self._on_join_ack)

    def _on_join_ack(self, ack=None, *rest):
        if ack == {"ok": True}:
            self.joined.set()
        else:
            self.join_errors.append(ack)

    def _on_disconnect(self, reason=None):
        self.joined.clear()
        with self.lock:
            self.disconnects.append((time.monotonic(), reason))

    def _on_tick(self, payload):
        msg = payload.get("message") if isinstance(payload, dict) else None
        if not isinstance(msg, dict) or msg.get("from") == self.name:
            return
        with self.lock:
            self.received.append((time.monotonic(), msg.get("from"), msg.get("seq")))

    def _send_loop(self):
        while not self.stop.wait(SEND_INTERVAL):
            if not self.joined.is_set():
                continue
            self.seq += 1
            try:
                self.sio.emit("message", {"channel": self.channel, "eventName": "tick",
                                          "message": {"from": self.name, "seq": self.seq}})
            except Exception:
                self.send_errors += 1

    def start(self) -> "Chatter":
        self.sio.connect(self.url, transports=["websocket"], socketio_path="/realtime", wait_timeout=10)
        assert self.joined.wait(5), f"{self.name}: join not acknowledged: {self.join_errors}"
        self.sender.start()
        return self

    def close(self) -> None:
        self.stop.set()
        try:
            self.sio.disconnect()
        except Exception:
            pass
        try:
            self.sio.shutdown()
        except Exception:
            pass

    @property
    def sid(self) -> Optional[str]:
        return self.sio.get_sid("/")

    def senders_since(self, t: float) -> set:
        with self.lock:
            return {s for (at, s, _) in self.received if at >= t}

    def longest_gap(self, start: float, end: float) -> tuple[float, float]:
        """The longest time between two messages from others in [start, end] (and from
        start to the first, from the last to end); returns (gap, when it began)."""
        with self.lock:
            times = [at for (at, _, _) in self.received if start <= at <= end]
        marks = [start] + times + [end]
        gap, began = 0.0, start
        for a, b in zip(marks, marks[1:]):
            if b - a > gap:
                gap, began = b - a, a
        return gap, began


# --------------------------------------------------------------------------- the test


# "lb-drain": scripts/cluster takes each edge out of HAProxy (admin socket) before
# SIGTERM, like a preStop hook. "sigterm-only": just SIGTERM; HAProxy learns from
# the edge's /health and from refused connections, as in compose.
@pytest.mark.parametrize("drain", ["lb-drain", "sigterm-only"])
def test_cluster_behind_load_balancer_survives_a_rolling_restart(local_cluster, drain):
    c = local_cluster
    st = c.run("status")
    assert st.returncode == 0, f"scripts/cluster status after up:\n{st.stdout}\n{st.stderr}"
    for i in range(1, N_EDGES + 1):
        assert f"edge{i}" in st.stdout

    # The server API answers through the load balancer.
    r = c.api("GET", "/api/v1/channels")
    assert r.status_code == 200, f"GET /api/v1/channels through the LB: {r.status_code} {r.text[:300]}"

    channel = unique("lb")
    clients: list[Chatter] = []
    try:
        for k in range(N_CLIENTS):
            clients.append(Chatter(f"c{k}", c.lb, channel).start())

        # Least connections: the clients are spread over every edge.
        per_edge = {i: c.edge_stats(i)["connections"] for i in range(1, N_EDGES + 1)}
        assert sum(per_edge.values()) == N_CLIENTS, f"connections per edge {per_edge}, expected {N_CLIENTS} in all"
        assert all(n >= 1 for n in per_edge.values()), f"clients did not land on every edge: {per_edge}"

        # Messages cross edges: everyone hears everyone else.
        t0 = time.monotonic()
        names = {x.name for x in clients}
        for x in clients:
            assert wait_until(lambda x=x: x.senders_since(t0) >= names - {x.name}, timeout=5), \
                f"{x.name} heard only {sorted(x.senders_since(t0))} before the restart"

        old_nodes = [c.node_id(i) for i in range(1, N_EDGES + 1)]
        time.sleep(1.0)

        # Rolling restart of every edge while the clients keep talking.
        restart_start = time.monotonic()
        p = c.must("rolling-restart", *(["--no-lb-drain"] if drain == "sigterm-only" else []), timeout=300)
        restart_end = time.monotonic()

        # Everyone is back, joined, and hears everyone else again. A drained edge must
        # end connections with a bare WebSocket close: after an Engine.IO CLOSE packet
        # python-socketio reports "server disconnect" and does not reconnect.
        time.sleep(0.5)
        deliberate = [(x.name, r) for x in clients for (_, r) in x.disconnects if r == "server disconnect"]
        assert not deliberate, (
            "draining edges ended connections as a deliberate server disconnect (Engine.IO CLOSE packet or "
            f"Socket.IO DISCONNECT), so python-socketio will not reconnect: {deliberate} (see docs/DEPLOY.md)")
        assert wait_until(lambda: all(x.sio.connected and x.joined.is_set() for x in clients), timeout=15), \
            "clients not reconnected after the rolling restart: " + \
            ", ".join(f"{x.name}: connected={x.sio.connected} joined={x.joined.is_set()} "
                      f"disconnects={short(x.disconnects)}" for x in clients)
        for x in clients:
            assert wait_until(lambda x=x: x.senders_since(restart_end) >= names - {x.name}, timeout=10), \
                f"{x.name} heard only {sorted(x.senders_since(restart_end))} after the restart"
        resumed = time.monotonic()
        time.sleep(0.5)

        # The longest silence any client saw, from just before the restart to the
        # moment everyone had resumed.
        gaps = {x.name: x.longest_gap(restart_start - 0.5, resumed) for x in clients}
        worst_name, (worst, worst_at) = max(gaps.items(), key=lambda kv: kv[1][0])
        reconnects = {x.name: len(x.connects) - 1 for x in clients}
        outages = []
        for x in clients:
            for (t_down, _reason) in x.disconnects:
                back = [t for t in x.connects if t > t_down]
                if back:
                    outages.append(back[0] - t_down)
        summary = (
            f"[{drain}] rolling restart of {N_EDGES} edges took {restart_end - restart_start:.1f}s "
            f"(scripts/cluster: {p.elapsed:.1f}s); longest message gap {worst:.2f}s "
            f"({worst_name}, {worst_at - restart_start:+.1f}s into the restart); "
            f"per client: {', '.join(f'{n} {g:.2f}s' for n, (g, _) in sorted(gaps.items()))}; "
            f"reconnects: {reconnects}; disconnect-to-reconnect max "
            f"{max(outages) if outages else 0:.2f}s")
        print("\n" + summary)
        (c.run_dir / f"rolling-restart-{drain}.txt").write_text(summary + "\n")

        assert all(n >= 1 for n in reconnects.values()), \
            f"every client's edge was restarted, so each must have reconnected: {reconnects}"
        finals = [(x.name, r) for x in clients for (_, r) in x.disconnects if r not in (None, "transport error")]
        assert not finals, f"clients were disconnected for a reason other than a transport close: {finals}"
        assert worst < MAX_GAP, f"a client went {worst:.2f}s without messages: {summary}"

        # New processes, new node ids; the coordinator sees them, and the drained
        # nodes are gone from its alive list.
        new_nodes = [c.node_id(i) for i in range(1, N_EDGES + 1)]
        assert not set(new_nodes) & set(old_nodes), f"node ids not renewed: {old_nodes} -> {new_nodes}"

        def coordinator_view():
            alive = {n["id"] for n in c.cluster_doc()["nodes"] if n["status"] == "alive"}
            return alive if alive == set(new_nodes) else None

        assert wait_until(coordinator_view, timeout=10, interval=0.2), \
            f"coordinator's alive nodes {[(n['id'], n['status']) for n in c.cluster_doc()['nodes']]}, " \
            f"expected {new_nodes}"

        # Drained edges cleaned their presence: the members are exactly the live clients.
        def members_now():
            r = c.api("GET", f"/api/v1/channels/{channel}/members")
            got = {m["id"] for m in r.json()} if r.status_code == 200 else None
            return got if got == {x.sid for x in clients} else None

        assert wait_until(members_now, timeout=5, interval=0.2), \
            f"members {c.api('GET', f'/api/v1/channels/{channel}/members').text[:500]} " \
            f"!= live clients {[x.sid for x in clients]}"

        per_edge = {i: c.edge_stats(i)["connections"] for i in range(1, N_EDGES + 1)}
        assert sum(per_edge.values()) == N_CLIENTS, f"connections per edge after the restart: {per_edge}"
    finally:
        for x in clients:
            x.close()

    # Down leaves nothing running.
    started = c.pids()
    assert set(started) >= {"redis", "coordinator", "lb"} | {f"edge{i}" for i in range(1, N_EDGES + 1)}, \
        f"pid files: {started}"
    c.must("down", timeout=120)
    left = {n: pid for n, pid in started.items() if _pid_alive(pid)}
    assert not left, f"still running after scripts/cluster down: {left}"
    ports = [c.lb_port, c.lb_stats_port, c.coordinator_port, c.redis_port, *c.edge_ports]
    listening = [p for p in ports if _port_open(p)]
    assert not listening, f"ports still accepting connections after down: {listening}"
