"""PROTOCOL.md §3: the server API (master key), settings at run time, /health, /stats, /metrics."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from rt import (DEFAULT_SETTINGS, MASTER_KEY, assert_api_error, make_jwt, members_set, short, unique)


def path_of(ch: str) -> str:
    return quote(ch, safe="")


ENDPOINTS = [
    ("GET", "/api/v1/channels", None),
    ("GET", "/api/v1/channels/some-channel/members", None),
    ("POST", "/api/v1/channels/some-channel/messages", {"eventName": "x", "message": 1}),
    ("POST", "/api/v1/broadcast", {"eventName": "x", "message": 1}),
    ("POST", "/api/v1/publish", {"messages": [{"eventName": "x", "message": 1}]}),
    ("POST", "/api/v1/users/u1/events", {"eventName": "user:signin", "session": {}, "user": {}}),
    ("GET", "/api/v1/config", None),
    ("PUT", "/api/v1/config", DEFAULT_SETTINGS),
]


def test_api_requires_the_master_key(cluster):
    a = cluster.client()
    ch = unique()
    a.join(ch)
    for method, path, body in ENDPOINTS:
        for key, why in ((None, "without a key"), ("wrong-" + MASTER_KEY, "with a wrong key"),
                         (MASTER_KEY[:-1], "with a truncated key")):
            r = cluster.api(method, path, key=key, json=body)
            assert_api_error(r, 401, f"{method} {path} {why}")
    r = cluster.api("POST", f"/api/v1/channels/{ch}/messages", key=None,
                    headers={"Authorization": MASTER_KEY}, json={"eventName": "x", "message": 1})
    assert_api_error(r, 401, "master key without the Bearer scheme")
    a.assert_not_received("x", what="from an unauthenticated API call")


def test_api_channel_message_reaches_members_on_every_edge(cluster):
    a, b, c = cluster.clients_on_distinct_edges(3)
    ch = unique("room:1 ")  # needs URL encoding
    a.join(ch)
    b.join(ch)
    for edge in range(len(cluster.edges)):
        payload = {"from": "server", "edge": edge}
        r = cluster.api("POST", f"/api/v1/channels/{path_of(ch)}/messages", edge=edge,
                        json={"eventName": "srv", "message": payload})
        assert r.status_code == 202, f"POST messages via edge {edge}: HTTP {r.status_code} {r.text[:200]}"
        for x in (a, b):
            x.wait_for("srv", lambda p, payload=payload: p == {"channel": ch, "message": payload})
    c.assert_not_received("srv", what="as a non-member")


def test_api_broadcast_reaches_every_client(cluster):
    clients = cluster.clients_on_distinct_edges(max(3, len(cluster.edges)))
    r = cluster.api("POST", "/api/v1/broadcast", edge=len(cluster.edges) - 1,
                    json={"eventName": "announce", "message": {"v": 7}})
    assert r.status_code == 202, f"POST broadcast: HTTP {r.status_code} {r.text[:200]}"
    for x in clients:
        x.wait_for("announce", lambda p: p == {"channel": None, "message": {"v": 7}})


def test_api_batch_publish_keeps_order_on_every_edge(cluster):
    """One batch, channel messages and broadcasts mixed: every member on every edge
    gets them in the batch's order."""
    clients = cluster.clients_on_distinct_edges(min(3, len(cluster.edges)))
    ch, other = unique("batch"), unique("batch-other")
    for c in clients:
        c.join(ch)
    messages = []
    for i in range(1000):
        if i % 10 == 9:
            messages.append({"eventName": "batch", "message": {"i": i}})  # a broadcast
        elif i % 10 == 4:
            messages.append({"channel": other, "eventName": "batch", "message": {"i": i}})  # not for them
        else:
            messages.append({"channel": ch, "eventName": "batch", "message": {"i": i}})
    r = cluster.api("POST", "/api/v1/publish", json={"messages": messages}, timeout=15)
    assert r.status_code == 202, r.text
    assert r.json() == {"published": 1000}
    expected = [m["message"]["i"] for m in messages if m.get("channel") != other]
    for c in clients:
        deadline = time.monotonic() + 10
        while len(c.received("batch")) < len(expected) and time.monotonic() < deadline:
            time.sleep(0.05)
        got = [args[0]["message"]["i"] for args in c.received("batch")]
        if cluster.backend == "rediscluster":
            # A Redis Cluster orders per topic: the channel's messages come from its
            # shard, broadcasts over the cluster bus (docs/KEYSPACE.md), so only each
            # topic's own order holds, and it must.
            is_broadcast = {m["message"]["i"]: "channel" not in m for m in messages}
            got = sorted(got, key=lambda i: (is_broadcast[i], got.index(i)))
            expected = sorted(expected, key=lambda i: (is_broadcast[i], expected.index(i)))
        assert got == expected, f"{c.name}: {len(got)} of {len(expected)}, first difference at " \
            f"{next((k for k, (x, y) in enumerate(zip(got, expected)) if x != y), min(len(got), len(expected)))}"
        broadcasts = [args for args in c.received("batch") if args[0]["channel"] is None]
        assert len(broadcasts) == 100


