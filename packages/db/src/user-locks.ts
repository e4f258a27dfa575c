import type postgres from "postgres";
import type { TxSql } from "./client.ts";

/**
 * Locks the users `where` selects in id order, FOR NO KEY UPDATE, until COMMIT, in a statement of its own
 * before the UPDATE that writes them: the lock that UPDATE takes anyway, as it changes no key of theirs
 * (the primary key is the only unique index of users that is neither partial nor on an expression).
 * Every writer of many users locks them in id order (so, or FOR UPDATE) before it writes them or any
 * group_members row: the user delete (markDeleted, and the retention sweep through it), the worker's
 * batches (lockUsers), the admin's retries, a group write or a rule change, a decision on held changes
 * and a new hold window. An UPDATE alone locks rows in the order its plan happens to visit them (the
 * table's, or some index's), so two writers of the same users could each hold a user the other waits
 * for: a deadlock, which Postgres breaks after a second by rolling one back (a 503 for an admin, a
 * retried job for the worker). A user the UPDATE selects that this statement did not (it changed in
 * between) is locked by the UPDATE in its own order: a narrow window left open, not a wrong result.
 */
export async function lockUsersInIdOrder(tx: TxSql, where: postgres.Fragment): Promise<void> {
  await tx`select count(*) from (select id from users where ${where} order by id for no key update) as locked`;
}
