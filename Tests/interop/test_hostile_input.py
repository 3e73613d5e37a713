"""Hostile input (issue 9, PROTOCOL.md §2 "Malformed input of any kind gets an error or a
close, never a crash, and never affects other connections", and §3 security).

Raw WebSocket frames go through websocket-client; after each hostile case a
separate, well-behaved python-socketio pair must still exchange a message and
every edge must still be alive. Runs against both backends (memory, redis).
"""

from __future__ import annotations

import json
import uuid
import random
import time

import pytest
import websocket

from rt import (MASTER_KEY, assert_api_error, assert_error_ack, is_error, make_jwt, members_set, next_non_ping,
                open_packet, raw_call, raw_connect, recv_frame, short, sio_connect, unique)


def still_healthy(cluster, what: str) -> None:
    """A fresh well-behaved pair (on two edges when there are several) still works; no edge died."""
    dead = cluster.check_alive()
    assert not dead, f"after {what}: an edge died:\n" + "\n".join(dead)
    a = cluster.client(edge=0, name="healthy-a")
    b = cluster.client(edge=1, name="healthy-b")
    ch = unique("healthy")
    a.join(ch)
    b.join(ch)
    a.ok("message", {"channel": ch, "eventName": "ping-ok", "message": what})
    b.wait_for("ping-ok", lambda p: p == {"channel": ch, "message": what})
    for i in range(len(cluster.edges)):
        assert cluster.api("GET", "/health", edge=i, key=None).status_code == 200, f"after {what}: edge {i} unhealthy"
    a.disconnect()
    b.disconnect()


def connected_raw(cluster, edge: int = 0) -> websocket.WebSocket:
    ws = raw_connect(cluster, edge=edge)
    open_packet(ws)
    ans = sio_connect(ws)
    assert ans.startswith("40"), f"CONNECT answered {ans!r}"
    return ws


def error_or_close(reply) -> bool:
    return reply == "" or (isinstance(reply, str) and (
        reply.startswith("41") or reply.startswith("44") or reply.startswith("1")
        or reply.startswith('42["realtime:error"') or reply.startswith("43")))


# --------------------------------------------------------------------------- frames


def test_invalid_utf8_text_frame(cluster):
    ws = connected_raw(cluster)
    try:
        # The WebSocket layer must refuse a text frame that is not UTF-8 (RFC 6455 §8.1), or the
        # Socket.IO layer must answer with an error. Either way, no delivery and no crash.
        ws.send(b'42["join",{"channel":"bad-\xff\xfe-utf8"}]', opcode=websocket.ABNF.OPCODE_TEXT)
        reply = next_non_ping(ws, 2.0)
    finally:
        ws.close()
    assert reply is not None and error_or_close(reply), f"invalid UTF-8 answered {reply!r}"
    assert not (isinstance(reply, str) and reply.startswith("43") and '"ok":true' in reply), \
        f"invalid UTF-8 join was accepted: {reply!r}"
    still_healthy(cluster, "invalid UTF-8")


def test_binary_frames(cluster):
    ws = connected_raw(cluster)
    try:
        for frame in (b"\x04" + b"\x00" * 64, b'451-["message",{"_placeholder":true,"num":0}]', bytes(range(256))):
            try:
                ws.send_binary(frame)
            except (OSError, websocket.WebSocketException):
                break
        reply = next_non_ping(ws, 1.5)
    finally:
        ws.close()
    # Binary attachments are refused (ARCHITECTURE.md): an error or a close, never silence.
    assert reply is not None and error_or_close(reply), f"binary frames answered {reply!r}"
    assert not reply.startswith("43"), f"a binary event was acknowledged: {reply!r}"
    still_healthy(cluster, "binary frames")


@pytest.mark.parametrize("shape", ["unclosed", "closed-in-payload"])
def test_deeply_nested_json(cluster, shape):
    ch = unique("deep")
    if shape == "unclosed":
        frame = "42" + "[" * 10000
    else:
        frame = '421["message",{"channel":"%s","eventName":"deep","message":%s}]' % (ch, "[" * 10000 + "]" * 10000)
    ws = connected_raw(cluster)
    try:
        t0 = time.monotonic()
        ws.send(frame)
        reply = next_non_ping(ws, 3.0)
        took = time.monotonic() - t0
    finally:
        ws.close()
    assert reply is not None, f"deep JSON ({shape}) got no answer within 3 s (hang?)"
    assert error_or_close(reply), f"deep JSON ({shape}) answered {short(reply)}"
    print(f"\n[deep json {shape}] answered in {took * 1000:.0f} ms: {short(reply, 120)}")
    still_healthy(cluster, f"deep JSON {shape}")


