import { retryUsers, type Sql } from "@scimline/db";
import { computeBillingPeriod } from "@scimline/domain";

/** Users retried per run; the sweep loop runs again within seconds for the rest. */
const BATCH = 2000;

/**
 * A new billing period is a new budget under the monthly spend cap: users waiting in `failed` with
 * `spend_cap_reached` whose work was last owed before their company's current period began (each
 * company's own billing day) are retried, a `user.retried` event each, and buy their seat if the new
 * period's cap allows it. Run in the sweep loop. A retry makes the work owed now, inside the current
 * period, so a user the new period cannot afford either waits again and is not retried again until the
 * next period. Users a running batch has locked are skipped: it is deciding them already.
 *
 * `today` is the worker's UTC day (what reconcile prices with); the periods' starts are UTC midnights.
 */
export async function resumeNewBillingPeriod(sql: Sql, today: string): Promise<number> {
  const companies = await sql<{ id: string; billing_day: number }[]>`
    select c.id, c.billing_day from companies c
    where exists (
      select 1 from users u
      where u.company_id = c.id and u.status = 'failed' and u.error_code = 'spend_cap_reached' and u.deleted_at is null)`;
  if (companies.length === 0) return 0;
  const ids = companies.map((c) => c.id);
  const starts = companies.map((c) => computeBillingPeriod(today, c.billing_day).start);
  const retried = await retryUsers(
    sql,
    sql`id in (
      select u.id from users u
        join unnest(${sql.array(ids)}::uuid[], ${sql.array(starts)}::date[]) as period(company_id, start)
          on period.company_id = u.company_id
      where u.status = 'failed' and u.error_code = 'spend_cap_reached' and u.deleted_at is null
        and u.desired_at < period.start::timestamp at time zone 'UTC'
      order by u.id
      limit ${BATCH}
      for update of u skip locked)`,
  );
  return retried.length;
}
