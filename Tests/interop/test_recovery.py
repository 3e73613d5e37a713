"""Connection state recovery (SPEC §8): pid in the CONNECT reply, offsets on message
events, and a lost client recovering its session, channels, metadata and every missed
message, on the same edge or another one, with a raw protocol client."""

from __future__ import annotations

import subprocess
import time

import pytest

from recovery_client import RecoveringClient
from rt import DEFAULT_SETTINGS, QUIET_WAIT, members_set, unique, wait_until


@pytest.fixture(autouse=True)
def _not_on_a_redis_cluster(backend):
    # A Redis Cluster keeps no messages (PROTOCOL.md §7): recovery and history are
    # refused there, which test_redis_cluster.py checks.
    if backend == "rediscluster":
        pytest.skip("recovery and history are not available on a Redis Cluster")


RECOVERY = {**DEFAULT_SETTINGS, "recovery": {"enabled": True, "maxDisconnectionSeconds": 30}}


def publish(cluster, channel, event, message, edge=0):
    path = f"/api/v1/channels/{channel}/messages" if channel else "/api/v1/broadcast"
    r = cluster.api("POST", path, edge=edge, json={"eventName": event, "message": message})
    assert r.status_code == 202, r.text


def raw(cluster, edge=0, name="raw") -> RecoveringClient:
    return RecoveringClient(cluster.edge(edge).port, name=name)


def test_pid_and_offsets_when_enabled(make_cluster):
    cluster = make_cluster(settings=RECOVERY)
    client = raw(cluster)
    reply = client.connect()
    assert set(reply) == {"sid", "pid"} and reply["pid"] != reply["sid"], reply
    ch = unique()
    client.ok("join", {"channel": ch})
    publish(cluster, ch, "news", {"n": 1})
    publish(cluster, None, "all", {"n": 2})
    client.ok("message", {"channel": ch, "eventName": "own", "message": 3})
    news = client.wait_events("news", 1)[0]
    everyone = client.wait_events("all", 1)[0]
    own = client.wait_events("own", 1)[0]
    for args in (news, everyone, own):
        assert len(args) == 2 and isinstance(args[1], str) and args[1], f"no offset argument: {args}"
    assert news[0] == {"channel": ch, "message": {"n": 1}}
    assert everyone[0] == {"channel": None, "message": {"n": 2}}
    assert len({news[1], everyone[1], own[1]}) == 3, "offsets must differ"
    client.disconnect()


def test_no_pid_or_offset_when_disabled(make_cluster):
    cluster = make_cluster()
    client = raw(cluster)
    reply = client.connect()
    assert set(reply) == {"sid"}, reply
    ch = unique()
    client.ok("join", {"channel": ch})
    publish(cluster, ch, "news", {"n": 1})
    publish(cluster, None, "all", {"n": 2})
    assert client.wait_events("news", 1)[0] == [{"channel": ch, "message": {"n": 1}}]
    assert client.wait_events("all", 1)[0] == [{"channel": None, "message": {"n": 2}}]
    client.disconnect()


def test_recovers_everything_missed_exactly_once(make_cluster):
    """Cut off on edge 0 while messages go to two of its channels and a broadcast is sent;
    back on edge 1 (the same edge with the memory backend): same sid, every missed message
    once and in order per channel before a new one, members restored, leave then join seen."""
    cluster = make_cluster(settings=RECOVERY)
    a, b = unique("a"), unique("b")
    client = raw(cluster, 0, "lost")
    client.connect()
    sid = client.sid
    client.ok("join", {"channel": a})
    client.ok("join", {"channel": b})
    client.ok("update", {"data": {"name": "lost"}})
    publish(cluster, a, "m", "before")
    client.wait_events("m", 1)
    watcher = cluster.client(edge=1)
    watcher.join(a)

    client.cut()
    watcher.wait_for("channel:leave", lambda d: d["message"]["id"] == sid)
    for i in range(5):
        publish(cluster, a, "m", f"a{i}", edge=i % 2)
        publish(cluster, b, "m", f"b{i}", edge=(i + 1) % 2)
    publish(cluster, None, "m", "everyone")
    publish(cluster, unique("other"), "m", "not-mine")

    client.clear()
    reply = client.connect(port=cluster.edge(1).port)
    assert reply["sid"] == sid and client.recovered, f"not recovered: {reply}"
    publish(cluster, a, "m", "after")
    got = [args[0] for args in client.wait_events("m", 12)]
    assert [g["message"] for g in got if g["channel"] == a] == [f"a{i}" for i in range(5)] + ["after"]
    assert [g["message"] for g in got if g["channel"] == b] == [f"b{i}" for i in range(5)]
    assert [g["message"] for g in got if g["channel"] is None] == ["everyone"]
    assert got[-1]["message"] == "after", f"a new message overtook the replay: {got}"
    time.sleep(QUIET_WAIT)
    assert len(client.of("m")) == 12, f"duplicates: {client.of('m')}"

    watcher.wait_for("channel:join", lambda d: d["message"]["id"] == sid)
    leaves = [i for i, (e, args) in enumerate(watcher.events) if e == "channel:leave" and args[0]["message"]["id"] == sid]
    joins = [i for i, (e, args) in enumerate(watcher.events) if e == "channel:join" and args[0]["message"]["id"] == sid]
    assert leaves and joins and leaves[0] < joins[-1], watcher.events
    assert members_set(watcher.call("members", {"channel": a})["data"]).get(sid) == {"name": "lost"}
    assert sid in members_set(watcher.call("members", {"channel": b})["data"])
    client.disconnect()


