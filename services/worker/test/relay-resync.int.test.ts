import { seedCompany, seedUser, testQueuePrefix } from "@scimline/db/testing";
import { PROVISIONING_QUEUE, type ProvisioningJobData, reconcileBatchJobId, reconcileJobId } from "@scimline/queue";
import { Queue } from "bullmq";
import pino from "pino";
import { afterAll, expect, test } from "vitest";
import { OutboxRelay } from "../src/outbox-relay.ts";
import { useDatabase } from "./helpers/db.ts";
import { eventually, redisConnection } from "./helpers/runtime.ts";

const db = useDatabase();
const queue = new Queue<ProvisioningJobData>(PROVISIONING_QUEUE, {
  connection: redisConnection(),
  prefix: testQueuePrefix(),
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
});

const jobIds = async () => (await queue.getJobs(["waiting", "delayed", "active"])).map((j) => j.id).sort();

test("jobs lost with Redis's data come back: at start and after every reconnect, users owed a reconcile are queued again", async () => {
  const { sql } = db();
  const company = await seedCompany(sql);
  // Relayed (outbox rows gone) but their jobs are not in Redis: what a Redis restarted empty leaves.
  const owed = [await seedUser(sql, company), await seedUser(sql, company)];
  const deletedWhileWaiting = await seedUser(sql, company);
  const waitingForAdmin = await seedUser(sql, company);
  const done = await seedUser(sql, company);
  await sql`update users set generation = 2, deleted_at = now(), status = 'failed', error_code = 'no_office' where id = ${deletedWhileWaiting}`;
  await sql`update users set status = 'failed', error_code = 'no_license_available' where id = ${waitingForAdmin}`;
  await sql`update users set status = 'active', applied_generation = 1 where id = ${done}`;
  // Not relayed yet: its outbox row goes out in a batch job, which a resync then leaves it to.
  const batched = await seedUser(sql, company);
  await sql`delete from outbox where company_id = ${company.companyId} and user_id <> ${batched}`;
  const [row] = await sql<{ id: string }[]>`select id::text from outbox where user_id = ${batched}`;
  const alone = [...owed.map((id) => reconcileJobId(id, 1)), reconcileJobId(deletedWhileWaiting, 2)];
  const expected = [...alone, reconcileBatchJobId(row?.id ?? "", row?.id ?? "")].sort();

  const relay = new OutboxRelay(sql, queue, pino({ level: "silent" }), { intervalMs: 20, batch: 100, jobSize: 50 });
  relay.start();
  try {
    await eventually(async () => (await jobIds()).length === expected.length, 10_000, "jobs queued at start");
    expect(await jobIds()).toEqual(expected);
    // A resync when Redis still has the jobs changes nothing (deterministic job ids), and the user
    // a batch holds gets no job of its own.
    expect(await relay.resync()).toBe(alone.length);
    expect(await jobIds()).toEqual(expected);

    await queue.obliterate({ force: true }); // Redis loses its data…
    queue.emit("ioredis:close"); // …and the relay's connection saw it go
    // The batch went with the data: its user is owed like the others and gets its own job now.
    const afterLoss = [...alone, reconcileJobId(batched, 1)].sort();
    await eventually(async () => (await jobIds()).length === afterLoss.length, 10_000, "jobs queued after reconnect");
    expect(await jobIds()).toEqual(afterLoss);
  } finally {
    await relay.stop();
  }
});
