// pnpm bench:ab -- --b dist/main.b.js (or --b-args=…): two builds, or two node settings, of the API take
// turns at the door (A, B, B, A, … after a 2 s warm-up of each) on one database, and each side's CPU per
// create is metered (the API process; Postgres while it ran). It prints every turn, the median and
// quartiles of the turn-by-turn B/A ratio of API CPU per create (a pair runs back to back, so most of the
// machine's drift cancels), and the ratios over all turns. Its noise floor on the 2-core benchmark
// machine: the same build on both sides gave 1.04 over 8 turns, and 1.10 (p99 1.14) over 12; the same two
// builds 0.93 and then 1.09 in two runs of 16 turns of 2 s. Believe a difference under ~10% only when
// repeated runs agree with the sides swapped, or count its mechanism (bench/loop-gaps.mjs, a probe build).
import { isAbsolute, join } from "node:path";
import { parseArgs } from "node:util";
import {
  adminClient,
  benchArgs,
  cpuMeter,
  dropQueueKeys,
  freshDatabase,
  load,
  nodeArgs,
  oktaBody,
  percentile,
  postgresPids,
  root,
  rssSampler,
  serviceEnv,
  startNode,
  stop,
  waitHealthy,
} from "./lib.ts";
import { setupCompany } from "./seed.ts";

const { values: o } = parseArgs({
  args: benchArgs(),
  options: {
    help: { type: "boolean", short: "h", default: false },
    a: { type: "string", default: "dist/main.js" },
    b: { type: "string", default: "dist/main.js" },
    "a-args": { type: "string", default: "" },
    "b-args": { type: "string", default: "" },
    turns: { type: "string", default: "8" },
    duration: { type: "string", default: "2.5" },
    c: { type: "string", default: "100" },
  },
});
if (o.help) {
  console.log(`pnpm bench:ab -- --b FILE [options]
  --a FILE        the API build A (dist/main.js); relative to services/api
  --b FILE        the API build B (dist/main.js), e.g. a copy of another commit's dist/main.js placed in dist/ (its imports
                  resolve from there)
  --a-args ARGS   node options for A, e.g. --a-args=--max-semi-space-size=32 (none)
  --b-args ARGS   node options for B (none)
  --turns T       turns of each side after a 2 s warm-up each (8), in the order A B B A A B …
  --duration S    seconds a turn (2.5)
  --c C           connections of the load generator (100)`);
  process.exit(0);
}
const apiDir = join(root, "services/api");
const file = (f: string) => (isAbsolute(f) ? f : join(apiDir, f));
const env = serviceEnv(await freshDatabase("scimline_bench_ab"));
const PORT = Number(process.env.BENCH_PORT ?? 8280);

type Side = "A" | "B";
const port = { A: PORT, B: PORT + 1 };
// A migrates the database; B starts once A is serving.
const a = startNode(file(o.a), apiDir, { ...env, PORT: String(port.A) }, nodeArgs(o["a-args"]));
await waitHealthy(`http://127.0.0.1:${port.A}/healthz`, a);
const b = startNode(file(o.b), apiDir, { ...env, PORT: String(port.B) }, nodeArgs(o["b-args"]));
try {
  await waitHealthy(`http://127.0.0.1:${port.B}/healthz`, b);
} catch (error) {
  // A side that never starts (a node option node refuses): stop the other, or this process waits for it.
  await stop(a);
  throw error;
}
const child = { A: a, B: b };
const rss = rssSampler([a, b]);

try {
  const admin = adminClient(`http://127.0.0.1:${port.A}`, env.ADMIN_API_KEY);
  const { token } = await setupCompany(admin, { name: "AB", seats: 0, numbers: 0, start: 100000 });
  const totals = {
    A: { requests: 0, api: 0, pg: 0, s: 0, lat: [] as number[] },
    B: { requests: 0, api: 0, pg: 0, s: 0, lat: [] as number[] },
  };
  const run = async (side: Side, label: string, duration: number) => {
    const meter = cpuMeter({ api: () => [child[side].pid ?? -1], postgres: postgresPids });
    const r = await load(
      `http://127.0.0.1:${port[side]}/scim/v2/Users`,
      { Authorization: `Bearer ${token}` },
      oktaBody(`${label}${side}${Date.now()}`, "HQ"),
      { connections: Number(o.c), duration },
    );
    const { cpuS } = meter.stop();
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${side}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    return { r, cpuS };
  };
  await run("A", "warm", 2);
  await run("B", "warm", 2);
  const turns = Number(o.turns);
  const ratios: number[] = [];
  for (let i = 0; i < turns; i++) {
    const order: Side[] = i % 2 === 0 ? ["A", "B"] : ["B", "A"];
    const line: string[] = [];
    const us = { A: 0, B: 0 };
    for (const side of order) {
      const { r, cpuS } = await run(side, `t${i}`, Number(o.duration));
      const t = totals[side];
      t.requests += r.requests;
      t.s += r.seconds;
      t.api += cpuS.api ?? 0;
      t.pg += cpuS.postgres ?? 0;
      t.lat.push(...r.latencies);
      us[side] = ((cpuS.api ?? 0) / r.requests) * 1e6;
      line.push(`${side} ${r.rps}/s ${Math.round(us[side])} µs`);
    }
    // Each turn's pair ran back to back: their ratio leaves out most of the machine's drift.
    ratios.push(us.B / us.A);
    console.log(`turn ${i + 1}: ${line.join(" | ")}`);
  }
  const summary = (side: Side) => {
    const t = totals[side];
    const lat = t.lat.sort((x, y) => x - y);
    return {
      rps: Math.round(t.requests / t.s),
      apiUs: Math.round((t.api / t.requests) * 1e6),
      postgresUs: Math.round((t.pg / t.requests) * 1e6),
      p50: +percentile(lat, 50).toFixed(1),
      p99: +percentile(lat, 99).toFixed(1),
      peakRssMb: rss.peakMb(child[side]),
    };
  };
  const A = summary("A");
  const B = summary("B");
  console.log(`A ${o.a} ${o["a-args"]}: ${JSON.stringify(A)}`);
  console.log(`B ${o.b} ${o["b-args"]}: ${JSON.stringify(B)}`);
  ratios.sort((x, y) => x - y);
  const q = (p: number) => percentile(ratios, p).toFixed(3);
  console.log(`B/A API CPU per create, turn by turn: median ${q(50)} (quartiles ${q(25)}–${q(75)})`);
  console.log(
    `B/A over all turns: rate ${(B.rps / A.rps).toFixed(3)}, API CPU per create ${(B.apiUs / A.apiUs).toFixed(3)}, Postgres ${(B.postgresUs / A.postgresUs).toFixed(3)}, p99 ${(B.p99 / A.p99).toFixed(3)}`,
  );
} finally {
  rss.stop();
  await stop(a);
  await stop(b);
  await dropQueueKeys(env);
}