def test_api_batch_publish_caps_at_1000_and_publishes_nothing_on_error(cluster):
    a = cluster.client()
    ch = unique("batch-cap")
    a.join(ch)
    over = [{"channel": ch, "eventName": "capped", "message": i} for i in range(1001)]
    r = cluster.api("POST", "/api/v1/publish", json={"messages": over})
    assert_api_error(r, 400, "1001 messages")
    assert "1000" in r.json()["errors"][0]["message"]
    bad = [{"channel": ch, "eventName": "capped", "message": 1}, {"channel": ch, "eventName": "channel:join"}]
    r = cluster.api("POST", "/api/v1/publish", json={"messages": bad})
    assert_api_error(r, 400, "a reserved event name in the batch")
    assert "messages[1]" in r.json()["errors"][0]["message"]
    for body in ({}, {"messages": {}}, {"messages": [1]}, {"messages": [{"channel": "", "eventName": "x"}]}):
        assert_api_error(cluster.api("POST", "/api/v1/publish", json=body), 400, f"body {body}")
    a.assert_not_received("capped", what="from a refused batch")
    r = cluster.api("POST", "/api/v1/publish", json={"messages": []})
    assert r.status_code == 202 and r.json() == {"published": 0}


def test_api_members_match_the_socket_answer_on_every_edge(cluster):
    a, b, c = cluster.clients_on_distinct_edges(3)
    ch = unique()
    a.join(ch)
    b.join(ch)
    a.ok("update", {"data": {"name": "a"}})
    expected = {a.sid: {"name": "a"}, b.sid: None}
    for edge in range(len(cluster.edges)):
        r = cluster.api("GET", f"/api/v1/channels/{path_of(ch)}/members", edge=edge)
        assert r.status_code == 200, f"GET members via edge {edge}: HTTP {r.status_code} {r.text[:200]}"
        assert members_set(r.json()) == expected, f"GET members via edge {edge}: {r.text[:300]}"
    assert members_set(c.members(ch)) == expected
    b.leave(ch)
    r = cluster.api("GET", f"/api/v1/channels/{path_of(ch)}/members", edge=len(cluster.edges) - 1)
    assert members_set(r.json()) == {a.sid: {"name": "a"}}, f"after leave ack: {r.text[:300]}"
    r = cluster.api("GET", f"/api/v1/channels/{unique()}/members")
    assert r.status_code == 200 and r.json() == [], f"members of an unknown channel: {r.status_code} {r.text[:200]}"


