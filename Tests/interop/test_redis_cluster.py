"""Redis Cluster (issue 17, SPEC §7 `redis-cluster://`): channel traffic is sharded
(a channel's subscriptions and keys live on the master owning its slot and on no
other), and a master killed mid-traffic is survived like a Redis restart: its replica
is promoted, publishes are refused with an error until then (never acked and lost),
presence is intact, clients stay connected, the coordinator keeps evicting.

The rest of the behaviour suite runs against a Redis Cluster with
REALTIME_TEST_BACKENDS=rediscluster (see conftest.py).
"""

from __future__ import annotations

import json
import time

import pytest

from redis_cluster import RedisClusterServer
from redis_procs import HTTP
from recovery_client import RecoveringClient
from rt import RTClient, unique, wait_until
from rt import DEFAULT_SETTINGS
from redis_procs import api
from test_redis_acl_tls import COORD_PW, EDGE_PW, documented_acl_rules
from test_redis_sentinel import Traffic, assert_acked_delivered_once


@pytest.fixture
def redis_cluster(tmp_path):
    c = RedisClusterServer(tmp_path).start()
    yield c
    c.stop()


def tag(name: str) -> str:
    """The hash tag the edges put around a channel name (no `}` or `%` in test names)."""
    return "{" + name + "}"


def channels_on_every_shard(rc: RedisClusterServer, prefix: str, per_shard: int = 2) -> dict[int, list[str]]:
    """Channel names grouped by the port of the master owning their slot."""
    by_master: dict[int, list[str]] = {n.port: [] for n in rc.masters()}
    i = 0
    while any(len(v) < per_shard for v in by_master.values()):
        name = f"{prefix}-{i}"
        port = rc.node_for_slot(rc.keyslot(tag(name))).port
        if len(by_master[port]) < per_shard:
            by_master[port].append(name)
        i += 1
    return by_master


def shard_subscribers(node, topic: str) -> int:
    out = node.cli("PUBSUB", "SHARDNUMSUB", topic).split("\n")
    return int(out[1]) if len(out) == 2 else -1


def test_channel_traffic_is_sharded(procs, redis_cluster):
    rc = redis_cluster
    a, b = procs.edge(rc.url), procs.edge(rc.url)
    by_master = channels_on_every_shard(rc, unique("sharded"))
    x = RTClient(a.base, name="x").connect()
    y = RTClient(b.base, name="y").connect()
    procs.clients += [x, y]
    for names in by_master.values():
        for ch in names:
            x.join(ch)
            y.join(ch)
    masters = rc.masters()
    assert len(masters) == 3
    for owner_port, names in by_master.items():
        for ch in names:
            topic = f"rt:ch:{tag(ch)}"
            counts = {n.port: shard_subscribers(n, topic) for n in masters}
            # Both edges subscribe the channel on its owner, and nobody anywhere else.
            assert counts[owner_port] == 2, f"{ch}: SHARDNUMSUB per master {counts}, owner {owner_port}"
            assert all(c == 0 for p, c in counts.items() if p != owner_port), f"{ch}: {counts}"
            # Its presence hash is on the same shard (same hash tag).
            owner = next(n for n in masters if n.port == owner_port)
            assert owner.cli("HLEN", f"rt:presence:{tag(ch)}") == "2"
            # A message crosses edges through the owner shard only.
            assert x.call("message", {"channel": ch, "eventName": "m", "message": ch}) == {"ok": True}
            y.wait_for("m", lambda p, ch=ch: p.get("message") == ch, timeout=5)
    # The owners' command counts show the sharded publishes; members is one HVALS there.
    for n in masters:
        stats = n.cli("INFO", "commandstats")
        assert "cmdstat_spublish" in stats or "cmdstat_evalsha" in stats, f"master {n.port} saw no channel traffic"
    ch = next(iter(by_master.values()))[0]
    assert {m["id"] for m in x.members(ch)} == {x.sid, y.sid}
    # Leaving unsubscribes on the owner when the last local member goes.
    x.leave(ch)
    y.leave(ch)
    owner = rc.node_for_slot(rc.keyslot(tag(ch)))
    assert wait_until(lambda: shard_subscribers(owner, f"rt:ch:{tag(ch)}") == 0, 5)
    assert owner.cli("EXISTS", f"rt:presence:{tag(ch)}") == "0"


