"""PROTOCOL.md §2/§4: rate limits on client events, counted cluster-wide, by user or by IP."""

from __future__ import annotations

import subprocess
import time

import pytest

from rt import DEFAULT_SETTINGS, assert_error_ack, make_jwt, unique


def limits(*rules):
    # Day-long windows: windows are aligned on the clock, and a test straddling a
    # boundary would see its count reset (with 60 s windows, about one run in 60).
    return dict(DEFAULT_SETTINGS, rateLimits=[
        {"name": n, "rate": r, "duration": 86400, "errorMessage": m} for n, r, m in rules])


def ok_event(client, ch):
    ack = client.call("members", {"channel": ch})
    assert isinstance(ack, dict) and "data" in ack, f"{client.name}: event within the limit refused: {ack!r}"


def test_rate_limit_rejects_with_the_configured_message(make_cluster):
    c = make_cluster(reuse=False, settings=limits(("burst", 3, "Slow down please")))
    a = c.client(edge=0)
    ch = unique()
    for _ in range(3):
        ok_event(a, ch)
    ack = a.call("members", {"channel": ch})
    assert_error_ack(ack, "rate_limit_exceeded", "4th event with rate 3")
    assert ack["error"]["message"] == "Slow down please", f"rate limit message {ack!r}"
    assert_error_ack(a.call("join", {"channel": ch}), "rate_limit_exceeded", "join past the limit")
    a.emit("message", {"channel": ch, "eventName": "x", "message": 1})
    e = a.wait_for("realtime:error", lambda p: p.get("event") == "message")[0]
    assert e == {"code": "rate_limit_exceeded", "message": "Slow down please", "event": "message"}, \
        f"realtime:error for a rate-limited event without ack: {e!r}"
    assert a.connected, "a rate-limited client was disconnected"
    assert c.api("GET", f"/api/v1/channels/{ch}/members").json() == [], "a rate-limited join took effect"


def test_rate_limit_is_counted_cluster_wide(make_cluster):
    c = make_cluster(reuse=False, settings=limits(("per-ip", 4, "Too many")))
    a = c.client(edge=0)
    b = c.client(edge=1)  # another edge with the redis backend, same client IP
    ch = unique()
    ok_event(a, ch)
    ok_event(a, ch)
    ok_event(b, ch)
    ok_event(b, ch)
    assert_error_ack(a.call("members", {"channel": ch}), "rate_limit_exceeded", "5th event from one IP via edge 0")
    assert_error_ack(b.call("members", {"channel": ch}), "rate_limit_exceeded", "5th event from one IP via edge 1")


def test_rate_limit_is_keyed_by_user_when_there_is_a_session(make_cluster):
    c = make_cluster(reuse=False, settings=limits(("per-user", 2, "User limit")))
    u1a = c.client(auth={"session": make_jwt("rl-user-1")}, edge=0)
    u1b = c.client(auth={"session": make_jwt("rl-user-1")}, edge=1)
    u2 = c.client(auth={"session": make_jwt("rl-user-2")}, edge=2)
    anon = c.client(edge=0)
    ch = unique()
    ok_event(u1a, ch)
    ok_event(u1b, ch)
    assert_error_ack(u1a.call("members", {"channel": ch}), "rate_limit_exceeded", "user 1's 3rd event")
    assert_error_ack(u1b.call("members", {"channel": ch}), "rate_limit_exceeded", "user 1's 4th event")
    ok_event(u2, ch)
    ok_event(u2, ch)
    ok_event(anon, ch)
    ok_event(anon, ch)
    assert_error_ack(anon.call("members", {"channel": ch}), "rate_limit_exceeded", "anonymous 3rd event")


@pytest.mark.parametrize("rules,expected", [
    ((("first", 5, "First limit"), ("second", 2, "Second limit")), "Second limit"),
    ((("first", 2, "First limit"), ("second", 2, "Second limit")), "First limit"),
], ids=["tighter-second", "both-equal"])
def test_first_exceeded_limit_in_order_wins(make_cluster, rules, expected):
    c = make_cluster(reuse=False, settings=limits(*rules))
    a = c.client()
    ch = unique()
    ok_event(a, ch)
    ok_event(a, ch)
    ack = a.call("members", {"channel": ch})
    assert_error_ack(ack, "rate_limit_exceeded", "3rd event")
    assert ack["error"]["message"] == expected, f"{ack!r}: expected the message of the first limit exceeded"


def at_window_start():
    """Fixed windows are aligned on whole seconds of Redis' clock (this machine's):
    start a short sequence just after a boundary so it cannot straddle two windows."""
    time.sleep(1.02 - time.time() % 1.0)


def test_five_per_ten_seconds_spread_over_two_edges(make_cluster):
    """Issue 6: limit 5 per 10 s; 3 events through edge A and 3 through edge B: the 6th is rejected."""
    c = make_cluster(reuse=False, settings=dict(DEFAULT_SETTINGS, rateLimits=[
        {"name": "five", "rate": 5, "duration": 10, "errorMessage": "Five per ten"}]))
    a = c.client(edge=0)
    b = c.client(edge=1 % c.n_edges)
    ch = unique()
    for client in (a, a, a, b, b):
        ok_event(client, ch)
    ack = b.call("members", {"channel": ch})
    assert_error_ack(ack, "rate_limit_exceeded", "6th event, 3rd through the second edge")
    assert ack["error"]["message"] == "Five per ten"


