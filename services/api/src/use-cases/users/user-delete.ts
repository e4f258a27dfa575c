import { type Database, updateDesiredState } from "@scimline/db";
import { isUuid } from "./user-store.ts";

/** Whose user may be deleted: a directory's own (SCIM), or any of the company's (the admin API). */
export type DeleteScope = { companyId: string; directoryId?: string };

/**
 * Marks the user deleted and scrubs its personal data in one statement, with its outbox row
 * (a desired-state change); memberships go at once. The worker frees its resources and erases the row.
 */
export async function deleteUser(database: Database, scope: DeleteScope, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const directoryId = scope.directoryId ?? null;
  const q = database.sql;
  const rows = await updateDesiredState(q, {
    set: q`
      deleted_at = now(), version = version + 1, updated_at = now(),
      user_name = '', external_id = null, display_name = null, email = null, resource = '{}'::jsonb,
      password_hash = null, password_pending = null, office_hints = '{}'::jsonb`,
    where: q`id = ${id} and company_id = ${scope.companyId} and deleted_at is null
      and (${directoryId}::uuid is null or directory_id = ${directoryId}::uuid)`,
    also: q`m as (delete from group_members where user_id in (select id from u))`,
  });
  return rows.length === 1;
}
