import { testRedisConnection } from "@scimline/db/testing";
import { PROVISIONING_QUEUE, type ProvisioningJobData, RECONCILE_JOB } from "@scimline/queue";
import { Queue, QueueEvents } from "bullmq";
import { afterAll, expect, test } from "vitest";
import { startBurst, until } from "./helpers/burst.ts";
import { useTestEnv } from "./helpers/env.ts";
import { BURST, burstCompany, verifyAfterFault } from "./helpers/fault.ts";
import { Fleet } from "./helpers/fleet.ts";

const env = useTestEnv();
let fleet: Fleet | undefined;
let queue: Queue<ProvisioningJobData> | undefined;
let events: QueueEvents | undefined;
afterAll(async () => {
  await fleet?.stop();
  await queue?.close();
  await events?.close();
});

test("fault 5: every job delivered twice and run concurrently by two workers, and a paused worker's jobs redelivered: one result each", async () => {
  const { tenant, before } = await burstCompany(env());
  const prefix = env().deps.config.QUEUE_PREFIX;
  fleet = Fleet.of(env());
  const api = await fleet.api("api");
  const [first] = await Promise.all([fleet.worker("worker-1"), fleet.worker("worker-2")]);
  const connection = testRedisConnection();
  queue = new Queue<ProvisioningJobData>(PROVISIONING_QUEUE, { connection, prefix });
  events = new QueueEvents(PROVISIONING_QUEUE, { connection, prefix });
  const stalled = new Set<string>();
  events.on("stalled", ({ jobId }) => stalled.add(jobId));
  await events.waitUntilReady();

  // Beside the relay's job, each created user gets a second delivery of the same work under another id.
  const duplicates: Promise<unknown>[] = [];
  const burst = startBurst({
    bases: [api.url],
    token: tenant.token,
    creates: BURST,
    tag: "dup",
    spike: 500,
    ratePerSecond: 150,
    onCreated: (id) => {
      const data = { userId: id, companyId: tenant.companyId, generation: 1 };
      const opts = { jobId: `dup_${id}`, attempts: 10, backoff: { type: "exponential", delay: 100 } };
      duplicates.push(queue?.add(RECONCILE_JOB, data, opts) ?? Promise.resolve());
    },
  });
  // SIGSTOP a worker at a moment it holds jobs (and maybe a transaction): the other worker takes them
  // back as stalled once their lock expires and runs them; on SIGCONT the first finishes the same jobs too.
  if (!first) throw new Error("no worker");
  const frozenWith = await fleet.freezeHolding(first, queue);
  const frozenAt = Date.now();
  await until(() => frozenWith.some((id) => stalled.has(id)), 60_000, "the frozen worker's jobs taken back");
  const pausedMs = Date.now() - frozenAt;
  first.child.kill("SIGCONT");
  const result = await burst.done;
  await Promise.all(duplicates);
  const faultEndedAt = Date.now();

  expect(duplicates).toHaveLength(BURST);
  expect(frozenWith.filter((id) => stalled.has(id)).length).toBeGreaterThan(0); // delivered again
  expect(result.stats.byStatus).toEqual({ "201": BURST, "200": expect.any(Number), "204": expect.any(Number) });
  await verifyAfterFault(env(), fleet, tenant, before, result, {
    fault: "duplicate deliveries + a worker paused past its lock",
    duplicateJobs: duplicates.length,
    jobsHeldWhenFrozen: frozenWith.length,
    pausedMs,
    redeliveredAfterPause: stalled.size,
    faultEndedAt,
  });
  // Every job ran to completion, the duplicates and the redelivered ones too; none failed.
  const changes = result.accepted.filter((a) => a.desired !== "active").length;
  let counts: Record<string, number> = {};
  await until(
    async () => {
      counts = (await queue?.getJobCounts("completed", "failed", "waiting", "active", "delayed")) ?? {};
      return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0;
    },
    30_000,
    "an empty queue",
  );
  const failed = (await queue?.getFailed()) ?? [];
  expect(failed.map((j) => `${j.id}: ${j.failedReason}`)).toEqual([]);
  expect(counts).toMatchObject({ failed: 0 });
  // The relay's batches carried one reconcile per change; every duplicate delivery ran as its own job.
  const completed = (await queue?.getCompleted(0, -1)) ?? [];
  const batches = completed.filter((j) => "users" in j.data);
  const users = (jobs: typeof batches) => jobs.reduce((n, j) => n + ("users" in j.data ? j.data.users.length : 0), 0);
  expect(users(batches)).toBe(BURST + changes);
  expect(completed.filter((j) => j.id?.startsWith("dup_")).length).toBe(duplicates.length);
  // A user a batch hands on gets its own job (u_<user>_g<generation>, so a second hand-off of it is one
  // job): those the completed batches report, and at most one more per user of a batch that ran twice.
  // The paused worker finishes its run of a batch the other took back; BullMQ drops that run's result,
  // not what it did: a user whose transaction there met the other run's (a lock timeout, a deadlock)
  // was handed on too (a rerun of a reconcile changes nothing; verifyAfterFault holds the effects).
  const handedOff = completed.reduce((n, j) => n + (j.returnvalue?.handedOff ?? 0), 0);
  const ownJobs = completed.filter((j) => j.id?.startsWith("u_")).length;
  const ranTwice = users(batches.filter((j) => j.id !== undefined && stalled.has(j.id)));
  console.log(`[fault-5-jobs] ${JSON.stringify({ batches: batches.length, handedOff, ownJobs, ranTwice })}`);
  expect(ownJobs).toBeGreaterThanOrEqual(handedOff);
  expect(ownJobs).toBeLessThanOrEqual(handedOff + ranTwice);
  expect(completed.length).toBe(batches.length + duplicates.length + ownJobs);
}, 180_000);
