import type { Sql } from "@scimline/db";
import { Counter, Gauge, type Registry } from "prom-client";
import type { AppDeps } from "../deps.ts";
import { cached } from "./stats.ts";

type Read = <T>(what: string, load: () => Promise<T>) => Promise<T | null>;

/** Held changes waiting for an admin, in every company (counts only: no tenant in a label). */
async function pendingHeld(sql: Sql): Promise<{ deactivate: number; delete: number }> {
  const rows = await sql<{ kind: "deactivate" | "delete"; n: number }[]>`
    select kind, count(*)::int as n from held_changes group by kind`;
  const out = { deactivate: 0, delete: 0 };
  for (const r of rows) out[r.kind] = r.n;
  return out;
}

/**
 * Connections to watch: directories with a live token and no request for `silentSeconds` (by their tokens'
 * last use, else since the directory was created), and live tokens that expire within 14 days.
 */
async function connections(sql: Sql, silentSeconds: number): Promise<{ silent: number; expiring: number }> {
  const [row] = await sql<{ silent: number; expiring: number }[]>`
    select
      (select count(*)::int from directories d
       join lateral (
         select max(t.last_used_at) as last from scim_tokens t
         where t.directory_id = d.id and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
         having count(*) > 0
       ) live on true
       where coalesce(live.last, d.created_at) < now() - make_interval(secs => ${silentSeconds})) as silent,
      (select count(*)::int from scim_tokens
       where revoked_at is null and expires_at > now() and expires_at <= now() + interval '14 days') as expiring`;
  return row ?? { silent: 0, expiring: 0 };
}

/**
 * The guard rails' metrics: SCIM deactivations and deletes the breaker held (counted as they happen in
 * this process), the held changes waiting for an admin, silent directories and expiring tokens (read
 * at scrape time, cached), and request-log lines dropped.
 */
export function registerGuardRailMetrics(
  deps: Pick<AppDeps, "database" | "config" | "requestLog">,
  registry: Registry,
  read: Read,
) {
  const held = new Counter({
    name: "scimline_breaker_held_total",
    help: "SCIM deactivations and deletes the mass-deactivation breaker held for an admin",
    labelNames: ["kind"],
    registers: [registry],
  });
  for (const kind of ["deactivate", "delete"]) held.inc({ kind }, 0);
  const snapshot = cached(() => read("postgres", () => pendingHeld(deps.database.sql)), 5000);
  new Gauge({
    name: "scimline_held_changes",
    help: "Held SCIM deactivations and deletes waiting for an admin to confirm or reject them",
    labelNames: ["kind"],
    registers: [registry],
    async collect() {
      this.reset();
      const pending = await snapshot();
      if (pending) for (const [kind, n] of Object.entries(pending)) this.set({ kind }, n);
    },
  });
  const connected = cached(
    () => read("postgres", () => connections(deps.database.sql, deps.config.DIRECTORY_SILENT_SECONDS)),
    60_000,
  );
  new Gauge({
    name: "scimline_directories_silent",
    help: "Directories with a live token that sent no request for DIRECTORY_SILENT_SECONDS (read at most once a minute)",
    registers: [registry],
    async collect() {
      const c = await connected();
      if (c) this.set(c.silent);
    },
  });
  new Gauge({
    name: "scimline_scim_tokens_expiring",
    help: "Live SCIM tokens that expire within 14 days (read at most once a minute)",
    registers: [registry],
    async collect() {
      const c = await connected();
      if (c) this.set(c.expiring);
    },
  });
  new Gauge({
    name: "scimline_request_log_dropped",
    help: "Request-log lines this process dropped because its buffer was full",
    registers: [registry],
    collect() {
      this.set(deps.requestLog?.dropped ?? 0);
    },
  });
  return { held };
}
