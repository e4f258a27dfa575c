import type { Runtime } from "@scimline/worker";
import { afterAll, describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient } from "./helpers/openapi.ts";
import { databaseState, type PreviewBody, previewJson, previewOf } from "./helpers/preview.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// A preview, then the real burst through the SCIM door with a real worker, from the same state.
const clock = () => new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock });
const api = apiClient(env);
const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
let worker: Runtime | undefined;
afterAll(() => stopWorker(worker));

type Body = Record<string, unknown>;
const user = (name: string, extra: Body = {}) => oktaUser(`${name}@burst.example`, extra);
const many = (n: number, name: string, extra: Body) => Array.from({ length: n }, (_, i) => user(`${name}${i}`, extra));
const country = (c: string) => ({ addresses: [{ type: "work", country: c }] });

/** Sends every body through the door, eight at a time; the answers' statuses in order. */
async function burst(t: Tenant, bodies: Body[]): Promise<number[]> {
  const statuses: number[] = new Array(bodies.length).fill(0);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      statuses[i] = (await scim(env(), t.token, "POST", "/Users", bodies[i])).status;
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return statuses;
}

/** What the worker did for the company: users by name with office and rule, seats bought, numbers by source. */
async function outcome(companyId: string) {
  const { sql } = env().database;
  const users = await sql<{ user_name: string; office: string | null; matched_by: string | null; status: string }[]>`
    select u.user_name, o.name as office, u.matched_by, u.status from users u
    left join offices o on o.id = u.office_id where u.company_id = ${companyId}`;
  const seats = await sql<{ office: string; license: string; count: number; cents: number }[]>`
    select o.name as office, l.name as license, sum(c.quantity)::int as count, sum(c.amount_cents)::int as cents
    from charges c join offices o on o.id = c.office_id join license_types l on l.id = c.license_type_id
    where c.company_id = ${companyId} group by o.name, l.name order by o.name, l.name`;
  const numbers = await sql<{ source: string; n: number }[]>`
    select source, count(*)::int as n from numbers
    where company_id = ${companyId} and assigned_user_id is not null group by source`;
  const count = (source: string) => numbers.find((r) => r.source === source)?.n ?? 0;
  return { users, seats, pool: count("pool"), carrier: count("carrier") };
}

const settled = (companyId: string, expected: number) => async () => {
  const { users } = await outcome(companyId);
  return users.length === expected && users.every((u) => u.status === "active");
};

const seatsOf = (p: PreviewBody) =>
  p.totals.seatsToBuy.map((s) => ({
    office: s.officeName,
    license: s.licenseType,
    count: s.count,
    cents: s.chargeCents,
  }));

