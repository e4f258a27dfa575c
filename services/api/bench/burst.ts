// pnpm bench:burst — the Okta burst benchmark (issue 8). Starts the built API and worker(s)
// against a fresh database and queue prefix, then measures: the door alone, taking turns with a bare
// Hono+INSERT ceiling (rate, p99 and CPU per request of each); a burst of N creates until all are
// provisioned; reads at 100k users; and (with --long) whether the door stays fast over 70 s. Prints
// figures and a --json line; `pnpm bench:median` runs it three times and prints the medians.
import { join } from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import {
  adminClient,
  benchArgs,
  cpuMeter,
  curve,
  dropQueueKeys,
  freshDatabase,
  jsonGetter,
  type LoadResult,
  load,
  nodeArgs,
  oktaBody,
  percentile,
  postgresPids,
  redisPids,
  root,
  rssSampler,
  serviceEnv,
  startNode,
  stop,
  waitHealthy,
} from "./lib.ts";
import { seedReadCompany, setupCompany, verifyBurst } from "./seed.ts";

const { values: o } = parseArgs({
  args: benchArgs(),
  options: {
    help: { type: "boolean", short: "h", default: false },
    n: { type: "string", default: "10000" },
    c: { type: "string", default: "100" },
    workers: { type: "string", default: "1" },
    apis: { type: "string", default: "1" },
    duration: { type: "string", default: "10" },
    users: { type: "string", default: "100000" },
    long: { type: "boolean", default: false },
    skip: { type: "string", default: "" },
    "reads-client": { type: "string", default: "http" },
    "reads-warmup": { type: "string", default: "1000" },
    json: { type: "boolean", default: false },
  },
});
if (o.help) {
  console.log(`pnpm bench:burst [options]
  --n N            users in the burst (10000)
  --c C            connections of the load generator (100)
  --workers W      worker processes during the burst (1)
  --apis A         API processes during the burst, the load spread evenly over them (1)
  --duration S     seconds of each side of the door phase, in 4 turns after a 2 s warm-up (10)
  --users U        users in the company the reads phase searches and pages (100000)
  --long           a 70 s door run: is the last 10 s as fast as the first?
  --skip LIST      phases to skip: door,burst,reads
  --reads-warmup W lookups on each server before the 2,000 timed ones (1000; 0 before the README column 12-07 h)
  --reads-client K the reads phase's client: http (node:http, one kept-alive socket per server) or fetch (undici, before 12-07 h)
  --json           only the final JSON summary line
Environment: BENCH_API_NODE_ARGS (e.g. --cpu-prof), BENCH_WORKER_NODE_ARGS, BENCH_DATABASE_NAME, BENCH_PORT, and any
worker or API setting (WORKER_CONCURRENCY, BATCH_SIZE, LOG_LEVEL…).`);
  process.exit(0);
}
const N = Number(o.n);
const C = Number(o.c);
const skip = new Set(o.skip.split(",").filter(Boolean));
// A database name of its own (BENCH_DATABASE_NAME) lets two checkouts benchmark on one server.
const DB = await freshDatabase("scimline_bench");
const PORT = Number(process.env.BENCH_PORT ?? 8180);
const base = `http://127.0.0.1:${PORT}`;
const env = { ...serviceEnv(DB), PORT: String(PORT) };
const cores = (await import("node:os")).cpus().length;
const out: Record<string, unknown> = {
  machine: { cores, node: process.version },
  n: N,
  connections: C,
  workers: Number(o.workers),
  apis: Number(o.apis),
};
const say = (line: string) => o.json || console.log(line);

/**
 * Several loads as one: totals add up; percentiles come from every response's latency. Side by side
 * (several API processes at once), the rate is the sum of theirs; one after another, requests over the
 * runs' total time.
 */
