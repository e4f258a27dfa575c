import { updateDesiredState } from "@scimline/db";
import { seedCompany, seedNumbers, seedOffice, seedUser, setDesired } from "@scimline/db/testing";
import { afterEach, describe, expect, test } from "vitest";
import type { CarrierPort } from "../src/carrier/port.ts";
import { SandboxCarrier } from "../src/carrier/sandbox.ts";
import type { Runtime } from "../src/runtime.ts";
import { refuseOutcomeWrites, useDatabase } from "./helpers/db.ts";
import { eventually, testRuntime } from "./helpers/runtime.ts";

const db = useDatabase();
let runtime: Runtime | undefined;

afterEach(async () => {
  if (!runtime) return;
  await runtime.queue.obliterate({ force: true });
  await runtime.stop();
  runtime = undefined;
});

const countByStatus = async (companyId: string) => {
  const rows = await db().sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from users where company_id = ${companyId} group by status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
};

describe("outbox → BullMQ → reconcile", () => {
  test("the relay's batch job settles the users it can and hands each other one to a job of its own, which fails visibly", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { autoPurchase: false });
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 3 } });
    await seedNumbers(
      sql,
      company,
      Array.from({ length: 5 }, (_, i) => `+1415555071${i}`),
      office,
    );
    const users = [];
    for (let i = 0; i < 5; i++) users.push(await seedUser(sql, company));
    runtime = testRuntime(db());
    runtime.start();
    const queue = runtime.queue;

    await eventually(async () => (await queue.getFailedCount()) === 2, 20_000, "two users' own jobs failed");
    expect(await countByStatus(company.companyId)).toEqual({ active: 3, failed: 2 });
    const [batch, ...others] = await queue.getCompleted(0, -1);
    expect(others).toEqual([]);
    expect(batch?.id).toMatch(/^b_\d+_\d+$/);
    expect(batch?.data).toEqual({
      users: users.map((userId) => ({ userId, companyId: company.companyId, generation: 1 })),
    });
    expect(batch?.returnvalue).toEqual({ type: "batch", users: 5, handedOff: 2 });
    // The waiting users, and only they, have jobs of their own, failed with the code and its remedy.
    const waiting = await sql<{ id: string }[]>`
      select id from users where company_id = ${company.companyId} and status = 'failed' and error_code = 'no_license_available'`;
    const failed = await queue.getFailed();
    expect(failed.map((j) => j.id).sort()).toEqual(waiting.map((u) => `u_${u.id}_g1`).sort());
    for (const job of failed) expect(job.failedReason).toMatch(/^no_license_available: .*add seats/);
  });

  test("a user whose transaction keeps failing goes on alone: its batch's other users are provisioned, its own job fails visibly", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 5 } });
    await seedNumbers(
      sql,
      company,
      Array.from({ length: 5 }, (_, i) => `+1415555072${i}`),
      office,
    );
    const lift = await refuseOutcomeWrites(sql, "poison@example.com", "poisoned row");
    const users = [];
    for (let i = 0; i < 5; i++)
      users.push(await seedUser(sql, company, i === 2 ? { userName: "poison@example.com" } : {}));
    runtime = testRuntime(db(), { attempts: 2, backoffMs: 20 });
    runtime.start();
    const queue = runtime.queue;

    await eventually(async () => (await queue.getFailedCount()) === 1, 20_000, "the poisoned user's own job failed");
    expect(await countByStatus(company.companyId)).toEqual({ active: 4, provisioning: 1 });
    const [batch] = (await queue.getCompleted(0, -1)).filter((j) => j.id?.startsWith("b_"));
    expect(batch?.returnvalue).toEqual({ type: "batch", users: 5, handedOff: 1 });
    const [failed] = await queue.getFailed();
    expect(failed?.id).toBe(`u_${users[2]}_g1`);
    expect(failed?.failedReason).toContain("poisoned row");

    // The cause fixed, a retry (a new generation) provisions it like anyone.
    await lift();
    await updateDesiredState(sql, { set: sql`status = 'provisioning'`, where: sql`id = ${users[2] ?? ""}` });
    await eventually(async () => (await countByStatus(company.companyId)).active === 5, 20_000, "all five active");
  });

  test("when every user of a batch fails, the batch retries as a whole first, then hands them on", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 3 } });
    await seedNumbers(sql, company, ["+14155550730", "+14155550731", "+14155550732"], office);
    // Every outcome write fails, as when Postgres refuses them all (the cause is not the users').
    const lift = await refuseOutcomeWrites(sql, "refused%", "refused write");
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await seedUser(sql, company, { userName: `refused${i}@example.com` }));
    runtime = testRuntime(db(), { attempts: 2, backoffMs: 20 });
    runtime.start();
    const queue = runtime.queue;

    await eventually(async () => (await queue.getFailedCount()) === 3, 20_000, "the users' own jobs failed");
    const [batch] = await queue.getCompleted(0, -1);
    expect(batch?.id).toMatch(/^b_/);
    expect(batch?.attemptsMade).toBe(2); // the first failed as a whole, the last handed them on
    expect(batch?.returnvalue).toEqual({ type: "batch", users: 3, handedOff: 3 });
    expect((await queue.getFailed()).map((j) => j.id).sort()).toEqual(users.map((id) => `u_${id}_g1`).sort());

    await lift();
    await updateDesiredState(sql, { set: sql`status = 'provisioning'`, where: sql`company_id = ${company.companyId}` });
    await eventually(async () => (await countByStatus(company.companyId)).active === 3, 20_000, "all three active");
  });

  test("50 users created at once in one office with 10 pool numbers get 50 distinct DIDs, 40 from the carrier", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { areaCode: "628" });
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 50 } });
    await seedNumbers(
      sql,
      company,
      Array.from({ length: 10 }, (_, i) => `+1628555020${i}`),
      office,
    );
    await Promise.all(Array.from({ length: 50 }, () => seedUser(sql, company)));
    runtime = testRuntime(db());
    runtime.start();

    await eventually(async () => (await countByStatus(company.companyId)).active === 50, 30_000, "50 active users");

    const dids = await sql<{ did: string; source: string }[]>`
      select u.did, n.source from users u join numbers n on n.e164 = u.did and n.assigned_user_id = u.id
      where u.company_id = ${company.companyId}`;
    expect(new Set(dids.map((d) => d.did)).size).toBe(50);
    expect(dids.filter((d) => d.source === "carrier")).toHaveLength(40);
    const carrier = dids
      .filter((d) => d.source === "carrier")
      .map((d) => d.did)
      .sort();
    expect(carrier[0]).toBe("+16285550100");
    expect(carrier[39]).toBe("+16285550139");
    const [outbox] = await sql`select count(*)::int as n from outbox where company_id = ${company.companyId}`;
    expect(outbox?.n).toBe(0);
    const exts =
      await sql`select count(distinct extension)::int as n from users where company_id = ${company.companyId}`;
    expect(exts[0]?.n).toBe(50);
  });

  test("when the carrier has no number left the job retries, then fails the user with no_number_available", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { areaCode: "629" });
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 3 } });
    const ids = await Promise.all(Array.from({ length: 3 }, () => seedUser(sql, company)));
    runtime = testRuntime(db(), { carrierNumbers: 2, attempts: 2, backoffMs: 20 });
    runtime.start();

    await eventually(async () => (await countByStatus(company.companyId)).failed === 1, 20_000, "one failed user");
    await eventually(async () => (await countByStatus(company.companyId)).active === 2, 20_000, "two active users");
    const [failed] =
      await sql`select id, error_code, did from users where company_id = ${company.companyId} and status = 'failed'`;
    expect(failed).toMatchObject({ error_code: "no_number_available", did: null });
    expect(ids).toContain(failed?.id);
    const jobs = await runtime.queue.getFailed();
    expect(jobs.map((j) => j.failedReason)).toContainEqual(expect.stringContaining("no_number_available"));
  });

  test("a job that fails for good on a transient error marks its user failed/provisioning_error; a retry provisions it", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { areaCode: "627" });
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 1 } });
    const id = await seedUser(sql, company);
    let carrierUp = false;
    const sandbox = new SandboxCarrier(sql, 10);
    const carrier: CarrierPort = {
      buyNumber: async (request) => {
        if (!carrierUp) throw new Error("carrier API timed out");
        return sandbox.buyNumber(request);
      },
    };
    runtime = testRuntime(db(), { carrier, attempts: 2, backoffMs: 20 });
    runtime.start();

    await eventually(async () => (await countByStatus(company.companyId)).failed === 1, 20_000, "the user failed");
    const [failed] = await sql`select status, error_code, did from users where id = ${id}`;
    expect(failed).toMatchObject({ status: "failed", error_code: "provisioning_error", did: null });
    const jobs = await runtime.queue.getFailed();
    expect(jobs.map((j) => j.failedReason)).toEqual(["carrier API timed out"]);

    carrierUp = true; // the carrier is back; the admin's retry (a new generation + outbox row)
    await updateDesiredState(sql, { set: sql`status = 'provisioning'`, where: sql`id = ${id}` });
    await eventually(async () => (await countByStatus(company.companyId)).active === 1, 20_000, "the user active");
    const [active] = await sql`select error_code, did from users where id = ${id}`;
    expect(active).toMatchObject({ error_code: null, did: expect.stringMatching(/^\+1627/) });
  });

  test("a business wait fails its job with the code, and a retry after the fix provisions the user", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { autoPurchase: false });
    const office = await seedOffice(sql, company, { name: "HQ", main: true });
    await seedNumbers(sql, company, ["+14155550900"]);
    const id = await seedUser(sql, company);
    runtime = testRuntime(db());
    runtime.start();

    const job = await eventually(async () => (await runtime?.queue.getFailed())?.[0], 20_000, "a failed job");
    expect(job.failedReason).toMatch(/^no_license_available/);
    expect(job.attemptsMade).toBe(1);
    await sql`update seats set purchased = 1 where office_id = ${office}`;
    await job.retry();

    await eventually(async () => (await countByStatus(company.companyId)).active === 1, 20_000, "active after retry");
    const [user] = await sql`select did, extension, error_code from users where id = ${id}`;
    expect(user).toEqual({ did: "+14155550900", extension: 100, error_code: null });
  });

  test("create, deactivate, reactivate and delete queued back to back converge to the last desired state", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 1 } });
    await seedNumbers(sql, company, ["+14155550950"]);
    const id = await seedUser(sql, company);
    await setDesired(sql, id, { active: false });
    await setDesired(sql, id, { active: true });
    await setDesired(sql, id, { deleted: true });
    runtime = testRuntime(db());
    runtime.start();

    await eventually(async () => (await sql`select 1 from users where id = ${id}`).length === 0, 20_000, "erased");
    const [seat] =
      await sql`select purchased, used from seats where office_id = ${office} and license_type_id = ${company.licenseTypes["Dialpad_Ai Voice"] ?? ""}`;
    expect(seat).toEqual({ purchased: 1, used: 0 });
    const [number] = await sql`select assigned_user_id from numbers where e164 = '+14155550950'`;
    expect(number?.assigned_user_id).toBeNull();
    const charges = await sql`select 1 from charges where company_id = ${company.companyId}`;
    expect(charges).toHaveLength(0);
  });
});
