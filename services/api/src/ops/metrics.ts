import { checkInvariants, safeEqual } from "@scimline/db";
import { USER_STATUSES } from "@scimline/domain";
import { Hono } from "hono";
import { routePath } from "hono/route";
import { Gauge, Histogram, Registry } from "prom-client";
import type { AppDeps, AppEnv } from "../deps.ts";
import type { AnswerHook } from "../middleware/request-context.ts";
import { registerGuardRailMetrics } from "./guard-metrics.ts";
import {
  cached,
  type FailureCount,
  failuresByCode,
  type OutboxLag,
  outboxLag,
  QUEUE_STATES,
  type QueueState,
  queueDepths,
  type StatusCount,
  usersByStatus,
} from "./stats.ts";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Scrapes within this reuse the last reading: several Prometheus replicas cost one set of queries. */
const SCRAPE_CACHE_MS = 5000;

type Snapshot = {
  queues: Record<string, Record<QueueState, number>> | null;
  outbox: OutboxLag | null;
  users: StatusCount[] | null;
  failures: FailureCount[] | null;
};

/**
 * The API's Prometheus metrics (README "Operations"): request latency by route pattern, and the
 * pipeline's state read at scrape time: queue depths, outbox lag, users per status.
 */
export function createApiMetrics(
  deps: Pick<AppDeps, "database" | "queues" | "logger" | "config" | "requestLog">,
  registry = new Registry(),
) {
  const httpDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request latency by route pattern, method and status",
    labelNames: ["route", "method", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const read = async <T>(what: string, load: () => Promise<T>): Promise<T | null> => {
    try {
      return await load();
    } catch (error) {
      deps.logger.warn({ err: { message: (error as Error).message }, what }, "metrics source unavailable");
      return null;
    }
  };
  const snapshot = cached(async (): Promise<Snapshot> => {
    const { sql } = deps.database;
    const [queues, outbox, users, failures] = await Promise.all([
      read("redis", async () => {
        const out: Record<string, Record<QueueState, number>> = {};
        for (const queue of Object.values(deps.queues)) out[queue.name] = await queueDepths(queue);
        return out;
      }),
      read("postgres", () => outboxLag(sql)),
      read("postgres", () => usersByStatus(sql)),
      read("postgres", () => failuresByCode(sql)),
    ]);
    return { queues, outbox, users, failures };
  }, SCRAPE_CACHE_MS);

  new Gauge({
    name: "scimline_queue_jobs",
    help: "Jobs per queue and state",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      const { queues } = await snapshot();
      for (const [queue, depths] of Object.entries(queues ?? {}))
        for (const state of QUEUE_STATES) this.set({ queue, state }, depths[state]);
    },
  });
  new Gauge({
    name: "scimline_outbox_lag_seconds",
    help: "Age of the oldest outbox row not yet relayed to the queue (0 when empty)",
    registers: [registry],
    async collect() {
      this.reset();
      const { outbox } = await snapshot();
      if (outbox) this.set(outbox.oldestAgeSeconds);
    },
  });
  new Gauge({
    name: "scimline_outbox_rows",
    help: "Outbox rows not yet relayed to the queue",
    registers: [registry],
    async collect() {
      this.reset();
      const { outbox } = await snapshot();
      if (outbox) this.set(outbox.rows);
    },
  });
  new Gauge({
    name: "scimline_users",
    help: "Users (not deleted) per provisioning status",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      this.reset();
      const { users } = await snapshot();
      for (const status of USER_STATUSES) this.set({ status }, 0);
      for (const row of users ?? []) this.set({ status: row.status }, row.users);
    },
  });
  new Gauge({
    name: "scimline_users_failed",
    help: "Users in status failed, per error code",
    labelNames: ["error_code"],
    registers: [registry],
    async collect() {
      this.reset();
      const { failures } = await snapshot();
      for (const row of failures ?? []) this.set({ error_code: row.errorCode }, row.users);
    },
  });
  // Maintained by the workers' capacity check (each sweep); a small table, read at scrape time.
  const capacity = cached(
    () =>
      deps.database.sql<{ resource: string; pools: number }[]>`
        select resource, count(*)::int as pools from capacity_alerts group by resource`,
    SCRAPE_CACHE_MS,
  );
  new Gauge({
    name: "scimline_capacity_low",
    help: "Capacity pools below their company's threshold (seatsLowThreshold, numbersLowThreshold): seats of an office and license type, an office's numbers, a company's unbound numbers",
    labelNames: ["resource"],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await read("postgres", capacity);
      if (!rows) return;
      for (const resource of ["seats", "numbers"]) this.set({ resource }, 0);
      for (const row of rows) this.set({ resource: row.resource }, row.pools);
    },
  });
  // Checking every company's invariants scans users and pools: at most once a minute, whatever the scrapes.
  const invariants = cached(() => checkInvariants(deps.database.sql), 60_000);
  new Gauge({
    name: "scimline_invariant_ok",
    help: "1 when the invariant holds for every company (seats vs holders, DIDs and extensions both ways, no stale work, outbox drained), 0 when it is broken somewhere; read at most once a minute",
    labelNames: ["check"],
    registers: [registry],
    async collect() {
      this.reset();
      const checks = await read("postgres", invariants);
      for (const check of checks ?? []) this.set({ check: check.name }, check.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: "scimline_metrics_source_up",
    help: "1 when the last scrape-time reading of the source succeeded",
    labelNames: ["source"],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.set({ source: "redis" }, s.queues ? 1 : 0);
      this.set({ source: "postgres" }, s.outbox && s.users && s.failures ? 1 : 0);
    },
  });

  /**
   * Labels by route PATTERN, never the raw path (ids would explode the series). After next(),
   * routeIndex points at the handler that answered; -1 would be the SCIM catch-all. One child per
   * series, found by a string key: prom-client hashes (sorts) a label object on every observe.
   */
  const series = new Map<string, ReturnType<typeof httpDuration.labels>>();
  const hook: AnswerHook = {
    after(c, durationMs) {
      const route = routePath(c);
      const method = METHODS.has(c.req.method) ? c.req.method : "OTHER";
      const status = c.res.status;
      const key = `${method} ${status} ${route}`;
      let child = series.get(key);
      if (!child) {
        child = httpDuration.labels({ route, method, status: String(status) });
        series.set(key, child);
      }
      child.observe(durationMs / 1000);
    },
  };

  const guardRails = registerGuardRailMetrics(deps, registry, read);
  return { registry, httpDuration, hook, guardRails };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/** GET /metrics in the Prometheus text format; behind a bearer token only when METRICS_TOKEN is set. */
export function metricsRoutes(metrics: ApiMetrics, token: string | undefined) {
  const app = new Hono<AppEnv>();
  app.get("/metrics", async (c) => {
    if (token) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
      if (!given || !safeEqual(given, token)) {
        return c.text("metrics need Authorization: Bearer <METRICS_TOKEN>\n", 401, {
          "WWW-Authenticate": 'Bearer realm="scimline-metrics"',
        });
      }
    }
    return c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
  return app;
}
