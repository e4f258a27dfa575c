import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { Agent, get } from "node:http";
import { fileURLToPath } from "node:url";
// autocannon ships no types; the bench uses a small part of it.
// @ts-expect-error untyped module
import autocannonModule from "autocannon";
import { Redis } from "ioredis";
import postgres from "postgres";

export type LoadResult = {
  requests: number;
  /** How long the run lasted. */
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  perSecond: number[];
  /** When each response arrived, in ms since the load started (for curves). */
  doneAtMs: number[];
  /** Each response's latency in ms, in arrival order (for percentiles over several runs). */
  latencies: number[];
};
type Instance = {
  on(event: "response", cb: (client: unknown, status: number, bytes: number, latencyMs: number) => void): void;
};
type Run = (opts: Record<string, unknown>, cb?: (err: unknown, res: AutocannonResult) => void) => Instance;
export type AutocannonResult = {
  requests: { total: number; average: number };
  latency: { p50: number; p97_5: number; p99: number; max: number; [k: string]: number };
  non2xx: number;
  errors: number;
  duration: number;
};
const autocannon = autocannonModule as Run;

/** One autocannon run of any request, as autocannon reports it (`load` drives the door's unique creates). */
export function hammer(opts: Record<string, unknown>): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => autocannon(opts, (err, res) => (err ? reject(err) : resolve(res))));
}

export const root = fileURLToPath(new URL("../../..", import.meta.url));

/** The command's own arguments: `pnpm bench:x -- --n 2000` passes the "--" through, which is dropped. */
export const benchArgs = () => process.argv.slice(2).filter((arg) => arg !== "--");

/** A space-separated list of node options (BENCH_API_NODE_ARGS, --b-args) as argv entries. */
export const nodeArgs = (list = "") => list.split(" ").filter(Boolean);

const server = process.env.BENCH_DATABASE_SERVER ?? "postgres://postgres@127.0.0.1:5432";

/**
 * Drops and creates the benchmark's database (BENCH_DATABASE_NAME, else `fallback`: a name of its own lets
 * two checkouts benchmark on one server); returns its URL.
 */
export async function freshDatabase(fallback: string): Promise<string> {
  const name = process.env.BENCH_DATABASE_NAME ?? fallback;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error("BENCH_DATABASE_NAME: lower-case letters, digits, _");
  const admin = postgres(`${server}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return `${server}/${name}`;
}

/** What the API and worker processes of a run share: production mode, fresh keys, a queue prefix of the run's own. */
export function serviceEnv(databaseUrl: string) {
  return {
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    ADMIN_API_KEY: `bench-${randomUUID()}`,
    PASSWORD_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64"),
    QUEUE_PREFIX: `{bench-${randomUUID().slice(0, 8)}}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
    // The door's own limit is not what a benchmark measures.
    SCIM_RATE_LIMIT: "1000000",
  };
}

/** Removes the run's keys from Redis (its queues, the rate limiter's windows). */
export async function dropQueueKeys(env: { REDIS_URL: string; QUEUE_PREFIX: string }): Promise<void> {
  const redis = new Redis(env.REDIS_URL);
  const keys = await redis.keys(`${env.QUEUE_PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}

export type AdminApi = (method: string, path: string, body?: unknown) => Promise<Record<string, string>>;

/** The admin API of the process at `base`, with the run's admin key. */
export function adminClient(base: string, adminKey: string): AdminApi {
  return async (method, path, body) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${adminKey}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // A set-up step that failed fails the run here, with the API's own words, not later on a missing id.
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };
}

/**
 * Drives POSTs with unique bodies; `amount` (a fixed number) or `duration` (seconds). autocannon
 * reports the end of an `amount` run only at its next one-second tick, so `onLast` tells the moment
 * the last answer arrived: time the run from that, not from when the promise resolves.
 */
export function load(
  url: string,
  headers: Record<string, string>,
  body: (i: number) => string,
  opts: { connections: number; duration?: number; amount?: number; onLast?: () => void },
): Promise<LoadResult> {
  let i = 0;
  const perSecond: number[] = [];
  const doneAtMs: number[] = [];
  const latencies: number[] = [];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: "POST",
        headers: { "Content-Type": "application/scim+json", ...headers },
        connections: opts.connections,
        ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 10 }),
        requests: [{ setupRequest: (r: Record<string, unknown>) => ({ ...r, body: body(i++) }) }],
      },
      (err, res) => {
        if (err) return reject(err);
        const seconds = res.duration;
        resolve({
          requests: res.requests.total,
          seconds,
          rps: Math.round(res.requests.total / seconds),
          p50: res.latency.p50,
          p95: res.latency.p97_5 ?? res.latency.p99,
          p99: res.latency.p99,
          max: res.latency.max,
          non2xx: res.non2xx,
          errors: res.errors,
          perSecond,
          doneAtMs,
          latencies,
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, latencyMs) => {
      latencies.push(latencyMs);
      const ms = Date.now() - started;
      doneAtMs.push(ms);
      const s = Math.floor(ms / 1000);
      perSecond[s] = (perSecond[s] ?? 0) + 1;
      if (doneAtMs.length === opts.amount) opts.onLast?.();
    });
  });
}

/**
 * A lean GET client for measuring one request at a time: node:http over one kept-alive socket per
 * client `jsonGetter` returns. `fetch` (undici) costs the measuring process far more per request (WHATWG streams,
 * Headers, its own collections): alone against a one-SELECT server it read p99 1.8–2.2 ms where this
 * reads 0.4–0.5 ms, so a fetch-timed p99 was mostly the client's. `--reads-client fetch` keeps the old one.
 */
export function jsonGetter(kind: "http" | "fetch" = "http") {
  if (kind === "fetch")
    return async (url: string, headers: Record<string, string>): Promise<unknown> =>
      (await fetch(url, { headers })).json();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return (url: string, headers: Record<string, string>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      get(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 0) >= 300)
            return reject(new Error(`GET ${url}: ${res.statusCode} ${text.slice(0, 200)}`));
          try {
            resolve(JSON.parse(text));
          } catch (err) {
            reject(err);
          }
        });
        res.on("error", reject);
      }).on("error", reject);
    });
}

export function startNode(
  script: string,
  cwd: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, script], {
    cwd,
    env: { ...process.env, ...env },
    // BENCH_VERBOSE=1 shows the processes' own logs (set LOG_LEVEL too).
    stdio: ["ignore", process.env.BENCH_VERBOSE ? "inherit" : "ignore", "inherit"],
  });
}

export async function waitHealthy(url: string, child: ChildProcess, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become healthy`);
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}

