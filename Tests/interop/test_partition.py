"""A network partition between ONE edge and Redis (issue 9), with the load balancer
in front.

Topology, all created by the test and removed in its teardown:

    root namespace                                   netns rtpart-<tag>
    ------------------------------------------       ----------------------------
    redis-server  127.0.0.1 + 10.A.B.10 (/32)  <-- veth -->  edge N  10.A.B.2:port
    edge R        127.0.0.1                       rtp<tag>a 10.A.B.1/24    rtp<tag>b 10.A.B.2/24
    haproxy       127.0.0.1 (deploy/haproxy.cfg: /health checks) -> edge R, edge N (from 10.A.B.1)

The partition is a blackhole route to 10.A.B.10/32 inside the namespace: edge N can no
longer reach Redis (its established connections stall silently, new ones fail), while
haproxy and the test still reach edge N through 10.A.B.1. Nothing leaves the machine:
the veth pair joins two namespaces of this host, and every other address is 127.0.0.1.

Asserted: edge N's /health turns 503 (its pub/sub probe notices the stall), haproxy
takes it out of rotation (new clients land on edge R only), its existing client stays
connected and gets errors (never a silent drop); after the route is removed /health is
200 again, haproxy routes new clients to it, presence is whole and messages flow across
both edges. The times are printed (run with -s).

Two more tests assert what a partition must not do (both fail with the binary of
2026-11-29, see docs/RELIABILITY.md): a send refused with an error during the partition
must not be delivered once it heals, and after a partition longer than the
coordinator's --dead-after, presence events (channel:leave/channel:join) must agree with
`members` again.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Optional

import pytest
import requests

from rt import (HOST, closed_after_test, JWT_SECRET, MASTER_KEY, DEFAULT_SETTINGS, Edge, ProcessStartError, RTClient, free_port,
                members_set, realtime_bin, tail, unique, wait_until, REPO_ROOT)
from test_faults import Coordinator, deliver, wait_flow

IP = shutil.which("ip") or "/usr/sbin/ip"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([IP, *args], capture_output=True, text=True, timeout=10)
    if check and p.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
    return p


class Netns:
    """A network namespace joined to the root namespace by a veth pair, on a random
    10.A.B.0/24 that no interface of this host uses."""

    def __init__(self):
        tag = uuid.uuid4().hex[:6]
        self.name = f"rtpart-{tag}"
        self.root_if, self.ns_if = f"rtp{tag}a", f"rtp{tag}b"
        used = sh("-4", "-o", "addr", "show").stdout + sh("-4", "route", "show", "table", "all").stdout
        for _ in range(50):
            a, b = random.randint(200, 249), random.randint(0, 255)
            if f"10.{a}.{b}." not in used:
                break
        else:
            raise RuntimeError("no free 10.x.y.0/24 found")
        self.root_ip = f"10.{a}.{b}.1"   # haproxy and the test reach edge N from here
        self.redis_ip = f"10.{a}.{b}.10"  # redis-server also listens here; blackholed in the partition
        self.ns_ip = f"10.{a}.{b}.2"      # edge N
        self.created = False

    def create(self) -> "Netns":
        p = sh("netns", "add", self.name, check=False)
        if p.returncode != 0:
            err = p.stderr.strip()
            if "permission" in err.lower() or "not permitted" in err.lower():
                pytest.skip(f"cannot create a network namespace (needs CAP_SYS_ADMIN/CAP_NET_ADMIN): {err}")
            raise RuntimeError(f"ip netns add {self.name}: {err}")
        self.created = True
        sh("link", "add", self.root_if, "type", "veth", "peer", "name", self.ns_if, "netns", self.name)
        sh("addr", "add", f"{self.root_ip}/24", "dev", self.root_if)
        sh("addr", "add", f"{self.redis_ip}/32", "dev", self.root_if)
        sh("link", "set", self.root_if, "up")
        sh("-n", self.name, "addr", "add", f"{self.ns_ip}/24", "dev", self.ns_if)
        sh("-n", self.name, "link", "set", self.ns_if, "up")
        sh("-n", self.name, "link", "set", "lo", "up")
        return self

    def partition(self) -> None:
        sh("-n", self.name, "route", "add", "blackhole", f"{self.redis_ip}/32")

    def heal(self) -> None:
        sh("-n", self.name, "route", "del", "blackhole", f"{self.redis_ip}/32")

    def destroy(self) -> None:
        if not self.created:
            return
        # Processes still inside are this test's own (the namespace is new and unique).
        pids = sh("netns", "pids", self.name, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        sh("netns", "del", self.name, check=False)  # takes the veth pair with it
        sh("link", "del", self.root_if, check=False)
        self.created = False


class NsEdge(Edge):
    """An edge started inside the namespace, listening on its veth address."""

    def __init__(self, index: int, workdir: Path, args: list[str], node_id: str, ns: Netns):
        super().__init__(index, workdir, args, node_id)
        self.ns = ns

    @property
    def base(self) -> str:
        return f"http://{self.ns.ns_ip}:{self.port}"

    def spawn(self) -> None:
        self.port = free_port()  # the namespace has its own port space: any port is free there
        cmd = [IP, "netns", "exec", self.ns.name, str(realtime_bin()), "edge", "--port", str(self.port),
               "--host", self.ns.ns_ip, "--node-id", self.node_id] + self.extra_args
        logf = open(self.log, "ab")
        logf.write(f"\n===== {' '.join(cmd)}\n".encode())
        logf.flush()
        env = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
        env.setdefault("SWIFT_BACKTRACE", "enable=no")
        # `ip netns exec` execs the program: the pid is the edge's.
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        logf.close()


class Partition:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.ns = Netns()
        self.procs: list[subprocess.Popen] = []
        self.edges: list[Edge] = []
        self.clients: list[RTClient] = []
        self.http = requests.Session()
        self.http.trust_env = False
        self.lb_port = self.stats_port = self.redis_port = 0
        self.admin = str(workdir / "haproxy.sock")

    def start(self) -> "Partition":
        self.ns.create()
        # Redis on loopback and on the address the namespace reaches it by.
        self.redis_port = free_port()
        logf = open(self.workdir / "redis.log", "ab")
        redis = subprocess.Popen(
            [REDIS_SERVER, "--bind", HOST, self.ns.redis_ip, "--port", str(self.redis_port), "--protected-mode", "no",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir), "--daemonize", "no"],
            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logf.close()
        self.procs.append(redis)

        def redis_up():
            try:
                with socket.create_connection((HOST, self.redis_port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False
        if not wait_until(lambda: redis.poll() is not None or redis_up(), 10) or redis.poll() is not None:
            raise ProcessStartError(f"redis-server did not start:\n{tail(self.workdir / 'redis.log')}")

        sf = self.workdir / "settings.json"
        sf.write_text(json.dumps(DEFAULT_SETTINGS))
        common = ["--settings", str(sf), "--master-key", MASTER_KEY, "--jwt-secret", JWT_SECRET]
        tag = uuid.uuid4().hex[:6]
        root_edge = Edge(0, self.workdir, common + ["--redis", f"redis://{HOST}:{self.redis_port}"], f"root-{tag}")
        ns_edge = NsEdge(1, self.workdir, common + ["--redis", f"redis://{self.ns.redis_ip}:{self.redis_port}"],
                         f"netns-{tag}", self.ns)
        self.edges = [root_edge, ns_edge]
        for e in self.edges:
            e.spawn()
        for e in self.edges:
            if not e.wait_healthy(30):
                raise ProcessStartError(f"edge {e.index} not healthy:\n{tail(e.log)}")

        # The production load balancer config, with the two edges appended (as scripts/cluster does).
        self.lb_port, self.stats_port = free_port(), free_port()
        cfg = self.workdir / "haproxy.cfg"
        cfg.write_text((REPO_ROOT / "deploy" / "haproxy.cfg").read_text()
                       + f"    server root {HOST}:{root_edge.port}\n"
                       # From the namespace's peer address, never the blackholed Redis one.
                       + f"    server netns {self.ns.ns_ip}:{ns_edge.port} source {self.ns.root_ip}\n")
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LB_BIND": f"{HOST}:{self.lb_port}",
               "LB_STATS_BIND": f"{HOST}:{self.stats_port}", "LB_ADMIN_SOCKET": self.admin}
        logf = open(self.workdir / "haproxy.log", "ab")
        lb = subprocess.Popen([HAPROXY, "-f", str(cfg)], stdout=logf, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, env=env)
        logf.close()
        self.procs.append(lb)
        if not wait_until(lambda: lb.poll() is not None or self.lb_status() == {"root": "UP", "netns": "UP"}, 15) \
                or lb.poll() is not None:
            raise ProcessStartError(f"haproxy: servers {self.lb_status()}:\n{tail(self.workdir / 'haproxy.log')}")
        return self

    # --- views
    def lb_status(self) -> dict:
        """HAProxy's status of each edge (UP, DOWN, 'UP 1/2' ...), from its runtime API."""
        try:
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(2)
            s.connect(self.admin)
            s.sendall(b"show stat\n")
            out = b""
            while chunk := s.recv(65536):
                out += chunk
            s.close()
        except OSError:
            return {}
        res = {}
        for line in out.decode(errors="replace").splitlines():
            f = line.split(",")
            if len(f) > 17 and f[0] == "edges" and f[1] in ("root", "netns"):
                res[f[1]] = f[17]
        return res

    def health(self, i: int) -> Optional[int]:
        try:
            return self.http.get(self.edges[i].base + "/health", timeout=1).status_code
        except requests.RequestException:
            return None

    def conns(self, i: int) -> int:
        return self.http.get(self.edges[i].base + "/stats", timeout=3).json()["connections"]

    def lb_client(self, name: str) -> tuple[RTClient, int]:
        """A stock client connected through haproxy; returns it and the index of the edge it landed on."""
        before = [self.conns(0), self.conns(1)]
        c = RTClient(f"http://{HOST}:{self.lb_port}", name=name).connect()
        self.clients.append(c)
        after = wait_until(lambda: (lambda a: a if a != before else None)([self.conns(0), self.conns(1)]), 3)
        assert after, f"{name}: connected through the LB but no edge counts a new connection ({before})"
        grew = [i for i in (0, 1) if after[i] > before[i]]
        assert len(grew) == 1, f"{name}: connection counts {before} -> {after}"
        c.edge_index = grew[0]
        return c, grew[0]

    def logs(self) -> str:
        out = [f"--- edge {e.index}:\n{tail(e.log, 40)}" for e in self.edges]
        out.append(f"--- haproxy:\n{tail(self.workdir / 'haproxy.log', 30)}")
        return "\n".join(out)

    def close(self) -> None:
        for c in self.clients:
            c.disconnect()
        for p in [e.proc for e in self.edges if e.proc is not None] + self.procs:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    pass
        self.ns.destroy()
        self.http.close()


