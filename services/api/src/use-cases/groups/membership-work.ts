import { isUuid, type Sql, type TxSql, updateDesiredState } from "@scimline/db";
import { AWAITING_GROUP_RULES } from "@scimline/domain";

/**
 * Statements over member lists of thousands are planned with their actual values in this transaction.
 * Under a generic plan (postgres.js prepares every statement) an array parameter is a black box
 * estimated at ten elements, and a freshly filled users table looks tiny: Postgres then scans the
 * list once per user, members × list comparisons (seconds for 5,000). With the values known it hashes
 * the list. Measured in group-rules-bulk.int.test.ts.
 */
export async function planWithValues(tx: TxSql): Promise<void> {
  await tx`set local plan_cache_mode = force_custom_plan`;
}

/**
 * Locks these live users of the company in id order, FOR NO KEY UPDATE (the lock owedToUsers' update
 * takes), until COMMIT. The user delete (markDeleted, and the retention sweep through it), the worker's
 * batches and the admin's retries lock users in id order too, and before any group_members row. An
 * UPDATE alone locks rows in the order its plan happens to visit them (the table's, or some index's), so
 * a rule change and the sweep erasing the same users could each hold a user the other waits for (a
 * deadlock: Postgres rolls one back after a second, a 503 for the admin). Ids that are not UUIDs are
 * skipped: the caller refuses them as it always did.
 */
export async function lockUsersInIdOrder(tx: TxSql, companyId: string, userIds: readonly string[]): Promise<void> {
  const ids = [...new Set(userIds)].filter(isUuid);
  if (ids.length === 0) return;
  await tx`
    select count(*) from (
      select id from users
      where company_id = ${companyId} and deleted_at is null and id = any(${tx.array(ids)}::uuid[])
      order by id for no key update) as locked`;
}

/**
 * Provisioning work for these users of the company: a new generation and an outbox row each. The users
 * are locked in id order first (lockUsersInIdOrder), unless the caller has locked them all (`locked`).
 */
export async function owedToUsers(
  tx: TxSql,
  companyId: string,
  userIds: readonly string[],
  options: { locked?: boolean } = {},
): Promise<void> {
  if (userIds.length === 0) return;
  if (!options.locked) await lockUsersInIdOrder(tx, companyId, userIds);
  await updateDesiredState(tx, {
    where: tx`company_id = ${companyId} and deleted_at is null and id = any(${tx.array([...new Set(userIds)])}::uuid[])`,
  });
}

/** The members of a company's pushed groups, by group id and by folded displayName. */
export async function membersOf(
  tx: TxSql,
  companyId: string,
  groups: { ids: readonly string[]; names: readonly string[] },
): Promise<string[]> {
  const rows = await tx<{ user_id: string }[]>`
    select distinct gm.user_id from groups g join group_members gm on gm.group_id = g.id
    where g.company_id = ${companyId}
      and (g.id = any(${tx.array([...groups.ids])}::uuid[])
           or lower(btrim(g.display_name)) = any(${tx.array([...groups.names])}::text[]))`;
  return rows.map((r) => r.user_id);
}

/** The directory's users waiting for their group memberships are reconciled again (a new hold window). */
export async function reconsiderAwaiting(sql: Sql, directoryId: string): Promise<void> {
  await updateDesiredState(sql, {
    where: sql`directory_id = ${directoryId} and status = 'provisioning' and error_code = ${AWAITING_GROUP_RULES}
               and deleted_at is null`,
  });
}
