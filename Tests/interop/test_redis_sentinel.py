"""Redis Sentinel failover (issue 16, SPEC §7): 1 master, 1 replica, 3 sentinels on
127.0.0.1, two edges with python-socketio clients. The master is SIGKILLed while
messages flow; every message id is tracked: none is acknowledged and lost, none is
delivered twice, publishes are refused (not acked) while there is no master, the
clients stay connected and presence is restored on the new master."""

from __future__ import annotations

import threading
import time
import uuid

from redis_procs import HTTP
from rt import RTClient, unique, wait_until

MASTER_PW = "master-" + uuid.uuid4().hex[:8]
SENTINEL_PW = "sentinel-" + uuid.uuid4().hex[:8]


def start_sentinel_setup(procs, tls=None):
    """tls: {"ca", "cert", "key"} makes every server TLS-only (replication and sentinels too)."""
    data_conf = [f"requirepass {MASTER_PW}", f"masterauth {MASTER_PW}"] + (["tls-replication yes"] if tls else [])
    master = procs.redis_server("master", conf=data_conf, auth=(None, MASTER_PW), tls=tls)
    replica = procs.redis_server("replica", conf=data_conf + [f"replicaof 127.0.0.1 {master.port}"],
                                 auth=(None, MASTER_PW), tls=tls)
    sentinels = []
    for i in range(3):
        sentinels.append(procs.redis_server(f"sentinel{i}", sentinel=True, auth=(None, SENTINEL_PW), tls=tls, conf=(
            ["tls-replication yes"] if tls else []) + [
            f"sentinel monitor mymaster 127.0.0.1 {master.port} 2",
            "sentinel down-after-milliseconds mymaster 1000",
            "sentinel failover-timeout mymaster 10000",
            "sentinel parallel-syncs mymaster 1",
            f"sentinel auth-pass mymaster {MASTER_PW}",
            f"requirepass {SENTINEL_PW}",
            f"sentinel sentinel-pass {SENTINEL_PW}",
        ]))

    def ready():
        if "master_link_status:up" not in replica.cli("INFO", "replication"):
            return False
        for s in sentinels:
            info = s.cli("INFO", "sentinel")
            if "slaves=1" not in info or "sentinels=3" not in info:
                return False
        return True
    assert wait_until(ready, 30, interval=0.2), "sentinels did not discover the replica and each other:\n" + \
        "\n".join(s.cli("INFO", "sentinel") for s in sentinels)
    scheme = "rediss-sentinel" if tls else "redis-sentinel"
    url = scheme + "://:" + MASTER_PW + "@" + ",".join(f"127.0.0.1:{s.port}" for s in sentinels) + "/mymaster"
    return master, replica, sentinels, url


class Traffic:
    """Publishes numbered messages from one client and records what happens to each."""

    def __init__(self, sender: RTClient, channel: str):
        self.sender = sender
        self.channel = channel
        self.outcomes: list[tuple[int, float, str]] = []  # (id, monotonic time sent, "ok" | error)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            sent = time.monotonic()
            try:
                ack = self.sender.call("message", {"channel": self.channel, "eventName": "n", "message": n}, timeout=5)
                outcome = "ok" if ack == {"ok": True} else f"error {ack!r}"
            except AssertionError as e:
                outcome = f"no ack: {e}"
            self.outcomes.append((n, sent, outcome))
            time.sleep(0.02)

    def acked(self) -> set[int]:
        return {n for n, _, o in self.outcomes if o == "ok"}


def delivered(receiver: RTClient) -> list[int]:
    return [args[0]["message"] for event, args in list(receiver.events) if event == "n"]


def assert_acked_delivered_once(traffic: Traffic, receivers) -> tuple[set[int], list[int]]:
    """Some publishes were refused, and every acknowledged one reached each receiver once."""
    acked = traffic.acked()
    refused = [n for n, _, o in traffic.outcomes if o != "ok"]
    assert acked and refused
    for r in receivers:
        assert wait_until(lambda: acked <= set(delivered(r)), 5), \
            f"{r.name}: acknowledged and lost: {sorted(acked - set(delivered(r)))[:20]}"
        got = delivered(r)
        assert len(got) == len(set(got)), f"{r.name}: delivered twice: {sorted(n for n in set(got) if got.count(n) > 1)}"
        assert set(got) <= {n for n, _, _ in traffic.outcomes}
    return acked, refused


def message_flows(sender: RTClient, receiver: RTClient, ch: str) -> bool:
    """One message from `sender` is acked and reaches `receiver` (false while the
    master is being replaced)."""
    tag = uuid.uuid4().hex
    try:
        if sender.call("message", {"channel": ch, "eventName": "m", "message": tag}, timeout=3) != {"ok": True}:
            return False
        receiver.wait_for("m", lambda p: p.get("message") == tag, timeout=2)
        return True
    except AssertionError:
        return False


