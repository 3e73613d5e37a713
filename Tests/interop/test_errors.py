"""PROTOCOL.md §2: error acks, realtime:error, limits and invalid payloads. Errors never disconnect."""

from __future__ import annotations

from rt import assert_error_ack, is_error, members_set, short, unique

BAD_CHANNELS = [
    ("", "empty"),
    ("x" * 257, "257 ASCII bytes"),
    ("é" * 129, "129 chars = 258 UTF-8 bytes"),
    ("a\nb", "newline"),
    ("a\x00b", "NUL"),
    ("tab\there", "tab"),
    ("del\x7f", "DEL"),
]


def channel_events(ch):
    return [
        ("join", {"channel": ch}),
        ("leave", {"channel": ch}),
        ("message", {"channel": ch, "eventName": "e", "message": 1}),
        ("members", {"channel": ch}),
    ]


def test_invalid_channel_names_are_rejected(cluster):
    a = cluster.client()
    failures = []
    for ch, why in BAD_CHANNELS:
        for event, payload in channel_events(ch):
            ack = a.call(event, payload)
            if not is_error(ack, "invalid_channel"):
                failures.append(f"{event} with channel {why}: ack {short(ack, 200)}")
    assert not failures, "expected {error: {code: 'invalid_channel', message}}:\n" + "\n".join(failures)
    assert a.connected, "an invalid channel disconnected the client"
    assert a.members(unique()) == []


