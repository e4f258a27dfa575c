import type { Sql } from "@scimline/db";
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import { type CountedEvent, type Gauges, LiveSeries, type LiveView, WINDOW_SECONDS } from "./live-series.ts";
import { SeqTracker } from "./seq-tracker.ts";
import { outboxLag, withTimeout } from "./stats.ts";

const COUNTED = ["user.accepted", "user.provisioned", "user.failed"] as const;
/** Rows one read takes at most; a longer backlog is caught up over the next seconds. */
const READ_LIMIT = 50_000;
/** Seqs below the newest at start whose rows may still commit (transactions in flight). */
const START_MARGIN = 5_000;

type EventRow = { seq: string; type: CountedEvent | null; at: number | null; lag_ms: number | null };

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
 * The live view's source, in each API process: every second it reads the events committed since
 * its last reading (accepted, provisioned with its lag, failed: every accept and provision is an
 * event with its time) through a SeqTracker, and reads the outbox and queue depths; it keeps
 * 15 minutes in memory (LiveSeries). At start it fills the window from the events table, so the
 * charts show the last 15 minutes at once. Every process reads the same shared tables, so every
 * process shows the same counts; the gauges start at the process's first reading.
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

  private record(rows: readonly Pick<EventRow, "type" | "at" | "lag_ms">[]): void {
    for (const row of rows) {
      if (row.type === null || row.at === null) continue;
      const lag = row.lag_ms !== null && row.lag_ms >= 0 ? row.lag_ms : null;
      this.series.count(Math.floor(row.at), row.type, lag);
    }
  }

  private async readEvents(): Promise<number> {
    if (!this.tracker) return this.backfill();
    const { sql } = this.deps;
    const { lo, hi } = this.tracker.ranges();
    const rows = await sql<EventRow[]>`
      select e.seq::text as seq,
        case when e.type = any(${sql.array([...COUNTED])}::text[]) then e.type end as type,
        case when e.type = any(${sql.array([...COUNTED])}::text[]) then extract(epoch from e.at)::float8 end as at,
        case when e.type = 'user.provisioned' then
          (select extract(epoch from e.at - u.desired_at)::float8 * 1000 from users u where u.id = e.user_id)
        end as lag_ms
      from unnest(${sql.array(lo.map(String))}::int8[], ${sql.array(hi.map(String))}::int8[]) as r(lo, hi)
        cross join lateral (
          -- One primary-key range scan per range (a plain join would scan the whole index in seq order).
          select seq, type, at, user_id from events where seq between r.lo and r.hi order by seq limit ${READ_LIMIT}
        ) e
      order by e.seq limit ${READ_LIMIT}`;
    this.record(rows);
    this.tracker.observe(
      rows.map((r) => Number(r.seq)),
      this.now(),
      rows.length === READ_LIMIT,
    );
    return rows.length;
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
      const rows = await tx<Omit<EventRow, "seq">[]>`
        select e.type, extract(epoch from e.at)::float8 as at,
          case when e.type = 'user.provisioned' then
            (select extract(epoch from e.at - u.desired_at)::float8 * 1000 from users u where u.id = e.user_id)
          end as lag_ms
        from events e
        where e.seq between ${lo} and ${bounds.max}::int8 and e.type = any(${tx.array([...COUNTED])}::text[])
          and e.at >= to_timestamp(${windowStart})`;
      const recent = await tx<{ seq: string }[]>`
        select seq::text from events where seq > ${bounds.max}::int8 - ${START_MARGIN} and seq <= ${bounds.max}::int8
        order by seq`;
      return { rows, max: Number(bounds.max), recent: recent.map((r) => Number(r.seq)) };
    });
    this.record(rows);
    // Seqs under the newest not visible in the snapshot belong to transactions still running: gaps to watch.
    this.tracker = new SeqTracker(Math.max(0, max - START_MARGIN));
    this.tracker.observe(recent, this.now());
    return rows.length;
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
