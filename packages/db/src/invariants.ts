import type postgres from "postgres";
import type { Sql } from "./client.ts";
import { awaitingGroupRules, deliberateWait } from "./desired-state.ts";

export type InvariantCheck = { name: string; ok: boolean; detail: string };

/** Work owed longer than this, not waiting for an admin, is a fault (the sweep re-queues after far less). */
export const DEFAULT_STALE_WORK_SECONDS = 300;
const SAMPLE = 5;

type Scope = { companyId?: string | undefined; staleWorkSeconds?: number };

/**
 * The pipeline's invariants, read from the database as ops (GET …/invariants, /admin, /metrics) and
 * the fault tests see them: seats in use equal their holders; DIDs and extensions agree both ways
 * between users and the pools; nobody owed work longer than the bound (business waits excepted);
 * the outbox drained. Without a company, every company at once (for the metrics gauge).
 */
export async function checkInvariants(sql: Sql, scope: Scope = {}): Promise<InvariantCheck[]> {
  const only = (column: postgres.Fragment) => (scope.companyId ? sql`${column} = ${scope.companyId}::uuid` : sql`true`);
  const stale = scope.staleWorkSeconds ?? DEFAULT_STALE_WORK_SECONDS;
  const [seats, numbers, extensions, owed, outbox] = await Promise.all([
    sql<{ office_id: string; license_type_id: string; used: number; holders: number }[]>`
      with held as (
        select office_id, seat_license_type_id as license_type_id, count(*)::int as n
        from users where seat_license_type_id is not null and ${only(sql`users.company_id`)}
        group by 1, 2
      )
      select coalesce(s.office_id, h.office_id) as office_id, coalesce(s.license_type_id, h.license_type_id) as license_type_id,
             coalesce(s.used, 0) as used, coalesce(h.n, 0) as holders
      from (select * from seats where ${only(sql`seats.company_id`)}) s
        full join held h on h.office_id = s.office_id and h.license_type_id = s.license_type_id
      where coalesce(s.used, 0) <> coalesce(h.n, 0) or s.used > s.purchased
      limit ${SAMPLE}`,
    sql<{ what: string; n: number }[]>`
      select 'users.did without its number' as what, count(*)::int as n
      from users u left join numbers n on n.e164 = u.did
      where u.did is not null and ${only(sql`u.company_id`)} and (n.e164 is null or n.assigned_user_id is distinct from u.id)
      union all
      select 'numbers assigned to a user without that DID', count(*)::int
      from numbers n left join users u on u.id = n.assigned_user_id
      where n.assigned_user_id is not null and ${only(sql`n.company_id`)} and (u.id is null or u.did is distinct from n.e164)`,
    sql<{ what: string; n: number }[]>`
      select 'users.extension without its pool slot' as what, count(*)::int as n
      from users u left join extension_pool e on e.company_id = u.company_id and e.extension = u.extension
      where u.extension is not null and ${only(sql`u.company_id`)} and (e.extension is null or e.user_id is distinct from u.id)
      union all
      select 'pool extensions held for a user without that extension', count(*)::int
      from extension_pool e left join users u on u.id = e.user_id
      where e.user_id is not null and ${only(sql`e.company_id`)} and (u.id is null or u.extension is distinct from e.extension)`,
    sql<{ n: number; oldest: number | null }[]>`
      select count(*)::int as n, extract(epoch from now() - min(desired_at))::float8 as oldest
      from users
      where applied_generation < generation and desired_at < now() - make_interval(secs => ${stale})
        and not ${deliberateWait(sql)} and not ${awaitingGroupRules(sql)} and ${only(sql`users.company_id`)}`,
    sql<{ n: number; oldest: number | null }[]>`
      select count(*)::int as n, extract(epoch from now() - min(created_at))::float8 as oldest
      from outbox where created_at < now() - make_interval(secs => ${stale}) and ${only(sql`outbox.company_id`)}`,
  ]);
  const counted = (rows: { what: string; n: number }[]) => rows.filter((r) => r.n > 0);
  const badNumbers = counted(numbers);
  const badExtensions = counted(extensions);
  const owedRow = owed[0] ?? { n: 0, oldest: null };
  const outboxRow = outbox[0] ?? { n: 0, oldest: null };
  return [
    {
      name: "seats_used_equal_holders",
      ok: seats.length === 0,
      detail:
        seats.length === 0
          ? "every office's seats in use equal the users holding one, within the seats purchased"
          : seats
              .map((s) => `office ${s.office_id} type ${s.license_type_id}: used ${s.used}, holders ${s.holders}`)
              .join("; "),
    },
    {
      name: "dids_agree",
      ok: badNumbers.length === 0,
      detail: badNumbers.length === 0 ? "users' DIDs and the numbers assigned agree both ways" : describe(badNumbers),
    },
    {
      name: "extensions_agree",
      ok: badExtensions.length === 0,
      detail:
        badExtensions.length === 0
          ? "users' extensions and the extension pool agree both ways"
          : describe(badExtensions),
    },
    {
      name: "no_stale_work",
      ok: owedRow.n === 0,
      detail:
        owedRow.n === 0
          ? `nobody owed work for more than ${stale} s (users waiting for an admin excepted)`
          : `${owedRow.n} user(s) owed work for more than ${stale} s, the oldest for ${Math.round(owedRow.oldest ?? 0)} s`,
    },
    {
      name: "outbox_drained",
      ok: outboxRow.n === 0,
      detail:
        outboxRow.n === 0
          ? `no outbox row older than ${stale} s`
          : `${outboxRow.n} outbox row(s) older than ${stale} s, the oldest ${Math.round(outboxRow.oldest ?? 0)} s`,
    },
  ];
}

const describe = (rows: { what: string; n: number }[]) => rows.map((r) => `${r.n} ${r.what}`).join("; ");