def test_rate_limited_messages_keep_offsets_and_refusals_stay_out_of_the_log(make_cluster):
    """With rate limits the check, the log write and the publish are one script: the
    allowed messages carry offsets, the refused one is neither delivered nor replayed."""
    limits = [{"name": "three", "rate": 3, "duration": 86400, "errorMessage": "Three a day"}]
    cluster = make_cluster(settings={**RECOVERY, "rateLimits": limits}, reuse=False)
    ch = unique()
    sender = raw(cluster, 0, "sender")
    sender.connect()
    sender.ok("join", {"channel": ch})  # one of the three
    for text in ("one", "two"):
        sender.ok("message", {"channel": ch, "eventName": "m", "message": text})
    refused = sender.call("message", {"channel": ch, "eventName": "m", "message": "three"})
    assert refused["error"]["code"] == "rate_limit_exceeded", refused
    got = sender.wait_events("m", 2)
    assert [args[0]["message"] for args in got] == ["one", "two"] and all(isinstance(a[1], str) for a in got)
    first = got[0][1]
    sender.cut()
    sender.offset = first
    sender.clear()
    reply = sender.connect()
    assert sender.recovered, reply
    assert [args[0]["message"] for args in sender.wait_events("m", 1)] == ["two"]
    time.sleep(QUIET_WAIT)
    assert len(sender.of("m")) == 1, sender.events
    sender.disconnect()


def test_a_flood_of_logged_messages_keeps_its_order(make_cluster):
    """Pipelined messages with recovery on (each one logged and published by the script,
    queued on the session's lane): acked and delivered in order, offsets increasing."""
    cluster = make_cluster(settings=RECOVERY)
    ch = unique("flood")
    watcher = raw(cluster, 1, "watcher")
    watcher.connect()
    watcher.ok("join", {"channel": ch})
    sender = raw(cluster, 0, "sender")
    sender.connect()
    for i in range(300):
        sender.ws.send(f'42{1000 + i}["message",{{"channel":"{ch}","eventName":"seq","message":{i}}}]')
    with sender.cond:
        assert sender.cond.wait_for(lambda: len(sender.acks) == 300, timeout=10), f"{len(sender.acks)} acks"
        assert all(sender.acks[1000 + i] == [{"ok": True}] for i in range(300))
    got = watcher.wait_events("seq", 300, timeout=10)
    assert [args[0]["message"] for args in got] == list(range(300))
    offsets = [tuple(int(p) for p in args[1].split("-")) for args in got]
    assert offsets == sorted(offsets) and len(set(offsets)) == 300
    sender.disconnect()
    watcher.disconnect()


def test_a_flushed_script_fails_one_message_with_an_error_then_publishing_resumes(make_cluster, backend):
    """SCRIPT FLUSH under a session whose lane queues the logging script by its SHA: the
    next message is refused with an error (never acked and lost), later ones go through."""
    if backend == "memory":
        pytest.skip("the memory backend runs no scripts")
    cluster = make_cluster(settings=RECOVERY, reuse=False, edges=1)
    ch = unique()
    client = raw(cluster, 0, "sender")
    client.connect()
    client.ok("join", {"channel": ch})
    for text in ("one", "two"):
        client.ok("message", {"channel": ch, "eventName": "m", "message": text})
    subprocess.run(["redis-cli", "-p", str(cluster.redis.port), "SCRIPT", "FLUSH"], check=True, capture_output=True)
    # Sent by SHA on the lane's connection (the script was loaded by the first message).
    refused = client.call("message", {"channel": ch, "eventName": "m", "message": "three"})
    assert refused["error"]["code"] == "internal_server_error", refused
    client.ok("message", {"channel": ch, "eventName": "m", "message": "four"})
    client.wait_events("m", 3)
    time.sleep(QUIET_WAIT)
    assert [args[0]["message"] for args in client.of("m")] == ["one", "two", "four"]
    client.disconnect()


