import { testRedisConnection } from "@scimline/db/testing";
import { PROVISIONING_QUEUE } from "@scimline/queue";
import { Queue } from "bullmq";
import { afterAll, expect, test } from "vitest";
import { startBurst, until } from "./helpers/burst.ts";
import { useTestEnv } from "./helpers/env.ts";
import { BURST, burstCompany, verifyAfterFault } from "./helpers/fault.ts";
import { Fleet } from "./helpers/fleet.ts";

const env = useTestEnv();
let fleet: Fleet | undefined;
let queue: Queue | undefined;
afterAll(async () => {
  await fleet?.stop();
  await queue?.close();
});

test("fault 1: SIGKILL of the worker mid-burst, then a new one: every acknowledged request reaches its desired state, once", async () => {
  const { tenant, before } = await burstCompany(env());
  const { sql } = env().database;
  fleet = Fleet.of(env());
  const api = await fleet.api("api");
  const first = await fleet.worker("worker-1");
  const provisioned = async () =>
    ((
      await sql`select count(*)::int as n from users where company_id = ${tenant.companyId} and status <> 'provisioning'`
    )[0]?.n as number) ?? 0;

  queue = new Queue(PROVISIONING_QUEUE, {
    connection: testRedisConnection(),
    prefix: env().deps.config.QUEUE_PREFIX,
  });
  const burst = startBurst({ bases: [api.url], token: tenant.token, creates: BURST, tag: "kill", concurrency: 16 });
  // Killed after it provisioned some, at a moment it holds jobs in hand (frozen first, so the
  // jobs it holds are known; a SIGKILL then lands on exactly those).
  await until(async () => burst.created >= 300 && (await provisioned()) >= 50, 60_000, "the worker to provision");
  const held = await fleet.freezeHolding(first, queue);
  const killedAt = { created: burst.created, provisioned: await provisioned(), active: held.length };
  expect(await fleet.kill(first, "SIGKILL")).toBeNull();
  await fleet.worker("worker-2");
  const faultEndedAt = Date.now();
  const result = await burst.done;
  expect(killedAt.created).toBeLessThan(BURST); // the kill landed mid-burst
  expect(result.stats.byStatus).toEqual({ "201": BURST, "200": expect.any(Number), "204": expect.any(Number) });

  await verifyAfterFault(env(), fleet, tenant, before, result, {
    fault: "worker SIGKILL",
    killedAtCreate: killedAt.created,
    provisionedBeforeKill: killedAt.provisioned,
    jobsInHandAtKill: killedAt.active,
    faultEndedAt,
  });
}, 180_000);
