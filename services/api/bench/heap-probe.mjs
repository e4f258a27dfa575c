// Preloaded into the API process by bench/memory-by-request.ts (node --expose-gc --import): the heap's
// peak above a collected baseline while requests run, and what stays after they are answered, reset and
// reported over the IPC channel. Plain JavaScript so that it also loads into the bundled dist/main.js.
import { readFileSync, writeFileSync } from "node:fs";

const MB = 1024 * 1024;
const collect = () => {
  // Twice: the first collection's finalizers can free more for the second.
  globalThis.gc?.();
  globalThis.gc?.();
};
const rssKb = (field) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);

let base = process.memoryUsage();
let peak = { heapUsed: 0, external: 0, rss: 0 };
let timer;
const sample = () => {
  const m = process.memoryUsage();
  peak = {
    heapUsed: Math.max(peak.heapUsed, m.heapUsed),
    external: Math.max(peak.external, m.external),
    rss: Math.max(peak.rss, m.rss),
  };
};

process.on("message", (message) => {
  if (message === "reset") {
    clearInterval(timer);
    collect();
    base = process.memoryUsage();
    peak = { heapUsed: base.heapUsed, external: base.external, rss: base.rss };
    try {
      // The resident high-water mark starts again from here (Linux): it sees a synchronous spike too.
      writeFileSync("/proc/self/clear_refs", "5");
    } catch {}
    // Between two awaits of a request: what it holds while it waits on Postgres, which is what
    // concurrent requests add up to. A spike inside one synchronous stretch is seen by the RSS.
    timer = setInterval(sample, 2);
    process.send?.({ type: "reset" });
  } else if (message === "report") {
    clearInterval(timer);
    sample();
    const hwmKb = rssKb("VmHWM");
    collect();
    const after = process.memoryUsage();
    const mb = (bytes) => Math.round((bytes / MB) * 10) / 10;
    process.send?.({
      type: "report",
      peakHeapMb: mb(peak.heapUsed - base.heapUsed),
      peakExternalMb: mb(peak.external - base.external),
      peakRssMb: mb(Math.max(peak.rss, hwmKb * 1024) - base.rss),
      retainedHeapMb: mb(after.heapUsed - base.heapUsed),
      retainedExternalMb: mb(after.external - base.external),
      heapMb: mb(after.heapUsed),
    });
  }
});