def test_random_garbage_packets_seeded(cluster):
    rng = random.Random(20261129)
    alphabet = list('0123456789[]{}",:-/\\ nulltrefas') + ["\u00e9", "\u9891", "\U0001f600", "\x00", "\x1f"]
    prefixes = ["", "4", "42", "40", "41", "43", "44", "45", "46", "2", "3", "5", "6", "421", "42/", "40/x,"]
    sent = closed = 0
    ws = connected_raw(cluster)
    t_end = time.monotonic() + 30
    try:
        for i in range(400):
            if time.monotonic() > t_end:
                break
            body = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
            frame = rng.choice(prefixes) + body
            try:
                ws.send(frame)
                sent += 1
            except (OSError, websocket.WebSocketException):
                closed += 1
                ws.close()
                ws = connected_raw(cluster)
                continue
            # Drain without waiting long; a close means we reconnect for the next one.
            r = recv_frame(ws, 0.005)
            while r not in (None, ""):
                if r == "2":
                    ws.send("3")
                r = recv_frame(ws, 0.005)
            if r == "":
                closed += 1
                ws.close()
                ws = connected_raw(cluster)
    finally:
        ws.close()
    print(f"\n[garbage] {sent} frames sent, {closed} connection closes")
    assert sent >= 100
    still_healthy(cluster, "random garbage")


# --------------------------------------------------------------------------- protocol misuse


def test_connect_to_another_namespace_is_refused(cluster):
    ws = raw_connect(cluster)
    try:
        open_packet(ws)
        ws.send("40/admin,")
        reply = next_non_ping(ws, 2.0)
        assert isinstance(reply, str) and reply.startswith("44/admin,"), \
            f"CONNECT to /admin answered {reply!r}, expected 44/admin,{{...}}"
        data = json.loads(reply[len("44/admin,"):])
        assert isinstance(data, dict) and data.get("message"), f"CONNECT_ERROR data {data!r}"
        # An event in that namespace is not handled either.
        ws.send('42/admin,1["join",{"channel":"x"}]')
        r2 = next_non_ping(ws, 1.0)
        assert r2 is None or not (r2.startswith("43/admin,1") and "ok" in r2), f"/admin event acked: {r2!r}"
    finally:
        ws.close()
    still_healthy(cluster, "CONNECT /admin")


def test_events_before_connect_do_nothing(cluster):
    ch = unique("early")
    ws = raw_connect(cluster)
    try:
        open_packet(ws)
        ws.send("421" + json.dumps(["join", {"channel": ch}]))
        ws.send("422" + json.dumps(["message", {"eventName": "early-bc", "message": 1}]))
        reply = next_non_ping(ws, 1.5)
    finally:
        ws.close()
    assert reply is None or not reply.startswith("43"), f"an event before CONNECT was acknowledged: {reply!r}"
    c = cluster.client(name="observer")
    assert c.members(ch) == [], "a join sent before CONNECT made a member"
    still_healthy(cluster, "events before CONNECT")


@pytest.mark.parametrize("ack_id", ["99999999999", "18446744073709551616", "99999999999999999999999999999999"])
def test_ack_ids_out_of_range(cluster, ack_id):
    ch = unique("ackid")
    ws = connected_raw(cluster)
    try:
        ws.send(f"42{ack_id}" + json.dumps(["join", {"channel": ch}]))
        reply = next_non_ping(ws, 1.5)
    finally:
        ws.close()
    print(f"\n[ack id {ack_id}] answered {short(reply, 160)}")
    # Either the id round-trips exactly, or an error/close. Never a truncated or wrapped id.
    if isinstance(reply, str) and reply.startswith("43"):
        assert reply.startswith(f"43{ack_id}["), f"ack id {ack_id} came back altered: {reply!r}"
    else:
        assert reply is not None and error_or_close(reply), f"ack id {ack_id} answered {reply!r}"
    still_healthy(cluster, f"ack id {ack_id}")


# --------------------------------------------------------------------------- channel names


