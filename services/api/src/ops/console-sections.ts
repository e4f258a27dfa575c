import { isProvisioningErrorCode, remedyOf } from "@scimline/domain";
import { reconcileJobId } from "@scimline/queue";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { DASHBOARD_PATH } from "./dashboard.ts";
import type { Overview } from "./overview-data.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const n = (value: number) => value.toLocaleString("en-US");
const STATUSES = ["active", "provisioning", "suspended", "held", "failed"] as const;
const QUEUE_SHOWN = ["waiting", "active", "delayed", "failed"] as const;

/** The invariants, users per status and queue depths: one line, red only where something is wrong. */
export function healthSection(o: Overview): Html {
  const broken = o.invariants.filter((c) => !c.ok);
  const users = new Map(o.users.map((u) => [u.status, u.users]));
  return html`<div class="health">
    ${
      broken.length === 0
        ? html`<span class="pill ok" title="seats vs holders, DIDs and extensions both ways, no stale work, outbox drained">Invariants: all ${o.invariants.length} hold</span>`
        : html`<span class="pill bad">Invariants: ${broken.length} broken</span>`
    }
    <span class="statuses">Users: ${STATUSES.filter((s) => s !== "held" || (users.get(s) ?? 0) > 0).map(
      (s) =>
        html`<span><strong class="${s === "failed" && (users.get(s) ?? 0) > 0 ? "bad" : ""}">${n(users.get(s) ?? 0)}</strong> ${s === "held" ? "held by the breaker" : s}</span>`,
    )}</span>
    ${o.queues.map(
      (q) =>
        html`<span>Queue <a href="${DASHBOARD_PATH}/queue/${encodeURIComponent(q.name)}">${q.name}</a>: ${
          q.depths
            ? QUEUE_SHOWN.map(
                (s) =>
                  html`<a href="${DASHBOARD_PATH}/queue/${encodeURIComponent(q.name)}?status=${s}">${n(q.depths?.[s] ?? 0)} ${s}</a>${s === "failed" ? "" : " · "}`,
              )
            : html`<span class="bad">Redis did not answer</span>`
        }</span>`,
    )}
  </div>
  ${broken.map((c) => html`<p class="bad"><code>${c.name}</code> ${c.detail}</p>`)}`;
}

/** Failed users by code, each with what to do and a button per company to retry them all. */
export function failuresSection(o: Overview): Html {
  const total = o.failures.reduce((sum, f) => sum + f.users, 0);
  return html`<h2>Needs attention${total > 0 ? html`<span class="muted">${n(total)} failed users</span>` : ""}</h2>
    ${
      o.failures.length === 0
        ? html`<p class="ok">No failed users.</p>`
        : o.failures.map((f) => {
            const code = f.errorCode;
            const retryable = isProvisioningErrorCode(code);
            const companies = o.companies.filter((c) => c.failures.some((x) => x.errorCode === code));
            return html`<div class="failure card">
              <div class="failure-head"><code>${code}</code><strong>${n(f.users)} users</strong></div>
              <p class="remedy">${retryable ? remedyOf(code) : "No code was recorded: read the job's error in the queue dashboard."}</p>
              ${companies.map((c) => {
                const users = c.failures.find((x) => x.errorCode === code)?.users ?? 0;
                return html`<div class="retry-row"><span class="who">${c.name} <span class="muted">· ${n(users)} users</span></span>
                  ${
                    retryable
                      ? html`<button class="retry" type="button" data-retry-company="${c.id}" data-retry-code="${code}" data-retry-label="${c.name}">Retry ${n(users)}</button>`
                      : ""
                  }<span class="result" aria-live="polite"></span></div>`;
              })}
            </div>`;
          })
    }
    ${failedUsers(o)}`;
}

function failedUsers(o: Overview): Html {
  if (o.failedUsers.length === 0) return html``;
  return html`<h3>Latest failed users</h3>
    <div class="table card"><table><tr><th>user</th><th>company</th><th>error code</th><th>since</th><th>job</th></tr>
    ${o.failedUsers.map((u) => {
      const jobId = reconcileJobId(u.id, u.generation);
      return html`<tr><td><a href="/admin/users/${u.id}">${u.userName || u.id}</a></td><td>${u.companyName}</td>
        <td><code>${u.errorCode ?? "unknown"}</code></td><td>${u.updatedAt.slice(0, 19).replace("T", " ")}</td>
        <td><a href="${DASHBOARD_PATH}/queue/provisioning/${jobId}">${jobId}</a></td></tr>`;
    })}</table></div>`;
}

/** Users per status per company, short of capacity or with failures first. */
export function companiesSection(o: Overview): Html {
  return html`<h2>Companies${
    o.companyCount > o.companies.length
      ? html`<span class="muted">${o.companies.length} of ${o.companyCount}, short of capacity or with failures first</span>`
      : ""
  }</h2>
  <div class="table card"><table><tr><th>company</th><th class="n">active</th><th class="n">provisioning</th><th class="n">suspended</th><th class="n">failed</th><th class="n">pools low</th></tr>
  ${o.companies.map(
    (
      c,
    ) => html`<tr id="c-${c.id}"><td>${c.name} <span class="muted">${c.id}</span></td><td class="n">${n(c.active)}</td>
      <td class="n">${n(c.provisioning)}</td><td class="n">${n(c.suspended)}</td>
      <td class="n${c.failed > 0 ? " bad" : ""}">${n(c.failed)}</td>
      <td class="n${(c.capacity?.low ?? 0) > 0 ? " bad" : ""}">${n(c.capacity?.low ?? 0)}</td></tr>`,
  )}</table></div>`;
}
