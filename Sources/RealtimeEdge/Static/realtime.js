// realtime.js: browser client for the realtime broker (Socket.IO v4 over WebSocket).
// One ES module, no dependencies, no build step:
//   import { Realtime } from "/client/realtime.js";
//   const rt = new Realtime("https://edge.example.com", { apiKey, session });
//   await rt.open(); await rt.join("room"); rt.on("chat", ({channel, message}) => ...);
// Speaks Engine.IO 4 / Socket.IO 5 on the default namespace, WebSocket transport only.

const EIO_OPEN = "0", EIO_CLOSE = "1", EIO_PING = "2", EIO_PONG = "3", EIO_MESSAGE = "4";
const SIO_CONNECT = "0", SIO_DISCONNECT = "1", SIO_EVENT = "2", SIO_ACK = "3", SIO_CONNECT_ERROR = "4";
const USER_EVENTS = ["user:signin", "user:signout", "user:pwdchange", "user:emailchange",
  "user:phonechange", "user:update", "user:delete"];

/** An error from the server (`{error: {code, message}}`, CONNECT_ERROR) or the client. */
export class RealtimeError extends Error {
  constructor(code, message, details) {
    super(message || code);
    this.name = "RealtimeError";
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

function socketURL(url, path) {
  const base = typeof location !== "undefined" ? location.href : "http://localhost/";
  const u = new URL(url || base, base);
  if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol === "https:") u.protocol = "wss:";
  if (path) u.pathname = path;
  else if (u.pathname === "" || u.pathname === "/") u.pathname = "/realtime/";
  if (!u.pathname.endsWith("/")) u.pathname += "/";
  u.searchParams.set("EIO", "4");
  u.searchParams.set("transport", "websocket");
  u.hash = "";
  return u.toString();
}

export class Realtime {
  /**
   * @param {string} url  edge or load balancer address (http(s):// or ws(s)://); the
   *   path defaults to /realtime/. Empty: the page's own origin.
   * @param {object} [options] apiKey, session, echoMessages, and client tuning:
   *   reconnect (true), reconnectDelay (500 ms), reconnectDelayMax (10000 ms),
   *   ackTimeout (10000 ms), maxBuffered (100 emits queued while disconnected), path.
   */
  constructor(url, options = {}) {
    this.url = url;
    this.options = { reconnect: true, reconnectDelay: 500, reconnectDelayMax: 10000,
      ackTimeout: 10000, maxBuffered: 100, ...options };
    this.id = null;                 // Socket.IO sid while connected
    this.connected = false;
    this.recovered = false;         // the last connect recovered the session (nothing missed)
    this._pid = null;               // private session id, when the server offers recovery
    this._offset = null;            // offset of the last message event, sent back to recover
    this._ws = null;
    this._wanted = false;           // open() called and not close()d
    this._attempt = 0;
    this._retryTimer = null;
    this._pingTimer = null;
    this._pingDeadline = 0;
    this._nextAck = 0;
    this._acks = new Map();         // id -> {resolve, reject, timer}
    this._queue = [];               // emits waiting for a connection
    this._channels = new Set();     // remembered for re-join
    this._channelTokens = new Map(); // channel → token, for re-joins of token channels
    this._profile = undefined;      // last updateProfile data, re-sent on reconnect
    this._handlers = new Map();     // event name -> Set(handler)
    this._life = { connect: new Set(), disconnect: new Set(), reconnectAttempt: new Set(),
      error: new Set(), join: new Set(), leave: new Set(), update: new Set(), user: new Set() };
    this._opening = null;
  }

  // ------------------------------------------------------------------ connection

  /** Connects; resolves once the server accepted the handshake (rejects on CONNECT_ERROR). */
  open() {
    this._wanted = true;
    if (this.connected) return Promise.resolve(this);
    if (!this._opening) {
      let resolve, reject;
      const p = new Promise((res, rej) => { resolve = res; reject = rej; });
      this._opening = { promise: p, resolve, reject };
      if (!this._ws && !this._retryTimer) this._connect();
    }
    return this._opening.promise;
  }

  /** Disconnects for good: no reconnect; pending and queued emits are rejected. */
  close() {
    this._wanted = false;
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._pid = null;               // DISCONNECT ends the session: nothing to recover
    this._offset = null;
    const ws = this._ws;
    if (ws && ws.readyState === WebSocket.OPEN && this.connected) {
      try { ws.send(EIO_MESSAGE + SIO_DISCONNECT); } catch (_) { /* closing anyway */ }
    }
    this._teardown("io client disconnect");
    if (ws) try { ws.close(1000); } catch (_) { /* already closed */ }
    this._failQueue(new RealtimeError("not_connected", "the client was closed"));
    if (this._opening) {
      this._opening.reject(new RealtimeError("not_connected", "the client was closed"));
      this._opening = null;
    }
  }

