"""RFC 6455 framing at the edge's WebSocket layer (WebSocketSessionHandler on NIO). Frames are built byte by byte here (`wire`), so the masking bit, RSV bits,
opcodes and fragment boundaries are exactly what each test says; replies are read
frame by frame (`next_frame`), with no automatic pong or close handling.

What each test pins (RFC 6455 sections):

* test_fragmented_messages_are_assembled: §5.4, a message may be split into a
  TEXT frame with FIN=0 and CONTINUATION frames (empty ones included); the server
  sees the assembled message (the Socket.IO CONNECT and a join are answered).
* test_ping_between_fragments: §5.4, control frames may be injected between the
  fragments of a message; the ping is answered (§5.5.2) and the message still
  assembled.
* test_ping_is_answered_with_identical_pong: §5.5.2/§5.5.3, a PONG carries the
  PING's application data unchanged (0 to 125 arbitrary bytes, §5.5).
* test_client_close_is_answered_and_tcp_ends: §5.5.1, a CLOSE is answered with a
  CLOSE; §7.1.1, the server then ends the TCP connection; the session goes away.
* test_message_of_exactly_max_payload_is_not_closed /
  test_message_over_max_payload_closes_1009 /
  test_fragments_summing_over_max_payload_close: the open packet's `maxPayload`
  (1 000 000 bytes; the edge has no flag for it) bounds the assembled message,
  inclusively; beyond it the connection ends with 1009 (§7.4.1), whether the
  message came in one frame or in several.
* test_utf8_sequence_split_across_fragments_is_valid / test_invalid_utf8_across_fragments_closes_1007:
  §8.1 and §5.6, UTF-8 validity is a property of the whole message, not of each
  frame; invalid text fails the connection with 1007 (§7.4.1).
* test_fragmentation_protocol_errors_close_1002: §5.4, a CONTINUATION with no
  message started, or a new TEXT frame inside a fragmented message, fails the
  connection (§7.1.7) with 1002.
* test_malformed_frames_close_1002: §5.2 (RSV bits, reserved opcodes) and §5.5
  (control frames are at most 125 bytes and never fragmented; §5.5.1 close body).
* test_unmasked_client_frame: §5.1, the server MUST close on an unmasked frame
  (1002).
* test_heartbeat_after_session: Engine.IO 4 heartbeat over this layer: the
  server's `2` arrives within pingInterval and a client answering `3` stays.

Framing does not depend on the backend, so this module runs on the in-memory
backend only (it overrides conftest's `backend` fixture).
"""

from __future__ import annotations

import json
import os
import struct
import time
from contextlib import contextmanager
from typing import Optional

import pytest
import websocket

from rt import DEFAULT_WAIT, open_packet, raw_call, raw_connect, sio_connect, unique, wait_until

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
OPNAMES = {CONT: "CONT", TEXT: "TEXT", BINARY: "BINARY", CLOSE: "CLOSE", PING: "PING", PONG: "PONG"}

EOF = "<connection ended>"


@pytest.fixture(scope="module")
def backend() -> str:
    """Overrides conftest's parametrised fixture: framing happens before any backend is involved."""
    return "memory"


# --------------------------------------------------------------------------- helpers


def wire(opcode: int, payload: bytes | str = b"", fin: bool = True, rsv: int = 0, masked: bool = True) -> bytes:
    """One WebSocket frame as a client puts it on the wire."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    m = 0x80 if masked else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 1 << 16:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    mask = (key * (n // 4 + 1))[:n]
    return head + key + (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(n, "big")


def send(ws, *frames: bytes) -> None:
    ws.sock.sendall(b"".join(frames))


def next_frame(ws, within: float = DEFAULT_WAIT):
    """The next frame from the server as it arrived; None on timeout, EOF when the TCP connection ended."""
    ws.settimeout(within)
    try:
        return ws.recv_frame()
    except websocket.WebSocketTimeoutException:
        return None
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        return EOF


def describe(f) -> str:
    if f is None:
        return "nothing"
    if f is EOF:
        return EOF
    return f"{OPNAMES.get(f.opcode, hex(f.opcode))} fin={f.fin} {bytes(f.data[:100])!r}"


def close_code(frame) -> Optional[int]:
    return struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else None


def expect_text(ws, prefix: str, what: str, within: float = DEFAULT_WAIT) -> str:
    """Skip text frames until one starts with prefix; fail on a close, the end or a timeout."""
    deadline = time.monotonic() + within
    seen = []
    while True:
        f = next_frame(ws, max(0.0, deadline - time.monotonic()))
        if f is None or f is EOF or f.opcode != TEXT:
            raise AssertionError(f"{what}: expected a TEXT frame {prefix!r}..., got {describe(f)} "
                                 f"(after {seen!r})")
        text = bytes(f.data).decode()
        if text.startswith(prefix):
            return text
        seen.append(text[:80])


def expect_close(ws, what: str, within: float = DEFAULT_WAIT,
                 allow_eof: bool = False) -> tuple[Optional[int], list[str]]:
    """Read up to the server's CLOSE frame; return its status code (None: the connection ended
    without one, only when allow_eof) and descriptions of the frames before it."""
    deadline = time.monotonic() + within
    before = []
    while True:
        f = next_frame(ws, max(0.0, deadline - time.monotonic()))
        if f is EOF and allow_eof:
            return None, before
        if f is None or f is EOF:
            raise AssertionError(f"{what}: expected a CLOSE frame, got {describe(f)} (after {before!r})")
        if f.opcode == CLOSE:
            return close_code(f), before
        before.append(describe(f))


def expect_tcp_end(ws, what: str, reply_close: bool = True) -> None:
    """After the server's CLOSE: (optionally) answer it, then the server must end the TCP connection."""
    if reply_close:
        try:
            send(ws, wire(CLOSE, struct.pack("!H", 1000)))
        except OSError:
            return  # already gone
    f = next_frame(ws)
    assert f is EOF, f"{what}: after the CLOSE the TCP connection did not end within {DEFAULT_WAIT}s, got {describe(f)}"


