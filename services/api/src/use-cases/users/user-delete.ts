import { type Database, markDeleted } from "@scimline/db";
import { isUuid } from "./user-store.ts";

/** Whose user may be deleted: a directory's own (SCIM), or any of the company's (the admin API). */
export type DeleteScope = { companyId: string; directoryId?: string };

/** SCIM DELETE and the admin delete: the user is gone for clients at once; the worker erases it. */
export async function deleteUser(database: Database, scope: DeleteScope, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const directoryId = scope.directoryId ?? null;
  const q = database.sql;
  const rows = await markDeleted(
    q,
    q`id = ${id} and company_id = ${scope.companyId} and (${directoryId}::uuid is null or directory_id = ${directoryId}::uuid)`,
  );
  return rows.length === 1;
}
