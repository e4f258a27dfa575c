// Preloaded into the API process by `pnpm bench:preview` (node --import): the event loop's delay,
// reset and reported over the IPC channel, so the figures are the server's own, not the client's.
import { monitorEventLoopDelay } from "node:perf_hooks";

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
const ms = (ns: number) => Math.round(ns / 10_000) / 100;
let cpu = process.cpuUsage();
process.on("message", (message) => {
  if (message === "reset") {
    histogram.reset();
    cpu = process.cpuUsage();
    process.send?.({ type: "reset" });
  } else if (message === "report") {
    const used = process.cpuUsage(cpu);
    process.send?.({
      type: "report",
      maxMs: ms(histogram.max),
      p99Ms: ms(histogram.percentile(99)),
      meanMs: ms(histogram.mean),
      // The whole process's CPU (every thread: GC helpers too) since the reset.
      cpuMs: Math.round((used.user + used.system) / 1000),
    });
  }
});
