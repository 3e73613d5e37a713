"""One connection's events are pipelined (PROTOCOL.md §2 order guarantees): a client
that floods messages without waiting gets its acks in event order, failures
included, and members on every edge get the messages in order; a join acked before a
message is applied before it."""

from __future__ import annotations

import json
import time

from rt import open_packet, raw_connect, recv_frame, sio_connect, unique


def read_acks(ws, count: int, within: float = 20.0, others: list | None = None) -> list[tuple[int, object]]:
    acks = []
    deadline = time.monotonic() + within
    while len(acks) < count and time.monotonic() < deadline:
        f = recv_frame(ws, 1)
        if f is None:
            continue
        assert f != "", f"the connection closed after {len(acks)} acks"
        if f == "2":
            ws.send("3")
        elif f.startswith("43"):
            digits = ""
            for ch in f[2:]:
                if not ch.isdigit():
                    break
                digits += ch
            acks.append((int(digits), json.loads(f[2 + len(digits):])[0]))
        elif others is not None:
            others.append(f)
    return acks


def test_flooded_events_are_acked_in_order_and_delivered_in_order(cluster):
    ch = unique("pipe")
    members = [cluster.client(edge=i, name=f"member{i}") for i in range(len(cluster.edges))]
    for m in members:
        m.join(ch)
    ws = raw_connect(cluster, edge=0)
    try:
        open_packet(ws)
        assert sio_connect(ws).startswith("40{")
        frames, expected, sent = [], [], []
        for i in range(1, 601):
            if i % 9 == 0:
                frames.append(f'42{i}["message",{{"channel":"","eventName":"seq","message":{i}}}]')
                expected.append((i, "invalid_channel"))
            elif i % 100 == 50:
                frames.append(f'42{i}["join",{{"channel":"{ch}-extra-{i}"}}]')
                expected.append((i, None))
            else:
                frames.append(f'42{i}["message",{{"channel":"{ch}","eventName":"seq","message":{i}}}]')
                expected.append((i, None))
                sent.append(i)
        for f in frames:
            ws.send(f)
        acks = read_acks(ws, len(expected))
    finally:
        ws.close()
    assert [a[0] for a in acks] == [e[0] for e in expected], \
        f"acks out of order or missing: got {len(acks)}, first ids {[a[0] for a in acks][:20]}"
    for (ack_id, body), (_, code) in zip(acks, expected):
        if code is None:
            assert body == {"ok": True}, f"ack {ack_id}: {body}"
        else:
            assert body["error"]["code"] == code, f"ack {ack_id}: {body}"
    for m in members:
        m.wait_for("seq", timeout=10, count=len(sent))
        got = [args[0]["message"] for args in m.received("seq")]
        assert got == sent, f"{m.name}: delivery order differs at " \
            f"{next((k for k, (x, y) in enumerate(zip(got, sent)) if x != y), None)}"


def test_a_join_between_messages_is_applied_in_order(cluster):
    ch = unique("pipe-join")
    watcher = cluster.client(edge=len(cluster.edges) - 1, name="watcher")
    watcher.join(ch)
    ws = raw_connect(cluster, edge=0)
    try:
        open_packet(ws)
        answer = sio_connect(ws)
        sid = json.loads(answer[2:])["sid"]
        for i in range(1, 31):
            ws.send(f'42{i}["message",{{"channel":"{ch}","eventName":"before","message":{i}}}]')
        ws.send(f'4231["join",{{"channel":"{ch}"}}]')
        ws.send(f'4232["message",{{"channel":"{ch}","eventName":"after","message":32}}]')
        others: list = []
        acks = read_acks(ws, 32, others=others)
        assert [a[0] for a in acks] == list(range(1, 33)), acks[:5]
        # The joiner receives its own message sent after the join (echo on): applied after it.
        deadline = time.monotonic() + 5
        seen_after = any('"after"' in f for f in others if isinstance(f, str))
        while time.monotonic() < deadline and not seen_after:
            f = recv_frame(ws, 0.5)
            if f and f.startswith("42") and '"after"' in f:
                seen_after = True
        assert seen_after, "a message sent after a join did not reach the joiner"
    finally:
        ws.close()
    watcher.wait_for("after", timeout=5)
    names = [name for name, args in watcher.events
             if name in ("before", "after") or (name == "channel:join" and args[0]["message"]["id"] == sid)]
    joins = [i for i, (name, args) in enumerate(watcher.events) if name == "channel:join" and args[0]["message"]["id"] == sid]
    assert joins, "the watcher did not see the join"
    assert names == ["before"] * 30 + ["channel:join", "after"], names