  _connect() {
    let ws;
    try {
      ws = new WebSocket(socketURL(this.url, this.options.path));
    } catch (e) {
      this._emitLife("error", new RealtimeError("connection_failed", String(e && e.message || e)));
      this._scheduleReconnect();
      return;
    }
    this._ws = ws;
    ws.onmessage = (ev) => { if (this._ws === ws) this._onPacket(String(ev.data)); };
    ws.onclose = (ev) => { if (this._ws === ws) this._onTransportClose(`transport close (${ev.code})`); };
    ws.onerror = () => { /* followed by onclose */ };
  }

  _send(text) {
    if (this._ws && this._ws.readyState === WebSocket.OPEN) this._ws.send(text);
  }

  _onPacket(text) {
    const type = text[0];
    if (type === EIO_OPEN) {
      let open = {};
      try { open = JSON.parse(text.slice(1)); } catch (_) { /* defaults */ }
      this._pingWindow = (open.pingInterval || 25000) + (open.pingTimeout || 20000);
      this._armPingWatchdog();
      const auth = {};
      for (const k of ["apiKey", "session", "echoMessages"]) {
        if (this.options[k] !== undefined && this.options[k] !== null) auth[k] = this.options[k];
      }
      // Connection state recovery (socket.io 4.6+): the session to take back and the
      // last offset seen; the server replays what was missed, or starts a new session.
      if (this._pid) {
        auth.pid = this._pid;
        if (this._offset) auth.offset = this._offset;
      }
      this._send(EIO_MESSAGE + SIO_CONNECT + JSON.stringify(auth));
    } else if (type === EIO_PING) {
      this._send(EIO_PONG + text.slice(1));
      this._armPingWatchdog();
    } else if (type === EIO_CLOSE) {
      this._serverClosed("transport close");
    } else if (type === EIO_MESSAGE) {
      this._onSocketIO(text.slice(1));
    }
  }

  _onSocketIO(text) {
    const type = text[0];
    let i = 1;
    if (text[i] === "/") {               // namespace (only "/" is used)
      const comma = text.indexOf(",", i);
      i = comma < 0 ? text.length : comma + 1;
    }
    let id = "";
    while (i < text.length && text[i] >= "0" && text[i] <= "9") id += text[i++];
    let data;
    if (i < text.length) {
      try { data = JSON.parse(text.slice(i)); } catch (_) { return; }
    }
    switch (type) {
      case SIO_CONNECT: this._onConnected(data || {}); break;
      case SIO_CONNECT_ERROR: this._onConnectError(data); break;
      case SIO_DISCONNECT: this._serverClosed("io server disconnect"); break;
      case SIO_EVENT: if (Array.isArray(data) && data.length) this._dispatch(data[0], data.slice(1)); break;
      case SIO_ACK: this._onAck(Number(id), Array.isArray(data) ? data[0] : data); break;
    }
  }

  _onConnected({ sid, pid }) {
    const reconnected = this._attempt > 0 || this._everConnected === true;
    this.id = sid || null;
    this.connected = true;
    this._everConnected = true;
    this._attempt = 0;
    // Same pid as sent: the server restored channels and metadata and replayed what was missed.
    this.recovered = Boolean(pid && this._pid === pid);
    this._pid = pid || null;
    if (!this.recovered) this._offset = null;
    if (reconnected && !this.recovered) {
      // Restore what the server forgot: the profile first, so members see it on join.
      if (this._profile !== undefined) this._restore("update", { data: this._profile });
      for (const channel of this._channels) this._restore("join", this._joinPayload(channel));
    }
    const queued = this._queue;
    this._queue = [];
    for (const q of queued) this._transmit(q);
    if (this._opening) { this._opening.resolve(this); this._opening = null; }
    this._emitLife("connect", { id: this.id, reconnected, recovered: this.recovered });
  }

  _restore(event, payload) {
    this._transmit({ event, payload, resolve: () => {}, reject: (e) => this._emitLife("error", e) });
  }

  _onConnectError(data) {
    const d = (data && data.data) || {};
    const err = new RealtimeError(d.code || "connect_error", d.message || (data && data.message) || "connection refused", data);
    // The handshake is refused (bad key, bad session...): retrying would not help.
    this._wanted = false;
    this._teardown("connect error");
    if (this._ws) { try { this._ws.close(1000); } catch (_) { /* closed */ } this._ws = null; }
    this._failQueue(err);
    this._emitLife("error", err);
    if (this._opening) { this._opening.reject(err); this._opening = null; }
  }

