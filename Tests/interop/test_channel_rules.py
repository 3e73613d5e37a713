"""SPEC.md §9 (issue 19): channel rules and authorization, with §2-§4.

`channelRules: [{match, join, publish, presence, history}]` and `authWebhook` in the
settings: who may join (anyone, session, token, webhook), who may publish (anyone,
members, server), presence on or off; refusals `not_allowed` / `invalid_channel_token`
counted per rule; rules validated by `PUT /api/v1/config` and applied cluster-wide.

Most tests share one deployment per backend seeded with rules_settings() (each test uses fresh
channel names under its rule's prefix); tests that change the settings use their
own. The webhook is a real HTTP server in this process (loopback only) that checks
the signature and records every request; its answer depends on the channel name
(`hook:<mode>:<id>`).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
import re
import resource
import selectors
import socket
import struct
import threading
import time
import warnings
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import quote

import jwt as pyjwt
import pytest

from rt import (DEFAULT_SETTINGS, DEFAULT_WAIT, HOST, JWT_SECRET, QUIET_WAIT, assert_api_error, assert_error_ack,
                free_port, is_error, make_jwt, members_set, short, unique, wait_until)
from test_server_api import _channel_counts  # the accepted shapes of GET /api/v1/channels

WEBHOOK_SECRET = "interop-webhook-secret-abcdef0123456789"
HOOK_TIMEOUT_MS = 500  # the seeded authWebhook.timeoutMs
HOOK_SLOW_S = 3.0  # how long the "slow" webhook takes to answer (far beyond the timeout)
HOOK_CACHE_S = 3  # the seeded authWebhook.cacheSeconds
OTHER_SECRET = "not-the-jwt-secret-but-just-as-long-0123456789"
ODD_RULE = 'odd"\\name:*'  # a quote and a backslash: escaped in /metrics labels

# SPEC §4 / PROTOCOL.md: the server API's code for a refused settings document
# (Sources/RealtimeEdge/ServerAPI/RequestBody.swift: APIError.badRequest).
INVALID_SETTINGS_CODE = "invalid_payload"


def rules_settings(hook_url: str, cache_seconds: Optional[int] = HOOK_CACHE_S) -> dict:
    hook = {"url": hook_url, "secret": WEBHOOK_SECRET, "timeoutMs": HOOK_TIMEOUT_MS}
    if cache_seconds is not None:
        hook["cacheSeconds"] = cache_seconds
    return dict(DEFAULT_SETTINGS, channelRules=[
        {"match": "sess:*", "join": "session"},
        {"match": "tok:*", "join": "token"},
        {"match": "hook:*", "join": "webhook"},
        {"match": "pubm:*", "publish": "members"},
        {"match": "pubs:*", "publish": "server"},
        {"match": "quiet:*", "presence": False},
        {"match": "counted:*", "join": "session", "publish": "server", "presence": False},
        # longest match wins; an exact name beats a prefix of the same length
        {"match": "lm:*", "join": "session"},
        {"match": "lm:open:*", "join": "anyone"},
        {"match": "lm:open:shut", "join": "session"},
        {"match": "lm:cd*", "join": "session"},
        {"match": "lm:cd", "join": "anyone"},
        {"match": "hist:*", "history": {"size": 100, "ttlSeconds": 60}},
        {"match": ODD_RULE, "join": "session"},
    ], authWebhook=hook)


# --------------------------------------------------------------------------- helpers


def path_of(ch: str) -> str:
    return quote(ch, safe="")


def about(sid):
    return lambda p: isinstance(p, dict) and isinstance(p.get("message"), dict) and p["message"].get("id") == sid


def in_channel(ch):
    return lambda p: isinstance(p, dict) and p.get("channel") == ch


def assert_refused(ack: Any, code: str, rule: str, what: str) -> None:
    """An error ack with `code` whose message names the rule that refused."""
    assert_error_ack(ack, code, what)
    assert rule in ack["error"]["message"], \
        f"{what}: the refusal's message does not say which rule refused (no {rule!r}): {short(ack)}"


def join_ack(client, ch: str, **kw) -> Any:
    return client.call("join", {"channel": ch, **kw})


def message_ack(client, ch: Optional[str], event: str = "chat", message: Any = None) -> Any:
    body = {"eventName": event, "message": message}
    if ch is not None:
        body["channel"] = ch
    return client.call("message", body)


def session(user: str) -> dict:
    return {"session": make_jwt(user)}


def channel_token(channel: Optional[str], sub: Optional[str] = None, secret: str = JWT_SECRET, exp_in: int = 300,
                  **extra) -> str:
    claims: dict[str, Any] = dict(extra)
    if channel is not None:
        claims["channel"] = channel
    return make_jwt(sub, secret=secret, exp_in=exp_in, **claims)


def unsigned_token(claims: dict) -> str:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


def hs512_token(claims: dict) -> str:
    """Signed with the right secret, but not HS256 (PyJWT warns the key is short for SHA-512)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pyjwt.encode(claims, JWT_SECRET, algorithm="HS512")


def stats(cluster, edge: int) -> dict:
    r = cluster.api("GET", "/stats", edge=edge, key=None)
    assert r.status_code == 200, f"GET /stats on edge {edge}: HTTP {r.status_code} {r.text[:200]}"
    return r.json()


def stat_field(s: dict, name: str) -> Any:
    """A /stats field, at the top level (where messagesOut is) or under `counters`."""
    if name in s:
        return s[name]
    if isinstance(s.get("counters"), dict) and name in s["counters"]:
        return s["counters"][name]
    return None


def messages_out(cluster) -> int:
    total = 0
    for e in range(len(cluster.edges)):
        v = stat_field(stats(cluster, e), "messagesOut")
        assert isinstance(v, int), f"/stats on edge {e} has no integer messagesOut"
        total += v
    return total


def rule_refusals(cluster, edge: int) -> dict:
    s = stats(cluster, edge)
    v = stat_field(s, "channelRuleRefusals")
    assert isinstance(v, dict), f"/stats on edge {edge} has no channelRuleRefusals object: {short(s, 1200)}"
    return v


_METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metric_values(text: str, name: str) -> list[tuple[dict, float]]:
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = _METRIC_LINE.match(line.strip())
        if m and m.group(1) == name:
            labels = {k: re.sub(r"\\(.)", lambda e: "\n" if e.group(1) == "n" else e.group(1), v)
                      for k, v in _LABEL.findall(m.group(2) or "")}
            out.append((labels, float(m.group(3))))
    return out


def get_config(cluster, edge: int = 0) -> dict:
    r = cluster.api("GET", "/api/v1/config", edge=edge)
    assert r.status_code == 200, f"GET config via edge {edge}: HTTP {r.status_code} {r.text[:200]}"
    return r.json()


def put_config(cluster, doc: Any, edge: int = 0):
    return cluster.api("PUT", "/api/v1/config", edge=edge, json=doc)


def without_version(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "version"}


def drop_nulls(v: Any) -> Any:
    """Compare documents without caring whether an absent optional is written as null."""
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


def full_rule(rule: dict) -> dict:
    return {"join": "anyone", "publish": "anyone", "presence": True, **rule}


# --------------------------------------------------------------------------- the webhook


