// Preloaded into the API process by `pnpm bench:preview` (node --import): the event loop's delay,
// reset and reported over the IPC channel, so the figures are the server's own, not the client's.
import { monitorEventLoopDelay } from "node:perf_hooks";

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
const ms = (ns: number) => Math.round(ns / 10_000) / 100;
process.on("message", (message) => {
  if (message === "reset") {
    histogram.reset();
    process.send?.({ type: "reset" });
  } else if (message === "report") {
    process.send?.({
      type: "report",
      maxMs: ms(histogram.max),
      p99Ms: ms(histogram.percentile(99)),
      meanMs: ms(histogram.mean),
    });
  }
});
