import type { Sql, TxSql } from "@scimline/db";
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import type postgres from "postgres";
import { BUCKETS, PER_DECADE } from "./lag-histogram.ts";
import { type CountedEvent, type Gauges, LiveSeries, type LiveView, WINDOW_SECONDS } from "./live-series.ts";
import { SeqTracker } from "./seq-tracker.ts";
import { outboxLag, withTimeout } from "./stats.ts";

const COUNTED = ["user.accepted", "user.provisioned", "user.failed"] as const;
/** Rows one read takes at most; a longer backlog is caught up over the next seconds. */
const READ_LIMIT = 50_000;
/** Seqs below the newest at start whose rows may still commit (transactions in flight). */
const START_MARGIN = 5_000;

/**
 * What a reading returns, a few rows a second whatever the rate: `seqs` rows are runs of consecutive
 * seqs read (first, last, how many); `counted` rows are a second's events of one type and lag bucket
 * (the second, the type, how many, the bucket's smallest lag in ms).
 */
type ReadRow =
  | { kind: "seqs"; a: number; b: number; type: null; n: number; lag_ms: null }
  | { kind: "counted"; a: number; b: null; type: CountedEvent; n: number; lag_ms: number | null };
type CountedRow = Extract<ReadRow, { kind: "counted" }>;

/**
 * The counted events of `source` (a relation with type, at, user_id) per second, type and lag bucket
 * (LagHistogram's buckets: bucketOf on the bucket's smallest lag gives the bucket back). A provisioned
 * user's lag runs from its desired state to the event; unknown (an erased user) or negative: no lag.
 */
function countedRows(sql: Sql | TxSql, source: postgres.Fragment): postgres.Fragment {
  const lag = sql`(select extract(epoch from c.at - u.desired_at)::float8 * 1000 from users u where u.id = c.user_id)`;
  return sql`
    select 'counted' as kind, floor(extract(epoch from c.at))::float8 as a, null::float8 as b, c.type,
      count(*)::int as n, min(c.lag_ms) as lag_ms
    from (
      select c.type, c.at, case when c.type = 'user.provisioned' then ${lag} end as lag_ms
      from ${source} c where c.type = any(${sql.array([...COUNTED])}::text[])
    ) c
    group by 2, 4, case when c.lag_ms is null or c.lag_ms < 0 then null when c.lag_ms <= 1 then 0
      else least(${BUCKETS - 1}, floor(log(c.lag_ms) * ${PER_DECADE}))::int end`;
}

export type SamplerStats = {
  /** Epoch seconds of the first reading of the gauges (before it, only events are known). */
  since: number | null;
  ticks: number;
  lastTickMs: number;
  avgTickMs: number;
  maxTickMs: number;
  /** Event rows read by the last reading, and on average. */
  lastRows: number;
  avgRows: number;
  lastError: string | null;
};

/**
 * The live view's source, in each API process: every second it reads the events committed since its
 * last reading (accepted, provisioned with its lag, failed: every accept and provision is an event
 * with its time) through a SeqTracker, and reads the outbox and queue depths; it keeps 15 minutes
 * in memory (LiveSeries). Postgres counts the events (per second, type and lag bucket) and sends
 * the seqs read as runs, so a reading is a few rows a second whatever the rate (a 10,000-user
 * burst's ~60,000 events had cost the API ~5% of its CPU as rows). At start it fills the window
 * from the events table, so the charts show the last 15 minutes at once. Every process reads the
 * same shared tables, so every process shows the same counts; the gauges start at the process's
 * first reading.
 */
export class LiveSampler {
  private readonly series = new LiveSeries();
  private tracker: SeqTracker | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private first: Promise<void> = Promise.resolve();
  private lastTouch = 0;
  private readonly stats: SamplerStats = {
    since: null,
    ticks: 0,
    lastTickMs: 0,
    avgTickMs: 0,
    maxTickMs: 0,
    lastRows: 0,
    avgRows: 0,
    lastError: null,
  };

