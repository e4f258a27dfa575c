import { html } from "hono/html";
import { capacitySection } from "./capacity-view.ts";
import { companiesSection, failuresSection, healthSection } from "./console-sections.ts";
import type { LiveView } from "./live-series.ts";
import type { Overview } from "./overview-data.ts";
import { type Html, shell } from "./page-shell.ts";

/** The console's sections, each also served alone (GET /admin/sections/{name}) for the page to refresh. */
export const SECTIONS = {
  health: healthSection,
  failures: failuresSection,
  capacity: capacitySection,
  companies: companiesSection,
} as const satisfies Record<string, (o: Overview) => Html>;
export type SectionName = keyof typeof SECTIONS;

// The same formats as console.js, so the page reads the same before and after its first update.
export const rate = (n: number) => `${n >= 100 ? Math.round(n) : n.toFixed(1)}`;
export const duration = (seconds: number | null) =>
  seconds === null
    ? "–"
    : seconds < 1
      ? `${Math.round(seconds * 1000)} ms`
      : seconds < 120
        ? `${seconds.toFixed(1)} s`
        : seconds < 7200
          ? `${(seconds / 60).toFixed(1)} min`
          : `${(seconds / 3600).toFixed(1)} h`;
const count = (n: number | null | undefined) => (n === null || n === undefined ? "–" : n.toLocaleString("en-US"));

const tile = (key: string, label: string, value: Html | string, sub: Html | string, bad = false) =>
  html`<div class="tile card${bad ? " bad" : ""}" data-tile="${key}">
    <div class="tile-label">${label}</div><div class="tile-value">${value}</div><div class="tile-sub">${sub}</div></div>`;

function tiles(live: LiveView): Html {
  const s = live.summary;
  const g = s.gauges;
  return html`<section class="tiles" aria-label="Now">
    ${tile("accepted", "Creates accepted", html`${rate(s.acceptedPerSecond)}<small> /s</small>`, `${count(s.accepted)} in 15 min`)}
    ${tile(
      "provisioned",
      "Users provisioned",
      html`${rate(s.provisionedPerSecond)}<small> /s</small>`,
      `${count(s.provisioned)} in 15 min · ${count(s.failed)} failed`,
    )}
    ${tile(
      "outbox",
      "Outbox backlog",
      count(g?.outboxRows),
      `oldest ${duration(g?.outboxAgeSeconds ?? null)}`,
      (g?.outboxAgeSeconds ?? 0) > 60,
    )}
    ${tile("queue", "Jobs waiting", count(g?.waiting), `${count(g?.active)} active · ${count(g?.failedJobs)} failed`)}
    ${tile("lag", "Provisioning lag p95", duration(s.lagP95), `p50 ${duration(s.lagP50)} · last minute`)}
  </section>`;
}

const chart = (key: string, title: string, what: string) =>
  html`<div class="chart card"><h3>${title}</h3><p>${what}</p><div class="plot" data-chart="${key}"></div></div>`;

const RANGES = [
  [900, "15 min"],
  [300, "5 min"],
  [60, "1 min"],
] as const;

function charts(): Html {
  return html`<div class="charts-head"><h2>Last 15 minutes<span class="muted">one point per second, updated every 2 s</span></h2>
  <div class="range" role="group" aria-label="Time range">${RANGES.map(
    ([seconds, label], i) =>
      html`<button type="button" data-range="${seconds}"${i === 0 ? html` class="on"` : ""}>${label}</button>`,
  )}</div></div>
  <section class="charts" aria-label="Last 15 minutes">
    ${chart("throughput", "Throughput", "Creates accepted at the SCIM door vs users provisioned (and failed), per second")}
    ${chart("lag", "Provisioning lag", "From accepted to active: p50 and p95 of the users provisioned each second")}
    ${chart("outbox", "Outbox", "Changes accepted but not yet queued (rows), and how long the oldest has waited")}
    ${chart("queue", "Provisioning queue", "Jobs waiting, running and failed")}
  </section>
  <noscript><p class="muted">The charts need JavaScript; the figures above are as of this page's load.</p></noscript>`;
}

/** /admin: what ops look at during a burst. The charts and figures update every 2 s, the rest every 10 s. */
export function renderConsole(o: Overview, live: LiveView): Html {
  return shell(
    "Scimline console",
    html`<span class="live" id="live-status" data-live="/admin/live.json">Read at ${o.generatedAt.toISOString().slice(11, 19)} UTC</span>`,
    html`<div data-section="health">${healthSection(o)}</div>
${tiles(live)}
${charts()}
<div data-section="failures">${failuresSection(o)}</div>
<div data-section="capacity">${capacitySection(o)}</div>
<div data-section="companies">${companiesSection(o)}</div>`,
  );
}