function mergeLoads(parts: LoadResult[], how: "parallel" | "sequential"): LoadResult {
  const latencies = parts.flatMap((p) => p.latencies).sort((x, y) => x - y);
  const at = (p: number) => Math.round(percentile(latencies, p) * 100) / 100;
  const perSecond: number[] = [];
  for (const p of parts) {
    for (const [s, n] of p.perSecond.entries()) perSecond[s] = (perSecond[s] ?? 0) + (n ?? 0);
  }
  const requests = parts.reduce((a, p) => a + p.requests, 0);
  const seconds = parts.reduce((a, p) => a + p.seconds, 0);
  return {
    requests,
    seconds: how === "parallel" ? Math.max(...parts.map((p) => p.seconds)) : seconds,
    rps: how === "parallel" ? parts.reduce((a, p) => a + p.rps, 0) : Math.round(requests / Math.max(1e-9, seconds)),
    p50: at(50),
    p95: at(97.5),
    p99: at(99),
    max: latencies.at(-1) ?? 0,
    non2xx: parts.reduce((a, p) => a + p.non2xx, 0),
    errors: parts.reduce((a, p) => a + p.errors, 0),
    perSecond: how === "parallel" ? perSecond : parts.flatMap((p) => p.perSecond),
    doneAtMs: parts.flatMap((p) => p.doneAtMs),
    latencies,
  };
}

const sql = postgres(DB, { max: 2, onnotice: () => {} });

// BENCH_API_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the API under load.
const apiNodeArgs = nodeArgs(process.env.BENCH_API_NODE_ARGS);
// BENCH_WORKER_NODE_ARGS does the same for the workers of the burst.
const workerNodeArgs = nodeArgs(process.env.BENCH_WORKER_NODE_ARGS);
const api = startNode("dist/main.js", join(root, "services/api"), env, apiNodeArgs);
await waitHealthy(`${base}/healthz`, api);
const adminApi = adminClient(base, env.ADMIN_API_KEY);
const scimUrl = `${base}/scim/v2/Users`;

