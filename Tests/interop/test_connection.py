"""PROTOCOL.md §2: transport, paths, Engine.IO handshake, heartbeats, malformed input."""

from __future__ import annotations

import json
import time

import pytest
import requests

from rt import next_non_ping, open_packet, raw_call, raw_connect, recv_frame, short, sio_connect, unique


# --------------------------------------------------------------------------- tests


def test_connect_on_realtime_path(cluster):
    clients = [cluster.client(path="/realtime") for _ in range(max(2, len(cluster.edges)))]
    sids = [c.sid for c in clients]
    assert all(isinstance(s, str) and s for s in sids), f"bad socket ids {sids}"
    assert len(set(sids)) == len(sids), f"socket ids are not unique: {sids}"
    for c in clients:
        assert c.members(unique()) == []


def test_connect_on_socketio_path_behaves_the_same(cluster):
    a = cluster.client(path="/socket.io", edge=0)
    b = cluster.client(path="/realtime", edge=1)
    ch = unique()
    a.join(ch)
    b.join(ch)
    a.wait_for("channel:join", lambda p: p == {"channel": ch, "message": {"id": b.sid, "data": None}})
    b.ok("message", {"channel": ch, "eventName": "hello", "message": {"from": "b"}})
    a.wait_for("hello", lambda p: p == {"channel": ch, "message": {"from": "b"}})
    a.ok("message", {"channel": ch, "eventName": "hello", "message": {"from": "a"}})
    b.wait_for("hello", lambda p: p == {"channel": ch, "message": {"from": "a"}})


def test_open_packet_advertises_ping_settings_and_max_payload(make_cluster):
    c = make_cluster(ping_interval=700, ping_timeout=900)
    for i in range(len(c.edges)):
        ws = raw_connect(c, edge=i)
        try:
            o = open_packet(ws)
        finally:
            ws.close()
        assert isinstance(o.get("sid"), str) and o["sid"], f"open packet without sid: {o}"
        assert o.get("pingInterval") == 700, f"pingInterval {o.get('pingInterval')!r} != --ping-interval 700: {o}"
        assert o.get("pingTimeout") == 900, f"pingTimeout {o.get('pingTimeout')!r} != --ping-timeout 900: {o}"
        mp = o.get("maxPayload")
        assert isinstance(mp, int) and mp > 64 * 1024, \
            f"maxPayload {mp!r} must be an int large enough for a 64 KiB message plus its envelope: {o}"


def test_open_packet_on_socketio_path(cluster):
    ws = raw_connect(cluster, path="/socket.io/")
    try:
        o = open_packet(ws)
        assert {"sid", "pingInterval", "pingTimeout", "maxPayload"} <= set(o), f"open packet {o}"
        answer = sio_connect(ws)
        assert answer.startswith("40") and isinstance(json.loads(answer[2:]).get("sid"), str), \
            f"CONNECT answer {answer!r}"
    finally:
        ws.close()


def test_clients_that_answer_pings_stay_connected(make_cluster):
    c = make_cluster(ping_interval=250, ping_timeout=250)
    a = c.client(edge=0)
    b = c.client(edge=1)
    ch = unique()
    a.join(ch)
    # The python client drops the connection itself when it hears nothing for
    # pingInterval + pingTimeout, and the server drops it when pongs stop: after
    # several intervals both must still be up.
    time.sleep(1.5)
    assert a.connected and b.connected, "a client answering pings was disconnected"
    assert set(m["id"] for m in b.members(ch)) == {a.sid}


def test_server_pings_every_ping_interval(make_cluster):
    # Engine.IO 4: the server sends a ping every pingInterval; a client that
    # hears none for pingInterval + pingTimeout treats the server as gone.
    c = make_cluster(ping_interval=400, ping_timeout=1000)
    ws = raw_connect(c, edge=0)
    try:
        open_packet(ws)
        assert sio_connect(ws).startswith("40")
        t0 = time.monotonic()
        pings = []
        while time.monotonic() - t0 < 2.2:
            f = recv_frame(ws, 0.05)
            if f == "2":
                pings.append(time.monotonic() - t0)
                ws.send("3")
            elif f == "":
                raise AssertionError(f"connection closed although every ping was answered (pings at {pings})")
    finally:
        ws.close()
    gaps = [round(b - a, 3) for a, b in zip([0.0] + pings, pings)]
    assert len(pings) >= 4, f"with pingInterval 400 ms expected >= 4 pings in 2.2 s, got them at {pings}"
    assert max(gaps) <= 0.65, f"gaps between pings {gaps} s exceed pingInterval (0.4 s) + slack"


