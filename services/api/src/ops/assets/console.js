// The ops console's script (served from this origin; the page's CSP allows no inline script).
// Polls /admin/live.json every 2 s and draws the last 15 minutes with uPlot, refreshes the page's
// sections every 10 s, and sends the retry buttons' requests to the admin API.
(() => {
  const LIVE_MS = 2000;
  const SECTIONS_MS = 10_000;

  const BLUE = "#1f5fbf";
  const GREEN = "#2f9e56";
  const RED = "#c9252d";
  const ORANGE = "#d9730d";
  const VIOLET = "#7048c4";

  // The same formats as the server's first render (console-page.ts).
  const rate = (n) => (n >= 100 ? String(Math.round(n)) : n.toFixed(1));
  const count = (n) => (n === null || n === undefined ? "–" : n.toLocaleString("en-US"));
  const duration = (s) => {
    if (s === null || s === undefined) return "–";
    if (s < 1) return `${Math.round(s * 1000)} ms`;
    if (s < 120) return `${s.toFixed(1)} s`;
    if (s < 7200) return `${(s / 60).toFixed(1)} min`;
    return `${(s / 3600).toFixed(1)} h`;
  };

  const line = (label, stroke, scale, extra) =>
    Object.assign({ label, stroke, width: 1.6, scale: scale || "y", spanGaps: false, points: { show: false } }, extra);
  const sparse = { points: { show: true, size: 4 } };
  // Readings of a level (outbox, queue): a second without one (a slow reading) is joined over.
  const level = { spanGaps: true };
  const axes = (left, right) => {
    const list = [
      { stroke: "#5d6773", grid: { stroke: "#eef0f3" } },
      { stroke: "#5d6773", grid: { stroke: "#eef0f3" }, label: left, size: 56 },
    ];
    if (right) list.push({ side: 1, scale: "right", stroke: "#5d6773", grid: { show: false }, label: right, size: 56 });
    return list;
  };

  /** Each chart: its series (keys of live.json) and how to draw them. */
  const CHARTS = {
    throughput: {
      keys: ["accepted", "provisioned", "failed"],
      series: [
        line("Accepted /s", BLUE, "y", { fill: "rgba(31, 95, 191, 0.07)" }),
        line("Provisioned /s", GREEN, "y", { fill: "rgba(47, 158, 86, 0.10)" }),
        line("Failed /s", RED),
      ],
      axes: axes("per second"),
    },
    lag: {
      keys: ["lagP50", "lagP95"],
      series: [line("p50 (s)", BLUE, "y", sparse), line("p95 (s)", ORANGE, "y", sparse)],
      axes: axes("seconds"),
    },
    outbox: {
      keys: ["outboxRows", "outboxAgeSeconds"],
      series: [
        line("Rows", VIOLET, "y", { fill: "rgba(112, 72, 196, 0.08)", ...level }),
        line("Oldest (s)", ORANGE, "right", level),
      ],
      axes: axes("rows", "oldest, s"),
    },
    queue: {
      keys: ["waiting", "active", "failedJobs"],
      series: [line("Waiting", BLUE, "y", level), line("Active", GREEN, "y", level), line("Failed", RED, "y", level)],
      axes: axes("jobs"),
    },
  };

  const plots = new Map();
  const HEIGHT = 190;
  /** The span shown, in seconds (the range buttons); the series always hold the last 15 minutes. */
  let range = 900;
  let latest = null;

  const zoom = (plot, t) => {
    const end = t[t.length - 1];
    plot.setScale("x", { min: end - range + 1, max: end });
  };

  function draw(live) {
    for (const el of document.querySelectorAll("[data-chart]")) {
      const spec = CHARTS[el.dataset.chart];
      if (!spec) continue;
      const data = [live.t, ...spec.keys.map((k) => live[k])];
      // What the chart shows, for people and for the browser test: points with a value above zero.
      const points = data.slice(1).reduce((n, s) => n + s.filter((v) => v !== null && v > 0).length, 0);
      el.dataset.points = String(points);
      let plot = plots.get(el);
      if (!plot) {
        const scales = { x: { time: true }, y: { range: (_, _min, max) => [0, Math.max(1, max * 1.1)] } };
        if (spec.keys.length > 1 && spec.series.some((s) => s.scale === "right"))
          scales.right = { range: (_, _min, max) => [0, Math.max(1, max * 1.1)] };
        const options = {
          width: el.clientWidth,
          height: HEIGHT,
          series: [{ label: "time" }, ...spec.series],
          axes: spec.axes,
          scales,
          cursor: { drag: { x: false, y: false } },
          legend: { live: true },
        };
        el.textContent = "";
        plot = new uPlot(options, data, el);
        plots.set(el, plot);
        new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: HEIGHT })).observe(el);
      } else plot.setData(data);
      zoom(plot, live.t);
    }
  }

  function tile(key, value, sub, bad) {
    const el = document.querySelector(`[data-tile="${key}"]`);
    if (!el) return;
    el.querySelector(".tile-value").innerHTML = value;
    el.querySelector(".tile-sub").textContent = sub;
    el.classList.toggle("bad", Boolean(bad));
  }

  function tiles(live) {
    const s = live.summary;
    const g = s.gauges || {};
    tile("accepted", `${rate(s.acceptedPerSecond)}<small> /s</small>`, `${count(s.accepted)} in 15 min`);
    tile(
      "provisioned",
      `${rate(s.provisionedPerSecond)}<small> /s</small>`,
      `${count(s.provisioned)} in 15 min · ${count(s.failed)} failed`,
    );
    tile("outbox", count(g.outboxRows), `oldest ${duration(g.outboxAgeSeconds)}`, (g.outboxAgeSeconds || 0) > 60);
    tile("queue", count(g.waiting), `${count(g.active)} active · ${count(g.failedJobs)} failed`);
    tile("lag", duration(s.lagP95), `p50 ${duration(s.lagP50)} · last minute`);
  }

  function status(text, on) {
    const el = document.getElementById("live-status");
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("on", on);
    el.classList.toggle("off", !on);
  }

  async function poll(url) {
    try {
      const res = await fetch(url, { cache: "no-store", credentials: "same-origin" });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const live = await res.json();
      latest = live;
      if (typeof uPlot !== "undefined") draw(live);
      tiles(live);
      const error = live.sampler?.lastError;
      status(error ? `Live, but: ${error}` : `Live · ${new Date().toLocaleTimeString()}`, !error);
    } catch (error) {
      status(`Paused: ${error.message}; retrying`, false);
    }
    setTimeout(() => poll(url), LIVE_MS);
  }

  async function refreshSections() {
    for (const el of document.querySelectorAll("[data-section]")) {
      if (el.querySelector("button.retry:disabled")) continue; // a retry is on its way
      try {
        const res = await fetch(`/admin/sections/${el.dataset.section}`, {
          cache: "no-store",
          credentials: "same-origin",
        });
        if (res.ok) el.innerHTML = await res.text();
      } catch {
        // The live indicator already says when the server does not answer.
      }
    }
  }

  function notice(text, bad) {
    let el = document.getElementById("notice");
    if (!el) {
      el = document.createElement("div");
      el.id = "notice";
      el.setAttribute("role", "status");
      document.body.appendChild(el);
    }
    el.textContent = text;
    el.className = bad ? "bad" : "ok";
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => el.remove(), 8000);
  }

  async function retry(button) {
    const { retryCompany: company, retryCode: code, retryUser: user, retryLabel: label } = button.dataset;
    const what = user ? "this user" : `${button.textContent.replace(/^Retry /, "")} users of ${label} (${code})`;
    if (!window.confirm(`Retry ${what}? Fix the cause first, or they fail again.`)) return;
    button.disabled = true;
    const result = button.parentElement.querySelector(".result");
    try {
      const res = await fetch(
        user ? `/api/v1/companies/${company}/users/${user}/retry` : `/api/v1/companies/${company}/users/retry`,
        {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: user ? undefined : JSON.stringify({ code }),
        },
      );
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(body.error?.message || `HTTP ${res.status}`);
      const text = user ? `Queued again (generation ${body.generation}).` : `Retried ${count(body.retried)} users.`;
      if (result) result.textContent = text;
      notice(text, false);
      if (user) setTimeout(() => location.reload(), 1500);
      else setTimeout(refreshSections, 1000);
    } catch (error) {
      if (result) result.textContent = `Failed: ${error.message}`;
      notice(`Retry failed: ${error.message}`, true);
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.retry");
    if (button && !button.disabled) retry(button);
    const span = event.target.closest("button[data-range]");
    if (span) {
      range = Number(span.dataset.range);
      for (const b of document.querySelectorAll("button[data-range]")) b.classList.toggle("on", b === span);
      if (latest) for (const plot of plots.values()) zoom(plot, latest.t);
    }
  });

  const live = document.getElementById("live-status");
  if (live?.dataset.live) {
    poll(live.dataset.live);
    setInterval(refreshSections, SECTIONS_MS);
  }
})();