try {
  if (!skip.has("door")) {
    const a = await setupCompany(adminApi, { name: "Door", seats: 0, numbers: 0, start: 100000 });
    const bare = startNode(join(root, "services/api/bench/bare-door.mjs"), join(root, "services/api"), {
      ...env,
      PORT: String(PORT + 1),
    });
    await waitHealthy(`http://127.0.0.1:${PORT + 1}/scim/v2/Users`, bare);
    // The door and its ceiling take turns (door, bare, bare, door, …) in SEGMENTS runs each, after a warm-up
    // of both (JIT, pools), so a machine that slows down or speeds up during the phase weighs on both alike.
    // Each run's CPU (the server's and Postgres's) is metered: CPU per request is the machine-independent side.
    const SEGMENTS = 4;
    const STEADY_AFTER_MS = 500;
    const seconds = Math.max(1, Number(o.duration) / SEGMENTS);
    const sides = {
      scimline: { url: scimUrl, headers: { Authorization: `Bearer ${a.token}` }, pid: () => api.pid },
      bare: { url: `http://127.0.0.1:${PORT + 1}/scim/v2/Users`, headers: {}, pid: () => bare.pid },
    };
    type Side = keyof typeof sides;
    const runs: Record<Side, LoadResult[]> = { scimline: [], bare: [] };
    const cpuMs: Record<Side, { server: number; postgres: number }> = {
      scimline: { server: 0, postgres: 0 },
      bare: { server: 0, postgres: 0 },
    };
    const run = async (side: Side, label: string, duration: number) => {
      const { url, headers, pid } = sides[side];
      const meter = cpuMeter({ server: () => [pid() ?? -1], postgres: postgresPids });
      const result = await load(url, headers, oktaBody(`${label}${Date.now()}`, "HQ"), { connections: C, duration });
      return { result, used: meter.stop().cpuS };
    };
    await run("scimline", "warm", 2);
    await run("bare", "warm", 2);
    for (let i = 0; i < SEGMENTS; i++) {
      const order: Side[] = i % 2 === 0 ? ["scimline", "bare"] : ["bare", "scimline"];
      for (const side of order) {
        const { result, used } = await run(side, `door${i}`, seconds);
        runs[side].push(result);
        cpuMs[side].server += (used.server ?? 0) * 1000;
        cpuMs[side].postgres += (used.postgres ?? 0) * 1000;
      }
    }
    await stop(bare);
    // The door's users are not part of the burst: a starting worker re-enqueues every user still
    // owed a reconcile (the relay's resync), so they go, not just their outbox rows.
    await sql`delete from outbox`;
    await sql`delete from users where company_id = ${a.companyId}`;
    const side = (name: Side) => {
      const { latencies: _l, doneAtMs: _d, ...figures } = mergeLoads(runs[name], "sequential");
      const per = (ms: number) => Math.round((ms / Math.max(1, figures.requests)) * 1000);
      return {
        ...figures,
        /** CPU per request in µs: the server process's, and Postgres's (every backend) while it ran. */
        cpuPerRequestUs: { server: per(cpuMs[name].server), postgres: per(cpuMs[name].postgres) },
      };
    };
    const ours = side("scimline");
    const ceiling = side("bare");
    const ratio = Math.round((ours.rps / ceiling.rps) * 100) / 100;
    const p99Ratio = Math.round((ours.p99 / Math.max(1, ceiling.p99)) * 100) / 100;
    // A diagnostic beside the target: the p99 of the answers after each run's first STEADY_AFTER_MS,
    // once the run's 100 new connections have met a server that sat idle through the other side's run.
    const steadyP99 = (name: Side) =>
      percentile(
        runs[name]
          .flatMap((r) => r.latencies.filter((_, i) => (r.doneAtMs[i] ?? 0) >= STEADY_AFTER_MS))
          .sort((x, y) => x - y),
        99,
      );
    const steadyP99Ratio = Math.round((steadyP99("scimline") / Math.max(1, steadyP99("bare"))) * 100) / 100;
    out.door = { segments: SEGMENTS, scimline: ours, bare: ceiling, ratio, p99Ratio, steadyP99Ratio };
    say(
      `door alone (${C} connections, ${SEGMENTS} × ${seconds} s each, taking turns): Scimline ${ours.rps} req/s p99 ${ours.p99} ms, CPU/request ${ours.cpuPerRequestUs.server} µs + Postgres ${ours.cpuPerRequestUs.postgres} µs | bare Hono+INSERT ${ceiling.rps} req/s p99 ${ceiling.p99} ms, CPU/request ${ceiling.cpuPerRequestUs.server} µs + Postgres ${ceiling.cpuPerRequestUs.postgres} µs | ratio ${Math.round(ratio * 100)}%, p99 ${p99Ratio.toFixed(2)}× (after each run's first ${STEADY_AFTER_MS} ms: ${steadyP99Ratio.toFixed(2)}×) | non-2xx ${ours.non2xx}`,
    );
  }

  if (!skip.has("burst")) {
    const b = await setupCompany(adminApi, { name: "Burst", seats: N / 2, numbers: N, start: 200000 });
    const workers = Array.from({ length: Number(o.workers) }, () =>
      startNode("dist/main.js", join(root, "services/worker"), { ...env, WORKER_METRICS_PORT: "0" }, workerNodeArgs),
    );
    // More API processes (--apis) listen on PORT+2, PORT+3, …; the load is spread evenly over all.
    const extraApis = Array.from({ length: Number(o.apis) - 1 }, (_, i) =>
      startNode("dist/main.js", join(root, "services/api"), { ...env, PORT: String(PORT + 2 + i) }, apiNodeArgs),
    );
    for (const [i, extra] of extraApis.entries()) await waitHealthy(`http://127.0.0.1:${PORT + 2 + i}/healthz`, extra);
    const apis = [api, ...extraApis];
    const urls = [scimUrl, ...extraApis.map((_, i) => `http://127.0.0.1:${PORT + 2 + i}/scim/v2/Users`)];
    await new Promise((r) => setTimeout(r, 2000));
    const rss = rssSampler([...apis, ...workers]);
    const cpu = cpuMeter({
      api: () => apis.flatMap((a) => (a.pid ? [a.pid] : [])),
      workers: () => workers.flatMap((w) => (w.pid ? [w.pid] : [])),
      postgres: postgresPids,
      redis: redisPids,
      "load generator": () => [process.pid],
    });
    let unanswered = urls.length;
    let lastAnswer = () => {};
    const allAnswered = new Promise<void>((resolve) => {
      lastAnswer = resolve;
    });
    const t0 = performance.now();
    const running = Promise.all(
      urls.map((url, i) =>
        load(url, { Authorization: `Bearer ${b.token}` }, oktaBody(`burst${Date.now()}a${i}`, "HQ"), {
          connections: Math.max(1, Math.round(C / urls.length)),
          amount: Math.round(N / urls.length),
          onLast: () => {
            if (--unanswered === 0) lastAnswer();
          },
        }),
      ),
    );
    // Timed from the last answer, and polled from then on (autocannon itself resolves up to 1 s later).
    await Promise.race([allAnswered, running]);
    const doorMs = performance.now() - t0;
    // The poll must not load the machine it measures: counting the company's active users costs a scan of
    // all of them (11 ms at 10,000, every 25 ms: ~40% of a core, charged to Postgres's CPU per user). The
    // users still owed work come from their partial index instead, and only once none is left does the
    // exact count of active users confirm the end. Every 50 ms: the figure is that much coarser at most.
    for (;;) {
      const [owed] = await sql<{ n: number }[]>`
        select count(*)::int as n from users where company_id = ${b.companyId} and applied_generation < generation`;
      if (owed?.n === 0) {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from users where company_id = ${b.companyId} and status = 'active'`;
        if ((row?.n ?? 0) >= N) break;
      }
      if (performance.now() - t0 > 300_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const allMs = performance.now() - t0;
    const door = mergeLoads(await running, "parallel");
    rss.stop();
    const used = cpu.stop();
    const check = await verifyBurst(sql, b.companyId, N);
    for (const w of workers) await stop(w);
    for (const extra of extraApis) await stop(extra);
    const cpuTotalS = Object.values(used.cpuS).reduce((a, b) => a + b, 0);
    const slices = curve(door.doneAtMs, 10).map((slice) => ({
      ...slice,
      apiRssMb: apis.map((a) => rss.atMb(a, slice.endMs)),
    }));
    const loadGenUs = Math.round(((used.cpuS["load generator"] ?? 0) / N) * 1e6);
    out.burst = {
      doorMs: Math.round(doorMs),
      doorRps: Math.round((N / doorMs) * 1000),
      p50: door.p50,
      p95: door.p95,
      p99: door.p99,
      max: door.max,
      non2xx: door.non2xx,
      allProvisionedMs: Math.round(allMs),
      usersPerSecond: Math.round((N / allMs) * 1000),
      apiPeakRssMb: apis.length === 1 ? rss.peakMb(api) : apis.map((a) => rss.peakMb(a)),
      workerPeakRssMb: workers.map((w) => rss.peakMb(w)),
      check,
      cpu: used,
      /** Every process's CPU (API, workers, Postgres, Redis, the load generator) per user provisioned. */
      cpuPerUserMs: Math.round((cpuTotalS / N) * 1000 * 100) / 100,
      /**
       * The load generator's CPU per request: the same client work in every run, so how fast the machine was
       * during this burst (~95 µs on its fast minutes, up to 3× that on its slow ones).
       */
      loadGeneratorUsPerRequest: loadGenUs,
      curve: slices,
    };
    say(
      `burst of ${N}: door ${Math.round((N / doorMs) * 1000)} req/s (p50 ${door.p50} p95 ${door.p95} p99 ${door.p99} max ${door.max} ms), all provisioned in ${(allMs / 1000).toFixed(2)} s = ${Math.round((N / allMs) * 1000)} users/s; peak RSS api ${rss.peakMb(api)} MB, worker ${workers.map((w) => rss.peakMb(w)).join("/")} MB; ${check.ok ? "verified" : `FAILED ${JSON.stringify(check)}`}`,
    );
    const busy = cpuTotalS;
    say(
      `  CPU seconds during the burst: ${Object.entries(used.cpuS)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ", ",
        )}; ${busy.toFixed(1)} of ${(used.elapsedS * cores).toFixed(1)} available (${Math.round((busy / (used.elapsedS * cores)) * 100)}%); ${((busy / N) * 1000).toFixed(2)} ms of CPU per user provisioned; the load generator's ${loadGenUs} µs per request says how fast the machine was`,
    );
    say(
      `  door curve (each tenth of the creates): ${slices.map((c) => `${c.upTo}: ${c.rps}/s, API ${c.apiRssMb.join("/")} MB`).join(" | ")}`,
    );
  }

  if (!skip.has("reads")) {
    const users = Number(o.users);
    const r = await seedReadCompany(sql, adminApi, users);
    const names = Array.from({ length: 2000 }, () => `read.${Math.floor(Math.random() * users)}@bench.example.com`);
    // The same names looked up in the bare server (one indexed SELECT, bench/bare-door.mjs), each pair
    // in alternating order, so both meet the same moments of the shared cores: the lookup's ceiling.
    const bare = startNode(join(root, "services/api/bench/bare-door.mjs"), join(root, "services/api"), {
      ...env,
      PORT: String(PORT + 1),
      BARE_COMPANY_ID: r.companyId,
    });
    await waitHealthy(`http://127.0.0.1:${PORT + 1}/scim/v2/Users`, bare);
    // One client per server, so neither side's socket waits on the other's.
    const client = o["reads-client"] === "fetch" ? "fetch" : "http";
    const getOurs = jsonGetter(client);
    const getBare = jsonGetter(client);
    const lookup = async (get: typeof getOurs, url: string, name: string, headers: Record<string, string>) => {
      const s = performance.now();
      const body = (await get(`${url}?filter=${encodeURIComponent(`userName eq "${name}"`)}`, headers)) as {
        totalResults: number;
      };
      const ms = performance.now() - s;
      if (body.totalResults !== 1) throw new Error(`lookup of ${name} at ${url} found ${body.totalResults}`);
      return ms;
    };
    const lookups: number[] = [];
    const bareLookups: number[] = [];
    const ourLookup = (name: string) => lookup(getOurs, scimUrl, name, { Authorization: `Bearer ${r.token}` });
    const bareLookup = (name: string) => lookup(getBare, `http://127.0.0.1:${PORT + 1}/scim/v2/Users`, name, {});
    // Both servers are warmed first (their code optimised, their pools' connections open and their
    // statements prepared): 2,000 lookups of a just-started server timed its warm-up, which set the p99.
    const warm = Number(o["reads-warmup"]);
    for (let i = 0; i < warm; i++) {
      const name = `read.${Math.floor(Math.random() * users)}@bench.example.com`;
      await ourLookup(name);
      await bareLookup(name);
    }
    for (const [i, name] of names.entries()) {
      if (i % 2 === 0) {
        lookups.push(await ourLookup(name));
        bareLookups.push(await bareLookup(name));
      } else {
        bareLookups.push(await bareLookup(name));
        lookups.push(await ourLookup(name));
      }
    }
    await stop(bare);
    const pages: number[] = [];
    let seen = 0;
    for (let start = 1; start <= users; start += 100) {
      const s = performance.now();
      const page = (await getOurs(`${scimUrl}?startIndex=${start}&count=100`, {
        Authorization: `Bearer ${r.token}`,
      })) as { Resources: unknown[] };
      seen += page.Resources.length;
      pages.push(performance.now() - s);
    }
    if (process.env.BENCH_DEBUG)
      for (const [label, list] of [
        ["ours", lookups],
        ["bare", bareLookups],
      ] as const)
        console.log(
          `slowest lookups, ${label} (index:ms)`,
          list
            .map((ms, i) => [i, Math.round(ms * 10) / 10])
            .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
            .slice(0, 25)
            .join(" "),
        );
    lookups.sort((x, y) => x - y);
    bareLookups.sort((x, y) => x - y);
    pages.sort((x, y) => x - y);
    out.reads = {
      users,
      lookupP50: +percentile(lookups, 50).toFixed(2),
      lookupP99: +percentile(lookups, 99).toFixed(2),
      bareLookupP50: +percentile(bareLookups, 50).toFixed(2),
      bareLookupP99: +percentile(bareLookups, 99).toFixed(2),
      pages: pages.length,
      pageP50: +percentile(pages, 50).toFixed(2),
      pageP99: +percentile(pages, 99).toFixed(2),
      seen,
    };
    say(
      `reads at ${users} users: userName lookup p50 ${percentile(lookups, 50).toFixed(2)} ms p99 ${percentile(lookups, 99).toFixed(2)} ms (bare Hono+SELECT, interleaved: p50 ${percentile(bareLookups, 50).toFixed(2)} p99 ${percentile(bareLookups, 99).toFixed(2)} ms); ${pages.length} import pages p50 ${percentile(pages, 50).toFixed(1)} ms p99 ${percentile(pages, 99).toFixed(1)} ms (${seen} users read)`,
    );
  }

  if (o.long) {
    const l = await setupCompany(adminApi, { name: "Long", seats: 0, numbers: 0, start: 300000 });
    const run = await load(scimUrl, { Authorization: `Bearer ${l.token}` }, oktaBody(`long${Date.now()}`, "HQ"), {
      connections: C,
      duration: 70,
    });
    const avg = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    const first = avg(run.perSecond.slice(1, 11));
    const last = avg(run.perSecond.slice(-11, -1));
    out.long = { first10s: first, last10s: last, change: Math.round(((last - first) / first) * 100) / 100 };
    say(
      `long run (70 s): first 10 s ${first} req/s, last 10 s ${last} req/s (${Math.round(((last - first) / first) * 100)}%)`,
    );
  }
} finally {
  await stop(api);
  await dropQueueKeys(env);
  await sql.end();
}
console.log(JSON.stringify(out));
