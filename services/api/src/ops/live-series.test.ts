import { describe, expect, test } from "vitest";
import { LiveSeries, SETTLE_SECONDS, WINDOW_SECONDS } from "./live-series.ts";

const NOW = 1_800_000_000;
const at = (view: { t: number[] }, second: number) => view.t.indexOf(second);

describe("LiveSeries", () => {
  test("the window is the last 15 minutes, one point per second, now included", () => {
    const view = new LiveSeries().view(NOW);
    expect(view.t).toHaveLength(WINDOW_SECONDS);
    expect(view.t[0]).toBe(NOW - WINDOW_SECONDS + 1);
    expect(view.t.at(-1)).toBe(NOW);
    for (const key of ["accepted", "lagP50", "outboxRows", "waiting"] as const) expect(view[key]).toHaveLength(900);
  });

  test("counts land in the second of their event; the last seconds are not final yet (null)", () => {
    const s = new LiveSeries();
    for (let i = 0; i < 5; i++) s.count(NOW - 10, "user.accepted");
    s.count(NOW - 10, "user.provisioned", 200);
    s.count(NOW - 9, "user.failed");
    s.count(NOW, "user.accepted");
    const view = s.view(NOW);
    expect(view.accepted[at(view, NOW - 10)]).toBe(5);
    expect(view.provisioned[at(view, NOW - 10)]).toBe(1);
    expect(view.failed[at(view, NOW - 9)]).toBe(1);
    expect(view.accepted[at(view, NOW - 11)]).toBe(0);
    for (let k = 0; k < SETTLE_SECONDS; k++) expect(view.accepted[at(view, NOW - k)]).toBeNull();
    expect(view.summary).toMatchObject({ accepted: 5, provisioned: 1, failed: 1, acceptedPerSecond: 0.5 });
  });

  test("lag quantiles per second and over the last minute, in seconds", () => {
    const s = new LiveSeries();
    for (let i = 0; i < 95; i++) s.count(NOW - 5, "user.provisioned", 300);
    for (let i = 0; i < 5; i++) s.count(NOW - 5, "user.provisioned", 8000);
    s.count(NOW - 120, "user.provisioned", 60_000); // outside the last minute
    const view = s.view(NOW);
    const p50 = view.lagP50[at(view, NOW - 5)] ?? 0;
    expect(p50).toBeGreaterThan(0.28);
    expect(p50).toBeLessThan(0.32);
    expect(view.lagP95[at(view, NOW - 5)]).toBe(p50);
    expect(view.lagP50[at(view, NOW - 6)]).toBeNull();
    expect(view.summary.lagP95).toBe(p50);
    expect(view.lagP50[at(view, NOW - 120)]).toBeGreaterThan(55);
    // A provisioned user whose lag is unknown is counted, without a lag.
    s.count(NOW - 4, "user.provisioned");
    expect(s.view(NOW).provisioned[at(view, NOW - 4)]).toBe(1);
    expect(s.view(NOW).lagP50[at(view, NOW - 4)]).toBeNull();
  });

  test("gauges: sampled points, null where nothing was read; the summary shows the latest", () => {
    const s = new LiveSeries();
    const g = { outboxRows: 40, outboxAgeSeconds: 1.5, waiting: 300, active: 100, failedJobs: 2 };
    s.gauge(NOW - 3, g);
    s.gauge(NOW - 1, { ...g, outboxRows: 10, waiting: null, active: null, failedJobs: null });
    const view = s.view(NOW);
    expect(view.outboxRows[at(view, NOW - 3)]).toBe(40);
    expect(view.outboxRows[at(view, NOW - 2)]).toBeNull();
    expect(view.waiting[at(view, NOW - 1)]).toBeNull();
    expect(view.summary.gauges).toMatchObject({ outboxRows: 10, waiting: null });
  });

  test("prune forgets what left the window, and the view never shows it", () => {
    const s = new LiveSeries();
    s.count(NOW - WINDOW_SECONDS, "user.accepted");
    s.count(NOW - WINDOW_SECONDS + 1, "user.accepted");
    expect(s.view(NOW).summary.accepted).toBe(1);
    s.prune(NOW);
    expect(s.view(NOW - 1).summary.accepted).toBe(1);
  });
});
