"""SPEC §6: a graceful shutdown (SIGTERM) tells clients to reconnect and cleans up presence."""

from __future__ import annotations

import json
import subprocess
import time

from rt import members_set, open_packet, raw_call, raw_connect, recv_frame, sio_connect, unique, wait_until


def test_sigterm_sends_clients_away_and_cleans_up_presence(make_cluster):
    c = make_cluster(reuse=False)
    victim = len(c.edges) - 1
    ch = unique()
    watcher = None
    if len(c.edges) > 1:
        watcher = c.client(edge=0, name="watcher")
        watcher.join(ch)
    py_victim = c.client(edge=victim, name="victim")
    py_victim.join(ch)
    py_sid = py_victim.sid

    ws = raw_connect(c, edge=victim)
    try:
        open_packet(ws)
        answer = sio_connect(ws)
        raw_sid = json.loads(answer[2:])["sid"]
        assert raw_call(ws, 1, "join", {"channel": ch, "echo": False}) == [{"ok": True}]

        edge = c.edges[victim]
        edge.signal_stop()
        frames, closed = [], False
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            f = recv_frame(ws, 0.2)
            if f == "":
                closed = True
                break
            if f is not None:
                frames.append(f)
                if f == "2":
                    ws.send("3")
    finally:
        ws.close()
    assert closed, f"a client of an edge shutting down was not disconnected within 5s (frames: {frames})"
    # A Socket.IO DISCONNECT packet (41) means "io server disconnect": stock clients
    # then do NOT reconnect. A drain must end the transport so they reconnect elsewhere.
    assert not any(isinstance(f, str) and f.startswith("41") for f in frames), \
        f"the edge sent a Socket.IO DISCONNECT while draining, so clients will not reconnect: {frames}"
    assert py_victim.disconnected.wait(3), "the python client was not disconnected"
    try:
        rc = edge.proc.wait(10)
    except subprocess.TimeoutExpired:
        raise AssertionError("the edge did not exit within 10s of SIGTERM") from None
    assert rc == 0, f"the edge exited with {rc} after SIGTERM"

    if watcher is not None:
        for sid in (raw_sid, py_sid):
            watcher.wait_for("channel:leave", lambda p, sid=sid: p == {"channel": ch, "message": {"id": sid,
                                                                                                "data": None}})
        left = wait_until(lambda: set(members_set(watcher.members(ch))) == {watcher.sid}, timeout=1.0)
        assert left, f"a drained edge's clients are still listed: {watcher.members(ch)}"