class Webhook:
    """A real HTTP server on loopback that plays the application's auth endpoint.

    The answer depends on the channel, `hook:<mode>:<id>`: allow -> 200 {"allow":true};
    deny -> 200 {"allow":false}; forbidden -> 403 {"allow":true}; error -> 500;
    badjson -> 200 with a body that is not JSON; truthy -> 200 {"allow":"true"};
    slow -> {"allow":true} after HOOK_SLOW_S; late -> {"allow":true} within the timeout;
    redirect -> 307 to a URL that answers {"allow":true}. A bad signature gets 401.
    """

    def __init__(self, secret: str = WEBHOOK_SECRET):
        self.secret = secret.encode()
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return out
                        out += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _answer(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                except OSError:
                    pass  # the edge gave up (timeout)

            def do_POST(self):
                raw = self._body()
                sig = self.headers.get("X-Realtime-Signature")
                want = "sha256=" + hmac.new(hook.secret, raw, hashlib.sha256).hexdigest()
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                rec = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "raw": raw,
                       "body": body, "signature": sig, "sig_ok": sig == want, "at": time.monotonic()}
                with hook.lock:
                    hook.requests.append(rec)
                if sig != want:
                    return self._answer(401, b'{"allow":false,"why":"bad signature"}')
                channel = body.get("channel") if isinstance(body, dict) else None
                mode = channel.split(":")[1] if isinstance(channel, str) and channel.count(":") >= 2 else "deny"
                if mode == "allow":
                    return self._answer(200, b'{"allow":true}')
                if mode == "forbidden":
                    return self._answer(403, b'{"allow":true}')
                if mode == "error":
                    return self._answer(500, b'{"allow":true}')
                if mode == "badjson":
                    return self._answer(200, b'{"allow":true')
                if mode == "truthy":
                    return self._answer(200, b'{"allow":"true"}')
                if mode == "slow":
                    time.sleep(HOOK_SLOW_S)
                    return self._answer(200, b'{"allow":true}')
                if mode == "late":  # allows, within the timeout but not at once
                    time.sleep(HOOK_TIMEOUT_MS / 1000 * 0.6)
                    return self._answer(200, b'{"allow":true}')
                if mode == "redirect":
                    if self.path.endswith("/redirected"):
                        return self._answer(200, b'{"allow":true}')
                    try:
                        self.send_response(307)
                        self.send_header("Location", "/realtime/auth/redirected")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    except OSError:
                        pass
                    return
                return self._answer(200, b'{"allow":false}')

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="webhook", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}/realtime/auth"

    def start(self) -> "Webhook":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def for_channel(self, ch: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if isinstance(r["body"], dict) and r["body"].get("channel") == ch]


@pytest.fixture(scope="module")
def webhook():
    w = Webhook().start()
    try:
        yield w
    finally:
        w.stop()


@pytest.fixture
def rc(make_cluster, webhook):
    """The shared deployment with RULES in force from the start (2 edges with Redis)."""
    return make_cluster(settings=rules_settings(webhook.url), edges=2)


# --------------------------------------------------------------------------- unmatched channels


