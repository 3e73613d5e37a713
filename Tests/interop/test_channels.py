"""PROTOCOL.md §2: join, leave, update, members, echo, disconnect clean-up (both backends)."""

from __future__ import annotations

from rt import members_set, unique, wait_until


def jevent(ch, sid, data=None):
    return {"channel": ch, "message": {"id": sid, "data": data}}


def is_(expected):
    return lambda p: p == expected


def about(sid):
    return lambda p: p["message"]["id"] == sid


# --------------------------------------------------------------------------- join


def test_join_notifies_existing_members_and_echoes_to_joiner(cluster):
    a, b, c = cluster.clients_on_distinct_edges(3)
    ch = unique()
    a.join(ch)
    a.wait_for("channel:join", is_(jevent(ch, a.sid)))  # echo defaults to true
    b.join(ch)
    a.wait_for("channel:join", is_(jevent(ch, b.sid)))
    b.wait_for("channel:join", is_(jevent(ch, b.sid)))
    c.assert_not_received("channel:join", what="for a channel it is not in")
    b.assert_not_received("channel:join", about(a.sid), what="for a member that joined before it")
    assert len(a.received("channel:join", about(a.sid))) == 1


def test_join_with_echo_false_is_not_echoed(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    a.join(ch)
    b.join(ch, echo=False)
    a.wait_for("channel:join", is_(jevent(ch, b.sid)))
    b.assert_not_received("channel:join", what="for its own join with echo false")


def test_handshake_echo_false_and_payload_echo_override(cluster):
    a = cluster.client(edge=0, auth={"echoMessages": False})
    b = cluster.client(edge=1)
    ch1, ch2 = unique(), unique()
    b.join(ch1)
    a.join(ch1)
    b.wait_for("channel:join", is_(jevent(ch1, a.sid)))
    a.assert_not_received("channel:join", what="with handshake echoMessages false")
    a.join(ch2, echo=True)
    a.wait_for("channel:join", is_(jevent(ch2, a.sid)))


def test_join_twice_is_a_noop(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    a.join(ch)
    b.join(ch)
    a.wait_for("channel:join", about(b.sid))
    b.join(ch)  # acked {ok: true}
    got = wait_until(lambda: len(a.received("channel:join", about(b.sid))) > 1, timeout=0.5)
    assert not got, f"a repeated join notified members again: {a.received('channel:join', about(b.sid))}"
    assert members_set(a.members(ch)) == {a.sid: None, b.sid: None}


# --------------------------------------------------------------------------- leave


def test_leave_notifies_remaining_members(cluster):
    a, b, c = cluster.clients_on_distinct_edges(3)
    ch = unique()
    for x in (a, b, c):
        x.join(ch)
    for x in (a, b):
        x.wait_for("channel:join", about(c.sid))
    c.leave(ch)
    for x in (a, b, c):  # c too: echo defaults to true
        x.wait_for("channel:leave", is_(jevent(ch, c.sid)))
    b.leave(ch, echo=False)
    a.wait_for("channel:leave", is_(jevent(ch, b.sid)))
    b.assert_not_received("channel:leave", about(b.sid), what="for its own leave with echo false")
    c.assert_not_received("channel:leave", about(b.sid), what="after it left the channel")
    assert members_set(a.members(ch)) == {a.sid: None}


def test_leave_not_joined_is_a_noop(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    a.join(ch)
    b.leave(ch)  # acked {ok: true}
    b.leave(unique())
    a.assert_not_received("channel:leave", what="for a client that was never a member")
    assert members_set(a.members(ch)) == {a.sid: None}


def test_handshake_echo_false_applies_to_leave(cluster):
    a = cluster.client(edge=0, auth={"echoMessages": False})
    b = cluster.client(edge=1)
    ch = unique()
    a.join(ch)
    b.join(ch)
    a.leave(ch)
    b.wait_for("channel:leave", is_(jevent(ch, a.sid)))
    a.assert_not_received("channel:leave", what="with handshake echoMessages false")


# --------------------------------------------------------------------------- update


def test_update_is_shared_by_all_channels_of_the_connection(cluster):
    a, b, c = cluster.clients_on_distinct_edges(3)
    ch1, ch2 = unique(), unique()
    a.join(ch1)
    a.join(ch2)
    b.join(ch1)
    c.join(ch2)
    meta = {"name": "alice", "n": 1, "tags": ["x", "y"]}
    a.ok("update", {"data": meta})
    b.wait_for("channel:update", is_(jevent(ch1, a.sid, meta)))
    c.wait_for("channel:update", is_(jevent(ch2, a.sid, meta)))
    a.wait_for("channel:update", is_(jevent(ch1, a.sid, meta)))  # echo
    a.wait_for("channel:update", is_(jevent(ch2, a.sid, meta)))
    b.assert_not_received("channel:update", lambda p: p["channel"] == ch2, what="for a channel it is not in")
    c.assert_not_received("channel:update", lambda p: p["channel"] == ch1, what="for a channel it is not in")
    for x in (a, b, c):  # one client per edge
        assert members_set(x.members(ch1)) == {a.sid: meta, b.sid: None}
        assert members_set(x.members(ch2)) == {a.sid: meta, c.sid: None}


def test_update_with_echo_false_and_replacement(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    a.join(ch)
    b.join(ch)
    a.ok("update", {"data": {"v": 1}, "echo": False})
    b.wait_for("channel:update", is_(jevent(ch, a.sid, {"v": 1})))
    a.assert_not_received("channel:update", what="for its own update with echo false")
    a.ok("update", {"data": {"v": 2}, "echo": False})
    b.wait_for("channel:update", is_(jevent(ch, a.sid, {"v": 2})))
    assert members_set(b.members(ch))[a.sid] == {"v": 2}, "the second update did not replace the metadata"


def test_join_and_leave_events_carry_metadata(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    meta = {"nick": "zed"}
    a.ok("update", {"data": meta})  # not in any channel yet: acked, nothing to notify
    b.join(ch)
    a.join(ch)
    b.wait_for("channel:join", is_(jevent(ch, a.sid, meta)))
    assert members_set(b.members(ch)) == {a.sid: meta, b.sid: None}
    a.leave(ch)
    b.wait_for("channel:leave", is_(jevent(ch, a.sid, meta)))


# --------------------------------------------------------------------------- members


def test_members_identical_on_every_edge_right_after_join_and_leave_acks(cluster):
    n = max(3, len(cluster.edges))
    clients = cluster.clients_on_distinct_edges(n)
    observers = clients[: len(cluster.edges)]  # one per edge
    ch = unique()
    expected = {}
    for c in clients:
        c.join(ch)
        expected[c.sid] = None
        for o in observers:  # no waiting: right after the ack
            got = members_set(o.members(ch))
            assert got == expected, f"members on edge {o.edge_index} after {c.name}'s join ack: {got} != {expected}"
    for c in clients[:2]:
        c.leave(ch)
        del expected[c.sid]
        for o in observers:
            got = members_set(o.members(ch))
            assert got == expected, f"members on edge {o.edge_index} after {c.name}'s leave ack: {got} != {expected}"


def test_members_ack_shape_and_empty_channel(cluster):
    a = cluster.client()
    ack = a.call("members", {"channel": unique()})
    assert ack == {"data": []}, f"members of an empty channel acked {ack!r}"
    ch = unique()
    a.join(ch)
    ack = a.call("members", {"channel": ch})
    assert ack == {"data": [{"id": a.sid, "data": None}]}, f"members ack {ack!r}"


def test_members_does_not_require_membership(cluster):
    a, b = cluster.clients_on_distinct_edges(2)
    ch = unique()
    a.join(ch)
    assert members_set(b.members(ch)) == {a.sid: None}


# --------------------------------------------------------------------------- disconnect


def test_disconnect_sends_leave_to_members_on_other_edges(cluster):
    a, b, c = cluster.clients_on_distinct_edges(3)
    ch1, ch2 = unique(), unique()
    for x in (a, b, c):
        x.join(ch1)
    a.join(ch2)
    b.join(ch2)
    b.ok("update", {"data": {"who": "b"}})
    a.wait_for("channel:update", about(b.sid))
    c.wait_for("channel:update", about(b.sid))
    b_sid = b.sid
    b.disconnect()
    a.wait_for("channel:leave", is_(jevent(ch1, b_sid, {"who": "b"})))
    a.wait_for("channel:leave", is_(jevent(ch2, b_sid, {"who": "b"})))
    c.wait_for("channel:leave", is_(jevent(ch1, b_sid, {"who": "b"})))
    for x in (a, c):
        gone = wait_until(lambda: b_sid not in members_set(x.members(ch1)), timeout=1.0)
        assert gone, f"{b_sid} still listed in members on edge {x.edge_index} after disconnecting"
    assert members_set(a.members(ch2)) == {a.sid: None}