@pytest.fixture
def part(realtime_binary, tmp_path, request):
    with closed_after_test(Partition(tmp_path), request) as p:  # skips when `ip netns add` is not permitted
        p.start()
        yield p
    left = sh("netns", "list", check=False).stdout
    assert p.ns.name not in left, f"namespace {p.ns.name} still exists after teardown"


ROOT, NS = 0, 1  # edge indexes: the root-namespace edge and the partitioned one


def members_on_both_edges(p, ch: str):
    """Two clients through the load balancer (least connections puts one on each edge),
    both members of `ch`, with messages flowing both ways. Returns (on_ns, on_root)."""
    a, ea = p.lb_client("a")
    b, eb = p.lb_client("b")
    assert {ea, eb} == {ROOT, NS}, f"the first two LB clients landed on edges {ea}, {eb}"
    on_ns, on_root = (a, b) if ea == NS else (b, a)
    on_ns.name, on_root.name = "member@netns", "member@root"
    on_ns.join(ch)
    on_root.join(ch)
    assert deliver(on_ns, on_root, ch)[0] and deliver(on_root, on_ns, ch)[0], "baseline messages did not flow"
    return on_ns, on_root


def test_partition_between_one_edge_and_redis(part):
    p = part
    ch = unique("partition")
    on_ns, on_root = members_on_both_edges(p, ch)

    # --- partition
    p.ns.partition()
    t0 = time.monotonic()
    assert wait_until(lambda: p.health(NS) == 503, 15, 0.05), \
        f"edge N's /health still {p.health(NS)} 15 s into the partition"
    t_503 = time.monotonic() - t0
    body = p.http.get(p.edges[NS].base + "/health", timeout=2).json()
    assert body.get("status") == "backend_unreachable", f"/health body during the partition: {body}"
    assert p.health(ROOT) == 200, "edge R lost its health although only edge N is partitioned"
    assert wait_until(lambda: p.lb_status().get("netns", "").startswith("DOWN"), 15, 0.05), \
        f"haproxy still routes to edge N: {p.lb_status()}"
    t_lb_down = time.monotonic() - t0
    assert p.lb_status().get("root") == "UP", f"haproxy took edge R out too: {p.lb_status()}"

    # New clients through the LB land on edge R only.
    during = [p.lb_client(f"during{i}") for i in range(4)]
    assert all(e == ROOT for _, e in during), f"during the partition LB clients landed on {[e for _, e in during]}"
    # The partitioned edge's client stays connected; its sends fail visibly, never silently.
    ts = time.monotonic()
    ack = on_ns.call("message", {"channel": ch, "eventName": "m", "message": "partitioned"}, timeout=10)
    t_err = time.monotonic() - ts
    assert isinstance(ack, dict) and isinstance(ack.get("error"), dict) and ack["error"].get("code"), \
        f"a message from the partitioned edge was acked {ack!r}, expected {{error: {{code, message}}}}"
    assert on_ns.connected, f"the partitioned edge's client was disconnected: {on_ns.disconnect_reason!r}"
    time.sleep(max(0.0, 6.0 - (time.monotonic() - t0)))  # a partition of at least 6 s
    duration = time.monotonic() - t0

    # --- heal
    p.ns.heal()
    t1 = time.monotonic()
    assert wait_until(lambda: p.health(NS) == 200, 20, 0.05), \
        f"edge N's /health still {p.health(NS)} 20 s after the partition healed"
    t_200 = time.monotonic() - t1
    assert wait_until(lambda: p.lb_status().get("netns") == "UP", 15, 0.05), \
        f"haproxy did not put edge N back: {p.lb_status()}"
    t_lb_up = time.monotonic() - t1

    took_ns_root = wait_flow(on_ns, on_root, ch, timeout=10)
    assert took_ns_root is not None, "messages edge N -> edge R did not flow within 10 s of the heal"
    t_flow = time.monotonic() - t1
    assert deliver(on_root, on_ns, ch)[0], "messages edge R -> edge N do not flow after the heal"

    # New clients through the LB reach edge N again (least connections: it has the fewest).
    after = [p.lb_client(f"after{i}") for i in range(4)]
    landed = [e for _, e in after]
    assert landed.count(NS) >= 2, f"after the heal the LB sent new clients to {landed}, expected edge N (1)"
    new_ns = next(c for c, e in after if e == NS)
    new_root = during[0][0]
    new_ns.join(ch)
    new_root.join(ch)
    assert deliver(new_ns, new_root, ch)[0] and deliver(new_root, new_ns, ch)[0], \
        "messages do not flow between fresh clients on the two edges after the heal"
    # Presence is whole, the same on both edges: the partitioned edge's member never left.
    want = {on_ns.sid, on_root.sid, new_ns.sid, new_root.sid}
    for c in (on_ns, on_root):
        assert wait_until(lambda: set(members_set(c.members(ch))) == want, 5), \
            f"{c.name}: members {c.members(ch)!r}, expected {want}"
    assert on_ns.connected and on_root.connected, "a client was disconnected by the partition"
    assert all(e.alive() for e in p.edges)

    print(f"\n[partition edge N <-> redis, {duration:.1f} s] /health 503 after {t_503:.2f} s, haproxy DOWN after "
          f"{t_lb_down:.2f} s, a send from edge N's client answered {ack['error']['code']} after {t_err:.2f} s; "
          f"healed: /health 200 after {t_200:.2f} s, haproxy UP after {t_lb_up:.2f} s, "
          f"N -> R messages flow after {t_flow:.2f} s; LB placements during {[e for _, e in during]} "
          f"after {landed} (0 = root edge, 1 = edge N)")