def test_master_failover_loses_no_acknowledged_message(procs, redis_cluster):
    rc = redis_cluster
    a, b = procs.edge(rc.url), procs.edge(rc.url)
    coord = procs.coordinator(rc.url)
    by_master = channels_on_every_shard(rc, unique("failover"), per_shard=1)
    victim_port, doomed = next(iter(by_master.items()))
    ch = doomed[0]
    others = [names[0] for port, names in by_master.items() if port != victim_port]
    sender = RTClient(a.base, name="sender").connect()
    near = RTClient(a.base, name="near").connect()
    far = RTClient(b.base, name="far").connect()
    procs.clients += [sender, near, far]
    for c in (sender, near, far):
        for name in [ch] + others:
            c.join(name)
    assert len(far.members(ch)) == 3

    traffic = Traffic(sender, ch)
    traffic.thread.start()
    assert wait_until(lambda: len(traffic.acked()) >= 20, 5)
    victim = next(n for n in rc.nodes if n.port == victim_port)
    killed = time.monotonic()
    victim.kill()

    first_refused = None
    deadline = time.monotonic() + 40

    def recovered() -> bool:
        return first_refused is not None and any(o == "ok" and t > first_refused for _, t, o in traffic.outcomes)

    while time.monotonic() < deadline and not recovered():
        refused = [t for _, t, o in traffic.outcomes if o != "ok" and t >= killed - 0.5]
        if refused and first_refused is None:
            first_refused = min(refused)
        time.sleep(0.1)
    assert first_refused is not None, "no publish was refused: the failover went unnoticed?"
    assert recovered(), "publishes were not accepted again within 40 s of the master's death:\n" + procs.logs()
    first_ok_after = min(t for _, t, o in traffic.outcomes if o == "ok" and t > first_refused)
    time.sleep(2)
    traffic.stop.set()
    traffic.thread.join(10)
    promoted = rc.node_for_slot(rc.keyslot(tag(ch)))
    assert promoted.port != victim_port and promoted.alive()
    print(f"\n[cluster failover] refused from {first_refused - killed:+.2f} s to {first_ok_after - killed:+.2f} s "
          f"after the kill; slot now on {promoted.port}")

    acked, refused = assert_acked_delivered_once(traffic, (near, far))
    print(f"[cluster failover] {len(acked)} acknowledged, {len(refused)} refused, all acknowledged delivered once")

    # Clients stayed connected; presence is back on the promoted master; edges ready.
    assert sender.connected and near.connected and far.connected
    for name in [ch] + others:
        assert wait_until(lambda: len(far.members(name)) == 3, 10), (name, far.members(name))
    assert wait_until(lambda: a.status("/health/ready") == 200 and b.status("/health/ready") == 200, 10)
    assert wait_until(lambda: HTTP.get(coord.base + "/health/ready").status_code == 200, 10)
    # The channel on the promoted master still crosses edges.
    assert sender.call("message", {"channel": ch, "eventName": "after", "message": 1}) == {"ok": True}
    far.wait_for("after", timeout=5)
    # An edge started now, with the dead master as its first seed, finds the cluster
    # through the next seed and sees the same members.
    seeds = [f"127.0.0.1:{victim_port}"] + [f"127.0.0.1:{n.port}" for n in rc.masters()]
    late = procs.edge("redis-cluster://" + ",".join(seeds))
    newcomer = RTClient(late.base, name="newcomer").connect()
    procs.clients.append(newcomer)
    assert {m["id"] for m in newcomer.members(ch)} == {sender.sid, near.sid, far.sid}


def test_coordinator_evicts_a_dead_edge_across_every_shard(procs, redis_cluster):
    rc = redis_cluster
    a, b = procs.edge(rc.url), procs.edge(rc.url)
    procs.coordinator(rc.url, extra=["--dead-after", "3"])
    by_master = channels_on_every_shard(rc, unique("evict"), per_shard=1)
    names = [n[0] for n in by_master.values()]
    watcher = RTClient(a.base, name="watcher").connect()
    doomed = RTClient(b.base, name="doomed").connect()
    procs.clients += [watcher, doomed]
    for ch in names:
        watcher.join(ch)
        doomed.join(ch)
    doomed_sid = doomed.sid
    b.kill()
    for ch in names:
        watcher.wait_for("channel:leave", lambda p, ch=ch: p.get("channel") == ch and p["message"]["id"] == doomed_sid, timeout=15)
        assert [m["id"] for m in watcher.members(ch)] == [watcher.sid]


def node_id(node) -> str:
    return node.cli("CLUSTER", "MYID")