def test_glob_characters_in_channel_names_match_only_themselves(cluster):
    names = ["news*", "news?", "news[1]", "news[a]", "news1", "newsa", "news\\*"]
    clients = {}
    for i, n in enumerate(names):
        c = cluster.client(edge=i, name=f"member-of-{n}")
        c.join(n)
        clients[n] = c
    tag = unique("g")
    try:
        sender = cluster.client(edge=1, name="sender")
        for target in names:
            sender.ok("message", {"channel": target, "eventName": "glob", "message": f"{tag}:{target}"})
        for n, c in clients.items():
            c.wait_for("glob", lambda p, n=n: p == {"channel": n, "message": f"{tag}:{n}"})
        time.sleep(0.5)
        for n, c in clients.items():
            got = [a[0]["channel"] for a in c.received("glob") if str(a[0].get("message", "")).startswith(tag)]
            assert got == [n], f"member of {n!r} received messages for channels {got!r}"
        for n, c in clients.items():
            assert set(members_set(c.members(n))) == {c.sid}, f"members of {n!r}: {c.members(n)!r}"
    finally:
        for n, c in clients.items():
            c.leave(n)
    still_healthy(cluster, "glob channel names")


@pytest.mark.parametrize("name", ["a\x01b", "esc\x1b[31m", "nul\x00", "unit\x1fsep"])
def test_channel_name_with_control_character_is_invalid(cluster, name):
    c = cluster.client()
    for ev, payload in (("join", {"channel": name}),
                        ("message", {"channel": name, "eventName": "x", "message": 1}),
                        ("members", {"channel": name})):
        assert_error_ack(c.call(ev, payload), "invalid_channel", f"{ev} {name!r}")
    assert c.connected
    r = cluster.api("GET", "/api/v1/channels")
    assert r.status_code == 200 and name not in json.dumps(r.json()), f"channel {name!r} listed: {r.text[:300]}"


def test_channel_name_with_c1_control_character_is_invalid(cluster):
    """C1 controls (U+0080..U+009F) are control characters too (Unicode category Cc)."""
    c = cluster.client()
    for name in ("c1\u0085nel", "csi\u009b31m", "pad\u0080"):
        assert_error_ack(c.call("join", {"channel": name}), "invalid_channel", f"join {name!r}")


def test_channel_names_equal_to_internal_topics_do_not_cross_talk(cluster):
    """A channel named like a user topic, the broadcast topic or the control topic is just a channel."""
    uid = "x-" + unique("u")
    user = cluster.client(auth={"session": make_jwt(uid)}, name="user-x")
    plain = cluster.client(name="plain")
    member = cluster.client(name="member")
    chans = [f"rt:u:{uid}", "rt:bc", "rt:ctl", f"rt:ch:{uid}", f"u:{uid}"]
    for ch in chans:
        member.join(ch)
    sender = cluster.client(name="sender")
    for ch in chans:
        sender.ok("message", {"channel": ch, "eventName": "ct", "message": ch})
    for ch in chans:
        member.wait_for("ct", lambda p, ch=ch: p == {"channel": ch, "message": ch})
    # The user (not a member) and a plain bystander must not get channel messages.
    user.assert_not_received("ct", what="(channel named like its user topic)")
    plain.assert_not_received("ct", what="(channel named rt:bc / rt:ctl)")
    # A user event to uid reaches the user's connection only, not members of channel rt:u:<uid>.
    r = cluster.api("POST", f"/api/v1/users/{uid}/events", json={"eventName": "user:update", "user": {"id": uid}})
    assert r.status_code == 202, r.text
    user.wait_for("user:update")
    member.assert_not_received("user:update", what="(member of channel rt:u:<uid>)")
    # Settings are not changed by a message on a channel named rt:ctl.
    assert cluster.api("GET", "/api/v1/config").json().get("enabled") is True
    still_healthy(cluster, "internal-topic channel names")


# --------------------------------------------------------------------------- security


@pytest.mark.parametrize("event_name", ["channel:join", "channel:leave", "channel:update", "user:signin",
                                        "user:delete", "realtime:error", "connect", "disconnect",
                                        "connect_error"])
def test_client_cannot_send_reserved_event_names(cluster, event_name):
    a = cluster.client(edge=0)
    b = cluster.client(edge=1)
    ch = unique("reserved")
    a.join(ch)
    b.join(ch)
    ack = a.call("message", {"channel": ch, "eventName": event_name, "message": {"id": "forged", "data": None}})
    assert_error_ack(ack, "invalid_payload", f"message with eventName {event_name!r}")
    ack = a.call("message", {"eventName": event_name, "message": {"forged": True}})
    assert_error_ack(ack, "invalid_payload", f"broadcast with eventName {event_name!r}")
    b.assert_not_received(event_name, lambda *args: "forged" in json.dumps(args),
                          what="forged by a client")


@pytest.mark.parametrize("event", ["publish", "broadcast", "config", "settings", "users", "user:signin",
                                   "channel:join"])
