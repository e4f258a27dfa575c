import { PROVISIONING_QUEUE } from "@scimline/queue";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, expect, test } from "vitest";
import { startBurst, until } from "./helpers/burst.ts";
import { useTestEnv } from "./helpers/env.ts";
import { BURST, burstCompany, verifyAfterFault } from "./helpers/fault.ts";
import { Fleet } from "./helpers/fleet.ts";
import { OwnRedis } from "./helpers/redis-server.ts";

const env = useTestEnv();
let fleet: Fleet | undefined;
let redis: OwnRedis | undefined;
afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
});

// The sweep's settings for this test: a lost job is re-enqueued within GRACE + INTERVAL of its change.
const SWEEP = { SWEEP_INTERVAL_MS: "1000", SWEEP_GRACE_MS: "2000" };

test("fault 6: Redis wiped (FLUSHALL) mid-burst while every connection stays open: the sweep re-enqueues the lost jobs, no restart", async () => {
  redis = await OwnRedis.start();
  const { tenant, before } = await burstCompany(env());
  fleet = Fleet.of(env(), redis.url);
  const api = await fleet.api("api");
  await fleet.worker("worker", { WORKER_CONCURRENCY: "10", BATCH_SIZE: "10", BATCH_CONCURRENCY: "1", ...SWEEP });

  const burst = startBurst({
    bases: [api.url],
    token: tenant.token,
    creates: BURST,
    tag: "flush",
    spike: 300,
    ratePerSecond: 60,
  });
  const queue = new Queue(PROVISIONING_QUEUE, {
    connection: { url: redis.url },
    prefix: env().deps.config.QUEUE_PREFIX,
  });
  // Jobs pile up (the queue paused, as ops do from the dashboard) for the wipe to lose.
  await queue.pause();
  let lost: Record<string, number> = {};
  await until(
    async () => {
      lost = await queue.getJobCounts("waiting", "active", "delayed");
      return burst.created >= 200 && (lost.waiting ?? 0) >= 50;
    },
    60_000,
    "jobs waiting in Redis",
  );
  await queue.close();
  // No process restarts or reconnects: nothing but the periodic sweep can notice the loss.
  const admin = new Redis(redis.url);
  await admin.flushall();
  await admin.quit();
  const wipedAt = burst.created;
  const faultEndedAt = Date.now();
  const result = await burst.done;

  expect(wipedAt).toBeLessThan(BURST);
  expect(result.stats.byStatus).toEqual({ "201": BURST, "200": expect.any(Number), "204": expect.any(Number) });
  // The bound: every user settled within 30 s of the burst's end (the sweep acts after 2-3 s).
  await verifyAfterFault(
    env(),
    fleet,
    tenant,
    before,
    result,
    {
      fault: "Redis FLUSHALL, connections kept",
      wipedAtCreate: wipedAt,
      jobsLostWithTheWipe: lost,
      sweepIntervalMs: Number(SWEEP.SWEEP_INTERVAL_MS),
      sweepGraceMs: Number(SWEEP.SWEEP_GRACE_MS),
      faultEndedAt,
    },
    30_000,
  );
}, 180_000);
