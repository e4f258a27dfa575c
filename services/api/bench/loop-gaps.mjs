// A diagnostic preload (node --import) for a server under a benchmark: every long turn of its event
// loop (a gap of over LOOP_GAPS_MS, default 6, between ticks of a 2 ms timer) and every GC pause over
// 2 ms, with wall-clock times, and at exit a summary: how many gaps, and how many of them a collection
// explains. Written to LOOP_GAPS_DIR (default /tmp) as loop-gaps.<pid>.log. For example:
//   pnpm bench:ab -- --turns 4 "--a-args=--import $PWD/bench/loop-gaps.mjs" "--b-args=--import $PWD/bench/loop-gaps.mjs"
// The 2 ms timer costs the server a little CPU of its own: read figures from a run without it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";

const limitMs = Number(process.env.LOOP_GAPS_MS ?? 6);
const gaps = [];
const pauses = [];
const KINDS = { 1: "scavenge", 2: "minor-mark-sweep", 4: "mark-compact", 8: "incremental", 16: "weak-callbacks" };

let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (now - last > limitMs) gaps.push({ at: performance.timeOrigin + last, ms: now - last });
  last = now;
}, 2).unref();

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.duration > 2) {
      pauses.push({
        at: performance.timeOrigin + entry.startTime,
        ms: entry.duration,
        kind: KINDS[entry.detail?.kind] ?? "other",
      });
    }
  }
}).observe({ entryTypes: ["gc"] });

process.on("exit", () => {
  const inGap = (g) => pauses.some((p) => p.at >= g.at - 1 && p.at <= g.at + g.ms + 1);
  const explained = gaps.filter(inGap);
  const byKind = {};
  for (const p of pauses) byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;
  const summary = {
    gaps: gaps.length,
    gapsMs: Math.round(gaps.reduce((a, g) => a + g.ms, 0)),
    withCollection: explained.length,
    pausesOver2Ms: byKind,
    markCompactMs: pauses.filter((p) => p.kind === "mark-compact").map((p) => Math.round(p.ms)),
  };
  const lines = [
    JSON.stringify(summary),
    ...gaps.map((g) => `gap ${Math.round(g.at)} ${g.ms.toFixed(1)}`),
    ...pauses.map((p) => `gc ${Math.round(p.at)} ${p.ms.toFixed(1)} ${p.kind}`),
  ];
  writeFileSync(join(process.env.LOOP_GAPS_DIR ?? "/tmp", `loop-gaps.${process.pid}.log`), `${lines.join("\n")}\n`);
});