def test_burst_and_sustained_limits_each_reject_at_their_count(make_cluster):
    c = make_cluster(reuse=False, settings=dict(DEFAULT_SETTINGS, rateLimits=[
        {"name": "burst", "rate": 3, "duration": 1, "errorMessage": "Burst"},
        # An hour-long window, so the few seconds of this test cannot straddle its boundary.
        {"name": "sustained", "rate": 5, "duration": 3600, "errorMessage": "Sustained"}]))
    a = c.client()
    ch = unique()
    at_window_start()
    for _ in range(3):
        ok_event(a, ch)
    ack = a.call("members", {"channel": ch})
    assert_error_ack(ack, "rate_limit_exceeded", "4th event within a second")
    assert ack["error"]["message"] == "Burst", ack
    # A rejected event consumes no budget: after the burst window, 2 more fit the sustained limit.
    time.sleep(1.1)
    ok_event(a, ch)
    ok_event(a, ch)
    ack = a.call("members", {"channel": ch})
    assert_error_ack(ack, "rate_limit_exceeded", "6th counted event within the hour")
    assert ack["error"]["message"] == "Sustained", ack


def test_a_changed_limit_applies_on_every_edge_and_windows_expire(make_cluster):
    c = make_cluster(reuse=False)
    far = c.client(edge=c.n_edges - 1)
    ch = unique()
    for _ in range(3):
        ok_event(far, ch)  # no limits yet
    settings = dict(DEFAULT_SETTINGS, rateLimits=[{"name": "tight", "rate": 2, "duration": 1, "errorMessage": "Tight"}])
    assert c.api("PUT", "/api/v1/config", edge=0, json=settings).status_code == 200
    time.sleep(1.0)  # applied on every edge within a second (PROTOCOL.md §3)
    at_window_start()
    results = [far.call("members", {"channel": ch}) for _ in range(3)]
    assert any(isinstance(r, dict) and r.get("error", {}).get("code") == "rate_limit_exceeded" for r in results), \
        f"the limit set through edge 0 did not apply on edge {c.n_edges - 1}: {results!r}"
    time.sleep(2.1)  # the window has passed: counting starts again
    ok_event(far, ch)
    for port in redis_ports(c):
        keys = subprocess.run(["redis-cli", "-p", str(port), "--scan", "--pattern", "rt:rl:tight:*"],
                              capture_output=True, text=True, check=True).stdout.split()
        for key in keys:
            ttl = int(subprocess.run(["redis-cli", "-p", str(port), "TTL", key],
                                     capture_output=True, text=True, check=True).stdout.strip())
            assert 0 < ttl <= 2, f"counter {key} has TTL {ttl}: windows must expire with their duration"


def redis_ports(c) -> list[int]:
    """The Redis processes holding data: one, or every master of a Redis Cluster."""
    if c.redis is None:
        return []
    return [n.port for n in c.redis.masters()] if c.backend == "rediscluster" else [c.redis.port]


def evalsha_calls(port: int) -> int:
    info = subprocess.run(["redis-cli", "-p", str(port), "INFO", "commandstats"],
                          capture_output=True, text=True, check=True).stdout
    for line in info.splitlines():
        if line.startswith("cmdstat_evalsha:"):
            return int(line.split("calls=")[1].split(",")[0])
    return 0


def test_a_limited_event_costs_one_redis_call(make_cluster):
    """Issue 6: the check rides in the event's own script: N limited events, N script calls."""
    c = make_cluster(reuse=False, settings=limits(("a", 1000, "A"), ("b", 1000, "B"), ("c", 1000, "C")))
    if c.redis is None:
        pytest.skip("the memory backend makes no Redis calls")
    x = c.client()
    ch = unique()

    def one_of_each():  # join, 3 x members, update, message, leave: 7 events
        x.join(ch)
        for _ in range(3):
            ok_event(x, ch)
        x.ok("update", {"data": {"n": 1}})
        x.ok("message", {"channel": ch, "eventName": "m", "message": 1})
        x.leave(ch)

    one_of_each()  # loads every script once (a first EVALSHA answered NOSCRIPT counts as a call too)
    before = sum(evalsha_calls(p) for p in redis_ports(c))
    one_of_each()
    calls = sum(evalsha_calls(p) for p in redis_ports(c)) - before
    if c.backend == "rediscluster":
        # A subject's counters and a channel no longer share a slot: every limited event
        # costs its check (one script on the subject's shard) before its own work; of
        # these 7 events join, update and leave have a script of their own (docs/KEYSPACE.md).
        assert calls == 7 + 3, f"{calls} script calls for 7 limited events on a Redis Cluster"
        return
    assert calls == 7, "each limited event must be exactly one script call"