def lose_then_reconnect(cluster, lose, before_reconnect=lambda client: None) -> tuple[dict, dict, RecoveringClient]:
    """Connects, receives one offset, loses the session with `lose(client)`, reconnects asking
    to recover; returns both CONNECT replies and the client."""
    client = raw(cluster)
    first = client.connect()
    publish(cluster, None, "m", 1)
    client.wait_events("m", 1)
    lose(client)
    before_reconnect(client)
    second = client.connect()
    client.disconnect()
    return first, second, client


def test_unknown_pid_gets_a_new_session(make_cluster):
    def forge(client):
        client.pid = "not-a-session"

    first, second, client = lose_then_reconnect(make_cluster(settings=RECOVERY), RecoveringClient.cut, forge)
    assert second["sid"] != first["sid"] and not client.recovered and second["pid"] != "not-a-session"


def test_expired_session_gets_a_new_session(make_cluster):
    cluster = make_cluster(settings={**DEFAULT_SETTINGS, "recovery": {"enabled": True, "maxDisconnectionSeconds": 1}})
    first, second, client = lose_then_reconnect(cluster, RecoveringClient.cut, lambda _: time.sleep(2.5))
    assert second["sid"] != first["sid"] and not client.recovered


def test_disconnect_is_not_recoverable(make_cluster):
    first, second, client = lose_then_reconnect(make_cluster(settings=RECOVERY), RecoveringClient.disconnect,
                                                lambda _: time.sleep(0.3))
    assert second["sid"] != first["sid"] and not client.recovered


def test_a_cut_session_is_recoverable_once(make_cluster):
    """The control for the three above: the same steps with a plain cut recover, once."""
    cluster = make_cluster(settings=RECOVERY)
    first, second, client = lose_then_reconnect(cluster, RecoveringClient.cut)
    assert second["sid"] == first["sid"] and client.recovered
    # Taken by that recovery (and ended by its DISCONNECT): the same pid cannot recover again.
    client.pid, client.offset = second["pid"], client.offset or "0-0"
    third = client.connect()
    assert third["sid"] != first["sid"] and not client.recovered
    client.disconnect()


def test_a_late_noticed_loss_leaves_the_recovered_session_alone(make_cluster):
    """The old connection went silent (no FIN) and the client recovered on a new one before
    the server noticed: when the old one times out, its cleanup must neither announce a
    leave for the recovered member nor remove it, nor make the session recoverable twice."""
    cluster = make_cluster(settings=RECOVERY, ping_interval=300, ping_timeout=400)
    ch = unique()
    client = raw(cluster, 0, "flaky")
    client.connect()
    sid = client.sid
    client.ok("join", {"channel": ch})
    publish(cluster, ch, "m", "seen")
    client.wait_events("m", 1)
    watcher = cluster.client(edge=1)
    watcher.join(ch)
    try:
        client.freeze()
        reply = client.connect(port=cluster.edge(1).port)
        assert reply["sid"] == sid and client.recovered
        watcher.wait_for("channel:join", lambda d: d["message"]["id"] == sid)
        time.sleep(1.5)  # the frozen connection misses its pongs and is cleaned up
        leaves = watcher.received("channel:leave", lambda d: d["message"]["id"] == sid)
        assert len(leaves) <= 1, f"the late cleanup announced a second leave: {leaves}"
        assert sid in members_set(watcher.call("members", {"channel": ch})["data"]), "the late cleanup removed the member"
        publish(cluster, ch, "m", "still here")
        assert [args[0]["message"] for args in client.wait_events("m", 2)][-1] == "still here"
    finally:
        client.close_frozen()
    client.disconnect()


def test_recovers_after_its_edge_is_killed(make_cluster, backend):
    if backend == "memory":
        pytest.skip("the memory backend has one edge: no other edge to recover on")
    cluster = make_cluster(settings=RECOVERY, reuse=False)
    ch = unique()
    client = raw(cluster, 0, "orphan")
    client.connect()
    sid = client.sid
    client.ok("join", {"channel": ch})
    publish(cluster, ch, "m", "seen", edge=1)
    client.wait_events("m", 1)
    watcher = cluster.client(edge=1)
    watcher.join(ch)

    edge = cluster.edge(0)
    edge.stopping = True
    edge.proc.kill()
    edge.proc.wait(5)
    for i in range(3):
        publish(cluster, ch, "m", f"missed{i}", edge=1)
    client.clear()
    reply = client.connect(port=cluster.edge(1).port)
    assert reply["sid"] == sid and client.recovered, reply
    assert [args[0]["message"] for args in client.wait_events("m", 3)] == ["missed0", "missed1", "missed2"]
    watcher.wait_for("channel:leave", lambda d: d["message"]["id"] == sid)
    watcher.wait_for("channel:join", lambda d: d["message"]["id"] == sid)
    assert list(members_set(watcher.call("members", {"channel": ch})["data"])).count(sid) == 1
    client.disconnect()