def _channel_counts(body) -> dict:
    """Accept the reasonable shapes of 'active channels with member counts'."""
    items = body
    if isinstance(body, dict):
        for k in ("channels", "data", "items"):
            if isinstance(body.get(k), list):
                items = body[k]
                break
        else:
            if all(isinstance(v, int) for v in body.values()):
                return dict(body)
    assert isinstance(items, list), f"GET /api/v1/channels: unexpected body {short(body)}"
    out = {}
    for it in items:
        assert isinstance(it, dict), f"channel entry {it!r}"
        name = next((it[k] for k in ("channel", "name", "id") if isinstance(it.get(k), str)), None)
        count = next((it[k] for k in ("members", "memberCount", "count", "connections")
                      if isinstance(it.get(k), (int, list)) and not isinstance(it.get(k), bool)), None)
        assert name is not None and count is not None, f"channel entry {it!r} lacks a name or a member count"
        out[name] = len(count) if isinstance(count, list) else count
    return out


def test_api_lists_active_channels_with_member_counts(cluster):
    a, b, c = cluster.clients_on_distinct_edges(3)
    ch1, ch2, gone = unique(), unique(), unique()
    a.join(ch1)
    b.join(ch1)
    c.join(ch2)
    a.join(gone)
    a.leave(gone)
    for edge in range(len(cluster.edges)):
        r = cluster.api("GET", "/api/v1/channels", edge=edge)
        assert r.status_code == 200, f"GET channels via edge {edge}: HTTP {r.status_code} {r.text[:200]}"
        counts = _channel_counts(r.json())
        assert counts.get(ch1) == 2 and counts.get(ch2) == 1, f"via edge {edge}: {ch1}, {ch2} in {short(counts)}"
        assert gone not in counts, f"a channel with no members is still listed: {short(counts)}"


def test_api_user_events_reach_every_connection_of_that_user_only(cluster):
    u1, u2 = unique("user"), unique("user")
    u1a = cluster.client(auth={"session": make_jwt(u1)}, edge=0)
    u1b = cluster.client(auth={"session": make_jwt(u1)}, edge=1)
    u2a = cluster.client(auth={"session": make_jwt(u2)}, edge=2)
    anon = cluster.client(edge=1)
    session = {"id": "sess-1", "userId": u1, "token": "SECRET-TOKEN", "userAgent": {"os": "linux"}}
    user = {"id": u1, "email": "u1@example.test", "name": "User One"}
    r = cluster.api("POST", f"/api/v1/users/{u1}/events", edge=len(cluster.edges) - 1,
                    json={"eventName": "user:signin", "session": session, "user": user})
    assert r.status_code == 202, f"POST user event: HTTP {r.status_code} {r.text[:200]}"
    stripped = {k: v for k, v in session.items() if k != "token"}
    for x in (u1a, u1b):
        args = x.wait_for("user:signin")
        assert len(args) == 3 and args[0] == "user:signin", \
            f"{x.name}: user:signin args {short(args)}; expected (eventName, session, user)"
        assert "token" not in (args[1] or {}), f"{x.name}: the session token was delivered: {short(args[1])}"
        assert args[1] == stripped and args[2] == user, f"{x.name}: user:signin args {short(args)}"
    for x in (u2a, anon):
        x.assert_not_received("user:signin", what="for another user's event")

    r = cluster.api("POST", f"/api/v1/users/{u2}/events", json={"eventName": "user:signout", "session": None})
    assert r.status_code == 202, f"POST user:signout: HTTP {r.status_code} {r.text[:200]}"
    u2a.wait_for("user:signout", lambda *a: a[0] == "user:signout")
    u1a.assert_not_received("user:signout", what="for another user's event")


def test_api_user_event_names_are_checked(cluster):
    r = cluster.api("POST", "/api/v1/users/u1/events", json={"eventName": "not-a-user-event"})
    assert_api_error(r, 400, "user event with an unknown eventName")
    r = cluster.api("POST", "/api/v1/users/u1/events", json={"session": {}})
    assert_api_error(r, 400, "user event without eventName")


def test_api_rejects_bad_requests(cluster):
    ch = unique()
    assert_api_error(cluster.api("POST", f"/api/v1/channels/{ch}/messages", json={"message": 1}), 400,
                     "message without eventName")
    assert_api_error(cluster.api("POST", f"/api/v1/channels/{ch}/messages", data="{not json",
                                 headers={"Content-Type": "application/json"}), 400, "message body not JSON")
    assert_api_error(cluster.api("POST", "/api/v1/broadcast", json=["eventName", "x"]), 400,
                     "broadcast body not an object")
    assert_api_error(cluster.api("POST", f"/api/v1/channels/{'x' * 257}/messages",
                                 json={"eventName": "e", "message": 1}), 400, "257-byte channel name")


