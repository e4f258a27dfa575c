import { checkInvariants, type Database, type InvariantCheck } from "@scimline/db";
import { isProvisioningErrorCode, remedyOf } from "@scimline/domain";
import { reconcileJobId } from "@scimline/queue";
import { html } from "hono/html";
import type { EventView } from "../admin/event-schemas.ts";
import { userEvents } from "../admin/event-store.ts";
import { DASHBOARD_PATH } from "./dashboard.ts";
import { type Html, shell } from "./page-shell.ts";

/** The timeline shows this many events (a user has a handful per change). */
const MAX_EVENTS = 500;

type Facts = {
  id: string;
  company_id: string;
  company_name: string;
  user_name: string;
  display_name: string | null;
  status: string;
  error_code: string | null;
  office: string | null;
  license_type: string | null;
  did: string | null;
  extension: number | null;
  generation: number;
  applied_generation: number;
  active: boolean;
  created_at: string | Date;
};

export type UserPage = {
  userId: string;
  companyId: string;
  companyName: string;
  /** null: erased (only its events are left). */
  user: Facts | null;
  events: EventView[];
  invariants: InvariantCheck[];
};

/** One user, in any company (ops see every tenant): its facts, timeline and its company's invariants. */
export async function loadUserPage(database: Database, userId: string): Promise<UserPage | null> {
  const { sql } = database;
  const [user] = await sql<Facts[]>`
    select u.id, u.company_id, c.name as company_name, u.user_name, u.display_name, u.status, u.error_code,
           o.name as office, lt.name as license_type, u.did, u.extension, u.generation, u.applied_generation,
           u.active, u.created_at
    from users u join companies c on c.id = u.company_id
      left join offices o on o.id = u.office_id left join license_types lt on lt.id = u.license_type_id
    where u.id = ${userId} and u.deleted_at is null`;
  const [erased] = user
    ? [undefined]
    : await sql<{ company_id: string; company_name: string }[]>`
        select e.company_id, c.name as company_name from events e join companies c on c.id = e.company_id
        where e.user_id = ${userId} limit 1`;
  const companyId = user?.company_id ?? erased?.company_id;
  if (!companyId) return null;
  const [timeline, invariants] = await Promise.all([
    userEvents(database, companyId, userId, { limit: MAX_EVENTS }),
    checkInvariants(sql, { companyId }),
  ]);
  return {
    userId,
    companyId,
    companyName: user?.company_name ?? erased?.company_name ?? "",
    user: user ?? null,
    events: timeline.events,
    invariants,
  };
}

const dataOf = (data: Record<string, unknown>) =>
  Object.entries(data)
    .map(([key, value]) => `${key}: ${value === null ? "none" : String(value)}`)
    .join(" · ");

function facts(p: UserPage): Html {
  const u = p.user;
  if (!u) return html`<p class="muted">This user was erased; its events keep only ids and times.</p>`;
  const code = u.error_code;
  return html`<dl class="facts card">
    <dt>status</dt><dd><strong class="${u.status === "failed" ? "bad" : u.status === "active" ? "ok" : ""}">${u.status}</strong>${
      code ? html` <code>${code}</code>` : ""
    }${u.active ? "" : " (deactivated by the identity provider)"}</dd>
    ${code && isProvisioningErrorCode(code) ? html`<dt>what to do</dt><dd>${remedyOf(code)}</dd>` : ""}
    <dt>company</dt><dd><a href="/admin#c-${p.companyId}">${p.companyName}</a></dd>
    <dt>office</dt><dd>${u.office ?? "–"}</dd>
    <dt>license type</dt><dd>${u.license_type ?? "–"}</dd>
    <dt>DID · extension</dt><dd>${u.did ?? "–"} · ${u.extension ?? "–"}</dd>
    <dt>generation</dt><dd>${u.generation} (applied ${u.applied_generation}) · its own job, once it needs one
      <a href="${DASHBOARD_PATH}/queue/provisioning/${reconcileJobId(u.id, u.generation)}">${reconcileJobId(u.id, u.generation)}</a></dd>
    <dt>created</dt><dd>${new Date(u.created_at).toISOString()}</dd>
    <dt></dt><dd><button class="retry" type="button" data-retry-company="${p.companyId}" data-retry-user="${u.id}">Retry this user</button>
      <span class="result" aria-live="polite"></span></dd>
  </dl>`;
}

function timeline(events: EventView[]): Html {
  if (events.length === 0) return html`<p class="muted">No events.</p>`;
  return html`<ol class="timeline card">${events.map(
    (e) => html`<li><span class="muted">${e.at.replace("T", " ").replace("Z", "")}</span>
      <span class="type-${e.type}">${e.type}</span><span>${dataOf(e.data)}</span></li>`,
  )}</ol>`;
}

function invariants(checks: InvariantCheck[]): Html {
  return html`<div class="table card"><table><tr><th>check</th><th>holds</th><th>detail</th></tr>
    ${checks.map(
      (c) =>
        html`<tr><td><code>${c.name}</code></td><td class="${c.ok ? "ok" : "bad"}">${c.ok ? "yes" : "no"}</td><td>${c.detail}</td></tr>`,
    )}</table></div>`;
}

export function renderUserPage(p: UserPage): Html {
  const name = p.user ? p.user.display_name || p.user.user_name : p.userId;
  const broken = p.invariants.filter((c) => !c.ok).length;
  return shell(
    `${name} · Scimline console`,
    html`<span class="live" id="live-status">Read at ${new Date().toISOString().slice(11, 19)} UTC</span>`,
    html`<p><a href="/admin">← Console</a></p>
    <h2>${name} <span class="muted">${p.user?.user_name ?? ""} · ${p.userId}</span></h2>
    ${facts(p)}
    <h2>Timeline<span class="muted">every decision and change, oldest first</span></h2>
    ${timeline(p.events)}
    <h2>Invariants of ${p.companyName}${
      broken === 0
        ? html`<span class="pill ok">all ${p.invariants.length} hold</span>`
        : html`<span class="pill bad">${broken} broken</span>`
    }</h2>
    ${invariants(p.invariants)}`,
  );
}
