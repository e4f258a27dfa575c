import { type Database, type Hold, holdDelete, isUuid, markDeleted, type Sql, type TxSql } from "@scimline/db";

/** Whose user may be deleted: a directory's own (SCIM), or any of the company's (the admin API). */
export type DeleteScope = { companyId: string; directoryId?: string };

const whereOf = (q: Sql | TxSql, scope: DeleteScope, id: string) => {
  const directoryId = scope.directoryId ?? null;
  return q`id = ${id} and company_id = ${scope.companyId} and (${directoryId}::uuid is null or directory_id = ${directoryId}::uuid)`;
};

/**
 * SCIM DELETE and the admin delete: the user is gone for clients at once; the worker erases it. With
 * `hold` (the breaker held a SCIM delete) it is gone for SCIM at once but kept whole until an admin decides.
 */
export async function deleteUserWith(q: Sql | TxSql, scope: DeleteScope, id: string, hold?: Hold): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = hold ? await holdDelete(q, whereOf(q, scope, id), hold) : await markDeleted(q, whereOf(q, scope, id));
  return rows.length === 1;
}

export const deleteUser = (database: Database, scope: DeleteScope, id: string) =>
  deleteUserWith(database.sql, scope, id);
