"""PROTOCOL.md §2: channel messages and broadcasts, across edges, with echo rules."""

from __future__ import annotations

from rt import unique


def msg(ch, message):
    return lambda p: p == {"channel": ch, "message": message}


def test_channel_message_reaches_members_on_every_edge_and_no_one_else(cluster):
    a, b, c, d = cluster.clients_on_distinct_edges(4)
    ch = unique()
    for x in (a, b, c):
        x.join(ch)
    payload = {"text": "hi", "n": 1}
    a.ok("message", {"channel": ch, "eventName": "chat", "message": payload})
    for x in (a, b, c):  # a: echo defaults to true
        x.wait_for("chat", msg(ch, payload))
    d.assert_not_received("chat", what="as a non-member")
    for x in (a, b, c):
        assert len(x.received("chat")) == 1, f"{x.name} got the message more than once: {x.received('chat')}"


def test_sender_need_not_be_a_member(cluster):
    a, b, outsider = cluster.clients_on_distinct_edges(3)
    ch = unique()
    a.join(ch)
    b.join(ch)
    outsider.ok("message", {"channel": ch, "eventName": "from-outside", "message": "knock"})
    a.wait_for("from-outside", msg(ch, "knock"))
    b.wait_for("from-outside", msg(ch, "knock"))


def test_message_echo_rules(cluster):
    a = cluster.client(edge=0)
    b = cluster.client(edge=1)
    quiet = cluster.client(edge=2, auth={"echoMessages": False})
    ch = unique()
    for x in (a, b, quiet):
        x.join(ch)

    a.ok("message", {"channel": ch, "eventName": "m1", "message": 1})
    a.wait_for("m1", msg(ch, 1))

    a.ok("message", {"channel": ch, "eventName": "m2", "message": 2, "echo": False})
    b.wait_for("m2", msg(ch, 2))
    a.assert_not_received("m2", what="with echo false in the payload")

    quiet.ok("message", {"channel": ch, "eventName": "m3", "message": 3})
    b.wait_for("m3", msg(ch, 3))
    quiet.assert_not_received("m3", what="with handshake echoMessages false")

    quiet.ok("message", {"channel": ch, "eventName": "m4", "message": 4, "echo": True})
    quiet.wait_for("m4", msg(ch, 4))  # payload echo overrides the handshake


def test_message_payload_types_survive_the_trip(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    a.join(ch)
    b.join(ch)
    values = ["plain text", 42, 3.5, True, [1, "two", {"three": 3}],
              {"nested": {"unicode": "héllo wörld ✓ 漢字", "list": [1, 2, 3], "null": None}}]
    for i, v in enumerate(values):
        a.ok("message", {"channel": ch, "eventName": f"t{i}", "message": v})
    for i, v in enumerate(values):
        b.wait_for(f"t{i}", msg(ch, v))


def test_messages_from_one_sender_arrive_in_order(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    b.join(ch)
    for i in range(50):
        a.emit("message", {"channel": ch, "eventName": "seq", "message": i})
    b.wait_for("seq", count=50)
    got = [args[0]["message"] for args in b.received("seq")]
    assert got == list(range(50)), f"out of order or lost: {got}"


def test_broadcast_reaches_every_client_with_null_channel(cluster):
    clients = cluster.clients_on_distinct_edges(max(3, len(cluster.edges)))
    a = clients[0]
    clients[1].join(unique())  # membership does not matter for a broadcast
    a.ok("message", {"eventName": "news", "message": {"v": 1}})
    for x in clients:  # a too: echo defaults to true
        x.wait_for("news", lambda p: p == {"channel": None, "message": {"v": 1}})
    a.ok("message", {"eventName": "news2", "message": "quiet", "echo": False})
    for x in clients[1:]:
        x.wait_for("news2", lambda p: p == {"channel": None, "message": "quiet"})
    a.assert_not_received("news2", what="for its own broadcast with echo false")


def test_broadcast_with_handshake_echo_false(cluster):
    a = cluster.client(edge=0, auth={"echoMessages": False})
    b = cluster.client(edge=1)
    a.ok("message", {"eventName": "bc", "message": 1})
    b.wait_for("bc", lambda p: p == {"channel": None, "message": 1})
    a.assert_not_received("bc", what="with handshake echoMessages false")