def test_message_refused_during_partition_is_not_delivered_after_heal(part):
    """A message the sender was told failed ("the event was not delivered") must not be
    delivered later, when the partition heals: a client that retries it would get it
    delivered twice."""
    p = part
    ch = unique("refused")
    on_ns, on_root = members_on_both_edges(p, ch)

    p.ns.partition()
    assert wait_until(lambda: p.health(NS) == 503, 15, 0.05), "edge N never noticed the partition"
    tag = "refused-" + uuid.uuid4().hex
    ts = time.monotonic()
    ack = on_ns.call("message", {"channel": ch, "eventName": "m", "message": tag}, timeout=15)
    t_err = time.monotonic() - ts
    assert isinstance(ack, dict) and isinstance(ack.get("error"), dict), \
        f"a message sent during the partition was acked {ack!r}, expected an error"
    # Edge N's sockets to Redis at this point (diagnostics: a closed one still holding unsent data
    # shows as FIN-WAIT-1 with a non-zero Send-Q).
    ss = shutil.which("ss")
    sockets = subprocess.run([IP, "netns", "exec", p.ns.name, ss, "-tnoH", "dst", p.ns.redis_ip],
                             capture_output=True, text=True, timeout=5).stdout.strip() if ss else "(no ss)"
    p.ns.heal()
    t1 = time.monotonic()
    assert wait_until(lambda: p.health(NS) == 200, 20, 0.05), "edge N did not recover"
    assert wait_flow(on_ns, on_root, ch, timeout=10) is not None, "messages do not flow after the heal"
    # Watch for the refused message for a while (TCP retransmits back off to seconds).
    late = wait_until(lambda: on_root.received("m", lambda m: m.get("message") == tag), 8, 0.05)
    when = time.monotonic() - t1
    print(f"\n[partition] send during the partition answered {ack['error']!r} after {t_err:.2f} s; "
          f"{'DELIVERED' if late else 'not delivered'} after the heal"
          + (f" (seen by {when:.2f} s after it)" if late else " (watched 8 s)")
          + f"\n  edge N's TCP sockets to Redis when the error was answered:\n  " + sockets.replace("\n", "\n  "))
    assert not late, (
        f"the message acked {ack['error']!r} during the partition reached the other edge's member "
        f"{when:.2f} s after the partition healed: the timed-out PUBLISH stayed in the closed Redis socket's "
        f"send buffer and the kernel delivered it once the route was back. Sockets then:\n{sockets}")


