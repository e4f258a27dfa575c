import { createServer } from "node:net";
import { seedCompany, seedNumbers, seedOffice, seedUser, testQueuePrefix, testRedisUrl } from "@scimline/db/testing";
import { PROVISIONING_QUEUE } from "@scimline/queue";
import { Queue } from "bullmq";
import { afterAll, expect, test } from "vitest";
import { useDatabase } from "./helpers/db.ts";
import { exited, spawnWorker } from "./helpers/process.ts";
import { eventually, redisConnection } from "./helpers/runtime.ts";

const db = useDatabase();
const prefix = testQueuePrefix();
const queue = new Queue(PROVISIONING_QUEUE, { connection: redisConnection(), prefix });
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(address && typeof address === "object" ? address.port : 0));
    });
  });
const sample = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test("SIGTERM mid-burst: active jobs finish, the worker exits 0, nothing is left active; a restart provisions every user once", async () => {
  const N = 800;
  const { sql } = db();
  const company = await seedCompany(sql, { extensionRange: { start: 1000, end: 2999 } });
  const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": N / 2 } });
  const numbers = Array.from({ length: N }, (_, i) => `+1415300${String(i).padStart(4, "0")}`);
  await seedNumbers(sql, company, numbers, office);
  for (let i = 0; i < N; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => seedUser(sql, company, { userName: `stop${i + j}@example.com` })),
    );
  }
  const metricsPort = await freePort();
  const env = {
    DATABASE_URL: db().url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    ADMIN_API_KEY: "test-admin-key-0123456789",
    BATCH_SIZE: "10",
    WORKER_CONCURRENCY: "40",
    WORKER_METRICS_PORT: String(metricsPort),
    WORKER_METRICS_HOST: "127.0.0.1",
    // A job left active by a bad stop would wait for this lock before another worker took it.
    JOB_LOCK_MS: "60000",
  };
  // The relay's jobs are batches of BATCH_SIZE users (a user handed on alone counts in its own job).
  const usersOfCompletedJobs = async () => {
    const completed = await queue.getCompleted(0, -1);
    const handedOff = completed.reduce((n, j) => n + (j.returnvalue?.handedOff ?? 0), 0);
    const carried = completed.reduce((n, j) => n + (j.data?.users?.length ?? 1), 0);
    return carried - handedOff;
  };
  const active = async () =>
    (await sql`select count(*)::int as n from users where status = 'active' and company_id = ${company.companyId}`)[0]
      ?.n as number;

  const first = spawnWorker(env);
  try {
    await eventually(async () => (await active()) >= 100, 60_000, "some users provisioned");
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    expect(health.status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(sample(text, 'scimline_worker_jobs_total{outcome="completed"}')).toBeGreaterThan(0);
    expect(sample(text, 'scimline_worker_jobs_total{outcome="failed"}')).toBe(0);
    expect(text).toMatch(/scimline_worker_step_duration_seconds_count\{step="reconcile",outcome="done"\} [1-9]/);
    expect(text).toContain("scimline_worker_job_duration_seconds_bucket");
    expect(text).toContain("process_cpu_seconds_total");
  } finally {
    first.kill("SIGTERM");
  }
  expect(await exited(first)).toBe(0);
  const counts = await queue.getJobCounts("active", "failed", "waiting", "completed");
  expect(counts.active).toBe(0);
  expect(counts.failed).toBe(0);
  const stoppedAt = await active();
  expect(stoppedAt).toBeLessThan(N);
  // Every job that finished finished whole: a user is active exactly when the job carrying it completed.
  expect(await usersOfCompletedJobs()).toBe(stoppedAt);

  const started = Date.now();
  const second = spawnWorker(env);
  try {
    await eventually(async () => (await active()) === N, 60_000, `all ${N} users active`);
  } finally {
    second.kill("SIGTERM");
  }
  expect(await exited(second)).toBe(0);
  expect(Date.now() - started).toBeLessThan(45_000); // no job waited for a dead lock
  expect(await queue.getJobCounts("active", "failed")).toEqual({ active: 0, failed: 0 });
  expect(await usersOfCompletedJobs()).toBe(N);

  const [check] = await sql`
    select count(distinct did)::int as dids, count(distinct extension)::int as extensions,
           count(*) filter (where seat_license_type_id is not null)::int as seated
    from users where company_id = ${company.companyId}`;
  expect(check).toEqual({ dids: N, extensions: N, seated: N });
  const [seats] =
    await sql`select purchased, used from seats where office_id = ${office} and license_type_id = ${company.licenseTypes["Dialpad_Ai Voice"] ?? ""}`;
  expect(seats).toEqual({ purchased: N, used: N });
  const [charges] =
    await sql`select count(*)::int as n, count(distinct user_id)::int as users from charges where company_id = ${company.companyId}`;
  expect(charges).toEqual({ n: N / 2, users: N / 2 });
}, 180_000);