def test_config_get_returns_the_seeded_settings(cluster):
    for edge in range(len(cluster.edges)):
        r = cluster.api("GET", "/api/v1/config", edge=edge)
        assert r.status_code == 200, f"GET config: HTTP {r.status_code} {r.text[:200]}"
        cfg = r.json()
        got = {k: cfg.get(k) for k in DEFAULT_SETTINGS}
        assert got == DEFAULT_SETTINGS, f"GET config via edge {edge}: {short(cfg)}"


def try_connect(cluster, edge, auth=None):
    c = cluster.client(auth=auth, edge=edge, connect=False, name="probe")
    try:
        c.connect(timeout=2)
    except AssertionError:
        data = c.connect_error_data
        code = data.get("data", {}).get("code") if isinstance(data, dict) else None
        return code or f"failed without CONNECT_ERROR data ({data!r})"
    c.disconnect()
    return "ok"


def poll_connect(cluster, edge, want, auth=None, within=1.0):
    """Retry connecting until the outcome is `want`; the last attempt starts before `within` seconds."""
    t0 = time.monotonic()
    seen = []
    while True:
        started = time.monotonic() - t0
        got = try_connect(cluster, edge, auth)
        seen.append(got)
        if got == want:
            return True, started
        if time.monotonic() - t0 > within:
            return False, seen[-5:]
        time.sleep(0.05)


def test_config_put_takes_effect_on_every_edge_within_a_second(make_cluster):
    c = make_cluster(reuse=False)
    other = len(c.edges) - 1
    r = c.api("GET", "/api/v1/config", edge=0)
    assert r.status_code == 200, f"GET config: {r.status_code} {r.text[:200]}"
    cfg = r.json()
    assert cfg.get("enabled") is True

    r = c.api("PUT", "/api/v1/config", edge=0, json=dict(cfg, enabled=False))
    assert r.status_code == 200, f"PUT config: HTTP {r.status_code} {r.text[:200]}"
    assert r.json().get("enabled") is False, f"PUT config did not answer the settings in force: {r.text[:300]}"
    ok, info = poll_connect(c, other, "realtime_not_allowed")
    assert ok, f"new connections on edge {other} still accepted 1s after enabled=false: {info}"
    r = c.api("GET", "/api/v1/config", edge=other)
    assert r.json().get("enabled") is False, f"GET config on edge {other} after PUT: {r.text[:300]}"

    r = c.api("PUT", "/api/v1/config", edge=other, json=dict(cfg, enabled=True, apiKeyRequired=True,
                                                             apiKeys=[{"key": "fresh-key", "name": "n"}]))
    assert r.status_code == 200, f"PUT config: HTTP {r.status_code} {r.text[:200]}"
    ok, info = poll_connect(c, 0, "missing_api_key")
    assert ok, f"apiKeyRequired not applied on edge 0 within 1s: {info}"
    assert try_connect(c, 0, {"apiKey": "fresh-key"}) == "ok"
    assert try_connect(c, 0, {"apiKey": "other"}) == "invalid_api_key"


INVALID_SETTINGS = [
    (dict(DEFAULT_SETTINGS, enabled="yes"), "enabled not a boolean"),
    (dict(DEFAULT_SETTINGS, apiKeys="k1"), "apiKeys not a list"),
    (dict(DEFAULT_SETTINGS, apiKeys=[{"name": "no key"}]), "apiKey without key"),
    (dict(DEFAULT_SETTINGS, apiKeys=[{"key": "k", "expiresAt": "not a date"}]), "expiresAt not ISO8601"),
    (dict(DEFAULT_SETTINGS, rateLimits=[{"name": "r", "rate": -1, "duration": 10, "errorMessage": "m"}]),
     "negative rate"),
    (dict(DEFAULT_SETTINGS, rateLimits=[{"name": "r", "rate": 5, "duration": 0, "errorMessage": "m"}]),
     "zero duration"),
    ([1, 2, 3], "not an object"),
]