  _serverClosed(reason) {
    // A deliberate server disconnect (Socket.IO 41 or Engine.IO close): do not reconnect.
    this._wanted = false;
    const ws = this._ws;
    this._teardown(reason);
    if (ws) try { ws.close(1000); } catch (_) { /* closed */ }
    const err = new RealtimeError("not_connected", `disconnected by the server (${reason})`);
    this._failQueue(err);
    if (this._opening) { this._opening.reject(err); this._opening = null; }
  }

  _onTransportClose(reason) {
    this._teardown(reason);
    if (this._wanted && this.options.reconnect) this._scheduleReconnect();
    else {
      this._wanted = false;
      const err = new RealtimeError("not_connected", reason);
      this._failQueue(err);
      if (this._opening) { this._opening.reject(err); this._opening = null; }
    }
  }

  /** Forgets the socket; in-flight acks fail (their emit may or may not have happened). */
  _teardown(reason) {
    clearTimeout(this._pingTimer);
    this._pingTimer = null;
    const ws = this._ws;
    this._ws = null;
    if (ws) { ws.onmessage = null; ws.onclose = null; }
    const wasConnected = this.connected;
    this.connected = false;
    this.id = null;
    for (const [, a] of this._acks) {
      clearTimeout(a.timer);
      a.reject(new RealtimeError("not_connected", `connection lost before the ack (${reason})`));
    }
    this._acks.clear();
    if (wasConnected) this._emitLife("disconnect", reason);
  }

  _failQueue(err) {
    const queued = this._queue;
    this._queue = [];
    for (const q of queued) q.reject(err);
  }

  _armPingWatchdog() {
    clearTimeout(this._pingTimer);
    const ws = this._ws;
    this._pingTimer = setTimeout(() => {
      if (this._ws === ws) {
        try { ws.close(4000); } catch (_) { /* closed */ }
        this._onTransportClose("ping timeout");
      }
    }, this._pingWindow || 45000);
  }

  _scheduleReconnect() {
    if (!this.options.reconnect || this._retryTimer) return;
    const attempt = ++this._attempt;
    const base = Math.min(this.options.reconnectDelayMax, this.options.reconnectDelay * 2 ** (attempt - 1));
    const delay = Math.round(base / 2 + Math.random() * base / 2);   // jitter: 50-100 %
    this._emitLife("reconnectAttempt", attempt, delay);
    this._retryTimer = setTimeout(() => {
      this._retryTimer = null;
      if (this._wanted && !this._ws) this._connect();
    }, delay);
  }

  // ------------------------------------------------------------------ emitting

  _emit(event, payload) {
    return new Promise((resolve, reject) => {
      const item = { event, payload, resolve, reject };
      if (this.connected) this._transmit(item);
      else if (!this._wanted) reject(new RealtimeError("not_connected", "call open() first"));
      else if (this._queue.length >= this.options.maxBuffered) reject(new RealtimeError("buffer_full", "too many emits while disconnected"));
      else this._queue.push(item);
    });
  }

  _transmit({ event, payload, resolve, reject }) {
    const id = this._nextAck++;
    const timer = setTimeout(() => {
      if (this._acks.delete(id)) reject(new RealtimeError("timeout", `no ack for ${event} within ${this.options.ackTimeout} ms`));
    }, this.options.ackTimeout);
    this._acks.set(id, { resolve, reject, timer });
    this._send(EIO_MESSAGE + SIO_EVENT + id + JSON.stringify([event, payload]));
  }

  _onAck(id, ack) {
    const a = this._acks.get(id);
    if (!a) return;
    this._acks.delete(id);
    clearTimeout(a.timer);
    if (ack && typeof ack === "object" && ack.error) {
      a.reject(new RealtimeError(ack.error.code || "error", ack.error.message, ack.error));
    } else {
      a.resolve(ack);
    }
  }

  /**
   * Becomes a member of `channel` (remembered and re-joined after a reconnect).
   * `options.token`: a channel token, for channels whose rule joins by "token" (a JWT
   * your backend signs for this channel and user); kept for re-joins.
   */
  join(channel, options = {}) {
    this._channels.add(channel);
    if (options.token !== undefined) this._channelTokens.set(channel, options.token);
    return this._emit("join", this._joinPayload(channel)).catch((e) => {
      if (e.code !== "not_connected" && e.code !== "timeout") {
        this._channels.delete(channel);
        this._channelTokens.delete(channel);
      }
      throw e;
    });
  }

