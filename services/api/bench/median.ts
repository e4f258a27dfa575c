// pnpm bench:median — `bench/burst.ts --json` run N times (3 by default) one after another, each run's
// headline figures printed as it ends, then the median of each: what README "Performance" reports. Any
// other argument passes through to every run (`pnpm bench:median -- --runs 5 --skip reads`).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2).filter((arg) => arg !== "--");
const at = args.indexOf("--runs");
const runs = at >= 0 ? Number(args[at + 1]) : 3;
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs: a whole number of runs, at least 1");
const passed = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;

type Run = Record<string, unknown>;
/** The figures README "Performance" tracks, read from one run's JSON (absent when its phase was skipped). */
const HEADLINES: Record<string, (r: Run) => number | undefined> = {
  doorRatio: (r) => get(r, "door.ratio"),
  doorP99Ratio: (r) => get(r, "door.p99Ratio"),
  doorSteadyP99Ratio: (r) => get(r, "door.steadyP99Ratio"),
  doorApiCpuUs: (r) => get(r, "door.scimline.cpuPerRequestUs.server"),
  bareCpuUs: (r) => get(r, "door.bare.cpuPerRequestUs.server"),
  burstAllActiveMs: (r) => get(r, "burst.allProvisionedMs"),
  burstCpuPerUserMs: (r) => get(r, "burst.cpuPerUserMs"),
  burstLoadGenUs: (r) => get(r, "burst.loadGeneratorUsPerRequest"),
  apiPeakRssMb: (r) => get(r, "burst.apiPeakRssMb"),
  lookupP99Ms: (r) => get(r, "reads.lookupP99"),
  bareLookupP99Ms: (r) => get(r, "reads.bareLookupP99"),
  pageP99Ms: (r) => get(r, "reads.pageP99"),
};

function get(run: Run, path: string): number | undefined {
  let value: unknown = run;
  for (const key of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[key];
  return typeof value === "number" ? value : undefined;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return Math.round(value * 1000) / 1000;
}

function once(): Promise<Run> {
  const script = fileURLToPath(new URL("./burst.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, "--json", ...passed], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return reject(new Error(`bench/burst.ts exited with ${code}`));
      try {
        resolve(JSON.parse(last) as Run);
      } catch {
        reject(new Error(`bench/burst.ts printed no JSON summary: ${last.slice(0, 200)}`));
      }
    });
  });
}

const all: Run[] = [];
for (let i = 1; i <= runs; i++) {
  const run = await once();
  all.push(run);
  const figures = Object.entries(HEADLINES).flatMap(([name, read]) => {
    const value = read(run);
    return value === undefined ? [] : [`${name} ${value}`];
  });
  console.log(`run ${i}/${runs}: ${figures.join(", ")}`);
}
const medians: Record<string, number> = {};
for (const [name, read] of Object.entries(HEADLINES)) {
  const value = median(all.flatMap((run) => read(run) ?? []));
  if (value !== undefined) medians[name] = value;
}
console.log(
  `median of ${runs}: ${Object.entries(medians)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}`,
);
console.log(JSON.stringify({ runs: all.length, medians, each: all }));