/** Resident set size of processes, sampled from /proc every 100 ms: the peak, and over time. */
export function rssSampler(children: ChildProcess[]) {
  const peak = new Map<number, number>();
  const timeline = new Map<number, Array<[number, number]>>();
  const started = performance.now();
  const timer = setInterval(() => {
    for (const c of children) {
      if (!c.pid) continue;
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${c.pid}/status`, "utf8"))?.[1] ?? 0);
        peak.set(c.pid, Math.max(peak.get(c.pid) ?? 0, kb));
        const series = timeline.get(c.pid) ?? [];
        series.push([performance.now() - started, kb]);
        timeline.set(c.pid, series);
      } catch {}
    }
  }, 100);
  return {
    stop: () => clearInterval(timer),
    peakMb: (c: ChildProcess) => Math.round((peak.get(c.pid ?? -1) ?? 0) / 1024),
    /** The RSS (MB) of `c` last sampled at or before `ms` since the sampler started. */
    atMb: (c: ChildProcess, ms: number) => {
      const series = timeline.get(c.pid ?? -1) ?? [];
      let kb = 0;
      for (const [t, v] of series) if (t <= ms) kb = v;
      return Math.round(kb / 1024);
    },
  };
}

/**
 * Throughput per slice of a run: slice i holds responses i*size .. (i+1)*size; its rate is size over
 * the time between the slice's first and last response. Flat rates mean no slowdown as data grows.
 */
export function curve(doneAtMs: number[], slices: number): Array<{ upTo: number; rps: number; endMs: number }> {
  const sorted = [...doneAtMs].sort((a, b) => a - b);
  const size = Math.max(1, Math.floor(sorted.length / slices));
  const out: Array<{ upTo: number; rps: number; endMs: number }> = [];
  for (let i = 0; i < slices && (i + 1) * size <= sorted.length; i++) {
    const first = sorted[i * size - 1] ?? 0;
    const last = sorted[(i + 1) * size - 1] ?? first;
    out.push({
      upTo: (i + 1) * size,
      rps: Math.round((size / Math.max(1, last - first)) * 1000),
      endMs: Math.round(last),
    });
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** Pids of every process whose command name is `name` (postgres backends, redis-server). */
function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === name) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/**
 * Where the machine's CPU went between start and `stop()`: each named process group's CPU
 * seconds, sampled every 200 ms (a backend that starts and ends between two samples is
 * missed). With 2 cores, the sum over the elapsed time says how busy the machine was.
 */
export function cpuMeter(groups: Record<string, () => number[]>) {
  const seen = new Map<string, Map<number, { first: number; last: number }>>();
  const sample = () => {
    for (const [name, pids] of Object.entries(groups)) {
      const group = seen.get(name) ?? new Map<number, { first: number; last: number }>();
      seen.set(name, group);
      for (const pid of pids()) {
        const now = cpuSeconds(pid);
        const entry = group.get(pid);
        if (entry) entry.last = Math.max(entry.last, now);
        else group.set(pid, { first: now, last: now });
      }
    }
  };
  sample();
  const started = performance.now();
  const timer = setInterval(sample, 200);
  return {
    stop(): { elapsedS: number; cpuS: Record<string, number> } {
      sample();
      clearInterval(timer);
      const cpuS: Record<string, number> = {};
      for (const [name, group] of seen) {
        let total = 0;
        for (const { first, last } of group.values()) total += last - first;
        cpuS[name] = Math.round(total * 100) / 100;
      }
      return { elapsedS: Math.round((performance.now() - started) / 10) / 100, cpuS };
    },
  };
}

export const postgresPids = () => pidsNamed("postgres");
export const redisPids = () => pidsNamed("redis-server");

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/** An Okta create body (docs/IDENTITY-PROVIDERS.md) with the enterprise extension. */
export function oktaBody(prefix: string, office: string) {
  return (i: number) =>
    JSON.stringify({
      schemas: [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
      ],
      userName: `${prefix}.${i}@bench.example.com`,
      name: { givenName: "Bench", familyName: `User${i}` },
      emails: [{ primary: true, value: `${prefix}.${i}@bench.example.com`, type: "work" }],
      displayName: `Bench User${i}`,
      locale: "en-US",
      externalId: `00u${prefix}${i}`,
      groups: [],
      password: "tempP@ss123!",
      active: true,
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
        officeName: office,
        department: "Engineering",
        employeeNumber: String(i),
      },
    });
}
