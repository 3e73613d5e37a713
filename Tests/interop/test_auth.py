"""PROTOCOL.md §2 handshake: enabled, API keys, sessions (HS256 JWT), CONNECT_ERROR shape."""

from __future__ import annotations

import json
import time

import pytest

from rt import MASTER_KEY, QUIET_WAIT, make_jwt, make_unsigned_jwt, next_non_ping, open_packet, raw_connect, short, unique

PAST = "2000-01-01T00:00:00Z"
FUTURE = "2999-12-31T23:59:59Z"

API_KEY_SETTINGS = {
    "enabled": True,
    "apiKeyRequired": True,
    "sessionRequired": False,
    "apiKeys": [
        {"key": "ak-valid-1", "name": "web"},
        {"key": "ak-old-2", "name": "old", "expiresAt": PAST},
        {"key": "ak-future-3", "expiresAt": FUTURE},
    ],
    "rateLimits": [],
}

SESSION_SETTINGS = {
    "enabled": True,
    "apiKeyRequired": False,
    "sessionRequired": True,
    "apiKeys": [],
    "rateLimits": [],
}

BOTH_SETTINGS = dict(API_KEY_SETTINGS, sessionRequired=True)
DISABLED_SETTINGS = dict(BOTH_SETTINGS, enabled=False)


def assert_connect_error(data, code: str, what: str = "") -> None:
    assert isinstance(data, dict), f"{what}: CONNECT_ERROR data {data!r} is not an object"
    assert isinstance(data.get("message"), str) and data["message"], \
        f"{what}: CONNECT_ERROR has no message title: {short(data)}"
    d = data.get("data")
    assert isinstance(d, dict), f"{what}: CONNECT_ERROR has no data object: {short(data)}"
    assert d.get("origin") == "client_error", f"{what}: data.origin {d.get('origin')!r}: {short(data)}"
    assert d.get("code") == code, f"{what}: code {d.get('code')!r}, expected {code!r}: {short(data)}"
    assert isinstance(d.get("message"), str) and d["message"], f"{what}: data.message missing: {short(data)}"


def expect_rejected(cluster, auth, code, edge=None, what=""):
    c = cluster.client(auth=auth, edge=edge, connect=False, name=f"rejected({what or code})")
    assert_connect_error(c.connect_expect_error(), code, what or f"auth={auth!r}")


def test_realtime_disabled(make_cluster):
    c = make_cluster(settings=DISABLED_SETTINGS)
    for i in range(len(c.edges)):
        # Checked first: even valid credentials are refused.
        expect_rejected(c, {"apiKey": "ak-valid-1", "session": make_jwt("u1")}, "realtime_not_allowed", edge=i)
        expect_rejected(c, None, "realtime_not_allowed", edge=i)


API_KEY_CASES = [
    (None, "missing_api_key", "no auth object"),
    ({}, "missing_api_key", "empty auth"),
    ({"echoMessages": True}, "missing_api_key", "auth without apiKey"),
    ({"apiKey": "nope"}, "invalid_api_key", "unknown key"),
    ({"apiKey": "AK-VALID-1"}, "invalid_api_key", "key with wrong case"),
    ({"apiKey": MASTER_KEY}, "invalid_api_key", "the master key"),
    ({"apiKey": "ak-old-2"}, "expired_api_key", "expired key"),
]


@pytest.mark.parametrize("auth,code,why", API_KEY_CASES, ids=[c[2] for c in API_KEY_CASES])
def test_api_key_rejections(make_cluster, auth, code, why):
    c = make_cluster(settings=API_KEY_SETTINGS)
    for i in range(len(c.edges)):
        expect_rejected(c, auth, code, edge=i, what=why)


def test_api_key_accepted(make_cluster):
    c = make_cluster(settings=API_KEY_SETTINGS)
    a = c.client(auth={"apiKey": "ak-valid-1"}, edge=0)
    b = c.client(auth={"apiKey": "ak-future-3"}, edge=1)
    ch = unique()
    a.join(ch)
    b.join(ch)
    assert {m["id"] for m in a.members(ch)} == {a.sid, b.sid}


