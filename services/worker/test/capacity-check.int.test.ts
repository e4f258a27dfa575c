import { seedCompany, seedNumbers, seedOffice } from "@scimline/db/testing";
import { describe, expect, test } from "vitest";
import { checkCapacity } from "../src/capacity-check.ts";
import { useDatabase } from "./helpers/db.ts";

const db = useDatabase();

type Row = { type: string; user_id: string | null; data: Record<string, unknown> };
const eventsOf = async (companyId: string) =>
  db().sql<Row[]>`
    select type, user_id, data from events where company_id = ${companyId} and type like 'capacity.%' order by seq`;
const alertsOf = async (companyId: string) =>
  (
    await db().sql<{ pool: string }[]>`select pool from capacity_alerts where company_id = ${companyId} order by pool`
  ).map((r) => r.pool);

describe("capacity alerts: one event per crossing below a company's threshold", () => {
  test("seats: below fires once, staying low is quiet, recovering re-arms, a new crossing fires again", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "Lisbon", main: true, seats: { "Dialpad_Ai Voice": 10 } });
    const voice = company.licenseTypes["Dialpad_Ai Voice"] ?? "";
    await sql`update companies set seats_low_threshold = 3 where id = ${company.companyId}`;
    const used = (n: number) =>
      sql`update seats set used = ${n} where office_id = ${office} and license_type_id = ${voice}`;

    await used(7); // 3 free: not below 3
    expect(await checkCapacity(sql)).toEqual({ crossed: 0, recovered: 0 });
    await used(8); // 2 free
    expect((await checkCapacity(sql)).crossed).toBe(1);
    await used(9); // 1 free: still the same crossing
    expect((await checkCapacity(sql)).crossed).toBe(0);
    expect(await alertsOf(company.companyId)).toEqual([`seats:${office}:${voice}`]);
    await used(7); // back to 3 free: recovered
    expect(await checkCapacity(sql)).toEqual({ crossed: 0, recovered: 1 });
    expect(await alertsOf(company.companyId)).toEqual([]);
    await used(10); // 0 free: a new crossing
    expect((await checkCapacity(sql)).crossed).toBe(1);

    const events = await eventsOf(company.companyId);
    expect(events).toEqual([
      {
        type: "capacity.seats_low",
        user_id: null,
        data: { officeId: office, licenseType: "Dialpad_Ai Voice", free: 2, threshold: 3 },
      },
      {
        type: "capacity.seats_low",
        user_id: null,
        data: { officeId: office, licenseType: "Dialpad_Ai Voice", free: 0, threshold: 3 },
      },
    ]);
  });

  test("numbers: an office's pool and the unbound pool are watched apart", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "Porto", main: true });
    await seedNumbers(sql, company, ["+14155550801", "+14155550802"], office);
    await seedNumbers(sql, company, ["+14155550803", "+14155550804", "+14155550805"]);
    await sql`update companies set numbers_low_threshold = 3 where id = ${company.companyId}`;

    // The office's pool has 2 free (< 3); the unbound one 3 (not below). Two workers check at
    // once: the crossing is recorded, and told, once.
    const [a, b] = await Promise.all([checkCapacity(sql), checkCapacity(sql)]);
    expect((a?.crossed ?? 0) + (b?.crossed ?? 0)).toBe(1);
    expect(await alertsOf(company.companyId)).toEqual([`numbers:${office}`]);

    // The unbound pool shrinks to 2 free: below too.
    await sql`delete from numbers where e164 = '+14155550803'`;
    expect((await checkCapacity(sql)).crossed).toBe(1);
    expect(await eventsOf(company.companyId)).toEqual([
      { type: "capacity.numbers_low", user_id: null, data: { officeId: office, free: 2, threshold: 3 } },
      { type: "capacity.numbers_low", user_id: null, data: { officeId: null, free: 2, threshold: 3 } },
    ]);
  });

  test("no threshold (null) watches nothing, 0 never fires, and turning it off clears the alerts quietly", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    await seedOffice(sql, company, { name: "Faro", main: true, seats: { Dialpad_Support: 1 } });
    await sql`update seats set used = 1 where company_id = ${company.companyId} and purchased = 1`;
    expect((await checkCapacity(sql)).crossed).toBe(0);
    await sql`update companies set seats_low_threshold = 0 where id = ${company.companyId}`;
    expect((await checkCapacity(sql)).crossed).toBe(0);
    await sql`update companies set seats_low_threshold = 1 where id = ${company.companyId}`;
    // Only the bought pool counts: the office's other license types have no seats at all.
    expect((await checkCapacity(sql)).crossed).toBe(1);
    await sql`update companies set seats_low_threshold = null where id = ${company.companyId}`;
    expect((await checkCapacity(sql)).recovered).toBe(1);
    expect(await alertsOf(company.companyId)).toEqual([]);
    expect(await eventsOf(company.companyId)).toHaveLength(1);
  });
});
