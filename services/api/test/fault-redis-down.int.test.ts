import { PROVISIONING_QUEUE } from "@scimline/queue";
import { Queue } from "bullmq";
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

const OUTAGE_MS = 10_000;

test("fault 2: Redis down for 10 s mid-burst: every create still answers 201 and is provisioned once Redis returns", async () => {
  redis = await OwnRedis.start();
  const { tenant, before } = await burstCompany(env());
  fleet = Fleet.of(env(), redis.url);
  const api = await fleet.api("api");
  // A worker slower than the door, as in a real onboarding burst: jobs queue up in Redis.
  await fleet.worker("worker", { WORKER_CONCURRENCY: "10", BATCH_SIZE: "10", BATCH_CONCURRENCY: "1" });

  // A spike of 300, then 40 creates/s (17.5 s in all), so the door keeps taking creates for the whole
  // outage and after it, even when the machine is slow to get the first jobs waiting.
  const burst = startBurst({
    bases: [api.url],
    token: tenant.token,
    creates: BURST,
    tag: "redis",
    spike: 300,
    ratePerSecond: 40,
  });
  const queue = new Queue(PROVISIONING_QUEUE, {
    connection: { url: redis.url },
    prefix: env().deps.config.QUEUE_PREFIX,
  });
  // Jobs pile up in Redis for the outage to lose: the queue is paused (as ops do from the dashboard)
  // while the relay goes on adding jobs. Redis comes back empty, without the pause either.
  await queue.pause();
  let inRedis: Record<string, number> = {};
  await until(
    async () => {
      inRedis = await queue.getJobCounts("waiting", "active");
      return burst.created >= 200 && (inRedis.waiting ?? 0) >= 10;
    },
    60_000,
    "jobs waiting in Redis",
  );
  await queue.close();
  const downAt = burst.created;
  await redis.stop();
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  const upAt = burst.created;
  await redis.restart();
  const faultEndedAt = Date.now();
  const result = await burst.done;

  expect(upAt - downAt).toBeGreaterThan(300); // the door took creates throughout the outage
  expect(upAt).toBeLessThan(BURST);
  // Every create answered 201, none needed a retry: the door never waits on Redis.
  expect(result.stats.byStatus).toEqual({ "201": BURST, "200": expect.any(Number), "204": expect.any(Number) });
  expect(result.stats.retried).toBe(0);
  await verifyAfterFault(env(), fleet, tenant, before, result, {
    fault: "Redis stopped and restarted (empty)",
    outageMs: OUTAGE_MS,
    createsDuringOutage: upAt - downAt,
    jobsLostWithRedis: inRedis,
    faultEndedAt,
  });
}, 180_000);