  constructor(
    private readonly deps: { sql: Sql; queue: Queue | null; logger: Logger; now?: () => number },
    private readonly options: { intervalMs?: number; idleStopMs?: number | null } = {},
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** A viewer asked: start if stopped (a lazily started sampler stops after idleStopMs without one). */
  touch(): void {
    this.lastTouch = this.now();
    if (!this.running) this.start();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastTouch = this.now();
    const loop = async () => {
      const idleStop = this.options.idleStopMs;
      if (idleStop != null && this.now() - this.lastTouch > idleStop) this.running = false;
      if (!this.running) return;
      await this.tick();
      if (!this.running) return;
      this.timer = setTimeout(() => {
        this.idle = loop();
      }, this.options.intervalMs ?? 1000);
      this.timer.unref();
    };
    this.idle = loop();
    this.first = this.idle;
  }

  /** Resolves once the first reading since start is in (at most `ms` later): a page shows it at once. */
  ready(ms = 2000): Promise<void> {
    return Promise.race([this.first, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.idle;
  }

  view(): LiveView & { sampler: SamplerStats } {
    return { ...this.series.view(Math.floor(this.now() / 1000)), sampler: { ...this.stats } };
  }

  /** One reading (the loop calls it every second; tests call it directly). */
  async tick(): Promise<void> {
    const started = performance.now();
    // Postgres down leaves the event counts behind (they catch up later) and the gauges empty.
    const [rows, gauges] = await Promise.all([this.readEvents().catch((error: Error) => error), this.readGauges()]);
    const second = Math.floor(this.now() / 1000);
    this.series.gauge(second, gauges);
    this.series.prune(second);
    this.stats.since ??= second;
    if (rows instanceof Error) {
      if (this.stats.lastError === null)
        this.deps.logger.warn({ err: { message: rows.message } }, "live view: reading events failed; will retry");
      this.stats.lastError = rows.message;
    } else {
      this.stats.lastRows = rows;
      this.stats.avgRows += (rows - this.stats.avgRows) / Math.min(this.stats.ticks + 1, 60);
      this.stats.lastError = null;
    }
    const ms = performance.now() - started;
    this.stats.ticks++;
    this.stats.lastTickMs = Math.round(ms * 10) / 10;
    this.stats.maxTickMs = Math.max(this.stats.maxTickMs, this.stats.lastTickMs);
    this.stats.avgTickMs += (ms - this.stats.avgTickMs) / Math.min(this.stats.ticks, 60);
  }

  private record(rows: readonly ReadRow[]): void {
    for (const row of rows) {
      if (row.kind !== "counted") continue;
      const lag = row.lag_ms !== null && row.lag_ms >= 0 ? row.lag_ms : null;
      this.series.count(Math.floor(row.a), row.type, lag, row.n);
    }
  }

  private async readEvents(): Promise<number> {
    if (!this.tracker) return this.backfill();
    const { sql } = this.deps;
    const { lo, hi } = this.tracker.ranges();
    const rows = await sql<ReadRow[]>`
      with e as materialized (
        select e.seq, e.type, e.at, e.user_id
        from unnest(${sql.array(lo.map(String))}::int8[], ${sql.array(hi.map(String))}::int8[]) as r(lo, hi)
          cross join lateral (
            -- One primary-key range scan per range (a plain join would scan the whole index in seq order).
            select seq, type, at, user_id from events where seq between r.lo and r.hi order by seq limit ${READ_LIMIT}
          ) e
        order by e.seq limit ${READ_LIMIT}
      )
      select 'seqs' as kind, min(seq)::float8 as a, max(seq)::float8 as b, null as type, count(*)::int as n,
        null::float8 as lag_ms
      from (select seq, seq - row_number() over (order by seq) as run from e) s group by run
      union all ${countedRows(sql, sql`e`)}`;
    this.record(rows);
    const seqs: number[] = [];
    for (const row of rows) if (row.kind === "seqs") for (let seq = row.a; seq <= row.b; seq++) seqs.push(seq);
    seqs.sort((x, y) => x - y);
    this.tracker.observe(seqs, this.now(), seqs.length === READ_LIMIT);
    return seqs.length;
  }

  /**
   * The window's events from the table, in one snapshot: the first seq of the window is found by
   * bisecting the primary key (events have no index on time), then the counted events are read.
   */
  private async backfill(): Promise<number> {
    const windowStart = this.now() / 1000 - WINDOW_SECONDS;
    const { rows, max, recent } = await this.deps.sql.begin("isolation level repeatable read read only", async (tx) => {
      const [bounds] = await tx<{ min: string | null; max: string | null }[]>`
        select min(seq)::text as min, max(seq)::text as max from events`;
      if (!bounds?.min || !bounds.max) return { rows: [], max: 0, recent: [] };
      let lo = Number(bounds.min);
      let hi = Number(bounds.max);
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        const [row] = await tx<{ at: number }[]>`
          select extract(epoch from at)::float8 as at from events where seq >= ${mid} order by seq limit 1`;
        if ((row?.at ?? 0) >= windowStart - 30) hi = mid;
        else lo = mid + 1;
      }
      const rows = await tx<CountedRow[]>`${countedRows(
        tx,
        tx`(select type, at, user_id from events
            where seq between ${lo} and ${bounds.max}::int8 and at >= to_timestamp(${windowStart}))`,
      )}`;
      // Ordered by the number (an output column named seq, being text, would order 10 before 9).
      const recent = await tx<{ s: string }[]>`
        select seq::text as s from events where seq > ${bounds.max}::int8 - ${START_MARGIN} and seq <= ${bounds.max}::int8
        order by seq`;
      return { rows, max: Number(bounds.max), recent: recent.map((r) => Number(r.s)) };
    });
    this.record(rows);
    // Seqs under the newest not visible in the snapshot belong to transactions still running: gaps to watch.
    this.tracker = new SeqTracker(Math.max(0, max - START_MARGIN));
    this.tracker.observe(recent, this.now());
    return rows.reduce((n, row) => n + row.n, 0);
  }

  private async readGauges(): Promise<Gauges> {
    const [outbox, queue] = await Promise.all([
      outboxLag(this.deps.sql).catch(() => null),
      this.deps.queue
        ? withTimeout(this.deps.queue.getJobCounts("waiting", "active", "failed"), 1000, "redis").catch(() => null)
        : Promise.resolve(null),
    ]);
    return {
      outboxRows: outbox?.rows ?? null,
      outboxAgeSeconds: outbox ? Math.round(outbox.oldestAgeSeconds * 10) / 10 : null,
      waiting: queue?.waiting ?? null,
      active: queue?.active ?? null,
      failedJobs: queue?.failed ?? null,
    };
  }
}