@pytest.mark.parametrize("body,why", INVALID_SETTINGS, ids=[w for _, w in INVALID_SETTINGS])
def test_config_put_rejects_invalid_settings(make_cluster, body, why):
    c = make_cluster(reuse=False)
    r = c.api("PUT", "/api/v1/config", json=body)
    assert_api_error(r, 400, f"PUT config with {why}")
    r = c.api("GET", "/api/v1/config", edge=len(c.edges) - 1)
    got = {k: r.json().get(k) for k in DEFAULT_SETTINGS}
    assert got == DEFAULT_SETTINGS, f"an invalid PUT changed the settings: {short(r.json())}"
    c.client()  # still accepting connections


def test_config_put_rejects_non_json(make_cluster):
    c = make_cluster(reuse=False)
    r = c.api("PUT", "/api/v1/config", data="{nope", headers={"Content-Type": "application/json"})
    assert_api_error(r, 400, "PUT config with a body that is not JSON")


def _find_numbers(obj, needle: str, out: list) -> list:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if needle in k.lower() and isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append((k, v))
            _find_numbers(v, needle, out)
    elif isinstance(obj, list):
        for v in obj:
            _find_numbers(v, needle, out)
    return out


def test_health_and_stats(cluster):
    clients = cluster.clients_on_distinct_edges(len(cluster.edges))
    for x in clients:
        x.join(unique())
    for edge in range(len(cluster.edges)):
        r = cluster.api("GET", "/health", edge=edge, key=None)
        assert r.status_code == 200, f"GET /health: {r.status_code}"
        r.json()  # JSON
        r = cluster.api("GET", "/stats", edge=edge, key=None)
        assert r.status_code == 200, f"GET /stats: {r.status_code} {r.text[:200]}"
        stats = r.json()
        assert isinstance(stats, dict) and stats, f"/stats is not a JSON object: {r.text[:200]}"
        conns = _find_numbers(stats, "connection", [])
        assert any(v >= 1 for _, v in conns), \
            f"/stats on edge {edge} shows no connection count >= 1 with a client connected: {short(stats)}"


def test_metrics_endpoint(cluster):
    a = cluster.client()
    a.join(unique())
    for edge in range(len(cluster.edges)):
        r = cluster.api("GET", "/metrics", edge=edge, key=None)
        assert r.status_code == 200, f"GET /metrics on edge {edge}: HTTP {r.status_code}"
        assert "# TYPE" in r.text, f"/metrics is not Prometheus text: {r.text[:200]!r}"


def test_signout_ends_only_the_named_session_after_delivering_the_event(make_cluster):
    """With signoutEndsSessions, the named session's connections get user:signout and then a
    server disconnect (no reconnect); the user's other sessions get the event and stay."""
    c = make_cluster(settings={**DEFAULT_SETTINGS, "signoutEndsSessions": True})
    user = unique("user")
    ended = c.client(auth={"session": make_jwt(user, sid="s-ended")}, edge=0)
    kept = c.client(auth={"session": make_jwt(user, sid="s-kept")}, edge=1)
    r = c.api("POST", f"/api/v1/users/{user}/events", edge=len(c.edges) - 1,
              json={"eventName": "user:signout", "session": {"sid": "s-ended"}})
    assert r.status_code == 202, f"POST user:signout: HTTP {r.status_code} {r.text[:200]}"
    for x in (ended, kept):
        x.wait_for("user:signout", lambda *a: a[0] == "user:signout")
    assert ended.disconnected.wait(5), "the signed-out session's connection is still open"
    time.sleep(1.0)
    assert not ended.sio.connected, "the signed-out session reconnected"
    assert kept.connected, f"the user's other session was disconnected ({kept.disconnect_reason})"
    kept.ok("join", {"channel": unique()})
