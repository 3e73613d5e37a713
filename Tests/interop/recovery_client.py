"""A raw Socket.IO client that speaks connection state recovery (socket.io 4.6+ protocol):
it keeps the `pid` of the CONNECT reply and the last offset (a message event's last
string argument), sends both in the next CONNECT's auth, and can be cut off abruptly
(TCP closed without a WebSocket close frame or a DISCONNECT packet).

python-socketio's client does not implement recovery, hence this one. A reader thread
records every event and answers pings.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any, Optional

import websocket

from rt import DEFAULT_WAIT, HOST, short


class RecoveringClient:
    def __init__(self, port: int, name: str = "raw"):
        self.port = port
        self.name = name
        self.ws: Optional[websocket.WebSocket] = None
        self.sid: Optional[str] = None
        self.pid: Optional[str] = None
        self.offset: Optional[str] = None
        self.recovered = False
        self.events: list[tuple[str, list]] = []
        self.acks: dict[int, list] = {}
        self.cond = threading.Condition()
        self.next_ack = 1
        self.reader: Optional[threading.Thread] = None
        self.frozen: list[websocket.WebSocket] = []

    # connection
    def connect(self, port: Optional[int] = None, auth: Optional[dict] = None, recover: bool = True) -> dict:
        """Opens a WebSocket and sends CONNECT (with {pid, offset} when known); returns the reply data."""
        if port is not None:
            self.port = port
        url = f"ws://{HOST}:{self.port}/realtime/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, timeout=3, suppress_origin=True)
        first = self.ws.recv()
        assert first.startswith("0"), f"{self.name}: no Engine.IO open packet: {first!r}"
        payload = dict(auth or {})
        if recover and self.pid is not None:
            payload["pid"] = self.pid
            if self.offset is not None:
                payload["offset"] = self.offset
        sent_pid = payload.get("pid")
        self.ws.send("40" + json.dumps(payload))
        while True:
            frame = self.ws.recv()
            if frame == "2":
                self.ws.send("3")
                continue
            break
        assert frame.startswith("40"), f"{self.name}: CONNECT answered {frame!r}"
        data = json.loads(frame[2:])
        self.sid = data["sid"]
        self.recovered = sent_pid is not None and data.get("pid") == sent_pid
        self.pid = data.get("pid")
        self.reader = threading.Thread(target=self._read, args=(self.ws,), daemon=True)
        self.reader.start()
        return data

    def _read(self, ws: websocket.WebSocket) -> None:
        ws.settimeout(None)
        while True:
            try:
                frame = ws.recv()
            except Exception:
                return
            if not frame or ws in self.frozen:
                return
            if frame == "2":
                try:
                    ws.send("3")
                except Exception:
                    return
                continue
            if frame.startswith("42"):
                args = json.loads(frame[2:])
                with self.cond:
                    if self.pid is not None and len(args) > 1 and isinstance(args[-1], str):
                        self.offset = args[-1]
                    self.events.append((args[0], args[1:]))
                    self.cond.notify_all()
            elif frame.startswith("43"):
                body = frame[2:]
                i = body.index("[")
                with self.cond:
                    self.acks[int(body[:i])] = json.loads(body[i:])
                    self.cond.notify_all()

    def cut(self) -> None:
        """Drops the TCP connection: no close frame, no DISCONNECT (a network loss)."""
        sock = self.ws.sock
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
        if self.reader:
            self.reader.join(2)

    def freeze(self) -> None:
        """Goes silent with the socket left open (a path that died without a FIN): the
        server notices only when its pings go unanswered."""
        self.frozen.append(self.ws)

    def close_frozen(self) -> None:
        for ws in self.frozen:
            try:
                ws.sock.close()
            except Exception:
                pass

    def disconnect(self) -> None:
        """A clean goodbye: Socket.IO DISCONNECT, then the WebSocket close."""
        try:
            self.ws.send("41")
            time.sleep(0.1)
            self.ws.close()
        except Exception:
            pass
        if self.reader:
            self.reader.join(2)

    # events
    def call(self, event: str, payload: Any, timeout: float = DEFAULT_WAIT) -> Any:
        with self.cond:
            ack = self.next_ack
            self.next_ack += 1
        self.ws.send(f"42{ack}" + json.dumps([event, payload]))
        with self.cond:
            if not self.cond.wait_for(lambda: ack in self.acks, timeout=timeout):
                raise AssertionError(f"{self.name}: no ack for {event} {short(payload)}")
            return self.acks[ack][0]

    def ok(self, event: str, payload: Any) -> None:
        result = self.call(event, payload)
        assert result == {"ok": True}, f"{self.name}: {event} acked {short(result)}"

    def wait_events(self, name: str, count: int, timeout: float = DEFAULT_WAIT) -> list[list]:
        with self.cond:
            self.cond.wait_for(lambda: len(self.of(name)) >= count, timeout=timeout)
            got = self.of(name)
        assert len(got) >= count, f"{self.name}: {len(got)} {name} events, expected {count}: {short(self.events)}"
        return got

    def of(self, name: str) -> list[list]:
        return [args for event, args in self.events if event == name]

    def clear(self) -> None:
        with self.cond:
            self.events.clear()
