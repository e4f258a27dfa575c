import { seedCompany, seedNumbers, seedOffice, seedUser, setDesired } from "@scimline/db/testing";
import { reconcileJobId } from "@scimline/queue";
import { afterEach, describe, expect, test } from "vitest";
import type { Runtime } from "../src/runtime.ts";
import { useDatabase } from "./helpers/db.ts";
import { eventually, testRuntime } from "./helpers/runtime.ts";

const db = useDatabase();
let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.queue.obliterate({ force: true });
  await runtime?.stop();
  runtime = undefined;
});

const applied = async (id: string) => {
  const [row] = await db().sql`select applied_generation = generation as done from users where id = ${id}`;
  return row?.done === true;
};

describe("the reconcile sweep heals lost jobs without a restart", () => {
  test("a user owed work whose job Redis lost is re-enqueued and provisioned", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 5 } });
    await seedNumbers(sql, company, ["+14155550701"]);
    const id = await seedUser(sql, company);
    // The outbox row was relayed, then Redis lost the job: nothing is left to run it.
    await sql`delete from outbox where user_id = ${id}`;
    await sql`update users set desired_at = now() - interval '1 minute' where id = ${id}`;
    runtime = testRuntime(db(), { sweepIntervalMs: 100_000, sweepGraceMs: 1000 });
    expect(await runtime.queue.getJobState(reconcileJobId(id, 1))).toBe("unknown");

    expect(await runtime.sweep.sweepOnce()).toMatchObject({ requeued: 1, retried: 0, givenUp: 0 });
    expect(await runtime.queue.getJobState(reconcileJobId(id, 1))).toBe("waiting");
    // A second sweep (or another worker's) finds the job alive and adds nothing.
    expect(await runtime.sweep.sweepOnce()).toMatchObject({ requeued: 0 });

    runtime.start();
    await eventually(() => applied(id), 20_000, "provisioned");
  });

  test("a user waiting in a batch job, or in the outbox, is not lost; once the batch is gone it is", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 5 } });
    await seedNumbers(sql, company, ["+14155550703", "+14155550704"]);
    const batched = await seedUser(sql, company);
    runtime = testRuntime(db(), { sweepIntervalMs: 100_000, sweepGraceMs: 0 });
    expect(await runtime.relay.relayOnce()).toBe(1); // into a batch job no worker runs yet
    const unrelayed = await seedUser(sql, company); // its outbox row waits for the relay
    await sql`update users set desired_at = now() - interval '1 minute' where company_id = ${company.companyId}`;
    expect(await runtime.queue.getJobState(reconcileJobId(batched, 1))).toBe("unknown");
    expect(await runtime.sweep.sweepOnce()).toMatchObject({ requeued: 0, retried: 0, givenUp: 0 });

    await runtime.queue.obliterate({ force: true }); // Redis loses the batch
    expect(await runtime.sweep.sweepOnce()).toMatchObject({ requeued: 1 });
    expect(await runtime.queue.getJobState(reconcileJobId(batched, 1))).toBe("waiting");
    expect(await runtime.queue.getJobState(reconcileJobId(unrelayed, 1))).toBe("unknown");
    runtime.start();
    await eventually(async () => (await applied(batched)) && (await applied(unrelayed)), 20_000, "both provisioned");
  });

  test("work owed for less than the grace, and users waiting for an admin, are left alone", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { autoPurchase: false });
    await seedOffice(sql, company, { name: "HQ", main: true });
    const fresh = await seedUser(sql, company);
    const waiting = await seedUser(sql, company);
    await sql`delete from outbox where user_id in (${fresh}, ${waiting})`;
    await sql`update users set status = 'failed', error_code = 'no_license_available', desired_at = now() - interval '1 hour'
              where id = ${waiting}`;
    runtime = testRuntime(db(), { sweepIntervalMs: 100_000, sweepGraceMs: 60_000 });
    expect(await runtime.sweep.sweepOnce()).toMatchObject({ requeued: 0, retried: 0, givenUp: 0 });
  });

  test("a job that finished while its user still owes work runs again", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 5 } });
    await seedNumbers(sql, company, ["+14155550702"]);
    const id = await seedUser(sql, company);
    runtime = testRuntime(db(), { sweepIntervalMs: 100_000, sweepGraceMs: 0 });
    runtime.start();
    await eventually(() => applied(id), 20_000, "provisioned");
    // The outcome was rolled back after the job completed (a restored backup, a failover): owed again.
    // Its batch finished, so it has no job of its own: the sweep queues one.
    const rollBack = () => sql`update users set applied_generation = 0, status = 'provisioning' where id = ${id}`;
    await rollBack();
    expect(await runtime.queue.getJobState(reconcileJobId(id, 1))).toBe("unknown");
    expect(await runtime.sweep.sweepOnce()).toMatchObject({ requeued: 1, retried: 0 });
    await eventually(() => applied(id), 20_000, "provisioned again");
    // Once more: now its own job is there, completed, and runs again under its id.
    await eventually(
      async () => (await runtime?.queue.getJobState(reconcileJobId(id, 1))) === "completed",
      5_000,
      "its job completed",
    );
    await rollBack();
    expect(await runtime.sweep.sweepOnce()).toMatchObject({ requeued: 0, retried: 1 });
    await eventually(() => applied(id), 20_000, "provisioned a third time");
  });
});