def migrate_keys(slot: int, source, target) -> None:
    """The first half of moving a slot, the way `redis-cli --cluster reshard` does:
    both ends told, every key moved; the source still owns the slot (ASK)."""
    assert target.cli("CLUSTER", "SETSLOT", str(slot), "IMPORTING", node_id(source)) == "OK"
    assert source.cli("CLUSTER", "SETSLOT", str(slot), "MIGRATING", node_id(target)) == "OK"
    while True:
        keys = source.cli("CLUSTER", "GETKEYSINSLOT", str(slot), "100").split()
        if not keys:
            break
        out = source.cli("MIGRATE", "127.0.0.1", str(target.port), "", "0", "5000", "KEYS", *keys)
        assert out in ("OK", "NOKEY"), out


def hand_over(rc: RedisClusterServer, slot: int, target) -> None:
    """The second half: the slot is the target's (the others answer MOVED)."""
    for n in rc.masters():
        n.cli("CLUSTER", "SETSLOT", str(slot), "NODE", node_id(target))


def test_a_resharded_channel_follows_its_slot(procs, redis_cluster):
    """MOVED is followed for commands, and the sharded subscriptions move with the
    slot (the old owner drops them with a `sunsubscribe` push)."""
    rc = redis_cluster
    a, b = procs.edge(rc.url), procs.edge(rc.url)
    ch = unique("reshard")
    x = RTClient(a.base, name="x").connect()
    y = RTClient(b.base, name="y").connect()
    procs.clients += [x, y]
    x.join(ch)
    y.join(ch)
    slot = rc.keyslot(tag(ch))
    source = rc.node_for_slot(slot)
    target = next(n for n in rc.masters() if n.port != source.port)
    topic = f"rt:ch:{tag(ch)}"
    assert shard_subscribers(source, topic) == 2

    migrate_keys(slot, source, target)
    # Mid-migration the source answers ASK for the moved presence hash: followed once.
    assert {m["id"] for m in x.members(ch)} == {x.sid, y.sid}
    hand_over(rc, slot, target)
    assert rc.node_for_slot(slot).port == target.port
    assert wait_until(lambda: shard_subscribers(target, topic) == 2 and shard_subscribers(source, topic) == 0, 10), \
        (shard_subscribers(source, topic), shard_subscribers(target, topic))
    # Commands reach the new owner (the edges' maps were behind: MOVED) and traffic flows.
    assert {m["id"] for m in x.members(ch)} == {x.sid, y.sid}
    assert wait_until(lambda: x.call("message", {"channel": ch, "eventName": "m", "message": "moved"}) == {"ok": True}, 10)
    y.wait_for("m", lambda p: p.get("message") == "moved", timeout=5)
    z = RTClient(b.base, name="z").connect()
    procs.clients.append(z)
    z.join(ch)
    x.wait_for("channel:join", lambda p: p["message"]["id"] == z.sid, timeout=5)
    assert target.cli("HLEN", f"rt:presence:{tag(ch)}") == "3"


def test_rediss_cluster_over_tls(procs, certs, tmp_path):
    """`rediss-cluster://`: every node speaks TLS only (clients, bus, replication);
    the edges reach each master on the TLS port the cluster announces."""
    rc = RedisClusterServer(tmp_path / "tls", tls={"ca": certs["ca"], "cert": certs["cert"], "key": certs["key"]}).start()
    try:
        assert rc.url.startswith("rediss-cluster://")
        a = procs.edge(rc.url, extra=["--redis-tls-ca", certs["ca"]])
        b = procs.edge(rc.url, env={"REALTIME_REDIS_TLS_CA": certs["ca"]})
        by_master = channels_on_every_shard(rc, unique("tls"), per_shard=1)
        x = RTClient(a.base, name="x").connect()
        y = RTClient(b.base, name="y").connect()
        procs.clients += [x, y]
        for owner_port, names in by_master.items():
            ch = names[0]
            x.join(ch)
            y.join(ch)
            assert x.call("message", {"channel": ch, "eventName": "m", "message": ch}) == {"ok": True}
            y.wait_for("m", lambda p, ch=ch: p.get("message") == ch, timeout=5)
            owner = next(n for n in rc.masters() if n.port == owner_port)
            assert shard_subscribers(owner, f"rt:ch:{tag(ch)}") == 2
    finally:
        for c in procs.clients:
            c.disconnect()
        rc.stop()


