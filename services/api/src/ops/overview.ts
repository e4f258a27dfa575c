import { isProvisioningErrorCode, remedyOf } from "@scimline/domain";
import { reconcileJobId } from "@scimline/queue";
import { Hono } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AppDeps, AppEnv } from "../deps.ts";
import { dashboardAuth } from "../middleware/dashboard-auth.ts";
import { DASHBOARD_PATH } from "./dashboard.ts";
import { type CompanySummary, loadOverview, MAX_FAILED_USERS, type Overview } from "./overview-data.ts";
import { QUEUE_STATES } from "./stats.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}h3{font-size:1rem;margin-bottom:.3rem}
table{border-collapse:collapse;margin:.4rem 0}th,td{border:1px solid #d0d7de;padding:.2rem .6rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b42318;font-weight:600}.muted{color:#57606a}
nav a{margin-right:1rem}code{background:#f6f8fa;padding:0 .2rem}`;

const age = (seconds: number) =>
  seconds < 120
    ? `${seconds.toFixed(1)} s`
    : seconds < 7200
      ? `${(seconds / 60).toFixed(1)} min`
      : `${(seconds / 3600).toFixed(1)} h`;

const num = (n: number, bad = false) => html`<td class="n${bad && n > 0 ? " bad" : ""}">${n}</td>`;

function pipeline(o: Overview): Html {
  const lagBad = o.outbox.oldestAgeSeconds > 60;
  const broken = o.invariants.filter((c) => !c.ok);
  return html`<h2>Pipeline</h2>
    <p>Invariants: ${
      broken.length === 0
        ? html`<strong>all ${o.invariants.length} hold</strong> (seats vs holders, DIDs and extensions both ways, no stale work, outbox drained).`
        : html`<span class="bad">${broken.length} broken</span>: ${broken.map((c) => html`<code>${c.name}</code> ${c.detail}; `)}`
    }</p>
    <p>Outbox (accepted at the door, not yet queued): <strong>${o.outbox.rows}</strong> rows; oldest
      <span class="${lagBad ? "bad" : ""}">${age(o.outbox.oldestAgeSeconds)}</span>.</p>
    <table><tr><th>queue</th>${QUEUE_STATES.map((s) => html`<th>${s}</th>`)}</tr>
    ${o.queues.map(
      (q) => html`<tr><td><a href="${DASHBOARD_PATH}/queue/${encodeURIComponent(q.name)}">${q.name}</a></td>
        ${
          q.depths
            ? QUEUE_STATES.map((s) => {
                const n = q.depths?.[s] ?? 0;
                const link = `${DASHBOARD_PATH}/queue/${encodeURIComponent(q.name)}?status=${s}`;
                return html`<td class="n${s === "failed" && n > 0 ? " bad" : ""}"><a href="${link}">${n}</a></td>`;
              })
            : html`<td colspan="${QUEUE_STATES.length}" class="bad">Redis did not answer</td>`
        }</tr>`,
    )}</table>`;
}

function users(o: Overview): Html {
  return html`<h2>Users</h2>
    <table><tr><th>status</th><th>users</th></tr>
    ${o.users.map((u) => html`<tr><td>${u.status}</td>${num(u.users, u.status === "failed")}</tr>`)}</table>
    <h3>Failures by error code</h3>
    ${
      o.failures.length === 0
        ? html`<p class="muted">No failed users.</p>`
        : html`<table><tr><th>error code</th><th>users</th><th>what to do</th></tr>
          ${o.failures.map(
            (f) =>
              html`<tr><td><code>${f.errorCode}</code></td>${num(f.users, true)}<td>${isProvisioningErrorCode(f.errorCode) ? remedyOf(f.errorCode) : ""}</td></tr>`,
          )}</table>`
    }`;
}

function failedUsers(o: Overview): Html {
  if (o.failedUsers.length === 0) return html``;
  return html`<h3>Failed users (latest ${MAX_FAILED_USERS})</h3>
    <table><tr><th>company</th><th>user</th><th>error code</th><th>since</th><th>job</th></tr>
    ${o.failedUsers.map((u) => {
      const jobId = reconcileJobId(u.id, u.generation);
      return html`<tr><td>${u.companyName}</td><td>${u.userName}<br><span class="muted">${u.id}</span></td>
        <td><code>${u.errorCode ?? "unknown"}</code></td><td>${u.updatedAt}</td>
        <td><a href="${DASHBOARD_PATH}/queue/provisioning/${jobId}">${jobId}</a></td></tr>`;
    })}</table>`;
}

function company(c: CompanySummary): Html {
  return html`<h3 id="c-${c.id}">${c.name} <span class="muted">${c.id}</span></h3>
    <table><tr><th>provisioning</th><th>active</th><th>suspended</th><th>failed</th></tr>
      <tr>${num(c.provisioning)}${num(c.active)}${num(c.suspended)}${num(c.failed, true)}</tr></table>
    ${
      c.failures.length > 0
        ? html`<p>Failures: ${c.failures.map((f) => html`<code>${f.errorCode}</code> ${f.users} `)}</p>`
        : ""
    }
    ${
      c.seats.length === 0
        ? html`<p class="muted">No seats.</p>`
        : html`<table><tr><th>office</th><th>license type</th><th>purchased</th><th>used</th><th>free</th></tr>
          ${c.seats.map(
            (s) => html`<tr><td>${s.office}</td><td>${s.licenseType}</td>${num(s.purchased)}${num(s.used)}
              ${num(s.purchased - s.used)}</tr>`,
          )}</table>`
    }`;
}

export function renderOverview(o: Overview, refreshSeconds: number | null): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scimline overview</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${refreshSeconds ? html`<meta http-equiv="refresh" content="${refreshSeconds}">` : ""}
<style>${STYLE}</style></head>
<body><h1>Scimline overview</h1>
<nav><a href="${DASHBOARD_PATH}">Queue dashboard</a><a href="/admin?refresh=10">Refresh every 10 s</a>
<a href="/admin">Refresh off</a></nav>
<p class="muted">Read at ${o.generatedAt.toISOString()}.</p>
${pipeline(o)}
${users(o)}
${failedUsers(o)}
<h2>Companies and seats</h2>
${o.companyCount > o.companies.length ? html`<p class="muted">Showing ${o.companies.length} of ${o.companyCount} companies, those with failures first.</p>` : ""}
${o.companies.map(company)}
</body></html>`;
}

/** /admin: one server-rendered page, no script, for watching and repairing a burst (SPEC §8). */
export function overviewRoutes(deps: Pick<AppDeps, "config" | "database" | "queues">) {
  const app = new Hono<AppEnv>({ strict: false });
  app.get("/admin", dashboardAuth(deps.config.ADMIN_API_KEY), async (c) => {
    const refresh = Number.parseInt(c.req.query("refresh") ?? "", 10);
    const overview = await loadOverview(deps.database.sql, Object.values(deps.queues));
    c.header("Cache-Control", "no-store");
    return c.html(renderOverview(overview, Number.isFinite(refresh) && refresh >= 2 ? Math.min(refresh, 3600) : null));
  });
  return app;
}
