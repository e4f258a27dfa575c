import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { testRedisUrl } from "@scimline/db/testing";
import type { Queue } from "bullmq";
import { ADMIN_KEY, type TestEnv } from "./env.ts";
import { exited, spawnApi, waitForHttp } from "./process.ts";
import { freePort } from "./redis-server.ts";

const workerDir = fileURLToPath(new URL("../../../worker", import.meta.url));

export type Proc = { name: string; child: ChildProcess; logs: string[]; url?: string };
export type ApiProc = Proc & { url: string };

const capture = (child: ChildProcess, logs: string[]) => {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => logs.push(...chunk.split("\n").filter(Boolean)));
  }
};

/**
 * The real API and worker processes of one fault test (main.ts through tsx, as operators run
 * them), all on the test's database, Redis and queue prefix. `stop()` ends every one it started.
 */
export class Fleet {
  readonly procs: Proc[] = [];

  constructor(private readonly base: { DATABASE_URL: string; REDIS_URL: string; QUEUE_PREFIX: string }) {}

  /** The processes of a test: its database, its queue prefix, and the shared test Redis unless another is given. */
  static of(env: TestEnv, redisUrl = testRedisUrl()): Fleet {
    return new Fleet({ DATABASE_URL: env.testDb.url, REDIS_URL: redisUrl, QUEUE_PREFIX: env.deps.config.QUEUE_PREFIX });
  }

  async api(name: string, extra: Record<string, string> = {}): Promise<ApiProc> {
    const port = await freePort();
    const logs: string[] = [];
    const child = spawnApi(
      {
        ...this.base,
        PORT: String(port),
        HOST: "127.0.0.1",
        ADMIN_API_KEY: ADMIN_KEY,
        LOG_LEVEL: "warn",
        // The burst is one token far above any IdP's rate; the limiter itself is tested in ops-rate-limit.
        SCIM_RATE_LIMIT: "1000000",
        ...extra,
      },
      logs,
    );
    const proc = { name, child, logs, url: `http://127.0.0.1:${port}` };
    this.procs.push(proc);
    await waitForHttp(`${proc.url}/healthz`, child);
    return proc;
  }

  /** A worker process; resolves once its /healthz answers (it has started consuming). */
  async worker(name: string, extra: Record<string, string> = {}): Promise<Proc> {
    const metricsPort = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: workerDir,
      env: {
        ...process.env,
        ...this.base,
        NODE_ENV: "test",
        LOG_LEVEL: "warn",
        ADMIN_API_KEY: ADMIN_KEY,
        WORKER_METRICS_PORT: String(metricsPort),
        WORKER_METRICS_HOST: "127.0.0.1",
        // Recorded on every job it takes (processedBy): freezeHolding() tells its jobs apart.
        WORKER_NAME: name,
        // A killed or paused worker's jobs are taken back within a few seconds, not 30.
        JOB_LOCK_MS: "2000",
        STALLED_CHECK_MS: "1000",
        JOB_BACKOFF_MS: "100",
        ...extra,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const kill = () => child.kill("SIGKILL");
    process.once("exit", kill);
    child.once("exit", () => process.removeListener("exit", kill));
    const proc = { name, child, logs: [], url: `http://127.0.0.1:${metricsPort}` };
    capture(child, proc.logs);
    this.procs.push(proc);
    await waitForHttp(`${proc.url}/healthz`, child);
    return proc;
  }

  /** A worker's `scimline_worker_jobs_total{outcome}` counter, read from its /metrics. */
  async jobs(proc: Proc, outcome: "completed" | "failed" | "retried"): Promise<number> {
    const text = await (await fetch(`${proc.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`scimline_worker_jobs_total{outcome="${outcome}"} `));
    return line ? Number(line.split(" ")[1]) : 0;
  }

  /**
   * Freezes `proc` (SIGSTOP) at a moment it holds at least `min` active jobs, and returns their ids.
   * What it holds is read again after the stop (a frozen worker finishes nothing), after a pause for
   * commands it sent just before; if its jobs finished in the meantime it resumes and tries again.
   * A fault test thereby makes its condition happen instead of hoping for it on a loaded machine.
   */
  async freezeHolding(proc: Proc, queue: Queue, min = 1, ms = 60_000): Promise<string[]> {
    const held = async () =>
      (await queue.getActive()).filter((j) => j.processedBy === proc.name).map((j) => j.id ?? "");
    const deadline = Date.now() + ms;
    for (;;) {
      if ((await held()).length >= min) {
        proc.child.kill("SIGSTOP");
        await new Promise((r) => setTimeout(r, 100));
        const jobs = await held();
        if (jobs.length >= min) return jobs;
        proc.child.kill("SIGCONT");
      }
      if (Date.now() > deadline) throw new Error(`${proc.name} held fewer than ${min} active job(s) for ${ms} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Sends `signal` and waits for the exit; returns the exit code (null when killed by a signal). */
  async kill(proc: Proc, signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
    proc.child.kill(signal);
    return exited(proc.child);
  }

  /** SIGTERM to every live process (SIGCONT first: a paused one cannot exit), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const live = this.procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    for (const p of live) {
      p.child.kill("SIGCONT");
      p.child.kill("SIGTERM");
    }
    const deadline = setTimeout(() => {
      for (const p of live) p.child.kill("SIGKILL");
    }, 15_000);
    await Promise.all(live.map((p) => exited(p.child)));
    clearTimeout(deadline);
  }

  /** Lines of a 500's "unhandled error" log: a fault must never produce one. */
  unhandled(): string[] {
    return this.procs.flatMap((p) =>
      p.logs.filter((l) => l.includes('"unhandled error"')).map((l) => `${p.name}: ${l}`),
    );
  }

  /** Log lines holding any of `secrets` (tokens, the admin key, user names): there must be none. */
  leaks(secrets: string[]): string[] {
    return this.procs.flatMap((p) =>
      p.logs.filter((l) => secrets.some((s) => l.includes(s))).map((l) => `${p.name}: ${l}`),
    );
  }

  /** Processes that died although nobody stopped them (a crash). */
  crashed(): string[] {
    return this.procs.filter((p) => p.child.exitCode !== null && p.child.exitCode !== 0).map((p) => p.name);
  }
}