def test_partition_longer_than_dead_after_keeps_presence_events_consistent(part):
    """The coordinator cannot tell a partitioned edge from a dead one: past --dead-after
    it evicts the edge's members and the other members get channel:leave for them,
    although those clients are still connected. Once the partition heals, what a client
    learnt from channel:join/channel:leave events must again agree with `members`: either
    the evicted connections are announced again (channel:join) or they really end."""
    p = part
    coord = Coordinator(p.workdir, f"redis://{HOST}:{p.redis_port}", dead_after=3).start()
    p.procs.append(coord.proc)
    ch = unique("evicted")
    on_ns, on_root = members_on_both_edges(p, ch)
    ns_node = p.edges[NS].node_id

    def node_status():
        try:
            doc = p.http.get(f"http://{HOST}:{coord.port}/cluster", timeout=2).json()
        except (requests.RequestException, ValueError):
            return None
        return {n["id"]: n["status"] for n in doc.get("nodes", [])}.get(ns_node)
    assert wait_until(lambda: node_status() == "alive", 10, 0.1), f"coordinator never saw edge N alive: {node_status()}"

    # What on_root believes from events, starting from the member list.
    believed = set(members_set(on_root.members(ch)))
    assert believed == {on_ns.sid, on_root.sid}
    on_root.clear()

    p.ns.partition()
    t0 = time.monotonic()
    assert wait_until(lambda: node_status() == "dead", 15, 0.1), \
        f"the coordinator did not declare the partitioned edge dead (status {node_status()})"
    t_dead = time.monotonic() - t0
    on_root.wait_for("channel:leave", lambda m: m["message"]["id"] == on_ns.sid, timeout=5)
    t_leave = time.monotonic() - t0
    assert on_ns.connected, "the partitioned edge's client was disconnected"

    p.ns.heal()
    t1 = time.monotonic()
    assert wait_until(lambda: p.health(NS) == 200, 20, 0.05), "edge N did not recover"
    assert wait_until(lambda: node_status() == "alive", 15, 0.1), \
        f"the coordinator did not see edge N alive again after the heal: {node_status()}"
    t_alive = time.monotonic() - t1
    assert wait_flow(on_ns, on_root, ch, timeout=10) is not None, "messages do not flow after the heal"
    time.sleep(2.0)  # let presence settle (restores, joins)

    listed = set(members_set(on_root.members(ch)))
    assert listed == set(members_set(on_ns.members(ch))), "the two edges disagree on members"
    events = [(n, a_[0]["message"]["id"]) for n, a_ in list(on_root.events)
              if n in ("channel:join", "channel:leave") and a_[0].get("channel") == ch]
    for n, i in events:
        (believed.add if n == "channel:join" else believed.discard)(i)
    print(f"\n[partition > dead-after 3 s] coordinator declared edge N dead {t_dead:.2f} s into the partition, "
          f"channel:leave for its live client {t_leave:.2f} s; healed: coordinator sees it alive {t_alive:.2f} s "
          f"after; on_root's events {events}; members listed {sorted(listed)}; believed from events "
          f"{sorted(believed)}; on_ns connected: {on_ns.connected}")
    if on_ns.connected:
        assert on_ns.sid in listed, "the partitioned edge's live client is missing from members after the heal"
    assert believed == listed, (
        f"after the heal, the presence a client tracks through events ({sorted(believed)}) disagrees with "
        f"`members` ({sorted(listed)}): the evicted but still connected client {on_ns.sid} was announced as "
        f"left (channel:leave) and then silently restored to the member list, with no channel:join")
