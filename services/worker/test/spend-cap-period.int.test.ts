import { seedCompany, seedUser } from "@scimline/db/testing";
import { describe, expect, test } from "vitest";
import { resumeNewBillingPeriod } from "../src/spend-cap-period.ts";
import { useDatabase } from "./helpers/db.ts";

const db = useDatabase();

/** A user left waiting by an earlier reconcile: `failed` with `code`, its work last owed at `owedAt`. */
async function waiting(
  company: Awaited<ReturnType<typeof seedCompany>>,
  code: string,
  owedAt: string,
  options: { deleted?: boolean } = {},
): Promise<string> {
  const { sql } = db();
  const id = await seedUser(sql, company);
  await sql`
    update users set status = 'failed', error_code = ${code}, applied_generation = generation,
      desired_at = ${owedAt}::timestamptz, deleted_at = ${options.deleted ? new Date().toISOString() : null}
    where id = ${id}`;
  return id;
}

const state = async (id: string) => {
  const [row] = await db().sql<{ status: string; generation: number; outbox: number; retried: unknown[] }[]>`
    select u.status, u.generation,
      (select count(*)::int from outbox o where o.user_id = u.id and o.generation = u.generation) as outbox,
      (select coalesce(jsonb_agg(e.data), '[]') from events e where e.user_id = u.id and e.type = 'user.retried') as retried
    from users u where u.id = ${id}`;
  return row;
};

// The tests share one database: each asserts on its own users.
describe("a new billing period resumes users waiting for the spend cap", () => {
  test("each company's own period: those owed before it began are retried once, nobody else", async () => {
    const { sql } = db();
    // Billing day 15: on 2026-12-20 the period began 2026-12-15 (UTC midnight).
    const mid = await seedCompany(sql, { billingDay: 15 });
    const lastPeriod = await waiting(mid, "spend_cap_reached", "2026-12-14T23:59:59Z");
    const thisPeriod = await waiting(mid, "spend_cap_reached", "2026-12-15T00:00:00Z");
    const otherWait = await waiting(mid, "no_license_available", "2026-11-01T00:00:00Z");
    const deleted = await waiting(mid, "spend_cap_reached", "2026-11-01T00:00:00Z", { deleted: true });
    // Billing day 1: the period began 2026-12-01.
    const first = await seedCompany(sql, { billingDay: 1 });
    const november = await waiting(first, "spend_cap_reached", "2026-11-30T23:00:00Z");
    const december = await waiting(first, "spend_cap_reached", "2026-12-10T00:00:00Z");
    // Billing day 31 falls back to the month's last day: on 2026-12-20 the period began 2026-11-30.
    const late = await seedCompany(sql, { billingDay: 31 });
    const beforeAnchor = await waiting(late, "spend_cap_reached", "2026-11-29T12:00:00Z");
    const afterAnchor = await waiting(late, "spend_cap_reached", "2026-11-30T12:00:00Z");
    const before = await Promise.all([lastPeriod, november, beforeAnchor].map(state));

    expect(await resumeNewBillingPeriod(sql, "2026-12-20")).toBe(3);

    for (const [i, id] of [lastPeriod, november, beforeAnchor].entries()) {
      expect(await state(id)).toEqual({
        status: "provisioning",
        generation: (before[i]?.generation ?? 0) + 1,
        outbox: 1,
        retried: [{ previousCode: "spend_cap_reached" }],
      });
    }
    for (const id of [thisPeriod, otherWait, deleted, december, afterAnchor]) {
      expect((await state(id))?.retried).toEqual([]);
    }
    // The retry owes the work now (Postgres's clock), inside today's period: should they wait again, they
    // are not retried again until the next period.
    const retried = [lastPeriod, november, beforeAnchor];
    await sql`update users set status = 'failed' where id in ${sql(retried)}`;
    const generations = async () => (await Promise.all(retried.map(state))).map((s) => s?.generation);
    const after = await generations();
    await resumeNewBillingPeriod(sql, new Date().toISOString().slice(0, 10));
    expect(await generations()).toEqual(after);
  });

  test("a user a running batch has locked is left to that batch", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { billingDay: 1 });
    const locked = await waiting(company, "spend_cap_reached", "2026-11-15T00:00:00Z");
    const free = await waiting(company, "spend_cap_reached", "2026-11-15T00:00:00Z");
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let lockTaken = () => {};
    const taken = new Promise<void>((resolve) => {
      lockTaken = resolve;
    });
    const batch = sql.begin(async (tx) => {
      await tx`select id from users where id = ${locked} for update`;
      lockTaken();
      await held;
    });
    await taken;
    await resumeNewBillingPeriod(sql, "2026-12-02");
    release();
    await batch;
    expect((await state(free))?.status).toBe("provisioning");
    expect((await state(locked))?.status).toBe("failed");
  });
});
