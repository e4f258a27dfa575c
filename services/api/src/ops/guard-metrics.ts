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
 * The guard rails' metrics: SCIM deactivations and deletes the breaker held (counted as they happen in
 * this process), and the held changes waiting for an admin (read at scrape time, cached for 5 s).
 */
export function registerGuardRailMetrics(deps: Pick<AppDeps, "database">, registry: Registry, read: Read) {
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
  return { held };
}