def test_channel_name_limits_are_inclusive(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    for ch in ["x" * 256, "é" * 128, "频道/room:1 with spaces", "#!$%&'()*+,-./:;<=>?@[]^_`{|}~"]:
        a.join(ch)
        b.join(ch)
        assert members_set(a.members(ch)) == {a.sid: None, b.sid: None}, f"members of {ch!r}"
        a.ok("message", {"channel": ch, "eventName": "ok", "message": len(ch)})
        b.wait_for("ok", lambda p, ch=ch: p == {"channel": ch, "message": len(ch)})
        a.leave(ch)
        b.leave(ch)


def test_error_without_ack_is_reported_as_realtime_error(cluster):
    a = cluster.client()
    a.emit("join", {"channel": ""})
    args = a.wait_for("realtime:error", lambda p: p.get("event") == "join")
    assert len(args) == 1, f"realtime:error args {args!r}"
    e = args[0]
    assert e.get("code") == "invalid_channel" and isinstance(e.get("message"), str) and e["message"], \
        f"realtime:error payload {e!r}"
    assert set(e) == {"code", "message", "event"}, f"realtime:error payload {e!r} is not {{code, message, event}}"

    a.emit("no-such-event", {"x": 1})
    e = a.wait_for("realtime:error", lambda p: p.get("event") == "no-such-event")[0]
    assert e.get("code") == "invalid_payload", f"unknown event without ack: {e!r}"

    a.emit("message", {"channel": unique(), "eventName": "big", "message": "x" * (70 * 1024)})
    e = a.wait_for("realtime:error", lambda p: p.get("event") == "message")[0]
    assert e.get("code") == "payload_too_large", f"oversized message without ack: {e!r}"
    assert a.connected


def test_error_with_ack_sends_no_realtime_error(cluster):
    a = cluster.client()
    assert_error_ack(a.call("join", {"channel": ""}), "invalid_channel", "join ''")
    a.assert_not_received("realtime:error", what="when the failing event had an ack")


def test_message_payload_too_large(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    a.join(ch)
    b.join(ch)
    big = "x" * (70 * 1024)
    assert_error_ack(a.call("message", {"channel": ch, "eventName": "big", "message": big}),
                     "payload_too_large", "70 KiB channel message")
    assert_error_ack(a.call("message", {"eventName": "big", "message": big}),
                     "payload_too_large", "70 KiB broadcast")
    assert_error_ack(a.call("message", {"channel": ch, "eventName": "big", "message": {"blob": big}}),
                     "payload_too_large", "70 KiB object message")
    b.assert_not_received("big", what="after the sender got payload_too_large")
    assert a.connected and b.connected, "an oversized message disconnected a client"
    fits = "y" * (60 * 1024)
    a.ok("message", {"channel": ch, "eventName": "fits", "message": fits})
    b.wait_for("fits", lambda p: p == {"channel": ch, "message": fits})


def test_metadata_too_large(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    a.join(ch)
    b.join(ch)
    assert_error_ack(a.call("update", {"data": {"blob": "x" * (17 * 1024)}}), "payload_too_large", "17 KiB metadata")
    b.assert_not_received("channel:update", what="after the update got payload_too_large")
    assert members_set(b.members(ch))[a.sid] is None, "rejected metadata was stored"
    ok = {"blob": "y" * (15 * 1024)}
    a.ok("update", {"data": ok})
    b.wait_for("channel:update", lambda p: p == {"channel": ch, "message": {"id": a.sid, "data": ok}})
    assert a.connected


def test_at_most_100_channels_per_connection(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    prefix = unique("lim")
    chans = [f"{prefix}-{i}" for i in range(100)]
    for ch in chans:
        a.join(ch, echo=False)
    extra = f"{prefix}-extra"
    assert_error_ack(a.call("join", {"channel": extra}), "not_allowed", "101st channel")
    assert a.members(extra) == [], "the refused join made the client a member"
    a.join(chans[0])  # already a member: a no-op, still ok at the limit
    a.leave(chans[1])
    a.join(extra)  # room again after a leave
    assert members_set(b.members(extra)) == {a.sid: None}
    assert a.connected


INVALID_PAYLOADS = ["text", 42, ["a", "b"], True, None]


def test_non_object_payloads_are_invalid(cluster):
    a = cluster.client()
    failures = []
    for event in ("join", "leave", "update", "message", "members"):
        for bad in INVALID_PAYLOADS:
            ack = a.call(event, bad)  # None sends the event with no payload at all
            if not is_error(ack, "invalid_payload"):
                failures.append(f"{event} with payload {bad!r}: ack {short(ack, 200)}")
    assert not failures, "expected {error: {code: 'invalid_payload', message}}:\n" + "\n".join(failures)
    assert a.connected


def test_invalid_message_payloads(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    b.join(ch)
    a.join(ch)
    b.wait_for("channel:join", lambda p: p["message"]["id"] == a.sid)
    b.clear()
    cases = [
        ({"channel": ch, "message": 1}, "missing eventName"),
        ({"message": 1}, "broadcast without eventName"),
        ({"channel": ch, "eventName": "", "message": 1}, "empty eventName"),
        ({"channel": ch, "eventName": 5, "message": 1}, "numeric eventName"),
    ] + [
        ({"channel": ch, "eventName": name, "message": {"channel": ch, "message": {"id": "spoof", "data": None}}},
         f"reserved eventName {name}")
        for name in ("channel:join", "channel:leave", "channel:update", "realtime:error", "user:signin")
    ] + [
        ({"eventName": "channel:join", "message": 1}, "reserved eventName in a broadcast"),
    ]
    failures = []
    for payload, why in cases:
        ack = a.call("message", payload)
        if not is_error(ack, "invalid_payload"):
            failures.append(f"{why}: ack {short(ack, 200)}")
    assert not failures, "expected invalid_payload:\n" + "\n".join(failures)
    for name in ("channel:join", "channel:leave", "channel:update", "realtime:error", "user:signin"):
        b.assert_not_received(name, what="spoofed by a client message", within=0.1)


def test_join_without_a_usable_channel(cluster):
    a = cluster.client()
    for payload in ({}, {"channel": None}, {"channel": 5}, {"channel": ["a"]}, {"echo": True}):
        ack = a.call("join", payload)
        assert is_error(ack, "invalid_payload") or is_error(ack, "invalid_channel"), \
            f"join {payload!r} acked {short(ack)}; expected invalid_payload or invalid_channel"


def test_unknown_event_is_invalid_payload(cluster):
    a = cluster.client()
    for event in ("subscribe", "channel:join", "JOIN", "publish"):
        assert_error_ack(a.call(event, {"channel": unique()}), "invalid_payload", f"unknown event {event!r}")
    assert a.connected


def test_errors_never_disconnect_and_other_clients_are_unaffected(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    b.join(ch)
    for _ in range(20):
        a.emit("join", {"channel": ""})
        a.emit("message", "garbage")
        a.emit("nonsense", 1)
    a.wait_for("realtime:error", count=60)
    a.ok("message", {"channel": ch, "eventName": "alive", "message": True})
    b.wait_for("alive", lambda p: p == {"channel": ch, "message": True})
    assert a.connected and b.connected
