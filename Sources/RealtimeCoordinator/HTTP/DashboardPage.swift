/// The live dashboard at `/`: one self-contained page (inline CSS and JS, no CDN,
/// so it works on an air-gapped operator network) that polls `cluster` every second.
/// Table cells carry `data-node` / `data-field` attributes so tests and scrapers
/// can read the numbers without parsing the layout.
enum DashboardPage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>realtime cluster</title>
    <style>
    :root { --bg:#0f1419; --panel:#171e26; --text:#d8dee6; --muted:#7d8a99; --grid:#263140;
            --alive:#2ecc71; --suspect:#f1c40f; --dead:#e74c3c; }
    * { box-sizing:border-box; }
    body { margin:0; font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--text); }
    header { display:flex; align-items:baseline; flex-wrap:wrap; gap:16px; padding:14px 20px; border-bottom:1px solid var(--grid); }
    h1 { font-size:18px; margin:0; font-weight:600; }
    .muted { color:var(--muted); }
    main { padding:16px 20px; }
    .cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(140px,1fr)); gap:10px; margin-bottom:16px; }
    .card, .chart { background:var(--panel); border-radius:8px; padding:10px 12px; }
    .v { font-size:22px; font-variant-numeric:tabular-nums; }
    .k { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
    table { width:100%; border-collapse:collapse; background:var(--panel); border-radius:8px; overflow:hidden; }
    .scroll { overflow-x:auto; border-radius:8px; }
    th, td { padding:7px 9px; text-align:right; border-bottom:1px solid var(--grid); font-variant-numeric:tabular-nums; white-space:nowrap; }
    th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; }
    .l { text-align:left; }
    tr:last-child td { border-bottom:none; }
    tr.dead td { color:var(--muted); }
    .badge { display:inline-block; min-width:58px; text-align:center; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:700; color:#0f1419; }
    .badge.alive { background:var(--alive); } .badge.suspect { background:var(--suspect); } .badge.dead { background:var(--dead); color:#fff; }
    .swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; vertical-align:middle; }
    .charts { display:grid; grid-template-columns:repeat(auto-fit,minmax(360px,1fr)); gap:12px; margin-top:16px; }
    canvas { width:100%; height:150px; display:block; margin-top:6px; }
    #banner { display:none; background:var(--dead); color:#fff; padding:8px 20px; }
    #empty { display:none; padding:16px; }
    </style>
    </head>
    <body>
    <div id="banner">coordinator unreachable: retrying every second</div>
    <header>
      <h1>realtime cluster</h1>
      <span class="muted" id="coordinator"></span>
      <span class="muted" id="updated"></span>
    </header>
    <main>
      <section class="cards">
        <div class="card"><div class="k">nodes</div><div class="v" id="total-nodes">-</div><div class="muted" id="total-health"></div></div>
        <div class="card"><div class="k">connections</div><div class="v" id="total-connections">-</div></div>
        <div class="card"><div class="k">channels</div><div class="v" id="total-channels">-</div></div>
        <div class="card"><div class="k">messages in/s</div><div class="v" id="total-in">-</div></div>
        <div class="card"><div class="k">messages out/s</div><div class="v" id="total-out">-</div></div>
        <div class="card"><div class="k">rate-limit rejections</div><div class="v" id="total-rejections">-</div><div class="muted" id="total-rejections-limits"></div></div>
        <div class="card"><div class="k">dead-node cleanups</div><div class="v" id="total-cleanups">-</div><div class="muted" id="total-cleaned-members"></div></div>
      </section>
      <div class="scroll"><table id="nodes">
        <thead><tr>
          <th class="l">node</th><th class="l">status</th><th class="l">address</th>
          <th>connections</th><th>channels</th><th>msg in/s</th><th>msg out/s</th>
          <th>bytes in/s</th><th>bytes out/s</th><th>rejections</th><th>heartbeat</th><th>uptime</th><th class="l">version</th>
        </tr></thead>
        <tbody></tbody>
      </table></div>
      <div id="empty" class="muted">no edge has registered yet</div>
      <div id="limited" class="card" style="display:none; margin-top:12px">
        <div class="k">most rate-limited subjects (last hour)</div>
        <table id="limited-subjects"><tbody></tbody></table>
      </div>
      <section class="charts">
        <div class="chart"><div class="k">connections</div><canvas id="chart-connections"></canvas></div>
        <div class="chart"><div class="k">messages in / s</div><canvas id="chart-in"></canvas></div>
        <div class="chart"><div class="k">messages out / s</div><canvas id="chart-out"></canvas></div>
      </section>
    </main>
    <script>
    "use strict";
    const WINDOW_MAX = 120000, WINDOW_MIN = 30000;  // chart span in ms: grows with the history
    const GAP = 3000;  // points further apart than this are not joined (node was down or unknown)
    const PALETTE = ["#4aa3ff", "#ff7f50", "#b388ff", "#26c6da", "#ffca28", "#ec407a", "#9ccc65", "#8d6e63"];
    const series = new Map();  // node id -> {color, points: [{t, connections, in, out}]}
    let colors = 0, latest = 0;

    const $ = (id) => document.getElementById(id);
    const num = (n) => (n >= 100 || Number.isInteger(n)) ? Math.round(n).toLocaleString("en-US") : n.toFixed(1);
    const bytes = (n) => n < 1024 ? num(n) + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KiB" : (n / 1048576).toFixed(1) + " MiB";
    function duration(s) {
      s = Math.max(0, Math.floor(s));
      if (s < 60) return s + "s";
      if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
      if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
      return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
    }
    function ago(ms, now) { return ms == null ? "never" : (Math.max(0, now - ms) / 1000).toFixed(1) + "s ago"; }

    function cell(row, field, content, cls) {
      const td = document.createElement("td");
      td.dataset.field = field;
      if (cls) td.className = cls;
      if (content instanceof Node) td.appendChild(content); else td.textContent = content;
      row.appendChild(td);
    }

    function seriesFor(id) {
      let s = series.get(id);
      if (!s) {
        s = { color: PALETTE[colors++ % PALETTE.length], points: [] };
        series.set(id, s);
      }
      return s;
    }

    function addPoint(id, t, connections, rateIn, rateOut) {
      const points = seriesFor(id).points;
      if (points.length && points[points.length - 1].t >= t) return;
      points.push({ t: t, connections: connections, in: rateIn, out: rateOut });
      latest = Math.max(latest, t);
    }

    function prune() {
      for (const [id, s] of series) {
        while (s.points.length && s.points[0].t < latest - WINDOW_MAX) s.points.shift();
        if (!s.points.length) series.delete(id);
      }
    }

    function render(c) {
      $("coordinator").textContent = "coordinator " + c.coordinator.id +
        (c.coordinator.leader ? " (leader)" : " (standby; leader " + (c.coordinator.leaderId || "none") + ")") +
        (c.coordinator.redisUp ? "" : " - Redis unreachable");
      $("updated").textContent = "updated " + new Date(c.generatedAt).toLocaleTimeString();
      const t = c.totals;
      $("total-nodes").textContent = t.nodes;
      $("total-health").textContent = t.alive + " alive, " + t.suspect + " suspect, " + t.dead + " dead";
      $("total-connections").textContent = num(t.connections);
      $("total-channels").textContent = num(t.channels);
      $("total-in").textContent = num(t.messagesInPerSecond);
      $("total-out").textContent = num(t.messagesOutPerSecond);
      const limits = c.rateLimitRejections;
      $("total-rejections").textContent = num(limits.total);
      $("total-rejections-limits").textContent = Object.entries(limits.perLimit || {})
        .sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, n]) => name + ": " + num(n)).join(", ");
      const subjects = (limits.topSubjects || []).map((s) => {
        const tr = document.createElement("tr");
        cell(tr, "subject", s.subject, "l");
        cell(tr, "rejections", num(s.rejections));
        return tr;
      });
      document.querySelector("#limited-subjects tbody").replaceChildren(...subjects);
      $("limited").style.display = subjects.length ? "block" : "none";
      $("total-cleanups").textContent = num(c.cleanups.nodes);
      $("total-cleaned-members").textContent = num(c.cleanups.members) + " members removed";

      const rows = [];
      for (const n of c.nodes) {
        if (n.status !== "dead") addPoint(n.id, c.generatedAt, n.connections, n.messagesInPerSecond, n.messagesOutPerSecond);
        const tr = document.createElement("tr");
        tr.dataset.node = n.id;
        tr.dataset.status = n.status;
        tr.className = n.status;
        const name = document.createElement("span");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = seriesFor(n.id).color;
        name.append(swatch, n.id);
        cell(tr, "id", name, "l");
        const badge = document.createElement("span");
        badge.className = "badge " + n.status;
        badge.textContent = n.status + (n.draining ? " (draining)" : "") + (n.backendUp || n.status === "dead" ? "" : " (no redis)");
        cell(tr, "status", badge, "l");
        cell(tr, "address", n.address, "l");
        cell(tr, "connections", num(n.connections));
        cell(tr, "channels", num(n.channels));
        cell(tr, "messagesInPerSecond", num(n.messagesInPerSecond));
        cell(tr, "messagesOutPerSecond", num(n.messagesOutPerSecond));
        cell(tr, "bytesInPerSecond", bytes(n.bytesInPerSecond));
        cell(tr, "bytesOutPerSecond", bytes(n.bytesOutPerSecond));
        cell(tr, "rateLimitRejections", num(n.rateLimitRejections));
        cell(tr, "lastHeartbeat", ago(n.lastHeartbeat, c.generatedAt));
        cell(tr, "uptimeSeconds", duration(n.uptimeSeconds));
        cell(tr, "version", n.version, "l");
        rows.push(tr);
      }
      document.querySelector("#nodes tbody").replaceChildren(...rows);
      $("empty").style.display = c.nodes.length ? "none" : "block";
      latest = Math.max(latest, c.generatedAt);
      prune();
      draw("chart-connections", "connections");
      draw("chart-in", "in");
      draw("chart-out", "out");
    }

    function draw(canvasId, key) {
      const canvas = $(canvasId);
      const dpr = window.devicePixelRatio || 1;
      const w = canvas.clientWidth, h = canvas.clientHeight;
      if (canvas.width !== Math.round(w * dpr)) { canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr); }
      const g = canvas.getContext("2d");
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.clearRect(0, 0, w, h);
      let max = 1, oldest = latest;
      for (const s of series.values()) for (const p of s.points) { max = Math.max(max, p[key]); oldest = Math.min(oldest, p.t); }
      max = niceCeil(max);
      const span = Math.min(WINDOW_MAX, Math.max(WINDOW_MIN, latest - oldest));
      const left = 44, top = 6, bottom = h - 14, right = w - 6;
      g.font = "11px system-ui, sans-serif";
      g.fillStyle = "#7d8a99";
      g.strokeStyle = "#263140";
      g.lineWidth = 1;
      for (let i = 0; i <= 4; i++) {
        const y = bottom - (bottom - top) * i / 4;
        g.beginPath(); g.moveTo(left, y); g.lineTo(right, y); g.stroke();
        g.fillText(num(max * i / 4), 2, y + 4);
      }
      g.fillText("-" + Math.round(span / 1000) + "s", left, h - 2);
      g.fillText("now", right - 20, h - 2);
      g.lineWidth = 2;
      g.lineJoin = "round";
      for (const s of series.values()) {
        g.strokeStyle = s.color;
        g.beginPath();
        let previous = null;
        for (const p of s.points) {
          const x = right - (right - left) * (latest - p.t) / span, y = bottom - (bottom - top) * p[key] / max;
          if (x < left) { previous = null; continue; }
          if (previous && p.t - previous.t <= GAP) g.lineTo(x, y); else g.moveTo(x, y);
          previous = p;
        }
        g.stroke();
      }
    }

    function niceCeil(v) {
      const p = Math.pow(10, Math.floor(Math.log10(v)));
      for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
      return 10 * p;
    }

    async function loadHistory() {
      try {
        const response = await fetch("history", { cache: "no-store" });
        if (!response.ok) return;
        for (const sample of (await response.json()).samples) {
          for (const [id, p] of Object.entries(sample.nodes)) {
            addPoint(id, sample.t, p.connections, p.messagesInPerSecond, p.messagesOutPerSecond);
          }
        }
      } catch (e) { /* the charts simply start empty */ }
    }

    async function refresh() {
      try {
        const response = await fetch("cluster", { cache: "no-store" });
        if (!response.ok) throw new Error("HTTP " + response.status);
        render(await response.json());
        $("banner").style.display = "none";
      } catch (e) {
        $("banner").style.display = "block";
      }
    }

    loadHistory().then(refresh);
    setInterval(refresh, 1000);
    </script>
    </body>
    </html>
    """#
}