def test_unmatched_channel_behaves_as_today(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    outsider = rc.client(edge=1)
    ch = unique("plain")
    a.join(ch)
    b.join(ch)
    a.wait_for("channel:join", about(b.sid))
    b.wait_for("channel:join", about(b.sid))  # echo
    assert members_set(a.members(ch)) == {a.sid: None, b.sid: None}
    r = rc.api("GET", f"/api/v1/channels/{path_of(ch)}/members", edge=len(rc.edges) - 1)
    assert r.status_code == 200 and members_set(r.json()) == {a.sid: None, b.sid: None}, \
        f"GET members of an unmatched channel: {r.status_code} {r.text[:200]}"
    assert message_ack(outsider, ch, "chat", {"n": 1}) == {"ok": True}, "a non-member's message was refused"
    for x in (a, b):
        x.wait_for("chat", lambda p: p == {"channel": ch, "message": {"n": 1}})
    a.ok("update", {"data": {"v": 1}})
    b.wait_for("channel:update", about(a.sid))
    b.leave(ch)
    a.wait_for("channel:leave", about(b.sid))


def test_channels_resembling_a_prefix_rule_are_unmatched(rc):
    """`sess:*` matches names starting with `sess:`, not `sess` or `xsess:...`."""
    a = rc.client(edge=0)
    for ch in ("sess", unique("sess"), "x" + unique("sess:"), unique("SESS:")):
        assert join_ack(a, ch) == {"ok": True}, f"join {ch!r}, which no rule matches, was refused"


def test_broadcasts_are_unaffected_by_rules(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    ev = unique("bc").replace("-", "_")
    assert message_ack(a, None, ev, {"v": 1}) == {"ok": True}, "a client broadcast was refused"
    b.wait_for(ev, lambda p: p == {"channel": None, "message": {"v": 1}})
    r = rc.api("POST", "/api/v1/broadcast", json={"eventName": ev, "message": {"v": 2}})
    assert r.status_code == 202, f"POST broadcast: HTTP {r.status_code} {r.text[:200]}"
    for x in (a, b):
        x.wait_for(ev, lambda p: p == {"channel": None, "message": {"v": 2}})


def test_a_rule_with_only_history_leaves_the_channel_open(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    ch = unique("hist:")
    a.join(ch)
    b.join(ch)
    a.wait_for("channel:join", about(b.sid))
    assert members_set(a.members(ch)) == {a.sid: None, b.sid: None}
    outsider = rc.client(edge=0)
    assert message_ack(outsider, ch, "chat", 1) == {"ok": True}
    b.wait_for("chat", lambda p: p == {"channel": ch, "message": 1})


# --------------------------------------------------------------------------- longest match


def test_longest_match_wins(rc):
    anon = rc.client(edge=0)
    assert_refused(join_ack(anon, unique("lm:x")), "not_allowed", "lm:*", "join under lm:* (session)")
    assert join_ack(anon, unique("lm:open:")) == {"ok": True}, "lm:open:* (anyone) is longer than lm:* (session)"
    assert_refused(join_ack(anon, "lm:open:shut"), "not_allowed", "lm:open:shut",
                   "the exact rule lm:open:shut (session) is longer than lm:open:*")


def test_exact_name_beats_a_prefix_of_the_same_length(rc):
    anon = rc.client(edge=1)
    assert join_ack(anon, "lm:cd") == {"ok": True}, \
        "lm:cd (exact, anyone) must beat lm:cd* (prefix of the same length, session)"
    assert_refused(join_ack(anon, unique("lm:cd")), "not_allowed", "lm:cd*", "join lm:cd<more> under lm:cd*")
    anon.leave("lm:cd")


# --------------------------------------------------------------------------- join: session


def test_session_rule_admits_a_connection_with_a_session(rc):
    user = unique("user")
    a = rc.client(edge=0, auth=session(user))
    b = rc.client(edge=1, auth=session(unique("user")))
    ch = unique("sess:")
    a.join(ch)
    b.join(ch)
    a.wait_for("channel:join", about(b.sid))
    assert members_set(b.members(ch)) == {a.sid: None, b.sid: None}


def test_session_rule_refuses_a_connection_without_session(rc):
    member = rc.client(edge=0, auth=session(unique("user")))
    anon = rc.client(edge=1)
    ch = unique("sess:")
    member.join(ch)
    assert_refused(join_ack(anon, ch), "not_allowed", "sess:*", "session-less join under a session rule")
    member.assert_not_received("channel:join", about(anon.sid), what="for a refused join")
    anon.assert_not_received("channel:join", what="after its refused join")
    assert members_set(member.members(ch)) == {member.sid: None}, "a refused join made the client a member"
    r = rc.api("POST", f"/api/v1/channels/{path_of(ch)}/messages", json={"eventName": "srv", "message": 1})
    assert r.status_code == 202, f"POST message: HTTP {r.status_code} {r.text[:200]}"
    member.wait_for("srv", in_channel(ch))
    anon.assert_not_received("srv", what="after a refused join")


def test_refused_join_without_ack_reports_realtime_error(rc):
    anon = rc.client(edge=0)
    ch = unique("sess:")
    anon.emit("join", {"channel": ch})
    e = anon.wait_for("realtime:error", lambda p: p.get("event") == "join")[0]
    assert e.get("code") == "not_allowed" and "sess:*" in (e.get("message") or ""), \
        f"realtime:error for a refused join without ack: {e!r}"
    assert anon.connected, "a refused join disconnected the client"
    assert rc.api("GET", f"/api/v1/channels/{path_of(ch)}/members").json() == [], "the refused join took effect"


# --------------------------------------------------------------------------- join: token


def test_token_rule_admits_a_valid_token_without_sub_on_a_sessionless_connection(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    ch = unique("tok:")
    a.join(ch, token=channel_token(ch))
    b.join(ch, token=channel_token(ch))
    a.wait_for("channel:join", about(b.sid))
    assert members_set(b.members(ch)) == {a.sid: None, b.sid: None}


def test_token_rule_admits_a_token_whose_sub_is_the_connections_user(rc):
    user = unique("user")
    a = rc.client(edge=1, auth=session(user))
    ch = unique("tok:")
    a.join(ch, token=channel_token(ch, sub=user))
    assert members_set(a.members(ch)) == {a.sid: None}


def test_token_rule_governs_join_only(rc):
    """Members of a token channel publish, update and leave without a token."""
    a, b = rc.client(edge=0), rc.client(edge=1)
    ch = unique("tok:")
    a.join(ch, token=channel_token(ch))
    b.join(ch, token=channel_token(ch))
    assert message_ack(a, ch, "chat", 1) == {"ok": True}
    b.wait_for("chat", lambda p: p == {"channel": ch, "message": 1})
    a.ok("update", {"data": {"n": 1}})
    b.wait_for("channel:update", about(a.sid))
    a.leave(ch)
    b.wait_for("channel:leave", about(a.sid))
    assert members_set(b.members(ch)) == {b.sid: None}


BAD_TOKENS = [
    ("missing", lambda ch, user: None),
    ("empty", lambda ch, user: ""),
    ("malformed", lambda ch, user: "not-a-jwt"),
    ("malformed-three-parts", lambda ch, user: "abc.def.ghi"),
    ("expired", lambda ch, user: channel_token(ch, sub=user, exp_in=-600)),
    ("wrongly-signed", lambda ch, user: channel_token(ch, sub=user, secret=OTHER_SECRET)),
    ("unsigned-alg-none", lambda ch, user: unsigned_token({"channel": ch, "sub": user, "exp": int(time.time()) + 300})),
    ("other-channel", lambda ch, user: channel_token(ch + "-other", sub=user)),
    ("no-channel-claim", lambda ch, user: channel_token(None, sub=user)),
    ("other-user", lambda ch, user: channel_token(ch, sub=user + "-other")),
    ("no-sub-on-a-session-connection", lambda ch, user: channel_token(ch)),
    ("session-token-as-channel-token", lambda ch, user: make_jwt(user)),
    ("hs512-not-hs256", lambda ch, user: hs512_token({"channel": ch, "sub": user, "exp": int(time.time()) + 300})),
]


@pytest.mark.parametrize("kind,make", BAD_TOKENS, ids=[k for k, _ in BAD_TOKENS])
def test_token_rule_refuses_a_bad_token(rc, kind, make):
    user = unique("user")
    member = rc.client(edge=0)
    joiner = rc.client(edge=1, auth=session(user))
    ch = unique("tok:")
    member.join(ch, token=channel_token(ch))
    token = make(ch, user)
    ack = join_ack(joiner, ch) if token is None else join_ack(joiner, ch, token=token)
    assert_refused(ack, "invalid_channel_token", "tok:*", f"join with a {kind} token")
    member.assert_not_received("channel:join", about(joiner.sid), what=f"for a join with a {kind} token")
    assert members_set(member.members(ch)) == {member.sid: None}, f"a join with a {kind} token made a member"


def test_token_rule_refuses_an_expired_token_on_a_sessionless_connection(rc):
    a = rc.client(edge=0)
    ch = unique("tok:")
    assert_refused(join_ack(a, ch, token=channel_token(ch, exp_in=-600)), "invalid_channel_token", "tok:*",
                   "session-less join with an expired token")
    assert_refused(join_ack(a, ch), "invalid_channel_token", "tok:*", "session-less join without a token")


def test_a_token_for_the_literal_prefix_opens_only_the_channel_named_so(rc):
    a = rc.client(edge=1)
    literal = "tok:*"
    tok = channel_token(literal)
    assert_refused(join_ack(a, unique("tok:"), token=tok), "invalid_channel_token", "tok:*",
                   "a token for the channel 'tok:*' used for another tok: channel")
    assert_refused(join_ack(a, "tok:", token=tok), "invalid_channel_token", "tok:*",
                   "a token for the channel 'tok:*' used for the channel 'tok:'")
    assert join_ack(a, literal, token=tok) == {"ok": True}, "a token for 'tok:*' must open the channel named 'tok:*'"
    a.leave(literal)


# --------------------------------------------------------------------------- join: webhook


def test_webhook_allows_and_receives_a_signed_request(rc, webhook):
    user = unique("user")
    a = rc.client(edge=0, auth=session(user))
    observer = rc.client(edge=1)
    ch = unique("hook:allow:")
    observer_ok = join_ack(observer, ch)  # the webhook allows anyone into hook:allow:*
    assert observer_ok == {"ok": True}, f"join allowed by the webhook acked {observer_ok!r}"
    assert join_ack(a, ch) == {"ok": True}, "join allowed by the webhook was refused"
    observer.wait_for("channel:join", about(a.sid))
    reqs = webhook.for_channel(ch)
    assert len(reqs) == 2, f"expected one webhook request per join, got {len(reqs)}: {short(reqs)}"
    by_conn = {r["body"].get("connectionId"): r for r in reqs}
    assert set(by_conn) == {a.sid, observer.sid}, f"connectionIds {list(by_conn)} != socket ids"
    for r, uid in ((by_conn[a.sid], user), (by_conn[observer.sid], None)):
        assert r["sig_ok"], f"X-Realtime-Signature {r['signature']!r} is not sha256=<hex HMAC of the body>"
        assert re.fullmatch(r"sha256=[0-9a-f]{64}", r["signature"] or ""), f"signature format {r['signature']!r}"
        assert r["path"] == "/realtime/auth", f"webhook POSTed to {r['path']!r}"
        assert r["body"] == {"action": "join", "channel": ch, "userId": uid, "connectionId": r["body"]["connectionId"]}, \
            f"webhook body {r['raw'][:300]!r}"
        assert "json" in r["headers"].get("content-type", ""), f"Content-Type {r['headers'].get('content-type')!r}"


DENYING_ANSWERS = [
    ("deny", "200 {allow:false}"),
    ("forbidden", "403 with {allow:true}"),
    ("error", "500"),
    ("badjson", "200 with invalid JSON"),
    ("truthy", '200 {allow:"true"}'),
    ("redirect", "307 to a URL that allows"),
]


@pytest.mark.parametrize("mode,what", DENYING_ANSWERS, ids=[m for m, _ in DENYING_ANSWERS])
def test_webhook_denies_on_any_other_answer(rc, webhook, mode, what):
    member = rc.client(edge=0)
    joiner = rc.client(edge=1, auth=session(unique("user")))
    ch = unique(f"hook:{mode}:")
    allowed = unique("hook:allow:")
    member.join(allowed)  # sanity: the webhook is reachable from this deployment
    ack = join_ack(joiner, ch)
    assert_refused(ack, "not_allowed", "hook:*", f"join when the webhook answers {what}")
    reqs = webhook.for_channel(ch)
    assert len(reqs) == 1 and reqs[0]["sig_ok"], f"webhook requests for {ch}: {short(reqs)}"
    assert rc.api("GET", f"/api/v1/channels/{path_of(ch)}/members").json() == [], \
        f"a join denied by the webhook ({what}) took effect"


def test_webhook_timeout_denies(rc, webhook):
    joiner = rc.client(edge=0)
    ch = unique("hook:slow:")
    t0 = time.monotonic()
    ack = join_ack(joiner, ch)
    elapsed = time.monotonic() - t0
    assert_refused(ack, "not_allowed", "hook:*", "join when the webhook does not answer within timeoutMs")
    assert len(webhook.for_channel(ch)) == 1, "the edge did not ask the webhook"
    assert HOOK_TIMEOUT_MS / 1000 * 0.8 <= elapsed < HOOK_SLOW_S - 0.5, \
        f"denied after {elapsed:.2f}s; timeoutMs is {HOOK_TIMEOUT_MS} and the webhook answers after {HOOK_SLOW_S}s"
    assert rc.api("GET", f"/api/v1/channels/{path_of(ch)}/members").json() == [], "a timed-out join took effect"
    time.sleep(HOOK_SLOW_S - elapsed + 0.3)  # the late allow must not sneak the client in
    assert rc.api("GET", f"/api/v1/channels/{path_of(ch)}/members").json() == [], \
        "the webhook's late allow made the client a member"


def test_webhook_answers_are_cached_per_channel_and_user(rc, webhook):
    user, other = unique("user"), unique("user")
    u1 = rc.client(edge=0, auth=session(user))
    u1b = rc.client(edge=0, auth=session(user))  # same user, another connection, same edge
    v = rc.client(edge=0, auth=session(other))
    anon1, anon2 = rc.client(edge=0), rc.client(edge=0)
    ch = unique("hook:allow:")
    n = lambda: len(webhook.for_channel(ch))  # noqa: E731

    t0 = time.monotonic()
    u1.join(ch)
    assert n() == 1
    u1.leave(ch)
    u1.join(ch)
    u1b.join(ch)
    assert n() == 1, f"a second join by the same user within cacheSeconds asked the webhook again ({n()} requests)"
    v.join(ch)
    assert n() == 2, f"another user's join must ask the webhook ({n()} requests)"
    anon1.join(ch)
    assert n() == 3, f"a session-less join must ask the webhook ({n()} requests)"
    anon1.leave(ch)
    anon1.join(ch)
    assert n() == 3, f"a session-less connection's second join within cacheSeconds asked again ({n()} requests)"
    anon2.join(ch)
    assert n() == 4, f"another session-less connection's join must ask the webhook ({n()} requests)"
    assert time.monotonic() - t0 < HOOK_CACHE_S - 0.5, "the joins above took too long to test caching"

    time.sleep(max(0.0, t0 + HOOK_CACHE_S + 0.7 - time.monotonic()))
    u1.leave(ch)
    u1.join(ch)
    assert n() == 5, f"a join after cacheSeconds must ask the webhook again ({n()} requests)"


def test_webhook_denials_are_cached_too(rc, webhook):
    a = rc.client(edge=1, auth=session(unique("user")))
    ch = unique("hook:deny:")
    assert_refused(join_ack(a, ch), "not_allowed", "hook:*", "denied by the webhook")
    assert_refused(join_ack(a, ch), "not_allowed", "hook:*", "denied by the webhook (cached)")
    assert len(webhook.for_channel(ch)) == 1, "a cached denial asked the webhook again"


def test_webhook_timeout_is_not_cached(rc, webhook):
    """No answer is not an answer: the next join asks again (a hiccup must not lock users out)."""
    a = rc.client(edge=0, auth=session(unique("user")))
    ch = unique("hook:slow:")
    assert_refused(join_ack(a, ch), "not_allowed", "hook:*", "join when the webhook times out")
    assert_refused(join_ack(a, ch), "not_allowed", "hook:*", "second join when the webhook times out")
    n = len(webhook.for_channel(ch))
    assert n == 2, f"a timed-out webhook request was cached: {n} request(s) for 2 joins"


def test_webhook_join_of_a_client_that_left_meanwhile_leaves_no_member(rc, webhook):
    observer = rc.client(edge=1)
    ch = unique("hook:late:")
    observer.join(ch)
    leaver = rc.client(edge=0)
    leaver_sid = leaver.sid
    leaver.emit("join", {"channel": ch})  # the webhook allows it after a while
    assert wait_until(lambda: len(webhook.for_channel(ch)) == 2, timeout=DEFAULT_WAIT), "the edge did not ask"
    leaver.disconnect()  # before the webhook answers
    time.sleep(HOOK_TIMEOUT_MS / 1000 + 0.5)
    got = members_set(observer.members(ch))
    assert got == {observer.sid: None}, f"a client that disconnected during its webhook join is listed: {got}"
    for edge in range(len(rc.edges)):
        r = rc.api("GET", f"/api/v1/channels/{path_of(ch)}/members", edge=edge)
        assert members_set(r.json()) == {observer.sid: None}, f"GET members via edge {edge}: {r.text[:300]}"
    joins = observer.received("channel:join", about(leaver_sid))
    leaves = observer.received("channel:leave", about(leaver_sid))
    assert len(joins) == len(leaves), f"channel:join {len(joins)}x but channel:leave {len(leaves)}x for the leaver"


def test_joins_refused_by_rules_still_count_against_rate_limits(make_cluster, webhook):
    """SPEC §4: rate limits apply to every client event; otherwise a client could make the
    edge call the application's webhook without bound (one request per fresh channel name).
    A join over the limit is refused with rate_limit_exceeded before the webhook is asked."""
    limited = dict(rules_settings(webhook.url),
                   rateLimits=[{"name": "burst", "rate": 3, "duration": 86400, "errorMessage": "Slow down"}])
    c = make_cluster(settings=limited, edges=2)
    a = c.client(edge=0, auth=session(unique("user")))  # keyed by user: other tests' clients share the IP
    chans = [unique("hook:deny:") for _ in range(4)]
    for ch in chans[:3]:
        assert_refused(join_ack(a, ch), "not_allowed", "hook:*", "a join denied by the webhook, within the limit")
    ack = join_ack(a, chans[3])
    assert_error_ack(ack, "rate_limit_exceeded", "the 4th join with a limit of 3 (the first 3 refused by the rule)")
    assert webhook.for_channel(chans[3]) == [], "a join over the rate limit reached the webhook"


def test_webhook_without_cache_asks_on_every_join(make_cluster, webhook):
    c = make_cluster(settings=rules_settings(webhook.url, cache_seconds=None), edges=2)  # cacheSeconds default 0
    a = c.client(edge=0, auth=session(unique("user")))
    ch = unique("hook:allow:")
    a.join(ch)
    a.leave(ch)
    a.join(ch)
    n = len(webhook.for_channel(ch))
    assert n == 2, f"with cacheSeconds 0 every join asks the webhook; got {n} request(s) for 2 joins"


# --------------------------------------------------------------------------- publish


def test_publish_members_refuses_a_non_member(rc):
    member = rc.client(edge=0)
    outsider = rc.client(edge=1)
    ch = unique("pubm:")
    member.join(ch)
    assert_refused(message_ack(outsider, ch, "chat", {"n": 1}), "not_allowed", "pubm:*",
                   "a non-member's message under publish members")
    member.assert_not_received("chat", what="from a refused non-member message")


def test_publish_members_delivers_a_members_message(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    ch = unique("pubm:")
    a.join(ch)
    b.join(ch)
    assert message_ack(a, ch, "chat", {"n": 2}) == {"ok": True}, "a member's message was refused"
    for x in (a, b):
        x.wait_for("chat", lambda p: p == {"channel": ch, "message": {"n": 2}})


def test_publish_members_channel_gets_server_api_messages(rc):
    a = rc.client(edge=1)
    ch = unique("pubm:")
    a.join(ch)
    r = rc.api("POST", f"/api/v1/channels/{path_of(ch)}/messages", edge=0, json={"eventName": "srv", "message": 1})
    assert r.status_code == 202, f"the server API is not a member, yet always may publish: {r.status_code} {r.text[:200]}"
    a.wait_for("srv", lambda p: p == {"channel": ch, "message": 1})


def test_publish_members_refuses_a_former_member(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    ch = unique("pubm:")
    a.join(ch)
    b.join(ch)
    b.leave(ch)
    assert_refused(message_ack(b, ch, "chat", 3), "not_allowed", "pubm:*", "a message after leaving")
    a.assert_not_received("chat", what="from a former member")


def test_publish_server_refuses_every_client_message(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    outsider = rc.client(edge=0, auth=session(unique("user")))
    ch = unique("pubs:")
    a.join(ch)
    b.join(ch)
    for x, who in ((a, "a member"), (outsider, "a non-member with a session")):
        assert_refused(message_ack(x, ch, "chat", {"who": who}), "not_allowed", "pubs:*",
                       f"{who}'s message under publish server")
    for x in (a, b):
        x.assert_not_received("chat", what="under publish server")


def test_publish_server_channel_gets_server_api_messages(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    ch = unique("pubs:")
    a.join(ch)
    b.join(ch)
    for edge in range(len(rc.edges)):
        payload = {"edge": edge}
        r = rc.api("POST", f"/api/v1/channels/{path_of(ch)}/messages", edge=edge,
                   json={"eventName": "notice", "message": payload})
        assert r.status_code == 202, f"POST messages via edge {edge}: HTTP {r.status_code} {r.text[:200]}"
        for x in (a, b):
            x.wait_for("notice", lambda p, payload=payload: p == {"channel": ch, "message": payload})


def test_refused_message_without_ack_reports_realtime_error(rc):
    a = rc.client(edge=1)
    ch = unique("pubs:")
    a.join(ch)
    a.emit("message", {"channel": ch, "eventName": "chat", "message": 1})
    e = a.wait_for("realtime:error", lambda p: p.get("event") == "message")[0]
    assert e.get("code") == "not_allowed" and "pubs:*" in (e.get("message") or ""), \
        f"realtime:error for a refused message without ack: {e!r}"
    a.assert_not_received("chat", what="from its own refused message")
    assert a.connected


# --------------------------------------------------------------------------- presence off


def test_presence_off_join_and_leave_are_not_announced(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    ch = unique("quiet:")
    a.join(ch, echo=True)
    b.join(ch, echo=True)
    b.leave(ch, echo=True)
    a.leave(ch, echo=True)
    for x in (a, b):
        x.assert_not_received("channel:join", what="in a presence-off channel")
        x.assert_not_received("channel:leave", within=0.1, what="in a presence-off channel")


def test_presence_off_updates_are_not_announced(rc):
    a, b, c = rc.client(edge=0), rc.client(edge=1), rc.client(edge=1)
    quiet, plain = unique("quiet:"), unique("plain")
    a.join(quiet)
    b.join(quiet)
    a.join(plain)
    c.join(plain)
    a.ok("update", {"data": {"name": "a"}, "echo": True})
    c.wait_for("channel:update", lambda p: p == {"channel": plain, "message": {"id": a.sid, "data": {"name": "a"}}})
    a.wait_for("channel:update", in_channel(plain))  # echo, in the presence-on channel only
    for x in (a, b):
        x.assert_not_received("channel:update", in_channel(quiet), what="in a presence-off channel")


def test_presence_off_disconnect_is_not_announced(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    ch = unique("quiet:")
    a.join(ch)
    b.join(ch)
    b.disconnect()
    a.assert_not_received("channel:leave", what="for a disconnect in a presence-off channel", within=1.0)


def test_presence_off_members_is_refused(rc):
    a = rc.client(edge=0)
    ch = unique("quiet:")
    a.join(ch)
    assert_refused(a.call("members", {"channel": ch}), "not_allowed", "quiet:*", "members of a presence-off channel")
    for edge in range(len(rc.edges)):
        r = rc.api("GET", f"/api/v1/channels/{path_of(ch)}/members", edge=edge)
        body = assert_api_error(r, 403, f"GET members of a presence-off channel via edge {edge}")
        assert body["errors"][0]["code"] == "not_allowed", f"GET members of a presence-off channel: {r.text[:300]}"


def test_presence_off_channels_are_not_listed(rc):
    """PROTOCOL.md §9 as built: nothing is stored per member, so GET /api/v1/channels omits them."""
    a, b = rc.client(edge=0), rc.client(edge=1)
    quiet, plain = unique("quiet:"), unique("plain")
    for x in (a, b):
        x.join(quiet)
        x.join(plain)
    for edge in range(len(rc.edges)):
        r = rc.api("GET", "/api/v1/channels", edge=edge)
        assert r.status_code == 200, f"GET channels via edge {edge}: HTTP {r.status_code} {r.text[:200]}"
        counts = _channel_counts(r.json())
        assert counts.get(plain) == 2, f"the presence-on channel is not listed with 2 members: {short(counts)}"
        assert quiet not in counts, f"a presence-off channel is listed via edge {edge}: {short(counts)}"


def test_presence_off_messages_still_flow(rc):
    a, b = rc.client(edge=0), rc.client(edge=1)
    outsider = rc.client(edge=0)
    ch = unique("quiet:")
    a.join(ch)
    b.join(ch)
    assert message_ack(a, ch, "chat", {"n": 1}) == {"ok": True}
    for x in (a, b):
        x.wait_for("chat", lambda p: p == {"channel": ch, "message": {"n": 1}})
    r = rc.api("POST", f"/api/v1/channels/{path_of(ch)}/messages", edge=1, json={"eventName": "srv", "message": 2})
    assert r.status_code == 202, f"POST messages: HTTP {r.status_code} {r.text[:200]}"
    for x in (a, b):
        x.wait_for("srv", lambda p: p == {"channel": ch, "message": 2})
    outsider.assert_not_received("srv", what="as a non-member of a presence-off channel")


# --------------------------------------------------------------------------- refusal counts


def test_refusals_are_counted_per_rule_in_stats_and_metrics(rc):
    rule = "counted:*"
    anon = rc.client(edge=0)
    user = rc.client(edge=0, auth=session(unique("user")))
    before = dict(rule_refusals(rc, 0).get(rule) or {})
    ch = unique("counted:")
    assert_refused(join_ack(anon, ch), "not_allowed", rule, "session-less join")
    assert_refused(join_ack(anon, unique("counted:")), "not_allowed", rule, "session-less join")
    user.join(ch)
    assert_refused(message_ack(user, ch, "chat", 1), "not_allowed", rule, "a message under publish server")
    assert_refused(user.call("members", {"channel": ch}), "not_allowed", rule, "members under presence off")
    want = {"join": 2, "publish": 1, "members": 1}

    def delta():
        now = rule_refusals(rc, 0).get(rule) or {}
        return {k: now.get(k, 0) - before.get(k, 0) for k in want}

    got = wait_until(lambda: delta() == want and delta(), timeout=1.0) or delta()
    assert got == want, f"/stats channelRuleRefusals[{rule!r}] grew by {got}, expected {want}"
    counts = rule_refusals(rc, 0)[rule]
    r = rc.api("GET", "/metrics", edge=0, key=None)
    assert r.status_code == 200
    values = metric_values(r.text, "realtime_channel_rule_refusals_total")
    for action in want:
        mine = [v for labels, v in values if labels.get("rule") == rule and labels.get("action") == action]
        assert mine == [counts[action]], \
            f"/metrics realtime_channel_rule_refusals_total{{rule={rule!r},action={action!r}}}: {mine}, " \
            f"/stats says {counts[action]}; all samples: {short(values, 800)}"


def test_refusals_of_a_rule_with_quotes_in_its_match_are_escaped_in_metrics(rc):
    a = rc.client(edge=0)
    before = (rule_refusals(rc, 0).get(ODD_RULE) or {}).get("join", 0)
    assert_refused(join_ack(a, ODD_RULE[:-1] + unique()), "not_allowed", ODD_RULE, "join under the odd rule")
    assert wait_until(lambda: (rule_refusals(rc, 0).get(ODD_RULE) or {}).get("join", 0) == before + 1, timeout=1.0), \
        f"/stats channelRuleRefusals has no join count for {ODD_RULE!r}: {short(rule_refusals(rc, 0))}"
    text = rc.api("GET", "/metrics", edge=0, key=None).text
    values = metric_values(text, "realtime_channel_rule_refusals_total")
    mine = [v for labels, v in values if labels.get("rule") == ODD_RULE and labels.get("action") == "join"]
    raw = [l for l in text.splitlines() if "odd" in l]
    assert mine == [before + 1], f"/metrics for rule {ODD_RULE!r}: {mine}; lines: {raw}"


def test_token_and_webhook_refusals_are_counted_as_join(rc):
    a = rc.client(edge=1)
    before = rule_refusals(rc, 1)
    ch = unique("tok:")
    assert_refused(join_ack(a, ch, token="junk"), "invalid_channel_token", "tok:*", "junk token")
    assert_refused(join_ack(a, unique("hook:deny:")), "not_allowed", "hook:*", "webhook deny")

    def grew(rule):
        return (rule_refusals(rc, 1).get(rule) or {}).get("join", 0) - (before.get(rule) or {}).get("join", 0)

    assert wait_until(lambda: grew("tok:*") == 1 and grew("hook:*") == 1, timeout=1.0), \
        f"join refusals grew by tok:* {grew('tok:*')}, hook:* {grew('hook:*')}; expected 1 each"


# --------------------------------------------------------------------------- cluster-wide, live


def poll_until(fn, want, within: float = 1.0):
    """Call fn until want(result); True and the start time of the successful attempt, or False and recent results."""
    t0 = time.monotonic()
    seen = []
    while True:
        started = time.monotonic() - t0
        got = fn()
        seen.append(got)
        if want(got):
            return True, started
        if time.monotonic() - t0 > within:
            return False, seen[-3:]
        time.sleep(0.05)


def test_rule_change_through_one_edge_applies_on_the_other_within_a_second(make_cluster):
    c = make_cluster(reuse=False, edges=2)
    other = len(c.edges) - 1
    anon = c.client(edge=other)
    pub = unique("cwp:")
    anon.join(pub)
    assert message_ack(anon, pub, "chat", 1) == {"ok": True}
    probe = unique("cw:")
    anon.join(probe)  # no rule yet
    anon.leave(probe)

    cfg = get_config(c)
    rules = [{"match": "cw:*", "join": "session"}, {"match": "cwp:*", "publish": "server"}]
    r = put_config(c, dict(cfg, channelRules=rules), edge=0)
    assert r.status_code == 200, f"PUT config with channelRules: HTTP {r.status_code} {r.text[:300]}"

    def try_join():
        ch = unique("cw:")
        ack = join_ack(anon, ch)
        if ack == {"ok": True}:
            anon.leave(ch)
        return ack

    ok, info = poll_until(try_join, lambda a: is_error(a, "not_allowed"))
    assert ok, f"a join rule PUT through edge 0 was not applied on edge {other} within 1s: {short(info)}"
    ok, info = poll_until(lambda: message_ack(anon, pub, "chat", 2), lambda a: is_error(a, "not_allowed"))
    assert ok, f"a publish rule PUT through edge 0 was not applied on edge {other} within 1s: {short(info)}"

    r = put_config(c, dict(get_config(c), channelRules=[]), edge=other)
    assert r.status_code == 200, f"PUT config without rules: HTTP {r.status_code} {r.text[:300]}"
    ok, info = poll_until(lambda: join_ack(c.client(edge=0), unique("cw:")), lambda a: a == {"ok": True})
    assert ok, f"removing the rules through edge {other} was not applied on edge 0 within 1s: {short(info)}"


def test_a_stricter_rule_leaves_joined_connections_joined(make_cluster):
    """PROTOCOL.md §9 as built: a change applies to the next join; joined connections stay joined."""
    c = make_cluster(reuse=False, edges=2)
    other = len(c.edges) - 1
    anon = c.client(edge=other)
    ch = unique("cws:")
    anon.join(ch)
    r = put_config(c, dict(get_config(c), channelRules=[{"match": "cws:*", "join": "session"}]), edge=0)
    assert r.status_code == 200, f"PUT config with channelRules: HTTP {r.status_code} {r.text[:300]}"
    ok, info = poll_until(lambda: join_ack(anon, unique("cws:")), lambda a: is_error(a, "not_allowed"))
    assert ok, f"the rule was not applied on edge {other} within 1s: {short(info)}"
    r = c.api("POST", f"/api/v1/channels/{path_of(ch)}/messages", json={"eventName": "srv", "message": 1})
    assert r.status_code == 202, f"POST messages: HTTP {r.status_code} {r.text[:200]}"
    anon.wait_for("srv", lambda p: p == {"channel": ch, "message": 1})
    assert members_set(anon.members(ch)) == {anon.sid: None}


# --------------------------------------------------------------------------- settings


def base_settings(hook_url: str) -> dict:
    return dict(DEFAULT_SETTINGS, channelRules=[
        {"match": "vs:*", "join": "session"},
        {"match": "hook:*", "join": "webhook"},
    ], authWebhook={"url": hook_url, "secret": WEBHOOK_SECRET})


@pytest.fixture
def vc(make_cluster, webhook):
    """A deployment for settings tests; anything a test changes is put back."""
    c = make_cluster(settings=base_settings(webhook.url), edges=2)
    before = get_config(c)
    yield c
    if without_version(get_config(c)) != without_version(before):
        put_config(c, without_version(before))


def test_config_get_returns_the_seeded_rules_with_defaults(vc, webhook):
    for edge in range(len(vc.edges)):
        cfg = get_config(vc, edge)
        assert drop_nulls(cfg.get("channelRules")) == [full_rule({"match": "vs:*", "join": "session"}),
                                                       full_rule({"match": "hook:*", "join": "webhook"})], \
            f"GET config channelRules via edge {edge}: {short(cfg.get('channelRules'))}"
        assert cfg.get("authWebhook") == {"url": webhook.url, "secret": WEBHOOK_SECRET, "timeoutMs": 2000,
                                          "cacheSeconds": 0}, f"GET config authWebhook: {short(cfg.get('authWebhook'))}"


def test_config_put_stores_rules_and_webhook(vc, webhook):
    rules = [
        {"match": "room:*", "join": "token", "publish": "members", "presence": False,
         "history": {"size": 10000, "ttlSeconds": 604800}},
        {"match": "exact-name", "join": "webhook", "publish": "server", "presence": True,
         "history": {"size": 1, "ttlSeconds": 1}},
        {"match": "*", "join": "session"},
        {"match": "partial:*"},
    ]
    hook = {"url": webhook.url, "secret": "s3", "timeoutMs": 30000, "cacheSeconds": 3600}
    if vc.backend == "rediscluster":
        # A Redis Cluster keeps no history (PROTOCOL.md §7): refused with the reason.
        r = put_config(vc, dict(without_version(get_config(vc)), channelRules=rules, authWebhook=hook))
        assert r.status_code == 400 and "not supported on a Redis Cluster" in r.text, r.text
        rules = [{k: v for k, v in rule.items() if k != "history"} for rule in rules]
    doc = dict(without_version(get_config(vc)), channelRules=rules, authWebhook=hook)
    r = put_config(vc, doc)
    assert r.status_code == 200, f"PUT valid rules: HTTP {r.status_code} {r.text[:300]}"
    want_rules = [full_rule(x) for x in rules]
    assert drop_nulls(r.json().get("channelRules")) == want_rules, f"PUT answered {short(r.json())}"
    for edge in range(len(vc.edges)):
        cfg = get_config(vc, edge)
        assert drop_nulls(cfg.get("channelRules")) == want_rules, f"GET via edge {edge}: {short(cfg)}"
        assert cfg.get("authWebhook") == hook, f"GET authWebhook via edge {edge}: {short(cfg.get('authWebhook'))}"
    hook_min = {"url": webhook.url, "secret": "s", "timeoutMs": 100, "cacheSeconds": 0}
    r = put_config(vc, dict(doc, authWebhook=hook_min))
    assert r.status_code == 200 and r.json().get("authWebhook") == hook_min, \
        f"PUT with timeoutMs 100, cacheSeconds 0: HTTP {r.status_code} {r.text[:300]}"


def test_unreachable_webhook_denies(vc, webhook):
    dead = f"http://{HOST}:{free_port()}/realtime/auth"  # nothing listens there
    doc = dict(without_version(get_config(vc)), authWebhook={"url": dead, "secret": WEBHOOK_SECRET, "timeoutMs": 2000})
    r = put_config(vc, doc, edge=0)
    assert r.status_code == 200, f"PUT config: HTTP {r.status_code} {r.text[:300]}"
    a = vc.client(edge=0)
    ch = unique("hook:allow:")
    t0 = time.monotonic()
    assert_refused(join_ack(a, ch), "not_allowed", "hook:*", "join when the webhook URL is unreachable")
    assert time.monotonic() - t0 < 2.5, "the join waited far longer than timeoutMs"
    assert webhook.for_channel(ch) == [], "the old webhook URL was asked after the settings changed"
    assert vc.api("GET", f"/api/v1/channels/{path_of(ch)}/members").json() == []


def test_config_get_output_can_be_put_back(vc):
    cfg = get_config(vc)
    r = put_config(vc, cfg)
    assert r.status_code == 200, f"PUT of GET's own document: HTTP {r.status_code} {r.text[:300]}"
    assert drop_nulls(without_version(get_config(vc))) == drop_nulls(without_version(cfg))


def _rules(*rules):
    return lambda base: dict(base, channelRules=list(rules))


def _hook(**changes):
    def f(base):
        hook = dict(base["authWebhook"])
        for k, v in changes.items():
            if v is ...:
                hook.pop(k, None)
            else:
                hook[k] = v
        return dict(base, authWebhook=hook)
    return f


INVALID = [
    ("star-inside", _rules({"match": "a*b"})),
    ("star-first", _rules({"match": "*a"})),
    ("double-star", _rules({"match": "a**"})),
    ("empty-match", _rules({"match": ""})),
    ("match-missing", _rules({"join": "session"})),
    ("match-not-a-string", _rules({"match": 7})),
    ("match-control-character", _rules({"match": "bad\u0007name"})),
    ("duplicate-match", _rules({"match": "dup:*", "join": "session"}, {"match": "dup:*", "join": "anyone"})),
    ("duplicate-exact-match", _rules({"match": "dup", "join": "session"}, {"match": "dup", "publish": "server"})),
    ("bad-join", _rules({"match": "x:*", "join": "admins"})),
    ("bad-publish", _rules({"match": "x:*", "publish": "nobody"})),
    ("join-wrong-case", _rules({"match": "x:*", "join": "Session"})),
    ("presence-not-bool", _rules({"match": "x:*", "presence": "false"})),
    ("unknown-rule-key", _rules({"match": "x:*", "joins": "session"})),
    ("rule-not-an-object", _rules("x:*")),
    ("rules-not-a-list", lambda base: dict(base, channelRules={"match": "x:*"})),
    ("unknown-top-level-key", lambda base: dict(base, channelRule=[{"match": "x:*", "join": "session"}])),
    ("history-size-0", _rules({"match": "h:*", "history": {"size": 0, "ttlSeconds": 60}})),
    ("history-size-10001", _rules({"match": "h:*", "history": {"size": 10001, "ttlSeconds": 60}})),
    ("history-ttl-0", _rules({"match": "h:*", "history": {"size": 10, "ttlSeconds": 0}})),
    ("history-ttl-604801", _rules({"match": "h:*", "history": {"size": 10, "ttlSeconds": 604801}})),
    ("history-not-an-object", _rules({"match": "h:*", "history": 100})),
    ("history-unknown-key", _rules({"match": "h:*", "history": {"size": 10, "ttlSeconds": 60, "max": 1}})),
    ("webhook-rule-without-authWebhook",
     lambda base: {k: v for k, v in base.items() if k != "authWebhook"}),
    ("timeoutMs-99", _hook(timeoutMs=99)),
    ("timeoutMs-30001", _hook(timeoutMs=30001)),
    ("cacheSeconds-negative", _hook(cacheSeconds=-1)),
    ("cacheSeconds-3601", _hook(cacheSeconds=3601)),
    ("authWebhook-without-url", _hook(url=...)),
    ("authWebhook-url-not-http", _hook(url="ftp://127.0.0.1/auth")),
    ("authWebhook-without-secret", _hook(secret=...)),
    ("authWebhook-empty-secret", _hook(secret="")),
    ("timeoutMs-not-a-number", _hook(timeoutMs="500")),
    ("authWebhook-not-an-object", lambda base: dict(base, authWebhook="http://127.0.0.1/auth")),
    ("authWebhook-unknown-key", _hook(retries=3)),
]


@pytest.mark.parametrize("why,change", INVALID, ids=[w for w, _ in INVALID])
def test_config_put_refuses_invalid_rules_and_keeps_the_settings(vc, webhook, why, change):
    before = get_config(vc)
    doc = change(copy.deepcopy(without_version(before)))
    r = put_config(vc, doc)
    try:
        body = assert_api_error(r, 400, f"PUT config with {why}")
    except AssertionError:
        if r.status_code < 300:  # put the settings back for the next tests
            put_config(vc, without_version(before))
        raise
    assert body["errors"][0]["code"] == INVALID_SETTINGS_CODE, f"PUT config with {why}: {r.text[:300]}"
    after = get_config(vc, len(vc.edges) - 1)
    assert after == before, f"a refused PUT ({why}) changed the settings: {short(after)}"


def test_refused_rules_leave_the_rules_in_force(vc):
    before = get_config(vc)
    doc = dict(without_version(before), channelRules=[{"match": "vs:*", "join": "anyone"},
                                                      {"match": "vs:*", "join": "anyone"}])
    assert_api_error(put_config(vc, doc), 400, "PUT with a duplicate match")
    time.sleep(1.2)  # longer than a valid change takes to reach every edge
    for edge in range(len(vc.edges)):
        anon = vc.client(edge=edge)
        assert_refused(join_ack(anon, unique("vs:")), "not_allowed", "vs:*",
                       f"vs:* (session) on edge {edge} after a refused PUT")


# --------------------------------------------------------------------------- presence off at scale


class Raw:
    """A minimal Engine.IO/Socket.IO client over a plain socket, for thousands of members."""

    __slots__ = ("sock", "buf", "sid")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""
        self.sid = ""

    @staticmethod
    def frame(text: str) -> bytes:
        p = text.encode()
        n = len(p)
        mask = os.urandom(4)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
        return head + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(p))

    def send(self, text: str) -> None:
        self.sock.sendall(self.frame(text))

    def _take(self) -> Optional[tuple[int, bytes]]:
        if len(self.buf) < 2:
            return None
        n, off = self.buf[1] & 0x7F, 2
        if n == 126:
            if len(self.buf) < 4:
                return None
            n, off = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            if len(self.buf) < 10:
                return None
            n, off = struct.unpack(">Q", self.buf[2:10])[0], 10
        if len(self.buf) < off + n:
            return None
        op, payload = self.buf[0] & 0x0F, self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return op, payload

    def recv(self, deadline: float) -> str:
        """The next text frame (pings answered); raises on a close or at the deadline."""
        while True:
            f = self._take()
            if f is not None:
                op, payload = f
                if op == 8:
                    raise ConnectionError(f"close frame {payload[:2].hex()} {payload[2:]!r}")
                if op != 1:
                    continue
                text = payload.decode()
                if text == "2":
                    self.send("3")
                    continue
                return text
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no frame before the deadline")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed")
            self.buf += data

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def open_raw(port: int, n: int, batch: int = 100) -> list[Raw]:
    """n Socket.IO connections to an edge; in batches, so the listen backlog never overflows."""
    out: list[Raw] = []
    for start in range(0, n, batch):
        cur = []
        for _ in range(min(batch, n - start)):
            s = socket.create_connection((HOST, port), timeout=10)
            key = base64.b64encode(os.urandom(16)).decode()
            s.sendall((f"GET /realtime/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                       f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                       f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
            cur.append(Raw(s))
        out.extend(cur)
        deadline = time.monotonic() + 30
        for c in cur:
            while b"\r\n\r\n" not in c.buf:
                c.sock.settimeout(max(0.01, deadline - time.monotonic()))
                data = c.sock.recv(65536)
                if not data:
                    raise ConnectionError(f"closed during the upgrade: {c.buf[:200]!r}")
                c.buf += data
            head, c.buf = c.buf.split(b"\r\n\r\n", 1)
            assert b" 101 " in head.split(b"\r\n")[0], f"upgrade answered {head[:200]!r}"
            opened = c.recv(deadline)
            assert opened.startswith("0{"), f"expected the Engine.IO open packet, got {opened[:200]!r}"
            c.send("40")
        for c in cur:
            ans = c.recv(deadline)
            assert ans.startswith("40{"), f"CONNECT answered {ans[:200]!r}"
            c.sid = json.loads(ans[2:])["sid"]
    return out


def join_raw(conns: list[Raw], ch: str, window: int = 100, timeout: float = 60.0) -> list[str]:
    """Join every connection to ch with at most `window` joins outstanding; return unexpected frames."""
    pkt = "421" + json.dumps(["join", {"channel": ch}])
    pending: deque[Raw] = deque()
    unexpected: list[str] = []
    deadline = time.monotonic() + timeout

    def settle(c: Raw) -> None:
        while True:
            t = c.recv(deadline)
            if t.startswith("431"):
                assert t == '431[{"ok":true}]', f"join {ch} acked {t[:300]}"
                return
            unexpected.append(t)

    for c in conns:
        c.send(pkt)
        pending.append(c)
        if len(pending) >= window:
            settle(pending.popleft())
    while pending:
        settle(pending.popleft())
    return unexpected


def quiet_sockets(conns: list[Raw], within: float) -> list[tuple[str, bytes]]:
    """(sid, first bytes) of every connection that received anything within `within` seconds."""
    got = []
    for c in conns:
        if c.buf:
            got.append((c.sid, c.buf[:120]))
    sel = selectors.DefaultSelector()
    idle = {c.sock.fileno(): c for c in conns if not c.buf}
    for fd, c in idle.items():
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ, c)
    deadline = time.monotonic() + within
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, _ in sel.select(left):
                c = key.data
                try:
                    data = c.sock.recv(65536)
                except BlockingIOError:
                    continue
                got.append((c.sid, data[:120]))
                sel.unregister(c.sock)
    finally:
        sel.close()
        for c in idle.values():
            c.sock.setblocking(True)
    return got


def receive_one_each(conns: list[Raw], within: float) -> tuple[list[str], list[str]]:
    """Read one text frame from every connection; (frames, sids that got none)."""
    frames, missing = [], []
    deadline = time.monotonic() + within
    for c in conns:
        try:
            frames.append(c.recv(deadline))
        except (TimeoutError, socket.timeout, ConnectionError, OSError):
            missing.append(c.sid)
    return frames, missing


# As many members as practical: the limit is the edge's accept rate (a debug build on a
# 2-CPU machine opens ~1,000 sockets a second) and file descriptors (two per member on
# this machine: one here, one in an edge). Override with RT_PRESENCE_OFF_MEMBERS.
BIG_MEMBERS = int(os.environ.get("RT_PRESENCE_OFF_MEMBERS", "10000"))


@pytest.mark.timeout(300)
def test_presence_off_join_costs_the_same_whatever_the_channel_size(make_cluster, webhook):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < BIG_MEMBERS + 512:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the edges inherit it too
        soft = hard
    n = BIG_MEMBERS if soft == resource.RLIM_INFINITY else min(BIG_MEMBERS, soft - 512)
    assert n >= 1000, f"RLIMIT_NOFILE {soft} leaves room for only {n} members"
    # no pings while we count frames; a ping would be a frame written
    c = make_cluster(reuse=False, settings=rules_settings(webhook.url), edges=2,
                     ping_interval=600_000, ping_timeout=60_000)
    conns: list[Raw] = []
    try:
        # First, on a small scale: a presence-off join announces nothing (else the bulk
        # joins below would be quadratic).
        probe = open_raw(c.edge(0).port, 2)
        conns += probe
        small = unique("quiet:")
        extra = join_raw(probe, small)
        assert not extra and not quiet_sockets(probe, QUIET_WAIT), \
            f"a join into a presence-off channel sent {short(extra)}; not measuring at scale"

        t0 = time.monotonic()
        per_edge = [n // len(c.edges) + (1 if i < n % len(c.edges) else 0) for i in range(len(c.edges))]
        members: list[Raw] = []
        for i, k in enumerate(per_edge):
            members += open_raw(c.edge(i).port, k)
        conns += members
        big = unique("quiet:")
        extra = join_raw(members, big)
        assert not extra, f"members received {len(extra)} frames besides their acks while joining: {short(extra[:5])}"
        setup_s = time.monotonic() - t0
        assert not quiet_sockets(members, QUIET_WAIT), "members received frames after the joins settled"

        joiners = open_raw(c.edge(0).port, 2)
        conns += joiners
        empty = unique("quiet:")

        def cost_of_join(j: Raw, ch: str) -> int:
            before = messages_out(c)
            assert join_raw([j], ch) == [], f"the joiner of {ch} received frames besides its ack"
            time.sleep(QUIET_WAIT)  # anything the join triggers is counted at enqueue, well within this
            return messages_out(c) - before

        cost_empty = cost_of_join(joiners[0], empty)
        cost_big = cost_of_join(joiners[1], big)
        announced = quiet_sockets(members, QUIET_WAIT)
        assert cost_big - cost_empty == 0, \
            f"a join into a {n}-member presence-off channel wrote {cost_big} frames, into an empty one " \
            f"{cost_empty} (setup took {setup_s:.1f}s)"
        assert cost_empty == 1, f"a join into an empty presence-off channel wrote {cost_empty} frames, expected 1 (ack)"
        assert not announced, f"{len(announced)} members received frames after a join: {short(announced[:3])}"

        # They are members all the same: a server message reaches every one of them once.
        before = messages_out(c)
        r = c.api("POST", f"/api/v1/channels/{path_of(big)}/messages", json={"eventName": "srv", "message": 1})
        assert r.status_code == 202, f"POST messages: HTTP {r.status_code} {r.text[:200]}"
        frames, missing = receive_one_each(members + [joiners[1]], within=30)
        assert not missing, f"{len(missing)} of {n + 1} members got no message (first: {missing[:3]})"
        want = '42["srv",' + json.dumps({"channel": big, "message": 1}, separators=(",", ":")) + "]"
        wrong = [f for f in frames if json.loads(f[2:]) != ["srv", {"channel": big, "message": 1}]]
        assert not wrong, f"{len(wrong)} members got something else than {want}: {short(wrong[:3])}"
        assert wait_until(lambda: messages_out(c) - before == n + 1, timeout=2.0), \
            f"the message wrote {messages_out(c) - before} frames to {n + 1} members"
    finally:
        for x in conns:
            x.close()
