"""SPEC §2/§4: rate limits on client events, counted cluster-wide, by user or by IP."""

from __future__ import annotations

import pytest

from rt import DEFAULT_SETTINGS, assert_error_ack, make_jwt, unique


def limits(*rules):
    return dict(DEFAULT_SETTINGS, rateLimits=[
        {"name": n, "rate": r, "duration": 60, "errorMessage": m} for n, r, m in rules])


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
