import { LagHistogram } from "./lag-histogram.ts";

/** The live view's span: the last 15 minutes, one point per second. */
export const WINDOW_SECONDS = 900;
/** A second's counts are final this long after it: a transaction that began then may still commit. */
export const SETTLE_SECONDS = 2;

export type CountedEvent = "user.accepted" | "user.provisioned" | "user.failed";

/** What the sampler reads each second; null where its source (Postgres, Redis) did not answer. */
export type Gauges = {
  outboxRows: number | null;
  outboxAgeSeconds: number | null;
  waiting: number | null;
  active: number | null;
  failedJobs: number | null;
};

type Slot = { accepted: number; provisioned: number; failed: number; lag: LagHistogram; gauges: Gauges | null };
type Series = (number | null)[];

export type LiveView = {
  /** Epoch seconds of each point, oldest first (the last WINDOW_SECONDS seconds, now included). */
  t: number[];
  /** Events per second by the second of their transaction; null for seconds not yet final. */
  accepted: Series;
  provisioned: Series;
  failed: Series;
  /** Lag (seconds) from the change accepted to the user active, of users provisioned that second. */
  lagP50: Series;
  lagP95: Series;
  outboxRows: Series;
  outboxAgeSeconds: Series;
  waiting: Series;
  active: Series;
  failedJobs: Series;
  summary: {
    /** Per second, over the last 10 final seconds. */
    acceptedPerSecond: number;
    provisionedPerSecond: number;
    /** Over the whole window. */
    accepted: number;
    provisioned: number;
    failed: number;
    /** Seconds, over the last 60 s (null: nobody provisioned then). */
    lagP50: number | null;
    lagP95: number | null;
    /** The latest reading. */
    gauges: Gauges | null;
  };
};

const round = (n: number, digits: number) => Number(n.toFixed(digits));
const seconds = (ms: number | null) => (ms === null ? null : round(ms / 1000, 3));

/** Per-second counts and readings of the last 15 minutes, in memory: a few hundred kilobytes at most. */
export class LiveSeries {
  private readonly slots = new Map<number, Slot>();

  private slot(second: number): Slot {
    let slot = this.slots.get(second);
    if (!slot) {
      slot = { accepted: 0, provisioned: 0, failed: 0, lag: new LagHistogram(), gauges: null };
      this.slots.set(second, slot);
    }
    return slot;
  }

  /** `times` events at `second` (epoch); a provisioned user's lag in ms when known (the same for all). */
  count(second: number, type: CountedEvent, lagMs: number | null = null, times = 1): void {
    const slot = this.slot(second);
    if (type === "user.accepted") slot.accepted += times;
    else if (type === "user.failed") slot.failed += times;
    else {
      slot.provisioned += times;
      if (lagMs !== null) slot.lag.add(lagMs, times);
    }
  }

  gauge(second: number, gauges: Gauges): void {
    this.slot(second).gauges = gauges;
  }

  /** Forgets what fell out of the window. */
  prune(nowSecond: number): void {
    for (const second of this.slots.keys()) if (second <= nowSecond - WINDOW_SECONDS) this.slots.delete(second);
  }

  view(nowSecond: number): LiveView {
    const t = Array.from({ length: WINDOW_SECONDS }, (_, i) => nowSecond - WINDOW_SECONDS + 1 + i);
    const settled = (second: number) => second <= nowSecond - SETTLE_SECONDS;
    const count = (key: "accepted" | "provisioned" | "failed") =>
      t.map((s) => (settled(s) ? (this.slots.get(s)?.[key] ?? 0) : null));
    const lag = (q: number) => t.map((s) => seconds(this.slots.get(s)?.lag.quantile(q) ?? null));
    const gauge = (key: keyof Gauges) => t.map((s) => this.slots.get(s)?.gauges?.[key] ?? null);

    const accepted = count("accepted");
    const provisioned = count("provisioned");
    const failed = count("failed");
    const sum = (series: Series) => series.reduce<number>((a, b) => a + (b ?? 0), 0);
    const lastTen = (series: Series) => sum(series.slice(-(10 + SETTLE_SECONDS))) / 10;
    const recent = new LagHistogram();
    for (const s of t.slice(-60)) {
      const slot = this.slots.get(s);
      if (slot) recent.merge(slot.lag);
    }
    const latest = [...t].reverse().find((s) => this.slots.get(s)?.gauges);
    return {
      t,
      accepted,
      provisioned,
      failed,
      lagP50: lag(0.5),
      lagP95: lag(0.95),
      outboxRows: gauge("outboxRows"),
      outboxAgeSeconds: gauge("outboxAgeSeconds"),
      waiting: gauge("waiting"),
      active: gauge("active"),
      failedJobs: gauge("failedJobs"),
      summary: {
        acceptedPerSecond: round(lastTen(accepted), 1),
        provisionedPerSecond: round(lastTen(provisioned), 1),
        accepted: sum(accepted),
        provisioned: sum(provisioned),
        failed: sum(failed),
        lagP50: seconds(recent.quantile(0.5)),
        lagP95: seconds(recent.quantile(0.95)),
        gauges: latest === undefined ? null : (this.slots.get(latest)?.gauges ?? null),
      },
    };
  }
}
