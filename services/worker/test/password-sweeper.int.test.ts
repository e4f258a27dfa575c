import { passwordSealKey, sealPassword } from "@scimline/db";
import { seedCompany, seedUser } from "@scimline/db/testing";
import { RECONCILE_JOB } from "@scimline/queue";
import { Worker } from "bullmq";
import { afterEach, expect, test } from "vitest";
import type { Runtime } from "../src/runtime.ts";
import { useDatabase } from "./helpers/db.ts";
import { eventually, redisConnection, testRuntime } from "./helpers/runtime.ts";

const db = useDatabase();
let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.queue.obliterate({ force: true });
  await runtime?.stop();
  runtime = undefined;
});

test("a sealed password is hashed only while no provisioning job waits or runs", async () => {
  const { sql } = db();
  const company = await seedCompany(sql);
  const id = await seedUser(sql, company);
  await sql`delete from outbox where user_id = ${id}`;
  // Sealed with the key testRuntime opens with.
  const key = passwordSealKey(undefined, "test-admin-key-0123456789");
  await sql`update users set password_pending = ${sealPassword(key, "Correct-Horse-1")} where id = ${id}`;
  runtime = testRuntime(db());
  const queue = runtime.queue;
  await queue.add(RECONCILE_JOB, { userId: id, companyId: company.companyId, generation: 1 }, { jobId: "held" });
  expect(await runtime.sweeper.sweepOnce()).toBe(0); // a job waits

  // A burst's batch jobs are all running at once, none waiting: still not the moment.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const worker = new Worker(queue.name, () => held, { connection: redisConnection(), prefix: queue.opts.prefix });
  try {
    await eventually(async () => (await queue.getActiveCount()) === 1, 10_000, "the job running");
    expect(await runtime.sweeper.sweepOnce()).toBe(0);
    release();
    await eventually(async () => (await queue.getActiveCount()) === 0, 10_000, "the job done");
  } finally {
    await worker.close();
  }

  expect(await runtime.sweeper.sweepOnce()).toBe(1);
  const [row] = await sql<{ pending: string | null; hash: string | null }[]>`
    select password_pending as pending, password_hash as hash from users where id = ${id}`;
  expect(row?.pending).toBeNull();
  expect(row?.hash).toEqual(expect.any(String));
});
