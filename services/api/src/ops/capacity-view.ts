import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Pool } from "./capacity-data.ts";
import type { CompanySummary, Overview } from "./overview-data.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const percent = (part: number, whole: number) => `${Math.max(0, Math.min(100, (100 * part) / whole)).toFixed(1)}%`;

/** One pool: the bar is what is free, out of all; the mark is the threshold; red once free is below it. */
function bar(pool: Pool): Html {
  const title =
    pool.threshold === null
      ? `${pool.free} free of ${pool.total}; no alert threshold`
      : `${pool.free} free of ${pool.total}; alert below ${pool.threshold} free`;
  return html`<div class="bar-row${pool.low ? " low" : ""}" title="${title}">
    <span class="bar-label">${pool.label}</span>
    <span class="bar"><span class="bar-free" style="width:${percent(pool.free, pool.total)}"></span>${
      pool.threshold === null
        ? ""
        : html`<span class="bar-mark" style="left:${percent(pool.threshold, pool.total)}"></span>`
    }</span>
    <span class="bar-value"><strong>${pool.free}</strong> free of ${pool.total}</span></div>`;
}

const thresholds = (seats: number | null, numbers: number | null) =>
  `alert below: seats ${seats ?? "off"} · numbers ${numbers ?? "off"}`;

function company(c: CompanySummary): Html {
  const cap = c.capacity;
  if (!cap) return html``;
  const offices = cap.offices.filter((o) => o.seats.length > 0 || o.numbers);
  if (offices.length === 0 && !cap.unbound) return html``;
  return html`<div class="company card${cap.low > 0 ? " low" : ""}" id="capacity-${c.id}">
    <h3>${c.name} <span class="muted">${thresholds(cap.seatsLowThreshold, cap.numbersLowThreshold)}</span></h3>
    ${offices.map(
      (o) => html`<div class="office"><h4>${o.name}</h4>${o.seats.map(bar)}${o.numbers ? bar(o.numbers) : ""}</div>`,
    )}
    ${cap.unbound ? html`<div class="office"><h4>Any office</h4>${bar(cap.unbound)}</div>` : ""}
  </div>`;
}

/**
 * Seats free per office and license type, pool numbers free per office and unbound, as bars with
 * the company's thresholds (seatsLowThreshold, numbersLowThreshold); companies short of capacity first.
 */
export function capacitySection(o: Overview): Html {
  const shown = [...o.companies].sort((a, b) => (b.capacity?.low ?? 0) - (a.capacity?.low ?? 0));
  const low = shown.reduce((sum, c) => sum + (c.capacity?.low ?? 0), 0);
  return html`<h2>Capacity<span class="muted">${
    low > 0 ? html`<span class="bad">${low} below threshold</span> · ` : ""
  }free seats per office and license type, free pool numbers; the mark is the alert threshold</span></h2>
  <div class="capacity">${shown.map(company)}</div>`;
}
