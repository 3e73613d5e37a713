"""PROTOCOL.md §6: a graceful shutdown (SIGTERM) tells clients to reconnect and cleans up presence."""

from __future__ import annotations

import json
import socket
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


def upgrade_status(edge_base: str, path: str = "/realtime/?EIO=4&transport=websocket") -> tuple[int, dict]:
    """Sends a WebSocket upgrade request by hand; returns the HTTP status and JSON body."""
    host, port = edge_base.removeprefix("http://").split(":")
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=3) as s:
        s.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + content_length(data):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    # After a 101 the bytes are WebSocket frames (the Engine.IO open packet), not JSON.
    return status, (json.loads(body) if status != 101 and body.strip() else {})


def content_length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def test_draining_edge_answers_upgrades_with_503(make_cluster):
    """While it drains, an edge declines upgrades with a 503 (not a 400), which load
    balancers retry on another edge (HAProxy: retry-on 503), so a reconnect lands at once."""
    c = make_cluster(reuse=False)
    victim = c.edges[len(c.edges) - 1]
    holder = c.client(edge=len(c.edges) - 1, name="holder")  # a connection, so the drain delay applies
    assert holder.connected
    assert upgrade_status(victim.base)[0] == 101
    victim.signal_stop()
    status, body = wait_until(lambda: (lambda r: r if r[0] != 101 else None)(upgrade_status(victim.base)), timeout=2)
    assert status == 503, f"a draining edge answered an upgrade with {status} {body}"
    assert body["errors"][0]["code"] == "service_unavailable", body


def test_upgrade_on_another_path_is_404(cluster):
    status, body = upgrade_status(cluster.edge(0).base, "/elsewhere?EIO=4&transport=websocket")
    assert status == 404, f"an upgrade on an unknown path answered {status} {body}"
    assert body["errors"][0]["code"] == "not_found", body