def test_client_cannot_call_server_actions_over_the_socket(cluster, event):
    a = cluster.client()
    ack = a.call(event, {"channel": unique(), "eventName": "x", "message": 1, "enabled": False})
    assert_error_ack(ack, "invalid_payload", f"client event {event!r}")
    assert cluster.api("GET", "/api/v1/config").json().get("enabled") is True


def test_master_key_never_in_stats_metrics_or_logs(cluster):
    a = cluster.client()
    a.join(unique())
    # Touch paths that might log the key.
    cluster.api("GET", "/api/v1/channels")
    cluster.api("GET", "/api/v1/channels", key="wrong-key")
    for i in range(len(cluster.edges)):
        for path in ("/stats", "/metrics", "/health"):
            r = cluster.api("GET", path, edge=i, key=None)
            assert MASTER_KEY not in r.text, f"edge {i} {path} contains the master key"
        r = cluster.api("GET", "/api/v1/config", edge=i)
        assert MASTER_KEY not in r.text, f"edge {i} /api/v1/config shows the master key"
    for e in cluster.edges:
        # The harness writes the command line (with --master-key) as a "=====" header line.
        lines = [l for l in e.log.read_text(errors="replace").splitlines() if not l.startswith("===== ")]
        leaked = [l for l in lines if MASTER_KEY in l]
        assert not leaked, f"edge {e.index} log contains the master key: {leaked[:3]!r}"


def test_client_api_keys_never_in_stats_metrics_or_logs(make_cluster):
    good = "client-key-" + uuid.uuid4().hex
    wrong = "wrong-key-" + uuid.uuid4().hex
    c = make_cluster(reuse=False, settings={"enabled": True, "apiKeyRequired": True, "sessionRequired": False,
                                            "apiKeys": [{"key": good, "name": "app"}], "rateLimits": []})
    a = c.client(auth={"apiKey": good})
    a.join(unique())
    refused = c.client(auth={"apiKey": wrong}, connect=False)
    err = refused.connect_expect_error()
    assert ((err or {}).get("data") or {}).get("code") == "invalid_api_key", f"wrong key: {err!r}"
    for i in range(len(c.edges)):
        for path in ("/stats", "/metrics", "/health"):
            text = c.api("GET", path, edge=i, key=None).text
            assert good not in text and wrong not in text, f"edge {i} {path} shows a client API key"
    for e in c.edges:
        text = e.log.read_text(errors="replace")
        assert good not in text and wrong not in text, f"edge {e.index} log contains a client API key"


def test_server_api_refuses_without_master_key(make_cluster):
    client_key = "client-api-key-" + unique()
    c = make_cluster(settings={"enabled": True, "apiKeyRequired": True, "sessionRequired": False,
                               "apiKeys": [{"key": client_key}], "rateLimits": []})
    for method, path, body in (("GET", "/api/v1/config", None),
                               ("PUT", "/api/v1/config", {"enabled": False, "apiKeyRequired": False,
                                                          "sessionRequired": False, "apiKeys": [],
                                                          "rateLimits": []}),
                               ("POST", "/api/v1/broadcast", {"eventName": "x", "message": 1}),
                               ("GET", "/api/v1/channels", None)):
        for key, why in ((None, "no key"), (client_key, "a client API key"), ("Bearer", "junk")):
            r = c.api(method, path, key=key, json=body)
            assert_api_error(r, 401, f"{method} {path} with {why}")
    assert c.api("GET", "/api/v1/config").json()["enabled"] is True
    # The master key is not a client API key either.
    from rt import RTClient
    cl = RTClient(c.url(0), auth={"apiKey": MASTER_KEY}, name="master-as-client")
    data = cl.connect_expect_error()
    assert isinstance(data, dict) and data.get("data", {}).get("code") == "invalid_api_key", \
        f"master key used as client apiKey: CONNECT_ERROR {data!r}"


def test_expired_jwt_refused(make_cluster):
    c = make_cluster(settings={"enabled": True, "apiKeyRequired": False, "sessionRequired": True,
                               "apiKeys": [], "rateLimits": []})
    from rt import RTClient
    for exp_in in (-3600, -5):
        cl = RTClient(c.url(0), auth={"session": make_jwt("u-exp", exp_in=exp_in)}, name=f"expired{exp_in}")
        data = cl.connect_expect_error()
        assert isinstance(data, dict) and data.get("data", {}).get("code") == "invalid_session_token", \
            f"expired ({exp_in}s) JWT: CONNECT_ERROR {data!r}"
    ok = RTClient(c.url(0), auth={"session": make_jwt("u-ok")}, name="valid").connect()
    ok.disconnect()
