import { foldedGroupName, isUuid, lockUsersInIdOrder, type Sql, type TxSql, updateDesiredState } from "@scimline/db";
import { AWAITING_GROUP_RULES, foldGroupName } from "@scimline/domain";

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
 * Orders a company's group writes and rule changes (a transaction-scoped advisory lock, its key derived
 * from the company's id). A group write holds it shared from before it asks whether a rule names its
 * group (isRuled) until it commits; a rule change holds it exclusively from before it reads the members
 * it requeues. Without it, a rule created while a group write waited for a member a worker batch held
 * read the members before that write committed, while the write had already decided no rule named its
 * group: the member was never requeued, and the rule never applied to it. Group writes do not wait for
 * each other, and the worker never takes it. Its place in the lock order (decision 0020): a rule change
 * takes it after the company's row and before any user; a group write before its group's row and users.
 */
export async function gateRuleChanges(tx: TxSql, companyId: string, mode: "groupWrite" | "ruleChange"): Promise<void> {
  const key = `group-rules:${companyId}`;
  if (mode === "groupWrite") await tx`select pg_advisory_xact_lock_shared(hashtextextended(${key}, 0))`;
  else await tx`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

/**
 * Locks these live users of the company in id order, FOR NO KEY UPDATE (the lock owedToUsers' update
 * takes), until COMMIT, as every writer of many users locks them (lockUsersInIdOrder says why): a rule
 * change's update alone would lock them in the order its plan visits them, and the sweep erasing the same
 * users could hold one it waits for while it holds one the sweep waits for (a deadlock, answered 503).
 * Ids that are not UUIDs are skipped: the caller refuses them as it always did.
 */
export async function lockCompanyUsers(tx: TxSql, companyId: string, userIds: readonly string[]): Promise<void> {
  const ids = [...new Set(userIds)].filter(isUuid);
  if (ids.length === 0) return;
  await lockUsersInIdOrder(
    tx,
    tx`company_id = ${companyId} and deleted_at is null and id = any(${tx.array(ids)}::uuid[])`,
  );
}

/**
 * Provisioning work for these users of the company: a new generation and an outbox row each. The users
 * are locked in id order first (lockCompanyUsers), unless the caller has locked them all (`locked`).
 */
export async function owedToUsers(
  tx: TxSql,
  companyId: string,
  userIds: readonly string[],
  options: { locked?: boolean } = {},
): Promise<void> {
  if (userIds.length === 0) return;
  if (!options.locked) await lockCompanyUsers(tx, companyId, userIds);
  await updateDesiredState(tx, {
    where: tx`company_id = ${companyId} and deleted_at is null and id = any(${tx.array([...new Set(userIds)])}::uuid[])`,
  });
}

/** The members of a company's pushed groups, by group id and by displayName (foldedGroupName). */
export async function membersOf(
  tx: TxSql,
  companyId: string,
  groups: { ids: readonly string[]; names: readonly string[] },
): Promise<string[]> {
  const rows = await tx<{ user_id: string }[]>`
    select distinct gm.user_id from groups g join group_members gm on gm.group_id = g.id
    where g.company_id = ${companyId}
      and (g.id = any(${tx.array([...groups.ids])}::uuid[])
           or ${foldedGroupName(tx, "g.display_name")} = any(${tx.array(groups.names.map(foldGroupName))}::text[]))`;
  return rows.map((r) => r.user_id);
}

/**
 * The directory's users waiting for their group memberships are reconciled again (a new hold window). They
 * are locked in id order first, in the same transaction (lockUsersInIdOrder): a worker batch may hold some
 * of them, and the update alone would lock them in its plan's order (a scan of the table, for a directory
 * holding most of it).
 */
export async function reconsiderAwaiting(sql: Sql, directoryId: string): Promise<void> {
  await sql.begin(async (tx) => {
    const waiting = () => tx`
      directory_id = ${directoryId} and status = 'provisioning' and error_code = ${AWAITING_GROUP_RULES}
      and deleted_at is null`;
    await lockUsersInIdOrder(tx, waiting());
    await updateDesiredState(tx, { where: waiting() });
  });
}