describe("a preview predicts the real burst", () => {
  test("same seats per office and type, cents, numbers from the pool and to buy, refusals, and every office", async () => {
    worker ??= startWorker(env(), { clock });
    const t = await createTenant(env(), {
      company: { billingDay: 1 },
      offices: [
        { name: "San Francisco", country: "US", main: true, seats: { "Dialpad_Ai Voice": 3, Dialpad_Support: 1 } },
        { name: "Berlin", country: "DE", seats: { "Dialpad_Ai Voice": 2 } },
        { name: "London", country: "GB" },
        { name: "Paris", country: "FR", seats: { "Dialpad_Ai Sales": 1 } },
      ],
    });
    const add = (numbers: string[], officeId?: string) =>
      api("POST", `/companies/${t.companyId}/numbers`, { numbers, ...(officeId ? { officeId } : {}) });
    await add(["+14155550301", "+14155550302", "+14155550303"], t.officeIds["San Francisco"]);
    await add(["+4930555301"], t.officeIds.Berlin);
    await add(["+14155550401", "+14155550402"]);
    // A user provisioned before: it holds a seat and a number the preview must see as taken.
    const before = user("already");
    expect((await scim(env(), t.token, "POST", "/Users", before)).status).toBe(201);
    await eventually(settled(t.companyId, 1), 20_000, "the first user active");

    const berliner = user("dup.berlin", { [ENT]: { officeName: "Berlin" } });
    const bodies = [
      ...many(15, "berlin", { [ENT]: { officeName: "Berlin" } }),
      ...many(5, "germany", country("Germany")),
      ...many(5, "typo", { [ENT]: { officeName: "Berln" } }),
      ...many(8, "london", { [ENT]: { physicalDeliveryOfficeName: "London" } }),
      ...many(8, "london.support", { [ENT]: { physicalDeliveryOfficeName: "london", licenseType: "Dialpad_Support" } }),
      ...many(10, "paris", { department: "Paris", licenseType: "Dialpad_Ai Sales" }),
      ...many(10, "us", { department: "Engineering", ...country("US") }),
      ...many(10, "main", {}),
      ...many(6, "gb.support", { ...country("gb"), licenseType: "Dialpad_Support" }),
      ...many(3, "gold", { licenseType: "Dialpad_Gold" }),
      ...many(2, "broken", { emails: "not a list" }),
      berliner,
      berliner,
      before,
    ];
    const state = await databaseState(env());
    const reply = await previewJson(env(), t.companyId, bodies);
    expect(reply.status).toBe(200);
    const preview = previewOf(reply);
    expect(await databaseState(env())).toEqual(state);
    expect(preview.totals.refused).toEqual({ invalidValue: 5, uniqueness: 2 });
    // 64 users with a DID: 5 numbers left in the pools, 59 to buy. Seats: all free ones reused, the rest bought.
    expect(preview.totals).toMatchObject({ numbersFromPool: 5, numbersToBuy: [{ areaCode: "415", count: 59 }] });
    expect(seatsOf(preview)).toEqual([
      { office: "Berlin", license: "Dialpad_Ai Voice", count: 24, cents: 2400 },
      { office: "London", license: "Dialpad_Ai Voice", count: 8, cents: 800 },
      { office: "London", license: "Dialpad_Support", count: 14, cents: 2338 },
      { office: "Paris", license: "Dialpad_Ai Sales", count: 9, cents: 1800 },
      { office: "San Francisco", license: "Dialpad_Ai Voice", count: 18, cents: 1800 },
    ]);

    const statuses = await burst(t, bodies);
    const accepted = statuses.filter((s) => s === 201).length;
    expect(accepted).toBe(bodies.length - 7);
    expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(2);
    await eventually(settled(t.companyId, accepted + 1), 60_000, "the burst provisioned");

    const real = await outcome(t.companyId);
    // The first user reused a free seat (no charge): every charge is the burst's.
    expect(real.seats).toEqual(seatsOf(preview));
    expect(real.seats.reduce((sum, s) => sum + s.cents, 0)).toBe(preview.totals.chargeCents);
    // The first user's number came from San Francisco's pool before the preview.
    expect(real.pool - 1).toBe(preview.totals.numbersFromPool);
    expect(preview.totals.numbersToBuy).toEqual([{ areaCode: "415", count: real.carrier }]);
    const byName = new Map(real.users.map((u) => [u.user_name.toLowerCase(), u]));
    const predicted = preview.users.filter((u) => u.refusal === null);
    expect(predicted).toHaveLength(accepted);
    for (const u of predicted) {
      const actual = byName.get(u.userName?.toLowerCase() ?? "");
      expect([u.userName, actual?.office, actual?.matched_by]).toEqual([u.userName, u.office?.name, u.matchedBy]);
    }
    expect(preview.totals.unmatchedHints).toEqual([
      { value: "Engineering", count: 10 },
      { value: "Berln", count: 5 },
    ]);
  });

  test("offices chosen among several by free seats may differ in the real run; the company's totals do not", async () => {
    worker ??= startWorker(env(), { clock });
    // Munich is the older office in Germany but has no free seat; Berlin has two.
    const t = await createTenant(env(), {
      company: { billingDay: 1, defaultAreaCode: "650" },
      offices: [
        { name: "Munich", country: "DE", seats: { "Dialpad_Ai Voice": 0 } },
        { name: "Berlin", country: "DE", seats: { "Dialpad_Ai Voice": 2 } },
        { name: "San Francisco", country: "US", main: true },
      ],
    });
    const bodies = many(30, "de", country("DE"));
    const preview = previewOf(await previewJson(env(), t.companyId, bodies));
    // The plan reads the seats as loaded: every user of the file sees Berlin's free seat.
    expect(new Set(preview.users.map((u) => u.office?.name))).toEqual(new Set(["Berlin"]));
    expect(seatsOf(preview)).toEqual([{ office: "Berlin", license: "Dialpad_Ai Voice", count: 28, cents: 2800 }]);

    expect(await burst(t, bodies)).toEqual(bodies.map(() => 201));
    await eventually(settled(t.companyId, bodies.length), 60_000, "the burst provisioned");
    const real = await outcome(t.companyId);
    // Batches after Berlin's seats were taken go to the oldest office instead: per office it may differ.
    for (const u of real.users) expect(["Berlin", "Munich"]).toContain(u.office);
    expect(real.seats.reduce((n, s) => n + s.count, 0)).toBe(28);
    expect(real.seats.reduce((n, s) => n + s.cents, 0)).toBe(preview.totals.chargeCents);
    expect(preview.totals.numbersToBuy).toEqual([{ areaCode: "650", count: real.carrier }]);
  });
});