def assert_closed_with(ws, code: int, what: str) -> None:
    got, before = expect_close(ws, what)
    assert got == code, f"{what}: closed with {got}, expected {code} (frames before the CLOSE: {before!r})"
    assert not any(b.startswith("TEXT fin=1 b'43") for b in before), f"{what}: was acknowledged first: {before!r}"
    expect_tcp_end(ws, what)


@contextmanager
def session(cluster, connect: bool = True):
    """A raw Engine.IO WebSocket, open packet read and (when connect) Socket.IO CONNECT done.

    Yields (ws, open packet data); after CONNECT, info["socket_sid"] is the Socket.IO sid.
    """
    ws = raw_connect(cluster)
    try:
        info = open_packet(ws)
        if connect:
            ans = sio_connect(ws)
            assert ans.startswith('40{"sid"'), f"CONNECT answered {ans!r}"
            info["socket_sid"] = json.loads(ans[2:])["sid"]
        yield ws, info
    finally:
        ws.shutdown()


def join_packet(ack_id: int, channel: str) -> bytes:
    return f"42{ack_id}".encode() + json.dumps(["join", {"channel": channel}], ensure_ascii=False).encode()


def sized_message(ack_id: int, size: int) -> bytes:
    """A Socket.IO `message` event of exactly `size` bytes."""
    head = f'42{ack_id}["message",{{"channel":"{unique("big")}","eventName":"big","message":"'.encode()
    tail = b'"}]'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def split(data: bytes, parts: int) -> list[bytes]:
    k = -(-len(data) // parts)
    return [data[i * k:(i + 1) * k] for i in range(parts)]


def fragments(pieces: list[bytes]) -> bytes:
    """A TEXT frame with FIN=0, CONTINUATION frames, the last with FIN=1."""
    return b"".join(wire(TEXT if i == 0 else CONT, p, fin=(i == len(pieces) - 1)) for i, p in enumerate(pieces))


# --------------------------------------------------------------------------- fragmentation (§5.4)


def test_fragmented_messages_are_assembled(cluster):
    ch = unique("frag")
    with session(cluster, connect=False) as (ws, _):
        send(ws, wire(TEXT, "4", fin=False), wire(CONT, "0"))
        ans = expect_text(ws, "4", "CONNECT in two fragments")
        assert ans.startswith('40{"sid"'), f"CONNECT in two fragments answered {ans!r}"
        # Three fragments, the middle one empty.
        join = join_packet(1, ch)
        send(ws, fragments([join[:5], b"", join[5:]]))
        ack = expect_text(ws, "431", "join in three fragments")
        assert ack == '431[{"ok":true}]', f"join in three fragments acked {ack!r}"


def test_ping_between_fragments(cluster):
    with session(cluster, connect=False) as (ws, _):
        send(ws, wire(TEXT, "4", fin=False), wire(PING, b"mid-message"), wire(CONT, "0"))
        got = [next_frame(ws), next_frame(ws)]
        pongs = [f for f in got if f not in (None, EOF) and f.opcode == PONG]
        texts = [f for f in got if f not in (None, EOF) and f.opcode == TEXT]
        assert len(pongs) == 1 and bytes(pongs[0].data) == b"mid-message", \
            f"PING between fragments: expected PONG b'mid-message', got {[describe(f) for f in got]}"
        assert len(texts) == 1 and bytes(texts[0].data).startswith(b'40{"sid"'), \
            f"CONNECT split around a PING was not answered: {[describe(f) for f in got]}"


# --------------------------------------------------------------------------- control frames (§5.5)


@pytest.mark.parametrize("payload", [b"", b"\x00\x01\x80\xfe\xff", bytes(range(125))], ids=["empty", "binary", "125"])
def test_ping_is_answered_with_identical_pong(cluster, payload):
    with session(cluster) as (ws, _):
        send(ws, wire(PING, payload))
        f = next_frame(ws)
        assert f not in (None, EOF) and f.opcode == PONG, f"PING {payload[:16]!r}... answered {describe(f)}"
        assert bytes(f.data) == payload, f"PONG carries {bytes(f.data)!r}, expected the PING's {payload!r}"
        assert f.fin == 1
        # The connection is still usable.
        assert raw_call(ws, 5, "join", {"channel": unique("afterping")}) == [{"ok": True}]


def test_client_close_is_answered_and_tcp_ends(cluster):
    ch = unique("close")
    with session(cluster) as (ws, _):
        assert raw_call(ws, 1, "join", {"channel": ch}) == [{"ok": True}]
        observer = cluster.client(name="observer")
        assert len(observer.members(ch)) == 1
        send(ws, wire(CLOSE, struct.pack("!H", 1000) + b"bye"))
        code, before = expect_close(ws, "client CLOSE 1000")
        # §5.5.1: the answer echoes the status code.
        assert code == 1000, f"client CLOSE 1000 answered with code {code} (frames before: {before!r})"
        expect_tcp_end(ws, "client CLOSE 1000", reply_close=False)
    left = wait_until(lambda: observer.members(ch) == [])
    assert left, f"the closed connection is still a member of {ch}: {observer.members(ch)!r}"


@pytest.mark.parametrize("frame", [
    wire(TEXT, "3", rsv=0b100),              # §5.2 RSV1 without a negotiated extension
    wire(TEXT, "3", rsv=0b010),              # §5.2 RSV2
    wire(0x3, "3"),                          # §5.2 reserved non-control opcode
    wire(0xB, "x"),                          # §5.2 reserved control opcode
    wire(PING, b"p" * 126),                  # §5.5 control payload over 125 bytes
    wire(PING, b"p", fin=False),             # §5.5 fragmented control frame
    wire(CLOSE, b"\x03"),                    # §5.5.1 close body of one byte
    wire(CLOSE, struct.pack("!H", 1005)),    # §7.4.1 1005 must not be sent in a CLOSE
], ids=["rsv1", "rsv2", "opcode-3", "opcode-B", "ping-126", "ping-fin0", "close-1byte", "close-1005"])
def test_malformed_frames_close_1002(cluster, frame):
    with session(cluster) as (ws, _):
        send(ws, frame)
        assert_closed_with(ws, 1002, f"frame {frame[:4].hex()}...")


# --------------------------------------------------------------------------- size limit


@pytest.mark.parametrize("parts", [1, 3])
def test_message_of_exactly_max_payload_is_not_closed(cluster, parts):
    with session(cluster) as (ws, info):
        msg = sized_message(1, info["maxPayload"])
        send(ws, fragments(split(msg, parts)) if parts > 1 else wire(TEXT, msg))
        # It reaches the Socket.IO layer, which refuses a message over 64 KiB with an error ack.
        ack = expect_text(ws, "431", f"message of exactly maxPayload in {parts} frame(s)")
        assert json.loads(ack[3:])[0]["error"]["code"] == "payload_too_large", f"acked {ack[:200]!r}"


def send_tolerating_close(ws, data: bytes) -> None:
    """Send a large frame; the server may close (and reset) before it has read all of it."""
    try:
        send(ws, data)
    except OSError:
        pass


@pytest.mark.parametrize("code", [1001, 4000])
def test_client_close_code_is_echoed(cluster, code):
    with session(cluster) as (ws, _):
        send(ws, wire(CLOSE, struct.pack("!H", code)))
        answer, before = expect_close(ws, f"client CLOSE {code}")
        assert answer == code, f"client CLOSE {code} answered with {answer} (frames before: {before!r})"
        expect_tcp_end(ws, f"client CLOSE {code}", reply_close=False)


def test_message_over_max_payload_closes_1009(cluster):
    with session(cluster) as (ws, info):
        send_tolerating_close(ws, wire(TEXT, sized_message(1, info["maxPayload"] + 1)))
        code, before = expect_close(ws, "one frame of maxPayload + 1 bytes")
        assert code == 1009, f"a frame over maxPayload closed with {code}, expected 1009 (before: {before!r})"
        # The rest of the frame is never read, so the connection may end with a reset.
        expect_tcp_end(ws, "one frame of maxPayload + 1 bytes")


def test_fragments_summing_over_max_payload_close(cluster):
    with session(cluster) as (ws, info):
        send_tolerating_close(ws, fragments(split(sized_message(1, info["maxPayload"] + 1), 4)))
        code, before = expect_close(ws, "4 fragments summing to maxPayload + 1 bytes", allow_eof=True)
        # §7.4.1: 1009 for a message too big, whether it came in one frame or several.
        assert code == 1009, f"fragments over maxPayload closed with {code} (before: {before!r})"
        assert not any(b.startswith("TEXT fin=1 b'43") for b in before), f"was acknowledged: {before!r}"
        expect_tcp_end(ws, "fragments over maxPayload")


# --------------------------------------------------------------------------- UTF-8 (§8.1)


def test_utf8_sequence_split_across_fragments_is_valid(cluster):
    ch = unique("utf8") + "-caf\u00e9-\U0001f600"
    join = join_packet(1, ch)
    e_acute = join.index("\u00e9".encode()) + 1
    emoji = join.index("\U0001f600".encode()) + 2
    with session(cluster) as (ws, info):
        send(ws, fragments([join[:e_acute], join[e_acute:emoji], join[emoji:]]))
        ack = expect_text(ws, "431", "join with UTF-8 sequences split across fragments")
        assert ack == '431[{"ok":true}]', f"join with split UTF-8 sequences acked {ack!r}"
        # The assembled name is the original one: asking for it unfragmented finds this member.
        members = raw_call(ws, 2, "members", {"channel": ch})
        assert [m["id"] for m in members[0]["data"]] == [info["socket_sid"]], f"members of {ch!r}: {members!r}"


@pytest.mark.parametrize("pieces", [
    [b'421["join",{"channel":"ab', b'\xff"}]'],            # a byte that is never valid UTF-8
    [b'421["join",{"channel":"ab\xf0\x9f', b'"}]'],        # a 4-byte sequence cut short by ASCII
    [b'421["join",{"channel":"ab"}]\xf0\x9f', b""],        # the message ends inside a sequence
], ids=["ff-byte", "truncated-sequence", "ends-mid-sequence"])
def test_invalid_utf8_across_fragments_closes_1007(cluster, pieces):
    with session(cluster) as (ws, _):
        send(ws, fragments(pieces))
        assert_closed_with(ws, 1007, f"invalid UTF-8 in fragments {pieces!r}")


# --------------------------------------------------------------------------- protocol errors


@pytest.mark.parametrize("frames", [
    [wire(CONT, '421["join",{"channel":"x"}]')],                              # nothing to continue
    [wire(TEXT, "42", fin=False), wire(TEXT, '1["join",{"channel":"x"}]')],   # TEXT inside a message
], ids=["continuation-without-start", "text-inside-fragmented-message"])
def test_fragmentation_protocol_errors_close_1002(cluster, frames):
    with session(cluster) as (ws, _):
        send(ws, *frames)
        assert_closed_with(ws, 1002, "fragmentation error")


def test_unmasked_client_frame(cluster):
    ch = unique("unmasked")
    with session(cluster) as (ws, _):
        send(ws, wire(TEXT, join_packet(1, ch), masked=False))
        assert_closed_with(ws, 1002, "unmasked frame")


# --------------------------------------------------------------------------- Engine.IO heartbeat


def test_heartbeat_after_session(make_cluster):
    # A short interval for a quick test; a pong timeout with room for a loaded machine.
    interval, timeout = 300, 1000
    c = make_cluster(ping_interval=interval, ping_timeout=timeout)
    ch = unique("hb")
    with session(c) as (ws, info):
        assert info["pingInterval"] == interval
        assert raw_call(ws, 1, "join", {"channel": ch}) == [{"ok": True}]
        first = expect_text(ws, "2", "first Engine.IO ping", within=interval / 1000 + 1.0)
        assert first == "2", f"expected the Engine.IO ping '2', got {first!r}"
        send(ws, wire(TEXT, "3"))
        # Keep answering for more than twice pingInterval + pingTimeout: the connection stays.
        pings = 1
        end = time.monotonic() + 2.5 * (interval + timeout) / 1000
        while time.monotonic() < end:
            f = next_frame(ws, max(0.0, end - time.monotonic()))
            if f is None:
                break
            assert f is not EOF and f.opcode == TEXT, f"connection answering pings got {describe(f)}"
            if bytes(f.data) == b"2":
                pings += 1
                send(ws, wire(TEXT, "3"))
        assert pings >= 3, f"only {pings} Engine.IO pings in {2.5 * (interval + timeout)} ms"
        members = raw_call(ws, 2, "members", {"channel": ch})
        assert len(members[0]["data"]) == 1, f"after the heartbeats, members of {ch}: {members!r}"
