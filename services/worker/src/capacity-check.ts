import type { Sql } from "@scimline/db";

export type CapacityResult = { crossed: number; recovered: number };

/**
 * Capacity alerts, run in the sweep loop (every SWEEP_INTERVAL_MS, 15 s by default): for each
 * company with a threshold, every pool whose free count is below it gets a row in
 * `capacity_alerts` and, with that row, a `capacity.seats_low` or `capacity.numbers_low` event;
 * a pool back at or above its threshold (or whose threshold was turned off) loses its row, so the
 * next crossing is told again. One statement: several workers may run it at once, and the row's
 * primary key lets only one of them record a crossing.
 *
 * Pools: seats of an office and license type that the office has bought (purchased > 0), an
 * office's own numbers, and the company's unbound numbers (each once it holds a number).
 */
export async function checkCapacity(sql: Sql): Promise<CapacityResult> {
  const [row] = await sql<{ crossed: number; recovered: number }[]>`
    with pools as (
      select s.company_id, 'seats:' || s.office_id || ':' || s.license_type_id as pool, 'seats' as resource,
             s.office_id, s.license_type_id, lt.name as license_type,
             s.purchased - s.used as free, c.seats_low_threshold as threshold
      from companies c
        join seats s on s.company_id = c.id
        join license_types lt on lt.id = s.license_type_id
      where c.seats_low_threshold is not null and s.purchased > 0
      union all
      select n.company_id, 'numbers:' || coalesce(n.office_id::text, 'unbound'), 'numbers',
             n.office_id, null::uuid, null::text,
             (count(*) filter (where n.assigned_user_id is null))::int, c.numbers_low_threshold
      from companies c join numbers n on n.company_id = c.id
      where c.numbers_low_threshold is not null
      group by n.company_id, n.office_id, c.numbers_low_threshold
    ),
    low as (select * from pools where free < threshold),
    recovered as (
      delete from capacity_alerts a
      where not exists (select 1 from low where low.company_id = a.company_id and low.pool = a.pool)
      returning a.pool
    ),
    crossed as (
      insert into capacity_alerts (company_id, pool, resource, office_id, license_type_id, free, threshold)
      select company_id, pool, resource, office_id, license_type_id, free, threshold from low
      on conflict (company_id, pool) do nothing
      returning company_id, pool
    ),
    ev as (
      insert into events (company_id, user_id, type, data)
      select l.company_id, null, 'capacity.' || l.resource || '_low',
        case when l.resource = 'seats'
          then jsonb_build_object('officeId', l.office_id, 'licenseType', l.license_type, 'free', l.free, 'threshold', l.threshold)
          else jsonb_build_object('officeId', l.office_id, 'free', l.free, 'threshold', l.threshold)
        end
      from crossed join low l on l.company_id = crossed.company_id and l.pool = crossed.pool
    )
    select (select count(*)::int from crossed) as crossed, (select count(*)::int from recovered) as recovered`;
  return row ?? { crossed: 0, recovered: 0 };
}
