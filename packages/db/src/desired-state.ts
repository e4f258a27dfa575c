import type { EventType } from "@scimline/domain";
import type postgres from "postgres";
import type { Sql, TxSql } from "./client.ts";
import { leasedJsonText } from "./json-parameter.ts";

type Q = Sql | TxSql;
type Fragment = postgres.Fragment;

/**
 * An event recorded with each changed user, in the same statement. `data` builds a jsonb expression
 * over the changed row (`u`) and its license type (`lt`); absent, the data is `{}`.
 */
export type RowEvent = { type: EventType; data?: (sql: Q) => Fragment };

/**
 * The one place that writes outbox rows: "bring these users to their desired state", one row per
 * user at its current generation. The relay turns each into a job with a deterministic id.
 */
const outboxRows = (sql: Q, condition: Fragment) => sql`
  o as (insert into outbox (company_id, user_id, generation) select company_id, id, generation from u where ${condition})`;

const eventRows = (sql: Q, events: readonly RowEvent[]): Fragment => {
  const [first, ...rest] = events.map((e) => sql`(${e.type}::text, ${e.data ? e.data(sql) : sql`'{}'::jsonb`})`);
  if (!first) return sql``;
  const values = rest.reduce((list, row) => sql`${list}, ${row}`, first);
  return sql`, ev as (
    insert into events (company_id, user_id, type, data)
    select u.company_id, u.id, e.type, e.data
    from u join license_types lt on lt.id = u.license_type_id
    cross join lateral (values ${values}) as e(type, data))`;
};

/**
 * The pipeline's invariant has this one owner: a change of a user's desired state bumps its
 * generation and writes its outbox row, with the events that record it, in ONE statement, so a
 * change is never accepted without the work it owes (docs/ARCHITECTURE.md, "Invariants").
 * `reconcile: false` records a change of the resource alone (no work owed). Returns `returning`
 * (default `u.id`) of each changed row.
 */
export function updateDesiredState<T extends readonly object[] = { id: string }[]>(
  sql: Q,
  change: {
    set?: Fragment;
    where: Fragment;
    reconcile?: boolean;
    events?: readonly RowEvent[];
    /** More CTEs over the changed rows `u` (e.g. `m as (delete ... where user_id in (select id from u))`). */
    also?: Fragment;
    returning?: Fragment;
  },
): postgres.PendingQuery<T extends postgres.MaybeRow[] ? T : never> {
  const reconcile = change.reconcile ?? true;
  return sql`
    with u as (
      update users set generation = generation + ${reconcile ? 1 : 0},
        desired_at = case when ${reconcile} then now() else desired_at end
        ${change.set ? sql`, ${change.set}` : sql``}
      where ${change.where}
      returning *
    ), ${outboxRows(sql, sql`${reconcile}`)} ${eventRows(sql, change.events ?? [])}
    ${change.also ? sql`, ${change.also}` : sql``}
    select ${change.returning ?? sql`u.id`} from u` as never;
}

/**
 * A retry: the user's work is owed again (a new generation, its outbox row and a `user.retried`
 * event, in one statement); a failed user goes back to `provisioning` and continues where it stopped.
 */
export function retryUsers(q: Q, where: Fragment) {
  return updateDesiredState<{ id: string; status: string; generation: number }[]>(q, {
    set: q`status = case when status = 'failed' then 'provisioning' else status end`,
    where,
    events: [{ type: "user.retried", data: (sql) => sql`jsonb_build_object('previousCode', u.error_code)` }],
    returning: q`u.id, u.status, u.generation`,
  });
}

/**
 * New users (the door's creates): the rows, their outbox rows and events in ONE statement.
 * With `skipConflicts`, a row that violates a unique index is skipped (and absent from the result).
 *
 * The rows travel as ONE jsonb parameter (keys: column names; jsonb columns as JSON values, not
 * strings), read back with the table's own row type: the statement's text is the same whatever the
 * batch size, so each connection prepares it once, and the driver serialises one string instead of a
 * parameter per column per row (~30 µs of API CPU a create at the door, for 13 columns). The statement is
 * sent at once, not when awaited: its JSON is in a leased buffer, returned when it settles.
 */
export function insertUsers(
  sql: Q,
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
  options: { skipConflicts?: boolean; events?: readonly RowEvent[] } = {},
): postgres.PendingQuery<{ id: string; created_at: string }[]> {
  // A plain list of quoted names (the columns are the caller's constants): after `insert into users (`
  // postgres.js would take an array for rows of values.
  const names = sql.unsafe(columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(", "));
  const rowsText = leasedJsonText(sql, rows);
  const query = sql<{ id: string; created_at: string }[]>`
    with u as (
      insert into users (${names})
      select ${names} from jsonb_populate_recordset(null::users, ${rowsText.parameter}::text::jsonb)
      ${options.skipConflicts ? sql`on conflict do nothing` : sql``}
      returning id, company_id, generation, created_at, directory_id, license_type_id
    ), ${outboxRows(sql, sql`true`)} ${eventRows(sql, options.events ?? [])}
    select id, created_at from u`;
  query.then(rowsText.release, rowsText.release);
  return query;
}

