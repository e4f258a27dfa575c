import type postgres from "postgres";
import type { Sql, TxSql } from "./client.ts";
import { forgetNames, type RowEvent, scrubbed, updateDesiredState } from "./desired-state.ts";
import type { HeldKind } from "./schema/users.ts";
import { lockUsersInIdOrder } from "./user-locks.ts";

export type { HeldKind };

type Q = Sql | TxSql;
type Fragment = postgres.Fragment;

/** A SCIM deactivation or delete the breaker holds: the held change's id and the directory that asked. */
export type Hold = { id: string; directoryId: string; kind: HeldKind };

/**
 * The SET of a held change: the hold begins, remembering the desired `active` from before it (the
 * right-hand sides read the row as it was), or a held delete deepens a held deactivation.
 */
export const holdSet = (sql: Q, kind: HeldKind): Fragment =>
  sql`held_active = case when held_kind is null then active else held_active end, held_kind = ${kind}`;

/** Its record for admins (one per user), as a CTE over the changed rows `u`, and its event. */
export const heldRow = (sql: Q, hold: Hold): Fragment => sql`
  hc as (
    insert into held_changes (id, company_id, user_id, directory_id, kind, at)
    select ${hold.id}, company_id, id, ${hold.directoryId}, ${hold.kind}, now() from u
    on conflict (user_id) do update set kind = excluded.kind, directory_id = excluded.directory_id, at = excluded.at)`;

export const heldEvent = (hold: Hold): RowEvent => ({
  type: "user.held",
  data: (q) => q`jsonb_build_object('kind', ${hold.kind}::text, 'directoryId', ${hold.directoryId}::text)`,
});

/** A SCIM delete, held: gone for SCIM at once (404), kept whole (nothing scrubbed, nothing owed). */
export function holdDelete(sql: Q, where: Fragment, hold: Hold): postgres.PendingQuery<{ id: string }[]> {
  return updateDesiredState(sql, {
    set: sql`deleted_at = now(), version = version + 1, updated_at = now(), ${holdSet(sql, "delete")}`,
    where: sql`${where} and deleted_at is null`,
    reconcile: false,
    events: [heldEvent(hold)],
    also: heldRow(sql, hold),
  });
}

const decided = (type: "user.held_confirmed" | "user.held_rejected", kind: HeldKind): RowEvent => ({
  type,
  data: (q) => q`jsonb_build_object('kind', ${kind}::text)`,
});

/** The company's held changes of one kind, all or those named. */
const picked = (sql: Q, companyId: string, ids: readonly string[] | null, kind: HeldKind): Fragment => sql`
  held_kind = ${kind} and company_id = ${companyId} and id in (
    select user_id from held_changes
    where company_id = ${companyId} and kind = ${kind} ${ids ? sql`and id = any(${sql.array([...ids])}::uuid[])` : sql``})`;

/**
 * The users of both kinds' statements, locked in id order before the first (lockUsersInIdOrder): a worker
 * batch or the retention sweep may hold some of them, and each statement alone would lock them in its
 * plan's order.
 */
const lockDecided = (tx: TxSql, companyId: string, ids: readonly string[] | null): Promise<void> =>
  lockUsersInIdOrder(
    tx,
    tx`(${picked(tx, companyId, ids, "deactivate")}) or (${picked(tx, companyId, ids, "delete")})`,
  );

const dropRecord = (sql: Q): Fragment => sql`d as (delete from held_changes where user_id in (select id from u))`;

/**
 * An admin confirms held changes: a held deactivation is now desired (the worker suspends the user), a
 * held delete is done as SCIM DELETE does it (scrubbed, then erased by the worker). Returns how many.
 */
export async function confirmHeld(tx: TxSql, companyId: string, ids: readonly string[] | null): Promise<number> {
  await lockDecided(tx, companyId, ids);
  const deactivations = await updateDesiredState(tx, {
    set: tx`held_kind = null, held_active = null, version = version + 1, updated_at = now()`,
    where: picked(tx, companyId, ids, "deactivate"),
    events: [decided("user.held_confirmed", "deactivate")],
    also: dropRecord(tx),
  });
  const deletes = await updateDesiredState(tx, {
    set: scrubbed(tx),
    where: picked(tx, companyId, ids, "delete"),
    events: [decided("user.held_confirmed", "delete")],
    also: tx`${dropRecord(tx)}, m as (delete from group_members where user_id in (select id from u)),
      ${forgetNames(tx, picked(tx, companyId, ids, "delete"))}`,
  });
  return deactivations.length + deletes.length;
}

/**
 * An admin rejects held changes: the user is as it was before the hold (active again; a held delete
 * undone), which is what the work already read, so nothing is owed. Returns how many.
 */
export async function rejectHeld(tx: TxSql, companyId: string, ids: readonly string[] | null): Promise<number> {
  await lockDecided(tx, companyId, ids);
  const restore = tx`active = held_active, held_kind = null, held_active = null, version = version + 1, updated_at = now()`;
  const deactivations = await updateDesiredState(tx, {
    set: restore,
    where: picked(tx, companyId, ids, "deactivate"),
    reconcile: false,
    events: [decided("user.held_rejected", "deactivate")],
    also: dropRecord(tx),
  });
  const deletes = await updateDesiredState(tx, {
    set: tx`${restore}, deleted_at = null`,
    where: picked(tx, companyId, ids, "delete"),
    reconcile: false,
    events: [decided("user.held_rejected", "delete")],
    also: dropRecord(tx),
  });
  return deactivations.length + deletes.length;
}
