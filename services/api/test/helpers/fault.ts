import { checkInvariants as serviceInvariants } from "@scimline/db";
import { testRedisConnection } from "@scimline/db/testing";
import { PROVISIONING_QUEUE, reconcileJobId } from "@scimline/queue";
import { Queue } from "bullmq";
import { expect } from "vitest";
import type { Accepted, BurstStats } from "./burst.ts";
import { admin, createTenant, type Tenant } from "./clients.ts";
import { ADMIN_KEY, type TestEnv } from "./env.ts";
import type { Fleet } from "./fleet.ts";
import { type Baseline, baseline, checkInvariants, settled } from "./invariants.ts";

export const BURST = 1000;

const numbers = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `+1${prefix}${String(i).padStart(4, "0")}`);

/**
 * The company every fault test provisions into: three offices (matched by country, officeName,
 * or the main-office fallback) with fewer seats than users, so seats are bought and charged,
 * and fewer pool numbers than DIDs needed, so a few come from the sandbox carrier.
 */
export async function burstCompany(env: TestEnv): Promise<{ tenant: Tenant; before: Baseline }> {
  const tenant = await createTenant(env, {
    offices: [
      { name: "HQ", country: "US", main: true, seats: { "Dialpad_Ai Voice": 200, Dialpad_Support: 20 } },
      { name: "London", country: "GB", seats: { "Dialpad_Ai Voice": 40 } },
      { name: "Berlin", country: "DE" },
    ],
  });
  const add = async (body: { numbers: string[]; officeId?: string }) => {
    const res = await admin(env, "POST", `/companies/${tenant.companyId}/numbers`, body);
    if (res.status !== 201) throw new Error(`numbers: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await add({ numbers: numbers("415200", 600), ...(tenant.officeIds.HQ ? { officeId: tenant.officeIds.HQ } : {}) });
  await add({
    numbers: numbers("415201", 100),
    ...(tenant.officeIds.London ? { officeId: tenant.officeIds.London } : {}),
  });
  await add({ numbers: numbers("415202", 180) });
  return { tenant, before: await baseline(env.database.sql, tenant.companyId) };
}

/** Where the jobs of users still owed a reconcile are (a settle failure says why it did not settle). */
async function owedJobs(env: TestEnv, tenant: Tenant): Promise<string> {
  const owed = await env.database.sql<{ id: string; generation: number }[]>`
    select id, generation from users where company_id = ${tenant.companyId} and applied_generation < generation limit 5`;
  const queue = new Queue(PROVISIONING_QUEUE, {
    connection: testRedisConnection(),
    prefix: env.deps.config.QUEUE_PREFIX,
  });
  try {
    const states = await Promise.all(
      owed.map(async (u) => {
        const job = await queue.getJob(reconcileJobId(u.id, u.generation));
        if (!job) return `${u.id} g${u.generation}: no job`;
        return `${u.id} g${u.generation}: ${await job.getState()} after ${job.attemptsMade} attempt(s) ${job.failedReason ?? ""}`;
      }),
    );
    return `${JSON.stringify(await queue.getJobCounts())} ${states.join("; ")}`;
  } finally {
    await queue.close();
  }
}

export type FaultReport = Record<string, unknown>;

/**
 * The common end of every fault test: the pipeline settles, the one invariant checker finds
 * nothing, the door gave no unexpected answer and logged no unhandled error. Prints the figures
 * the README's Guarantees section quotes.
 */
export async function verifyAfterFault(
  env: TestEnv,
  fleet: Fleet,
  tenant: Tenant,
  before: Baseline,
  result: { accepted: Accepted[]; stats: BurstStats },
  figures: FaultReport & { faultEndedAt: number },
  settleMs = 60_000,
): Promise<FaultReport> {
  const { accepted, stats } = result;
  expect(stats.unexpected).toEqual([]);
  expect(accepted).toHaveLength(stats.creates);
  expect(fleet.crashed()).toEqual([]);
  const settle = await settled(env.database.sql, tenant.companyId, accepted, settleMs).catch(async (error: Error) => {
    throw new Error(`${error.message}\njobs of owed users: ${await owedJobs(env, tenant)}`);
  });
  const { faultEndedAt, ...rest } = figures;
  const recoveredMs = Date.now() - faultEndedAt;
  expect(await checkInvariants(env.database.sql, tenant.companyId, accepted, before)).toEqual([]);
  // And the service's own invariant check, as ops see it (GET /companies/{id}/invariants), is clean.
  const own = await serviceInvariants(env.database.sql, { companyId: tenant.companyId });
  expect(own.filter((c) => !c.ok)).toEqual([]);
  expect(fleet.unhandled()).toEqual([]);
  // Whatever the processes logged under the fault: no token, no admin key, no user name.
  expect(fleet.leaks([tenant.token, ADMIN_KEY, "@burst.example"])).toEqual([]);
  const desired = (d: Accepted["desired"]) => accepted.filter((a) => a.desired === d).length;
  const report = {
    creates: stats.creates,
    active: desired("active"),
    suspended: desired("suspended"),
    deleted: desired("deleted"),
    burstMs: stats.durationMs,
    settledAfterBurstMs: settle,
    answers: stats.byStatus,
    retried: stats.retried,
    ambiguousCreates: stats.ambiguous,
    settledAfterFaultMs: recoveredMs,
    ...rest,
  };
  console.log(`[fault-figures] ${JSON.stringify(report)}`);
  return report;
}