def test_sentinel_failover_loses_no_acknowledged_message(procs):
    master, replica, sentinels, url = start_sentinel_setup(procs)
    env = {"REALTIME_REDIS_SENTINEL_PASSWORD": SENTINEL_PW}
    a = procs.edge(url, env=env)
    b = procs.edge(url, env=env)
    coord = procs.coordinator(url, env=env)
    ch = unique("failover")
    sender = RTClient(a.base, name="sender").connect()
    near = RTClient(a.base, name="near").connect()
    far = RTClient(b.base, name="far").connect()
    procs.clients += [sender, near, far]
    for c in (sender, near, far):
        c.join(ch)
    assert len(far.members(ch)) == 3

    traffic = Traffic(sender, ch)
    traffic.thread.start()
    assert wait_until(lambda: len(traffic.acked()) >= 20, 5)
    killed = time.monotonic()
    master.kill()
    live_failures = []

    def recovered():
        if a.status("/health/live") != 200 or b.status("/health/live") != 200:
            live_failures.append(time.monotonic() - killed)
        return any(o == "ok" and t > first_refused for _, t, o in traffic.outcomes) if first_refused else False

    first_refused = None
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        refused = [t for _, t, o in traffic.outcomes if o != "ok" and t >= killed - 0.5]
        if refused and first_refused is None:
            first_refused = min(refused)
        if recovered():
            break
        time.sleep(0.1)
    assert first_refused is not None, "no publish was refused: the failover went unnoticed?"
    assert recovered(), "publishes were not accepted again within 40 s of the master's death:\n" + procs.logs()
    first_ok_after = min(t for _, t, o in traffic.outcomes if o == "ok" and t > first_refused)
    gap = first_ok_after - first_refused
    time.sleep(3)  # traffic on the new master
    traffic.stop.set()
    traffic.thread.join(10)
    print(f"\n[sentinel failover] gap from the first refused publish to the first accepted one: {gap:.2f} s "
          f"(master killed {first_refused - killed:+.2f} s before the first refusal)")

    assert not live_failures, f"/health/live failed during the failover at {live_failures}"
    acked, refused = assert_acked_delivered_once(traffic, (near, far))
    print(f"[sentinel failover] {len(acked)} acknowledged, {len(refused)} refused, all acknowledged delivered once "
          f"to both receivers")
    # Clients stayed connected; presence is back on the new master; edges ready again.
    assert sender.connected and near.connected and far.connected
    assert wait_until(lambda: len(far.members(ch)) == 3, 5), far.members(ch)
    new_master_port = int(sentinels[0].cli("SENTINEL", "get-master-addr-by-name", "mymaster").split()[1])
    assert new_master_port == replica.port
    assert wait_until(lambda: a.status("/health/ready") == 200 and b.status("/health/ready") == 200, 5)
    assert wait_until(lambda: HTTP.get(coord.base + "/health/ready").status_code == 200, 10)
    for p in (a, b, coord):
        assert MASTER_PW not in p.text() and SENTINEL_PW not in p.text()


def test_sentinel_switch_moves_connections_off_a_live_demoted_master(procs):
    """A manual SENTINEL FAILOVER leaves the old master running (as a replica): the
    edges must follow +switch-master, not keep writing to a read-only replica."""
    master, replica, sentinels, url = start_sentinel_setup(procs)
    env = {"REALTIME_REDIS_SENTINEL_PASSWORD": SENTINEL_PW}
    a = procs.edge(url, env=env)
    b = procs.edge(url, env=env)
    ch = unique("switch")
    x = RTClient(a.base, name="x").connect()
    y = RTClient(b.base, name="y").connect()
    procs.clients += [x, y]
    y.join(ch)
    assert "OK" in sentinels[0].cli("SENTINEL", "FAILOVER", "mymaster")
    assert wait_until(lambda: f"{replica.port}" in sentinels[0].cli("SENTINEL", "get-master-addr-by-name", "mymaster"), 20)
    assert wait_until(lambda: "moved" in a.text() and "moved" in b.text(), 10), "edges did not hear +switch-master"

    assert wait_until(lambda: message_flows(x, y, ch), 15, interval=0.2)
    # Presence writes succeed: the command pool is on the new master (a write on the
    # demoted one would fail with READONLY).
    ch2 = unique("after-switch")
    assert wait_until(lambda: x.call("join", {"channel": ch2}) == {"ok": True}, 5)
    assert [m["id"] for m in y.members(ch2)] == [x.sid]
    assert a.status("/health/ready") == 200 and b.status("/health/ready") == 200


def test_rediss_sentinel_follows_a_failover_over_tls(procs, certs):
    """rediss-sentinel://: TLS to the sentinels and to the master, the same --redis-tls-ca."""
    tls = {"ca": certs["ca"], "cert": certs["cert"], "key": certs["key"]}
    master, replica, sentinels, url = start_sentinel_setup(procs, tls=tls)
    assert url.startswith("rediss-sentinel://")
    env = {"REALTIME_REDIS_SENTINEL_PASSWORD": SENTINEL_PW, "REALTIME_REDIS_TLS_CA": certs["ca"]}
    a = procs.edge(url, env=env)
    b = procs.edge(url, env=env)
    ch = unique("tls-sentinel")
    x = RTClient(a.base, name="x").connect()
    y = RTClient(b.base, name="y").connect()
    procs.clients += [x, y]
    y.join(ch)
    master.kill()

    assert wait_until(lambda: f"{replica.port}" in sentinels[0].cli("SENTINEL", "get-master-addr-by-name", "mymaster"), 20)
    assert wait_until(lambda: message_flows(x, y, ch), 15, interval=0.2), procs.logs()
    assert [m["id"] for m in y.members(ch)] == [y.sid]