def test_edge_and_coordinator_work_with_exactly_the_documented_cluster_acl_rules(procs, redis_cluster):
    rc = redis_cluster
    rules = documented_acl_rules(cluster=True)
    for n in rc.nodes:
        for user, password, placeholder in (("rt-edge", EDGE_PW, ">EDGE_PASSWORD"),
                                            ("rt-coordinator", COORD_PW, ">COORDINATOR_PASSWORD")):
            assert n.cli("ACL", "SETUSER", user, *rules[user].replace(placeholder, ">" + password).split()) == "OK"
    seeds = rc.url.split("://", 1)[1]
    edge_url = f"redis-cluster://rt-edge:{EDGE_PW}@{seeds}"
    coord_url = f"redis-cluster://rt-coordinator:{COORD_PW}@{seeds}"
    limits = [{"name": "burst", "rate": 1000, "duration": 10, "errorMessage": "slow"}]
    settings = procs.settings_file(dict(DEFAULT_SETTINGS, rateLimits=limits))
    a, b = procs.edge(edge_url, settings=settings), procs.edge(edge_url, settings=settings)
    doomed = procs.edge(edge_url, settings=settings)
    coord = procs.coordinator(coord_url, extra=["--dead-after", "3"])
    names = [n[0] for n in channels_on_every_shard(rc, unique("acl"), per_shard=1).values()]
    x, y, z = (RTClient(e.base, name=n).connect() for e, n in ((a, "x"), (b, "y"), (doomed, "z")))
    procs.clients += [x, y, z]
    for ch in names:
        for c in (x, y, z):
            c.join(ch)
        assert len(y.members(ch)) == 3
        assert x.call("message", {"channel": ch, "eventName": "m", "message": ch}) == {"ok": True}
        y.wait_for("m", lambda p, ch=ch: p.get("message") == ch)
    x.call("update", {"data": {"n": 1}})
    r = api(a, "PUT", "/api/v1/config", json=dict(DEFAULT_SETTINGS, rateLimits=limits))
    assert r.status_code == 200 and r.json()["version"] == 1, r.text
    cli = procs.config_cli("get", "--redis", edge_url)
    assert cli.returncode == 0 and json.loads(cli.stdout)["version"] == 1, cli.stderr
    assert wait_until(lambda: HTTP.get(coord.base + "/cluster").json()["coordinator"]["leader"], 5)
    doomed.kill()
    for ch in names:
        assert wait_until(lambda: len(y.members(ch)) == 2, 15), ch
    x.leave(names[0])
    tight = [{"name": "tight", "rate": 1, "duration": 86400, "errorMessage": "slow"}]
    assert api(a, "PUT", "/api/v1/config", json=dict(DEFAULT_SETTINGS, rateLimits=tight)).status_code == 200
    assert wait_until(lambda: x.call("message", {"channel": names[1], "eventName": "m", "message": 2}) != {"ok": True}, 3)
    assert "rate_limit_exceeded" in str(x.call("message", {"channel": names[1], "eventName": "m", "message": 3}))
    for p in (a, b, coord):
        assert "NOPERM" not in p.text() and p.alive(), p.text()[-1500:]
    for n in rc.masters():
        assert "NOPERM" not in n.cli("ACL", "LOG"), (n.port, n.cli("ACL", "LOG"))


def test_recovery_and_history_are_refused_on_a_cluster_with_a_clear_error(procs, redis_cluster, tmp_path):
    # The recovery log is one stream and a retained publish spans two slots: on a
    # cluster both are off, said plainly, and nothing pretends otherwise.
    seeded = tmp_path / "recovery.json"
    seeded.write_text(json.dumps(dict(DEFAULT_SETTINGS, recovery={"enabled": True, "maxDisconnectionSeconds": 60})))
    edge = procs.edge(redis_cluster.url, settings=seeded)
    raw = RecoveringClient(edge.port, name="no-pid")
    reply = raw.connect()
    raw.disconnect()
    assert "sid" in reply and "pid" not in reply, f"a cluster edge must not offer recovery: {reply}"
    client = RTClient(edge.base, name="plain").connect()
    procs.clients.append(client)
    for body in (dict(DEFAULT_SETTINGS, recovery={"enabled": True, "maxDisconnectionSeconds": 60}),
                 dict(DEFAULT_SETTINGS, channelRules=[{"match": "news:*", "history": {"size": 10, "ttlSeconds": 60}}])):
        r = api(edge, "PUT", "/api/v1/config", json=body)
        assert r.status_code == 400, r.text
        assert "not supported on a Redis Cluster" in r.json()["errors"][0]["message"], r.text
    r = api(edge, "GET", "/api/v1/channels/news%3A1/history")
    assert r.status_code in (400, 403), r.text
    # Messages still flow, without an offset argument.
    ch = unique("plain")
    client.join(ch)
    client.ok("message", {"channel": ch, "eventName": "m", "message": 1})
    args = client.wait_for("m")
    assert args == ({"channel": ch, "message": 1},), f"one argument, no offset: {args}"
