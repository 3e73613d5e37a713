"""The browser client (issue 10): `/client/realtime.js` and the `/demo/` chat page,
driven in headless Chromium over the DevTools protocol.

One real `realtime edge --demo` on 127.0.0.1; two pages (ada and bob) join the same
room through the demo page, see each other by name in the members list, exchange a
message and a broadcast, and a stock python-socketio client sees the same room. The
screenshot of ada's page goes to docs/demo.png (REALTIME_UPDATE_SCREENSHOT=0 skips it).
Every process started here is killed by pid in teardown.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

import pytest
import requests
import websocket

from rt import (HOST, JWT_SECRET, MASTER_KEY, Cluster, Edge, RedisServer, RTClient, make_jwt, realtime_bin, tail, unique,
                wait_until)
from test_coordinator import chromium_args

REPO_ROOT = Path(__file__).resolve().parents[2]
HTTP = requests.Session()
HTTP.trust_env = False  # loopback only, never a proxy
PAGE_WAIT = 10.0


def start_edge(workdir: Path, index: int, args: list[str]) -> Edge:
    workdir.mkdir(parents=True, exist_ok=True)
    e = Edge(index, workdir, args, node_id=None)
    e.spawn()
    if not e.wait_healthy():
        e.proc.kill()
        pytest.fail(f"edge did not start:\n{tail(e.log)}", pytrace=False)
    return e


def stop_edge(e: Edge) -> None:
    if e.proc and e.proc.poll() is None:
        e.proc.kill()
        e.proc.wait(5)


@pytest.fixture(scope="module")
def demo_edge(tmp_path_factory):
    if not realtime_bin().exists():
        pytest.fail(f"realtime binary not found at {realtime_bin()}", pytrace=False)
    e = start_edge(tmp_path_factory.mktemp("browser-edge"), 0, ["--demo"])
    yield e
    stop_edge(e)


# --------------------------------------------------------------------------- DevTools protocol


class Page:
    """One Chromium tab, driven over its DevTools websocket."""

    def __init__(self, ws_url: str):
        self.ws = websocket.create_connection(ws_url, timeout=15, suppress_origin=True)
        self.next_id = 0
        self.console: list[str] = []

    def call(self, method: str, params: Optional[dict] = None) -> dict:
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if msg.get("method") == "Runtime.consoleAPICalled":
                self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in msg["params"]["args"]))
            elif msg.get("method") == "Runtime.exceptionThrown":
                self.console.append("exception: " + json.dumps(msg["params"]["exceptionDetails"])[:500])

    def eval(self, expression: str) -> Any:
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise AssertionError(f"page threw for {expression[:80]!r}: {json.dumps(r['exceptionDetails'])[:800]}")
        return r["result"].get("value")

    def wait(self, expression: str, what: str, timeout: float = PAGE_WAIT) -> Any:
        guarded = f"(() => {{ try {{ return ({expression}); }} catch (e) {{ return false; }} }})()"  # page may be loading
        v = wait_until(lambda: self.eval(guarded), timeout=timeout, interval=0.05)
        assert v, f"{what} (page console: {self.console[-10:]})"
        return v

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass


class Browser:
    def __init__(self, tmp: Path):
        profile = tmp / "chromium-profile"
        self.proc = subprocess.Popen(
            chromium_args(tmp) + ["--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=open(tmp / "chromium.log", "wb"), stdin=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        assert wait_until(lambda: port_file.exists() and port_file.read_text().strip(), timeout=20), \
            f"chromium did not open its DevTools port:\n{(tmp / 'chromium.log').read_text(errors='replace')[-2000:]}"
        self.port = int(port_file.read_text().split()[0])
        self.pages: list[tuple[str, Page]] = []

    def open(self, url: str) -> Page:
        r = HTTP.put(f"http://{HOST}:{self.port}/json/new?{quote(url, safe='')}", timeout=10)
        r.raise_for_status()
        target = r.json()
        page = Page(target["webSocketDebuggerUrl"])
        page.call("Runtime.enable")
        self.pages.append((target["id"], page))
        origin = "/".join(url.split("/")[:3])
        page.wait(f"location.origin === {json.dumps(origin)} && document.readyState === 'complete'", f"{url} did not load")
        return page

    def close_page(self, page: Page) -> None:
        for tid, p in self.pages:
            if p is page:
                p.close()
                HTTP.get(f"http://{HOST}:{self.port}/json/close/{tid}", timeout=10)

    def close(self) -> None:
        for _, p in self.pages:
            p.close()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path)
    yield b
    b.close()


MEMBER_NAMES = "[...document.querySelectorAll('#members .member-name')].map(e => e.textContent)"
LOG_TEXT = "[...document.querySelectorAll('#log li')].map(e => e.textContent)"


# --------------------------------------------------------------------------- tests


def test_client_script_is_served_and_demo_only_when_enabled(demo_edge, tmp_path):
    r = HTTP.get(demo_edge.base + "/client/realtime.js", timeout=5)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    assert "export class Realtime" in r.text
    for path in ("/demo/", "/demo"):
        r = HTTP.get(demo_edge.base + path, timeout=5)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        assert 'import { Realtime } from "/client/realtime.js"' in r.text

    plain = start_edge(tmp_path / "plain", 1, [])
    try:
        r = HTTP.get(plain.base + "/client/realtime.js", timeout=5)
        assert r.status_code == 200 and "javascript" in r.headers["content-type"]
        for path in ("/demo/", "/demo"):
            assert HTTP.get(plain.base + path, timeout=5).status_code == 404, f"{path} served without --demo"
    finally:
        stop_edge(plain)


@pytest.mark.timeout(120)
def test_demo_pages_chat_and_see_each_other(demo_edge, browser):
    room = unique("lobby")
    ada = browser.open(f"{demo_edge.base}/demo/?name=ada&room={room}&autojoin=1")
    ada.wait(f"document.body.dataset.joined === {json.dumps(room)}", "ada's page did not join the room")
    bob = browser.open(f"{demo_edge.base}/demo/?name=bob&room={room}&autojoin=1")
    bob.wait(f"document.body.dataset.joined === {json.dumps(room)}", "bob's page did not join the room")

    ada.wait(f"{MEMBER_NAMES}.includes('bob')", "ada does not see bob in the members list")
    bob.wait(f"{MEMBER_NAMES}.includes('ada')", "bob does not see ada in the members list")
    assert sorted(ada.eval(MEMBER_NAMES)) == ["ada (you)", "bob"]
    assert sorted(bob.eval(MEMBER_NAMES)) == ["ada", "bob (you)"]
    ada.wait(f"{LOG_TEXT}.some(t => t.includes('bob joined'))", "ada's log does not show bob joining")

    # A stock Socket.IO client in the same room sees both pages with their metadata.
    py = RTClient(demo_edge.base, name="python").connect()
    try:
        ack = py.call("members", {"channel": room})
        names = sorted(m["data"]["name"] for m in ack["data"])
        assert names == ["ada", "bob"], ack
        py.ok("update", {"data": {"name": "python-socketio"}})
        py.join(room)
        ada.wait(f"{MEMBER_NAMES}.includes('python-socketio')", "ada does not see the python client by name")

        ada.eval("document.getElementById('message').value = 'hello from ada';"
                 "document.getElementById('compose').requestSubmit(); true")
        bob.wait(f"{LOG_TEXT}.some(t => t.includes('hello from ada'))", "bob did not get ada's message")
        ada.wait(f"{LOG_TEXT}.some(t => t.includes('hello from ada'))", "ada did not get her own message (echo)")
        assert wait_until(lambda: any(e == "chat" and a[0]["message"]["text"] == "hello from ada" for e, a in py.events)), \
            f"python client did not get the chat: {py.events}"

        bob.eval("document.getElementById('message').value = 'hi everyone';"
                 "document.getElementById('broadcast').click(); true")
        ada.wait("[...document.querySelectorAll('#log li.broadcast')].some(e => e.textContent.includes('hi everyone'))",
                 "ada did not see bob's broadcast")

        # The screenshot for docs/ (ada's view: both members, the messages).
        ada.eval("document.getElementById('message').value = ''; true")
        shot = base64.b64decode(ada.call("Page.captureScreenshot", {"format": "png"})["data"])
        assert len(shot) > 10_000
        docs = REPO_ROOT / "docs"
        if docs.is_dir() and os.environ.get("REALTIME_UPDATE_SCREENSHOT", "1") != "0":
            (docs / "demo.png").write_bytes(shot)

        # bob closes his tab: ada sees him leave.
        browser.close_page(bob)
        ada.wait(f"!{MEMBER_NAMES}.includes('bob')", "bob still listed after closing his page")
        ada.wait(f"{LOG_TEXT}.some(t => t.includes('bob left'))", "ada's log does not show bob leaving")
    finally:
        py.disconnect()


@pytest.mark.timeout(90)
def test_realtime_js_api_in_the_browser(demo_edge, browser):
    page = browser.open(f"{demo_edge.base}/demo/")  # any page of the edge's origin will do
    ch = unique("api")
    result = page.eval("""(async () => {
      const { Realtime, RealtimeError } = await import(location.origin + '/client/realtime.js');
      const out = {};
      const a = new Realtime(location.origin), b = new Realtime(location.origin, { echoMessages: false });
      const joins = [], updates = [], leaves = [], got = [], errors = [];
      a.onJoin((e) => joins.push(e)); a.onUpdate((e) => updates.push(e)); a.onLeave((e) => leaves.push(e));
      const onMsg = (e) => got.push(e);
      a.on('note', onMsg); b.on('note', (e) => got.push({ b: e }));
      a.onError((e) => errors.push(e.code));
      await a.open(); await b.open();
      out.ids = [typeof a.id, a.id !== b.id];
      out.joinAck = await a.join(CH);
      await b.updateProfile({ name: 'bee' });
      await b.join(CH);
      const members = await a.getMembers(CH);
      out.members = members.map((m) => m.data && m.data.name).sort();
      out.sendAck = await b.send(CH, 'note', { n: 1 });
      out.bcastAck = await b.broadcast('note', { n: 2 });
      await b.updateProfile({ name: 'bee2' });
      await b.leave(CH);
      const until = async (f) => { for (let i = 0; i < 100 && !f(); i++) await new Promise((r) => setTimeout(r, 30)); };
      await until(() => got.length >= 2 && leaves.length >= 1 && updates.length >= 1);
      out.got = got.map((e) => e.b ? 'b' : `${e.channel}:${e.message.n}`).sort();
      out.joinSeen = joins.some((e) => e.channel === CH && e.message.id === b.id);
      out.updateSeen = updates.some((e) => e.message.id === b.id && e.message.data.name === 'bee2');
      out.leaveSeen = leaves.some((e) => e.message.id === b.id);
      a.off('note', onMsg);
      try { await a.join(''); out.badJoin = 'resolved'; }
      catch (e) { out.badJoin = [e instanceof RealtimeError, e.code]; }
      const c = new Realtime(location.origin);
      try { await c.join(CH); } catch (e) { out.notOpen = e.code; }
      a.close(); b.close();
      try { await a.send(CH, 'x', 1); } catch (e) { out.afterClose = e.code; }
      out.errors = errors;
      return out;
    })()""".replace("CH", json.dumps(ch)))
    assert result["ids"] == ["string", True]
    assert result["joinAck"] == {"ok": True}
    assert set(result["members"]) == {None, "bee"}, result  # a never set a profile: data is null
    assert result["sendAck"] == {"ok": True} and result["bcastAck"] == {"ok": True}
    # a gets the channel message and the broadcast; b (echo off) gets neither of its own.
    assert result["got"] == [f"{ch}:1", "null:2"], result
    assert result["joinSeen"] and result["updateSeen"] and result["leaveSeen"], result
    assert result["badJoin"] == [True, "invalid_channel"], result
    assert result["notOpen"] == "not_connected"
    assert result["afterClose"] == "not_connected"


@pytest.mark.timeout(90)
def test_realtime_js_reconnects_and_restores_profile_and_channels(browser, tmp_path):
    """The edge is killed (SIGKILL) and comes back on the same address: the page's
    client reconnects with backoff, re-sends its profile and re-joins its channel."""
    edge = start_edge(tmp_path / "edge", 2, ["--demo"])
    restarted: Optional[subprocess.Popen] = None
    try:
        page = browser.open(f"{edge.base}/demo/")
        ch = unique("re")
        page.eval("""(async () => {
          const { Realtime } = await import(location.origin + '/client/realtime.js');
          const rt = new Realtime(location.origin, { reconnectDelay: 100, reconnectDelayMax: 400 });
          window.t = { rt, attempts: 0, connects: [], disconnects: 0 };
          rt.onReconnectAttempt(() => t.attempts++);
          rt.onConnect((e) => t.connects.push(e.reconnected));
          rt.onDisconnect(() => t.disconnects++);
          await rt.open();
          await rt.updateProfile({ name: 'phoenix' });
          await rt.join(CH);
          return true;
        })()""".replace("CH", json.dumps(ch)))
        first_id = page.eval("t.rt.id")

        edge.proc.kill()
        edge.proc.wait(5)
        page.wait("t.disconnects === 1 && t.attempts >= 1", "the client did not notice the dead edge")
        # Same port, fresh process (nothing remembered server-side).
        log = open(tmp_path / "edge-restarted.log", "wb")
        restarted = subprocess.Popen([str(realtime_bin()), "edge", "--port", str(edge.port), "--host", HOST, "--demo"],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env={k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")})
        log.close()
        ok = wait_until(lambda: page.eval("t.rt.connected && t.connects.join() === 'false,true'"), timeout=20)
        assert ok, f"the client did not reconnect: {page.eval('JSON.stringify({...t, rt: t.rt.connected})')}\n" \
                   f"{tail(tmp_path / 'edge-restarted.log')}"
        assert page.eval("t.rt.id") != first_id

        py = RTClient(edge.base, name="python").connect()
        try:
            members = wait_until(lambda: py.call("members", {"channel": ch})["data"])
            assert [m["data"] for m in members] == [{"name": "phoenix"}], members
            # And the restored membership is live: a message to the channel reaches the page.
            page.eval("t.got = []; t.rt.on('ping', (e) => t.got.push(e.message)); true")
            py.ok("message", {"channel": ch, "eventName": "ping", "message": 42})
            page.wait("t.got.includes(42)", "the re-joined channel does not deliver")
        finally:
            py.disconnect()
    finally:
        if restarted and restarted.poll() is None:
            restarted.kill()
            restarted.wait(5)
        stop_edge(edge)


@pytest.mark.timeout(90)
def test_realtime_js_recovers_without_missing_a_message(browser, tmp_path):
    """Connection state recovery in the browser: the page's edge is killed (SIGKILL) while
    messages keep coming through another edge of the same Redis; an edge comes back on the
    page's address and the client recovers its session (same id, `recovered`), with every
    message it missed exactly once and in order, and no re-join of its own."""
    redis = RedisServer(tmp_path).start()
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"recovery": {"enabled": True, "maxDisconnectionSeconds": 60},
                                    "channelRules": [{"match": "rec*", "history": {"size": 3, "ttlSeconds": 60}}]}))
    args = ["--demo", "--redis", redis.url, "--settings", str(settings), "--master-key", MASTER_KEY]
    edge = start_edge(tmp_path / "edge-a", 3, args)
    other = start_edge(tmp_path / "edge-b", 4, args)
    restarted: Optional[subprocess.Popen] = None

    def publish(n: int) -> None:
        r = HTTP.post(f"{other.base}/api/v1/channels/{quote(ch, safe='')}/messages",
                      headers={"Authorization": f"Bearer {MASTER_KEY}"}, json={"eventName": "note", "message": n}, timeout=5)
        assert r.status_code == 202, r.text

    try:
        page = browser.open(f"{edge.base}/demo/")
        ch = unique("rec")
        page.eval("""(async () => {
          const { Realtime } = await import(location.origin + '/client/realtime.js');
          const rt = new Realtime(location.origin, { reconnectDelay: 100, reconnectDelayMax: 400 });
          window.t = { rt, got: [], connects: [], sent: [] };
          rt.on('note', (e) => t.got.push(e.message));
          rt.onConnect((e) => t.connects.push(e));
          const emit = rt._emit.bind(rt);
          rt._emit = (event, payload) => { t.sent.push(event); return emit(event, payload); };
          await rt.open();
          await rt.join(CH);
          return true;
        })()""".replace("CH", json.dumps(ch)))
        first_id = page.eval("t.rt.id")
        publish(0)
        page.wait("t.got.length === 1", "the first message did not arrive")

        edge.proc.kill()
        edge.proc.wait(5)
        page.wait("!t.rt.connected", "the client did not notice the dead edge")
        for n in range(1, 6):
            publish(n)
        log = open(tmp_path / "edge-restarted.log", "wb")
        restarted = subprocess.Popen([str(realtime_bin()), "edge", "--port", str(edge.port), "--host", HOST] + args,
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env={k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")})
        log.close()
        ok = wait_until(lambda: page.eval("t.rt.connected && t.connects.length === 2"), timeout=20)
        assert ok, f"the client did not reconnect:\n{tail(tmp_path / 'edge-restarted.log')}"
        assert page.eval("t.rt.recovered && t.connects[1].recovered") is True, page.eval("JSON.stringify(t.connects)")
        assert page.eval("t.rt.id") == first_id
        publish(6)
        page.wait("t.got.length >= 7", "the missed and new messages did not all arrive")
        assert page.eval("t.got") == list(range(7))
        assert page.eval("t.sent") == ["join"], "a recovered client must not re-join"
        history = page.eval("t.rt.history(CH, { limit: 2 })".replace("CH", json.dumps(ch)))
        assert [h["message"] for h in history] == [5, 6] and all(set(h) == {"offset", "eventName", "message", "publishedAt"}
                                                                 for h in history), history
    finally:
        if restarted and restarted.poll() is None:
            restarted.kill()
            restarted.wait(5)
        stop_edge(edge)
        stop_edge(other)
        redis.stop()


@pytest.mark.timeout(90)
def test_realtime_js_surfaces_connect_error_codes_and_uses_auth(browser, tmp_path):
    settings = {"enabled": True, "apiKeyRequired": True, "sessionRequired": False,
                "apiKeys": [{"key": "ak-browser", "name": "web"}], "rateLimits": []}
    c = Cluster("memory", tmp_path / "cluster", settings=settings, extra_args=["--demo"]).start()
    try:
        page = browser.open(f"{c.edges[0].base}/demo/")
        result = page.eval("""(async () => {
          const { Realtime } = await import(location.origin + '/client/realtime.js');
          const out = {};
          const bad = new Realtime(location.origin, { apiKey: 'nope' });
          const errs = [];
          bad.onError((e) => errs.push(e.code));
          try { await bad.open(); out.bad = 'connected'; } catch (e) { out.bad = e.code; }
          out.badErrors = errs;
          out.badConnected = bad.connected;
          const none = new Realtime(location.origin);
          try { await none.open(); out.none = 'connected'; } catch (e) { out.none = e.code; }
          const good = new Realtime(location.origin, { apiKey: 'ak-browser', session: SESSION });
          await good.open();
          out.good = good.connected;
          out.ack = await good.join('ok-channel');
          good.close();
          return out;
        })()""".replace("SESSION", json.dumps(make_jwt("user-1", JWT_SECRET))))
        assert result == {"bad": "invalid_api_key", "badErrors": ["invalid_api_key"], "badConnected": False,
                          "none": "missing_api_key", "good": True, "ack": {"ok": True}}, result
    finally:
        c.stop()


def test_private_room_with_channel_tokens_in_the_browser(browser, tmp_path):
    """docs/CHANNELS.md's private room, end to end: realtime.js pages with sessions join
    `room:7` only with a channel token signed for them; non-members may not post."""
    settings = {"sessionRequired": True,
                "channelRules": [{"match": "room:*", "join": "token", "publish": "members"}]}
    c = Cluster("memory", tmp_path / "cluster", settings=settings, extra_args=["--demo"]).start()
    try:
        page = browser.open(f"{c.edges[0].base}/demo/")
        ada_token = make_jwt("u-ada", JWT_SECRET, channel="room:7")
        bob_token = make_jwt("u-bob", JWT_SECRET, channel="room:7")
        result = page.eval("""(async () => {
          const { Realtime } = await import(location.origin + '/client/realtime.js');
          const out = {};
          const ada = new Realtime(location.origin, { session: ADA_SESSION });
          const bob = new Realtime(location.origin, { session: BOB_SESSION });
          const got = [];
          ada.on('chat', (e) => got.push(e.message.text));
          await ada.open(); await bob.open();
          out.adaJoin = await ada.join('room:7', { token: ADA_TOKEN });
          const code = async (p) => { try { await p; return 'ok'; } catch (e) { return e.code; } };
          out.bobNoToken = await code(bob.join('room:7'));
          out.bobAdasToken = await code(bob.join('room:7', { token: ADA_TOKEN }));
          out.bobPostsOutside = await code(bob.send('room:7', 'chat', { text: 'sneaky' }));
          out.bobJoin = await code(bob.join('room:7', { token: BOB_TOKEN }));
          out.bobPosts = await code(bob.send('room:7', 'chat', { text: 'hi ada' }));
          for (let i = 0; i < 100 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 30));
          out.got = got;
          ada.close(); bob.close();
          return out;
        })()""".replace("ADA_SESSION", json.dumps(make_jwt("u-ada", JWT_SECRET)))
               .replace("BOB_SESSION", json.dumps(make_jwt("u-bob", JWT_SECRET)))
               .replace("ADA_TOKEN", json.dumps(ada_token)).replace("BOB_TOKEN", json.dumps(bob_token)))
        assert result == {"adaJoin": {"ok": True}, "bobNoToken": "invalid_channel_token",
                          "bobAdasToken": "invalid_channel_token", "bobPostsOutside": "not_allowed",
                          "bobJoin": "ok", "bobPosts": "ok", "got": ["hi ada"]}, result
    finally:
        c.stop()