SESSION_CASES = [
    (None, "missing_session_token", "no auth object"),
    ({}, "missing_session_token", "no session"),
    ({"session": make_jwt("u1", secret="some-other-secret-0123456789abcdef")}, "invalid_session_token",
     "bad signature"),
    ({"session": make_jwt("u1", exp_in=-120)}, "invalid_session_token", "expired"),
    ({"session": "not-a-jwt"}, "invalid_session_token", "garbage"),
    ({"session": make_unsigned_jwt("u1")}, "invalid_session_token", "alg none"),
]


@pytest.mark.parametrize("auth,code,why", SESSION_CASES, ids=[c[2] for c in SESSION_CASES])
def test_session_rejections(make_cluster, auth, code, why):
    c = make_cluster(settings=SESSION_SETTINGS)
    for i in range(len(c.edges)):
        expect_rejected(c, auth, code, edge=i, what=why)


def test_session_accepted(make_cluster):
    c = make_cluster(settings=SESSION_SETTINGS)
    a = c.client(auth={"session": make_jwt("user-1")}, edge=0)
    b = c.client(auth={"session": make_jwt("user-2")}, edge=1)
    ch = unique()
    a.join(ch)
    b.join(ch)
    a.wait_for("channel:join", lambda p: p["message"]["id"] == b.sid)
    # The token's sub is the user id: a user event for user-2 reaches b only.
    r = c.api("POST", "/api/v1/users/user-2/events", json={"eventName": "user:update", "user": {"id": "user-2"}})
    assert r.status_code == 202, f"POST user event: HTTP {r.status_code} {r.text[:200]}"
    b.wait_for("user:update", lambda *args: args[0] == "user:update")
    a.assert_not_received("user:update", what="for another user's event")


def test_checks_run_in_order(make_cluster):
    c = make_cluster(settings=BOTH_SETTINGS)
    good_session = make_jwt("user-9")
    expect_rejected(c, {}, "missing_api_key", what="nothing given: API key is checked before session")
    expect_rejected(c, {"apiKey": "nope", "session": "garbage"}, "invalid_api_key", what="bad key and bad session")
    expect_rejected(c, {"apiKey": "ak-valid-1"}, "missing_session_token", what="valid key, no session")
    expect_rejected(c, {"apiKey": "ak-valid-1", "session": make_jwt("u", exp_in=-60)}, "invalid_session_token",
                    what="valid key, expired session")
    c.client(auth={"apiKey": "ak-valid-1", "session": good_session})


def test_rejected_connection_accepts_no_further_packets(make_cluster):
    c = make_cluster(settings=API_KEY_SETTINGS)
    ch = unique()
    ws = raw_connect(c, edge=0)
    try:
        open_packet(ws)
        ws.send("40" + json.dumps({"apiKey": "wrong"}))
        reply = next_non_ping(ws, 3)
        assert isinstance(reply, str) and reply.startswith("44"), f"expected CONNECT_ERROR (44...), got {reply!r}"
        assert_connect_error(json.loads(reply[2:]), "invalid_api_key", "raw CONNECT_ERROR")
        try:
            ws.send("420" + json.dumps(["join", {"channel": ch}]))
            after = next_non_ping(ws, QUIET_WAIT)
        except Exception:
            after = ""  # closed: nothing accepted
        assert not (isinstance(after, str) and after.startswith("43")), \
            f"a join after CONNECT_ERROR was acknowledged: {after!r}"
    finally:
        ws.close()
    time.sleep(0.1)
    r = c.api("GET", f"/api/v1/channels/{ch}/members")
    assert r.status_code == 200 and r.json() == [], f"members after a refused join: {r.status_code} {r.text[:200]}"
    ok = c.client(auth={"apiKey": "ak-valid-1"}, edge=len(c.edges) - 1)
    assert ok.members(ch) == []