describe("users waiting for their group memberships", () => {
  test("inside their directory's hold window they are left to their delayed job; after it, swept like anyone", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 5 } });
    const waiting = await seedUser(sql, company);
    const late = await seedUser(sql, company);
    await sql`delete from outbox where user_id in (${waiting}, ${late})`;
    await sql`update users set status = 'provisioning', error_code = 'awaiting_group_rules',
                desired_at = now() - interval '1 hour' where id in (${waiting}, ${late})`;
    // The window (300 s by default) is open for one, long past for the other.
    await sql`update users set created_at = now() - interval '1 hour' where id = ${late}`;
    runtime = testRuntime(db(), { sweepIntervalMs: 100_000, sweepGraceMs: 1000 });
    expect(await runtime.sweep.sweepOnce()).toMatchObject({ requeued: 1 });
    expect(await runtime.queue.getJobState(reconcileJobId(late, 1))).toBe("waiting");
    expect(await runtime.queue.getJobState(reconcileJobId(waiting, 1))).toBe("unknown");
  });
});

describe("retention: suspended users erased after the company's suspendedRetentionDays", () => {
  test("only users suspended longer than their company's retention are erased, as a delete would", async () => {
    const { sql } = db();
    const keeping = await seedCompany(sql);
    const forgetting = await seedCompany(sql);
    await sql`update companies set suspended_retention_days = 30 where id = ${forgetting.companyId}`;
    await seedOffice(sql, forgetting, { name: "HQ", main: true, seats: { Dialpad_Support: 2 } });
    await seedOffice(sql, keeping, { name: "HQ", main: true, seats: { Dialpad_Support: 1 } });
    const support = { licenseType: "Dialpad_Support" };
    const ids = {
      old: await seedUser(sql, forgetting, support),
      recent: await seedUser(sql, forgetting, support),
      kept: await seedUser(sql, keeping, support),
    };
    runtime = testRuntime(db(), { sweepIntervalMs: 100_000, sweepGraceMs: 60_000 });
    runtime.start();
    for (const id of Object.values(ids)) await eventually(() => applied(id), 20_000, "provisioned");
    for (const id of Object.values(ids)) await setDesired(sql, id, { active: false });
    for (const id of Object.values(ids)) await eventually(() => applied(id), 20_000, "suspended");
    await sql`update users set suspended_at = now() - interval '31 days' where id in (${ids.old}, ${ids.kept})`;
    await sql`update users set suspended_at = now() - interval '29 days' where id = ${ids.recent}`;

    expect(await runtime.sweep.sweepOnce()).toMatchObject({ retentionErased: 1 });
    await eventually(async () => (await sql`select 1 from users where id = ${ids.old}`).length === 0, 20_000, "erased");
    const left = await sql<{ id: string }[]>`
      select id from users where company_id in (${forgetting.companyId}, ${keeping.companyId})`;
    expect(left.map((u) => u.id).sort()).toEqual([ids.recent, ids.kept].sort());
    const [seats] = await sql<{ used: number }[]>`
      select coalesce(sum(used), 0)::int as used from seats where company_id = ${forgetting.companyId}`;
    expect(seats?.used).toBe(0); // suspended users hold no seat; the erased one left nothing behind
    const [event] = await sql`select type from events where user_id = ${ids.old} order by seq desc limit 1`;
    expect(event?.type).toBe("user.deleted");
    // Idempotent: nothing more to erase.
    expect(await runtime.sweep.sweepOnce()).toMatchObject({ retentionErased: 0 });
  });
});