def test_server_pings_and_closes_connection_that_misses_pongs(make_cluster):
    c = make_cluster(ping_interval=300, ping_timeout=300)
    watcher = c.client(edge=1)
    ch = unique()
    watcher.join(ch)
    ws = raw_connect(c, edge=0)
    try:
        open_packet(ws)
        answer = sio_connect(ws)
        assert answer.startswith("40"), f"CONNECT answer {answer!r}"
        raw_sid = json.loads(answer[2:])["sid"]
        ack = raw_call(ws, 7, "join", {"channel": ch})
        assert ack == [{"ok": True}], f"raw join ack {ack!r}"
        watcher.wait_for("channel:join", lambda p: p["message"]["id"] == raw_sid)
        # Now stop answering pings.
        pings = 0
        closed = False
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            f = recv_frame(ws, 0.2)
            if f == "2":
                pings += 1
            elif f == "":
                closed = True
                break
        assert pings >= 1, "the server sent no Engine.IO ping"
        assert closed, "the server kept a connection that stopped answering pings (3s with 300+300 ms)"
    finally:
        ws.close()
    watcher.wait_for("channel:leave", lambda p: p == {"channel": ch, "message": {"id": raw_sid, "data": None}})
    assert raw_sid not in {m["id"] for m in watcher.members(ch)}


@pytest.mark.parametrize("path", ["/realtime/", "/socket.io/"])
def test_long_polling_gets_400_json(cluster, path):
    url = cluster.url(0) + path
    s = requests.Session()
    s.trust_env = False
    for method, kw in (("GET", {}), ("POST", {"data": "40"})):
        r = s.request(method, url, params={"EIO": "4", "transport": "polling"}, timeout=3, **kw)
        assert r.status_code == 400, f"{method} {path} polling: HTTP {r.status_code} {r.text[:200]!r}"
        try:
            body = r.json()
        except ValueError:
            raise AssertionError(f"{method} {path} polling: body is not JSON: {r.text[:200]!r}") from None
        assert isinstance(body, dict) and body, f"{method} {path} polling: unhelpful body {body!r}"


MALFORMED = [
    ("empty frame", ""),
    ("engine.io message without socket.io packet", "4"),
    ("unknown engine.io type", "9hello"),
    ("unknown socket.io type", "49"),
    ("event without data", "42"),
    ("truncated json", '42["join"'),
    ("json object, not array", '42{"channel":"x"}'),
    ("event name not a string", "42[123,{}]"),
    ("empty event array", "42[]"),
    ("json string", '42"join"'),
    ("huge ack id", '4299999999999999999999999999["join",{"channel":"x"}]'),
    ("binary frame", b"\x00\x01\x02garbage"),
]


@pytest.mark.parametrize("label,frame", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_gets_error_or_close_and_harms_no_one(cluster, label, frame):
    a = cluster.client(edge=0)
    b = cluster.client(edge=1)
    ch = unique()
    a.join(ch)
    b.join(ch)
    ws = raw_connect(cluster, edge=0)
    try:
        open_packet(ws)
        answer = sio_connect(ws)
        assert answer.startswith("40"), f"CONNECT answer {answer!r}"
        if isinstance(frame, bytes):
            ws.send_binary(frame)
        else:
            ws.send(frame)
        reply = next_non_ping(ws, 1.5)
    finally:
        ws.close()
    assert reply is not None, f"malformed input ({label}: {frame!r}) got neither an error nor a close within 1.5s"
    ok = reply == "" or reply.startswith("41") or reply.startswith("44") or reply.startswith("1") \
        or reply.startswith('42["realtime:error"')
    assert ok, f"malformed input ({label}) answered with {reply!r}; expected an error or a close"
    # Other connections are unaffected.
    a.ok("message", {"channel": ch, "eventName": "still", "message": label})
    b.wait_for("still", lambda p: p == {"channel": ch, "message": label})
    assert cluster.api("GET", "/health", edge=0, key=None).status_code == 200


def test_event_before_connect_gets_error_or_close(cluster):
    ws = raw_connect(cluster, edge=0)
    try:
        open_packet(ws)
        ws.send("42" + json.dumps(["join", {"channel": unique()}]))
        reply = next_non_ping(ws, 1.5)
    finally:
        ws.close()
    assert reply is not None, "an event sent before the Socket.IO CONNECT got neither an error nor a close"
    assert not reply.startswith("43"), f"an event before CONNECT was acknowledged: {reply!r}"
    assert not reply.startswith("40"), f"an event before CONNECT connected the socket: {short(reply)}"
