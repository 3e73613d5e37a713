// The browser sources live here as literals; edit them in place (no build step).
extension StaticAssets {
    /// The demo chat page served at `/demo/` when the edge runs with `--demo`.
    static let demoHTML = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Realtime demo chat</title>
    <style>
      :root { --bg: #f4f5f7; --panel: #fff; --ink: #1d2330; --muted: #6b7385; --accent: #3867d6; --line: #e1e4ea; }
      * { box-sizing: border-box; }
      body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
      header { display: flex; align-items: center; gap: 12px; padding: 12px 20px; background: var(--ink); color: #fff; }
      header h1 { font-size: 17px; margin: 0; font-weight: 600; }
      #status { margin-left: auto; font-size: 13px; padding: 3px 10px; border-radius: 10px; background: #59606e; }
      #status[data-state="connected"] { background: #20bf6b; }
      #status[data-state="reconnecting"] { background: #f7b731; color: #222; }
      #status[data-state="error"] { background: #eb3b5a; }
      form { display: flex; gap: 8px; padding: 12px 20px; background: var(--panel); border-bottom: 1px solid var(--line); flex-wrap: wrap; }
      input { font: inherit; padding: 7px 10px; border: 1px solid var(--line); border-radius: 6px; min-width: 0; }
      button { font: inherit; padding: 7px 14px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
      button.secondary { background: #8a93a6; }
      button:disabled { opacity: .5; cursor: default; }
      main { display: grid; grid-template-columns: 240px 1fr; gap: 16px; padding: 16px 20px; height: calc(100vh - 170px); min-height: 320px; }
      section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; display: flex; flex-direction: column; min-height: 0; }
      section h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0; padding: 10px 14px; border-bottom: 1px solid var(--line); }
      #members { list-style: none; margin: 0; padding: 6px 0; overflow: auto; }
      #members li { display: flex; align-items: center; gap: 8px; padding: 5px 14px; }
      #members li .dot { width: 10px; height: 10px; border-radius: 50%; flex: none; }
      #members li.me { font-weight: 600; }
      #members li .sid { color: var(--muted); font-size: 11px; margin-left: auto; font-family: ui-monospace, monospace; }
      #log { list-style: none; margin: 0; padding: 8px 14px; overflow: auto; flex: 1; }
      #log li { padding: 3px 0; }
      #log li.system { color: var(--muted); font-size: 13px; }
      #log li.broadcast { color: #8854d0; }
      #log li.error { color: #eb3b5a; }
      #log .who { font-weight: 600; margin-right: 6px; }
      #compose { border-top: 1px solid var(--line); border-bottom: 0; padding: 10px 14px; }
      #message { flex: 1; }
    </style>
    </head>
    <body>
    <header><h1>Realtime demo chat</h1><span id="room-title"></span><span id="status" data-state="idle">not connected</span></header>
    <form id="setup">
      <input id="name" placeholder="your name" maxlength="40" required>
      <input id="room" placeholder="room" maxlength="80" required value="lobby">
      <button id="join" type="submit">Join</button>
      <button id="leave" type="button" class="secondary" disabled>Leave</button>
    </form>
    <main>
      <section><h2>Members (<span id="member-count">0</span>)</h2><ul id="members"></ul></section>
      <section>
        <h2>Messages</h2>
        <ul id="log"></ul>
        <form id="compose">
          <input id="message" placeholder="say something" maxlength="2000" autocomplete="off" disabled>
          <button id="send" type="submit" disabled>Send</button>
          <button id="broadcast" type="button" class="secondary" disabled>Broadcast to everyone</button>
        </form>
      </section>
    </main>
    <script type="module">
    import { Realtime } from "/client/realtime.js";

    const $ = (id) => document.getElementById(id);
    const params = new URLSearchParams(location.search);
    const members = new Map();          // socket id -> data
    let room = null;
    let rt = null;

    function colorFor(text) {
      let h = 0;
      for (const c of text) h = (h * 31 + c.codePointAt(0)) % 360;
      return `hsl(${h} 65% 50%)`;
    }
    function nameOf(id) {
      const d = members.get(id);
      return (d && typeof d === "object" && d.name) ? String(d.name) : `anonymous ${String(id).slice(0, 6)}`;
    }
    function setStatus(state, text) { $("status").dataset.state = state; $("status").textContent = text; }
    function log(kind, who, text) {
      const li = document.createElement("li");
      li.className = kind;
      if (who !== null) {
        const w = document.createElement("span");
        w.className = "who";
        w.textContent = who;
        w.style.color = colorFor(who);
        li.append(w);
      }
      li.append(document.createTextNode(text));
      $("log").append(li);
      $("log").scrollTop = $("log").scrollHeight;
    }
    function renderMembers() {
      const ul = $("members");
      ul.replaceChildren();
      const sorted = [...members.keys()].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
      for (const id of sorted) {
        const li = document.createElement("li");
        li.dataset.id = id;
        if (rt && id === rt.id) li.className = "me";
        const dot = document.createElement("span");
        dot.className = "dot";
        dot.style.background = colorFor(nameOf(id));
        const name = document.createElement("span");
        name.className = "member-name";
        name.textContent = nameOf(id) + (rt && id === rt.id ? " (you)" : "");
        const sid = document.createElement("span");
        sid.className = "sid";
        sid.textContent = String(id).slice(0, 6);
        li.append(dot, name, sid);
        ul.append(li);
      }
      $("member-count").textContent = String(members.size);
    }
    function setJoined(joined) {
      for (const id of ["message", "send", "broadcast", "leave"]) $(id).disabled = !joined;
      $("room-title").textContent = joined ? `# ${room}` : "";
    }
    async function refreshMembers() {
      if (!room) return;
      const list = await rt.getMembers(room);
      members.clear();
      for (const m of list) members.set(m.id, m.data);
      renderMembers();
    }

    function connect() {
      if (rt) return rt;
      rt = new Realtime(location.origin, { apiKey: params.get("apiKey") || undefined, session: params.get("session") || undefined });
      window.demo = { rt, members };
      rt.onConnect(({ reconnected }) => {
        setStatus("connected", "connected");
        if (reconnected) { log("system", null, "reconnected"); refreshMembers().catch(() => {}); }
      });
      rt.onDisconnect((reason) => setStatus("reconnecting", "disconnected: " + reason));
      rt.onReconnectAttempt((n) => setStatus("reconnecting", `reconnecting (attempt ${n})...`));
      rt.onError((e) => { log("error", null, `error ${e.code}: ${e.message}`); if (!rt.connected) setStatus("error", e.code); });
      rt.onJoin(({ channel, message }) => {
        if (channel !== room) return;
        members.set(message.id, message.data);
        renderMembers();
        if (message.id !== rt.id) log("system", null, `${nameOf(message.id)} joined`);
      });
      rt.onLeave(({ channel, message }) => {
        if (channel !== room) return;
        const who = nameOf(message.id);
        members.delete(message.id);
        renderMembers();
        log("system", null, `${who} left`);
      });
      rt.onUpdate(({ channel, message }) => {
        if (channel !== room) return;
        const before = members.has(message.id) ? nameOf(message.id) : null;
        members.set(message.id, message.data);
        renderMembers();
        if (before !== nameOf(message.id)) log("system", null, before ? `${before} is now ${nameOf(message.id)}` : `${nameOf(message.id)} updated their profile`);
      });
      rt.on("chat", ({ channel, message }) => {
        if (channel !== room || !message) return;
        log("message", String(message.from || "?"), String(message.text));
      });
      rt.on("announce", ({ message }) => {
        if (!message) return;
        log("broadcast", `${message.from || "?"} to everyone:`, String(message.text));
      });
      setStatus("connecting", "connecting...");
      rt.open().catch((e) => setStatus("error", e.code || "error"));
      return rt;
    }

    async function join() {
      const name = $("name").value.trim();
      const next = $("room").value.trim();
      if (!name || !next) return;
      connect();
      try {
        await rt.updateProfile({ name });
        if (room && room !== next) { await rt.leave(room); members.clear(); }
        room = next;
        await rt.join(room);
        await refreshMembers();
        setJoined(true);
        log("system", null, `you joined ${room} as ${name}`);
        document.body.dataset.joined = room;
      } catch (e) {
        log("error", null, `could not join: ${e.code || ""} ${e.message}`);
      }
    }

    $("setup").addEventListener("submit", (ev) => { ev.preventDefault(); join(); });
    $("leave").addEventListener("click", async () => {
      if (!room) return;
      const old = room;
      room = null;
      members.clear();
      renderMembers();
      setJoined(false);
      delete document.body.dataset.joined;
      try { await rt.leave(old); log("system", null, `you left ${old}`); } catch (e) { log("error", null, e.message); }
    });
    $("compose").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const text = $("message").value.trim();
      if (!text || !room) return;
      $("message").value = "";
      try { await rt.send(room, "chat", { from: $("name").value.trim(), text }); }
      catch (e) { log("error", null, `not sent: ${e.code || ""} ${e.message}`); }
    });
    $("broadcast").addEventListener("click", async () => {
      const text = $("message").value.trim();
      if (!text) return;
      $("message").value = "";
      try { await rt.broadcast("announce", { from: $("name").value.trim(), text }); }
      catch (e) { log("error", null, `not sent: ${e.code || ""} ${e.message}`); }
    });

    // Automation and shareable links: ?name=ada&room=r1&autojoin=1
    if (params.get("name")) $("name").value = params.get("name");
    if (params.get("room")) $("room").value = params.get("room");
    if (params.get("autojoin") === "1" && $("name").value) join();
    else $("name").focus();
    </script>
    </body>
    </html>
    """#
}