/**
 * Work owed again without a new desired state (a resync after Redis lost its jobs, the sweep):
 * outbox rows for the users `where` selects, at their current generation.
 */
export function requeueOwed(sql: Q, where: Fragment): postgres.PendingQuery<{ id: string }[]> {
  return sql<{ id: string }[]>`
    with u as (update users set desired_at = now() where ${where} returning id, company_id, generation),
    ${outboxRows(sql, sql`true`)}
    select id from u`;
}

/**
 * Users owed work that nothing but a retry will resume: business waits (failed with a code,
 * waiting for an admin). Everything else owed is in flight and should reach its desired state.
 */
export const deliberateWait = (sql: Q): Fragment =>
  sql`(users.status = 'failed' and ${desiredActive(sql)} and not ${desiredDeleted(sql)})`;

/**
 * The desired state the work reads. A change the deactivation breaker holds records what the IdP asked
 * (`active` false, `deleted_at` set: SCIM shows it) but is not desired until an admin confirms it:
 * meanwhile the user keeps `held_active` and is not deleted (decision 0011).
 */
export const desiredActive = (sql: Q): Fragment =>
  sql`(case when users.held_kind is not null then users.held_active else users.active end)`;
export const desiredDeleted = (sql: Q): Fragment =>
  sql`(users.deleted_at is not null and users.held_kind is distinct from 'delete')`;

/**
 * New users waiting for their group memberships while their directory's hold window is open: owed
 * work on purpose, for a bounded time; their delayed job resumes them (the sweep, after the window).
 * Never null (it is negated): a null error code is simply not waiting.
 */
export const awaitingGroupRules = (sql: Q): Fragment =>
  sql`(users.status = 'provisioning' and users.error_code is not distinct from 'awaiting_group_rules' and exists (
    select 1 from directories d where d.id = users.directory_id
      and users.created_at + make_interval(secs => d.group_rule_hold_seconds) > now()))`;

/**
 * The delete as the door records it: desired state "deleted", personal data scrubbed, memberships
 * gone, in one statement with its outbox row; the worker frees the user's resources and erases it.
 *
 * The users are locked first (FOR UPDATE, in id order), in a statement of their own in the same
 * transaction: a group write that is adding one of them holds it FOR KEY SHARE (group-writes.ts), so
 * the lock waits for that write to commit, and the delete's statement, started after it, sees the
 * membership it added and removes it. A group write that comes after the lock waits for this delete and
 * finds the user deleted. (In one statement the delete would wait on the row and still read
 * group_members as of before the wait, leaving the new membership of a deleted user behind.)
 */
export async function markDeleted(sql: Q, where: Fragment): Promise<{ id: string }[]> {
  const run = async (tx: TxSql): Promise<{ id: string }[]> => {
    const locked = await tx<{ id: string }[]>`
      select id from users where ${where} and deleted_at is null order by id for update`;
    if (locked.length === 0) return [];
    const these = tx`id = any(${tx.array(locked.map((r) => r.id))}::uuid[]) and deleted_at is null`;
    return updateDesiredState(tx, {
      set: tx`${scrubbed(tx)}, deleted_at = now()`,
      where: these,
      also: tx`m as (delete from group_members where user_id in (select id from u)),
        h as (delete from held_changes where user_id in (select id from u)),
        ${forgetNames(tx, these)}`,
    });
  };
  return "savepoint" in sql ? run(sql) : sql.begin(run);
}

/**
 * The request log forgets the names of the users `where` selects (read before the statement scrubs
 * them): entries that named them without linking them (a look-up that found none, a refused create).
 * Entries linked by id show the user's current name, so they lose it with the user.
 */
export const forgetNames = (sql: Q, where: Fragment): Fragment => sql`
  fn as (select company_id, lower(user_name) as name from users where ${where} and user_name <> ''),
  fl as (update scim_requests r set user_name = null from fn
         where r.company_id = fn.company_id and lower(r.user_name) = fn.name and r.user_name is not null)`;

/** A deleted user's personal data gone, and any hold on it with it. */
export const scrubbed = (sql: Q): Fragment => sql`
  version = version + 1, updated_at = now(), held_kind = null, held_active = null,
  user_name = '', external_id = null, display_name = null, email = null, resource = '{}'::jsonb,
  password_hash = null, password_pending = null, office_hints = '{}'::jsonb`;
