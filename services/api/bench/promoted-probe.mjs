// A diagnostic preload (node --import) for a server under a benchmark: which allocations outlive the
// young generation (promoted by a scavenge, or allocated old) and are then collected by a mark-compact,
// the garbage that paces the mark-compacts. V8's sampling heap profiler, with objects collected by a
// scavenge left out, samples from PROMOTED_FROM_MS to PROMOTED_TO_MS after start; at exit it writes the
// heaviest allocating functions (self bytes sampled, and the deepest frames of our own code above them)
// to PROMOTED_FILE (default /tmp/promoted.<pid>.txt). For example:
//   pnpm exec tsx bench/tail-probe.ts "--api-args=--import $PWD/bench/promoted-probe.mjs"
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

const from = Number(process.env.PROMOTED_FROM_MS ?? 6000);
const to = Number(process.env.PROMOTED_TO_MS ?? 12000);
const session = new Session();
session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );

let profile;
setTimeout(() => {
  void post("HeapProfiler.startSampling", {
    samplingInterval: 8192,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.PROMOTED_ALL === "1",
  });
  setTimeout(async () => {
    profile = (await post("HeapProfiler.stopSampling")).profile;
  }, to - from).unref();
}, from).unref();

const frame = (f) =>
  `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/node_modules\//, "~/").replace(/^file:\/\/.*\/services\//, "")}:${f.lineNumber + 1}`;
const ours = (f) => /dist\/main\.js|services\/|packages\//.test(f.url) && !f.url.includes("node_modules");

process.on("exit", () => {
  if (!profile) return;
  const self = new Map();
  const byOurs = new Map();
  let total = 0;
  const walk = (node, stack) => {
    const here = [...stack, node.callFrame];
    if (node.selfSize > 0) {
      total += node.selfSize;
      const key = `${frame(node.callFrame)}  <  ${stack.slice(-3).reverse().map(frame).join("  <  ")}`;
      self.set(key, (self.get(key) ?? 0) + node.selfSize);
      const mine = here.filter(ours).slice(-2).reverse().map(frame).join("  <  ") || "(none of ours)";
      byOurs.set(mine, (byOurs.get(mine) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${(v / 1024).toFixed(0).padStart(7)} KB  ${k}`);
  const file = process.env.PROMOTED_FILE ?? `/tmp/promoted.${process.pid}.txt`;
  writeFileSync(
    file,
    [
      `sampled ${(total / 1048576).toFixed(1)} MB over ${(to - from) / 1000} s`,
      "",
      "by allocating frame (and its three callers):",
      ...top(self, 40),
      "",
      "by the deepest two frames of our own code:",
      ...top(byOurs, 30),
    ].join("\n"),
  );
});
