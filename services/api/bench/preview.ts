// pnpm --filter @scimline/api bench:preview — the provisioning preview of 10,000 users. Starts the API
// (from source, with an event-loop probe preloaded) on a fresh database, seeds a company, then times
// CSV and JSON previews while another tenant's SCIM reads run, and prints the figures and a --json line.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { adminClient, benchArgs, freshDatabase, nodeArgs, percentile, serviceEnv, stop, waitHealthy } from "./lib.ts";
import { csvOf, jsonOf, seedCompany } from "./preview-data.ts";

const { values: o } = parseArgs({
  args: benchArgs(),
  options: {
    rows: { type: "string", default: "10000" },
    runs: { type: "string", default: "5" },
    offices: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const ROWS = Number(o.rows);
const RUNS = Number(o.runs);
const OFFICES = Number(o.offices);
const env = {
  ...serviceEnv(await freshDatabase("scimline_bench_preview")),
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
};
const ADMIN = env.ADMIN_API_KEY;
const PORT = Number(process.env.BENCH_PORT ?? 8190);
const base = `http://127.0.0.1:${PORT}`;
const log = (line: string) => (o.json ? undefined : console.log(line));

const api: ChildProcess = spawn(
  process.execPath,
  [...nodeArgs(process.env.BENCH_API_NODE_ARGS), "--import", "tsx", "--import", "./bench/loop-probe.ts", "src/main.ts"],
  {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, ...env, PORT: String(PORT) },
    // BENCH_VERBOSE=1 shows the API's own output (LOG_LEVEL, --trace-gc…).
    stdio: ["ignore", process.env.BENCH_VERBOSE ? "inherit" : "ignore", "inherit", "ipc"],
  },
);
// BENCH_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the API.
// On a machine shared with other work, BENCH_NICE=-10 lets the API (and this client) take the CPU first.
if (process.env.BENCH_NICE && api.pid) {
  const { setPriority } = await import("node:os");
  setPriority(api.pid, Number(process.env.BENCH_NICE));
  setPriority(Number(process.env.BENCH_NICE));
}
const probe = (message: "reset" | "report") =>
  new Promise<{ maxMs: number; p99Ms: number; meanMs: number; cpuMs: number }>((resolve) => {
    api.once("message", (m) => resolve(m as { maxMs: number; p99Ms: number; meanMs: number; cpuMs: number }));
    api.send(message);
  });

try {
  await waitHealthy(`${base}/healthz`, api, 60_000);
  const admin = adminClient(base, ADMIN);
  const companyId = await seedCompany(admin, OFFICES, 1000);
  // The other tenant: its SCIM client lists users all along.
  const other = await seedCompany(admin, 1, 200_000);
  const directory = await admin("POST", `/companies/${other}/directories`, { name: "Okta" });
  const token = String((await admin("POST", `/directories/${directory.id}/tokens`)).token);

  /** The other tenant's reads, one after another, until `done` resolves; their latencies, sorted. */
  const reads = async (done: Promise<unknown>) => {
    let reading = true;
    const pings: number[] = [];
    const loop = (async () => {
      while (reading) {
        const t0 = performance.now();
        await (await fetch(`${base}/scim/v2/Users?count=1`, { headers: { Authorization: `Bearer ${token}` } })).text();
        pings.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await done;
    reading = false;
    await loop;
    return pings.sort((a, b) => a - b);
  };
  // The same reads with no preview running: what the machine gives anyway (it may be shared).
  await probe("reset");
  const idle = await reads(new Promise((r) => setTimeout(r, 2_000)));
  const idleLoop = await probe("report");
  const baseline = {
    loopMaxMs: idleLoop.maxMs,
    otherTenantP50Ms: Math.round(percentile(idle, 50) * 10) / 10,
    otherTenantMaxMs: Math.round((idle.at(-1) ?? 0) * 10) / 10,
  };
  log(
    `baseline (no preview, 2 s): event loop max ${baseline.loopMaxMs} ms; other tenant: ${idle.length} reads, p50 ${baseline.otherTenantP50Ms} ms, max ${baseline.otherTenantMaxMs} ms`,
  );

  const bodies = { csv: csvOf(ROWS, OFFICES, "csv"), json: jsonOf(ROWS, OFFICES, "json") };
  const types = { csv: "text/csv", json: "application/json" };
  const results: Record<string, unknown>[] = [];
  for (const kind of ["csv", "json"] as const) {
    for (let run = 0; run < RUNS; run++) {
      await probe("reset");
      const t0 = performance.now();
      const answer = (async () => {
        const res = await fetch(`${base}/api/v1/companies/${companyId}/provisioning/preview`, {
          method: "POST",
          headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": types[kind] },
          body: bodies[kind],
        });
        return { res, text: await res.text(), ms: performance.now() - t0 };
      })();
      const pings = await reads(answer);
      const { res, text, ms } = await answer;
      const loop = await probe("report");
      const totals = (JSON.parse(text) as { totals?: { users: number; chargeCents: number } }).totals;
      if (res.status !== 200 || totals?.users !== ROWS) throw new Error(`preview: ${res.status} ${text.slice(0, 300)}`);
      const row = {
        kind,
        run,
        ms: Math.round(ms),
        requestMb: Math.round((Buffer.byteLength(bodies[kind]) / 1048576) * 10) / 10,
        responseMb: Math.round((Buffer.byteLength(text) / 1048576) * 10) / 10,
        apiCpuMs: loop.cpuMs,
        loopMaxMs: loop.maxMs,
        loopP99Ms: loop.p99Ms,
        otherTenantReads: pings.length,
        otherTenantP50Ms: Math.round(percentile(pings, 50) * 10) / 10,
        otherTenantMaxMs: Math.round((pings.at(-1) ?? 0) * 10) / 10,
      };
      results.push(row);
      log(
        `${kind} #${run}: ${row.ms} ms for ${ROWS} users (${row.requestMb} MB in, ${row.responseMb} MB out), API CPU ${row.apiCpuMs} ms; event loop max ${row.loopMaxMs} ms, p99 ${row.loopP99Ms} ms; other tenant: ${row.otherTenantReads} reads, p50 ${row.otherTenantP50Ms} ms, max ${row.otherTenantMaxMs} ms`,
      );
    }
  }
  const median = (kind: string, key: string) =>
    percentile(
      results
        .filter((r) => r.kind === kind)
        .map((r) => Number(r[key]))
        .sort((a, b) => a - b),
      50,
    );
  const max = (key: string) => Math.max(...results.map((r) => Number(r[key])));
  const perKind = (kind: string) => ({
    medianMs: median(kind, "ms"),
    medianApiCpuMs: median(kind, "apiCpuMs"),
    medianLoopMaxMs: median(kind, "loopMaxMs"),
    medianLoopP99Ms: median(kind, "loopP99Ms"),
    medianOtherTenantMaxMs: median(kind, "otherTenantMaxMs"),
  });
  const [load1] = (await import("node:os")).loadavg();
  const summary = {
    baseline,
    loadAverage: Math.round((load1 ?? 0) * 10) / 10,
    rows: ROWS,
    offices: OFFICES,
    runs: RUNS,
    csv: perKind("csv"),
    json: perKind("json"),
    worstLoopMaxMs: max("loopMaxMs"),
    worstOtherTenantMaxMs: max("otherTenantMaxMs"),
  };
  for (const kind of ["csv", "json"] as const) {
    const k = summary[kind];
    log(
      `median ${kind}: ${k.medianMs} ms (API CPU ${k.medianApiCpuMs} ms); event loop max ${k.medianLoopMaxMs} ms, p99 ${k.medianLoopP99Ms} ms; other tenant's slowest read ${k.medianOtherTenantMaxMs} ms`,
    );
  }
  log(
    `worst: event loop ${summary.worstLoopMaxMs} ms, other tenant's read ${summary.worstOtherTenantMaxMs} ms; load average ${summary.loadAverage} on ${(await import("node:os")).cpus().length} cores`,
  );
  console.log(JSON.stringify({ summary, results }));
} finally {
  await stop(api);
}
