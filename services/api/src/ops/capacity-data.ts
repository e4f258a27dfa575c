import type { Sql } from "@scimline/db";

/** A pool of seats or numbers: how many there are, how many are free, the company's threshold. */
export type Pool = { label: string; total: number; free: number; threshold: number | null; low: boolean };
export type OfficeCapacity = { id: string; name: string; seats: Pool[]; numbers: Pool | null };
export type CompanyCapacity = {
  seatsLowThreshold: number | null;
  numbersLowThreshold: number | null;
  offices: OfficeCapacity[];
  /** Numbers bound to no office (any office's users may take them); null when there are none. */
  unbound: Pool | null;
  low: number;
};

const pool = (label: string, total: number, free: number, threshold: number | null): Pool => ({
  label,
  total,
  free,
  threshold,
  low: threshold !== null && free < threshold,
});

/**
 * Seats free per office and license type (those the office has seats of), and pool numbers free
 * per office and unbound, with the thresholds: what the worker's capacity check watches, read now.
 */
export async function loadCapacity(sql: Sql, companyIds: string[]): Promise<Map<string, CompanyCapacity>> {
  const ids = sql.array(companyIds);
  const [companies, offices, seats, numbers] = await Promise.all([
    sql<{ id: string; seats: number | null; numbers: number | null }[]>`
      select id, seats_low_threshold as seats, numbers_low_threshold as numbers
      from companies where id = any(${ids}::uuid[])`,
    sql<{ id: string; company_id: string; name: string }[]>`
      select id, company_id, name from offices where company_id = any(${ids}::uuid[])
      order by main desc, created_at, name`,
    sql<{ office_id: string; license_type: string; purchased: number; used: number }[]>`
      select s.office_id, lt.name as license_type, s.purchased, s.used
      from seats s join license_types lt on lt.id = s.license_type_id
      where s.company_id = any(${ids}::uuid[]) and (s.purchased > 0 or s.used > 0)
      order by lt.created_at, lt.name`,
    sql<{ company_id: string; office_id: string | null; total: number; free: number }[]>`
      select company_id, office_id, count(*)::int as total,
             (count(*) filter (where assigned_user_id is null))::int as free
      from numbers where company_id = any(${ids}::uuid[]) group by 1, 2`,
  ]);
  const out = new Map<string, CompanyCapacity>();
  for (const c of companies) {
    const own = numbers.filter((n) => n.company_id === c.id);
    const unbound = own.find((n) => n.office_id === null);
    const capacity: CompanyCapacity = {
      seatsLowThreshold: c.seats,
      numbersLowThreshold: c.numbers,
      offices: offices
        .filter((o) => o.company_id === c.id)
        .map((o) => {
          const n = own.find((x) => x.office_id === o.id);
          return {
            id: o.id,
            name: o.name,
            seats: seats
              .filter((s) => s.office_id === o.id)
              .map((s) => pool(s.license_type, s.purchased, s.purchased - s.used, c.seats)),
            numbers: n ? pool("Numbers", n.total, n.free, c.numbers) : null,
          };
        }),
      unbound: unbound ? pool("Unbound numbers", unbound.total, unbound.free, c.numbers) : null,
      low: 0,
    };
    const pools = [...capacity.offices.flatMap((o) => [...o.seats, ...(o.numbers ? [o.numbers] : [])])];
    if (capacity.unbound) pools.push(capacity.unbound);
    capacity.low = pools.filter((p) => p.low).length;
    out.set(c.id, capacity);
  }
  return out;
}