  _joinPayload(channel) {
    const token = this._channelTokens.get(channel);
    return token === undefined ? { channel } : { channel, token };
  }

  /** Stops being a member of `channel`. */
  leave(channel) {
    this._channels.delete(channel);
    this._channelTokens.delete(channel);
    return this._emit("leave", { channel });
  }

  /** Resolves with every member of `channel` cluster-wide: `[{id, data}]`. */
  getMembers(channel) {
    return this._emit("members", { channel }).then((ack) => (ack && ack.data) || []);
  }

  /** The channel's history, oldest first: [{offset, eventName, message, publishedAt}]
   *  (channels whose rule keeps one): the newest `limit`, or with `since` (an offset from
   *  an earlier answer) the first `limit` after it. */
  history(channel, { limit, since } = {}) {
    const payload = { channel };
    if (limit !== undefined) payload.limit = limit;
    if (since !== undefined) payload.since = since;
    return this._emit("history", payload).then((ack) => (ack && ack.data) || []);
  }

  /** Sends `message` as event `eventName` to the members of `channel`. */
  send(channel, eventName, message) {
    return this._emit("message", { channel, eventName, message });
  }

  /** Sends `message` as event `eventName` to every connected client of the app. */
  broadcast(eventName, message) {
    return this._emit("message", { eventName, message });
  }

  /** Sets this connection's metadata (seen by members as `data`); re-sent after a reconnect. */
  updateProfile(data) {
    this._profile = data;
    return this._emit("update", { data });
  }

  // ------------------------------------------------------------------ receiving

  /** handler({channel, message}) for messages sent with event name `eventName`. */
  on(eventName, handler) {
    if (!this._handlers.has(eventName)) this._handlers.set(eventName, new Set());
    this._handlers.get(eventName).add(handler);
    return this;
  }

  off(eventName, handler) {
    const set = this._handlers.get(eventName);
    if (set) { if (handler) set.delete(handler); else set.clear(); }
    return this;
  }

  /** handler({channel, message: {id, data}}) when a member joins one of your channels. */
  onJoin(handler) { return this._lifeOn("join", handler); }
  /** handler({channel, message: {id, data}}) when a member leaves. */
  onLeave(handler) { return this._lifeOn("leave", handler); }
  /** handler({channel, message: {id, data}}) when a member updates its profile. */
  onUpdate(handler) { return this._lifeOn("update", handler); }
  /** handler(eventName, session, user) for user:signin, user:signout, user:update... */
  onUserEvent(handler) { return this._lifeOn("user", handler); }
  /** handler({id, reconnected, recovered}) after each successful handshake; `recovered`: the
   *  session came back whole (channels, metadata, every missed message), nothing to redo. */
  onConnect(handler) { return this._lifeOn("connect", handler); }
  /** handler(reason) when a connection ends. */
  onDisconnect(handler) { return this._lifeOn("disconnect", handler); }
  /** handler(attempt, delayMs) before each reconnect attempt. */
  onReconnectAttempt(handler) { return this._lifeOn("reconnectAttempt", handler); }
  /** handler(RealtimeError) for realtime:error events, refused handshakes and failed restores. */
  onError(handler) { return this._lifeOn("error", handler); }

  _lifeOn(kind, handler) {
    this._life[kind].add(handler);
    return () => this._life[kind].delete(handler);
  }

  _emitLife(kind, ...args) {
    for (const h of [...this._life[kind]]) {
      try { h(...args); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  _dispatch(name, args) {
    // A message event's last argument is its offset when the server offers recovery.
    if (this._pid && args.length > 1 && typeof args[args.length - 1] === "string") this._offset = args[args.length - 1];
    if (name === "channel:join") this._emitLife("join", args[0]);
    else if (name === "channel:leave") this._emitLife("leave", args[0]);
    else if (name === "channel:update") this._emitLife("update", args[0]);
    else if (name === "realtime:error") {
      const d = args[0] || {};
      this._emitLife("error", new RealtimeError(d.code || "error", d.message, d));
    } else if (USER_EVENTS.includes(name) || name.startsWith("user:")) {
      this._emitLife("user", args[0], args[1], args[2]);
    }
    const set = this._handlers.get(name);
    if (set) {
      for (const h of [...set]) {
        try { h(...args); } catch (e) { setTimeout(() => { throw e; }); }
      }
    }
  }
}

export default Realtime;
