import type { RowEvent } from "@scimline/db";
import { type Hold, heldEvent, heldRow, holdSet, type Sql, type TxSql, updateDesiredState } from "@scimline/db";
import type { ScimPrincipal } from "../../tenancy.ts";
import { type UserRow, uniquenessError } from "./user-store.ts";

export type UserChange = {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  email: string | null;
  active: boolean;
  document: Record<string, unknown>;
  passwordSealed: string | null;
  /** The license type the identity provider now asks for; null: unchanged. */
  idpLicenseTypeId: string | null;
  /** The desired state changed: bump the generation and write an outbox row in the same statement. */
  reconcile: boolean;
  /** The writing directory takes the user over (adoption): it becomes the owner. */
  adoptInto?: string;
  /** The master changed a user another directory owns: that owner's later changes are refused. */
  masterChanged?: boolean;
  events?: readonly RowEvent[];
  /** The breaker holds this deactivation: recorded as asked, not desired until an admin confirms it. */
  hold?: Hold;
  /** The IdP reactivates a user whose deactivation is held: the hold is withdrawn. */
  release?: boolean;
};

/** Every adoption is recorded on the user's timeline: from which directory to which. */
export const adoptedEvent = (fromDirectoryId: string): RowEvent => ({
  type: "user.adopted",
  data: (q) => q`jsonb_build_object('fromDirectoryId', ${fromDirectoryId}::text, 'toDirectoryId', u.directory_id)`,
});

/**
 * Applies a change if the row is still at `expectedVersion`; false when someone else got there first.
 * The caller found the user visible to its directory (findUser); the version pins that row.
 */
export async function updateUser(
  q: Sql | TxSql,
  p: ScimPrincipal,
  id: string,
  expectedVersion: number,
  u: UserChange,
): Promise<boolean> {
  const held = u.hold ? q`, ${holdSet(q, u.hold.kind)}` : u.release ? q`, held_kind = null, held_active = null` : q``;
  const also = u.hold
    ? heldRow(q, u.hold)
    : u.release
      ? q`d as (delete from held_changes where user_id in (select id from u))`
      : undefined;
  try {
    const rows = await updateDesiredState(q, {
      set: q`
        user_name = ${u.userName}, external_id = ${u.externalId}, display_name = ${u.displayName},
        email = ${u.email}, active = ${u.active}, resource = ${JSON.stringify(u.document)},
        password_pending = coalesce(${u.passwordSealed}, password_pending),
        idp_license_type_id = coalesce(${u.idpLicenseTypeId}::uuid, idp_license_type_id),
        directory_id = coalesce(${u.adoptInto ?? null}::uuid, directory_id),
        master_changed_at = case when ${u.masterChanged ?? false} then now() else master_changed_at end,
        version = version + 1, updated_at = now() ${held}`,
      where: q`id = ${id} and company_id = ${p.companyId} and deleted_at is null and version = ${expectedVersion}`,
      reconcile: u.reconcile,
      events: [...(u.events ?? []), ...(u.hold ? [heldEvent(u.hold)] : [])],
      ...(also ? { also } : {}),
    });
    return rows.length === 1;
  } catch (error) {
    throw uniquenessError(error) ?? error;
  }
}

/** A write that changes nothing still takes the user over: only its owner changes (and its version). */
export async function adoptUser(q: Sql | TxSql, p: ScimPrincipal, current: UserRow): Promise<boolean> {
  const rows = await updateDesiredState(q, {
    set: q`directory_id = ${p.directoryId}, version = version + 1, updated_at = now()`,
    where: q`id = ${current.id} and company_id = ${p.companyId} and deleted_at is null and version = ${current.version}`,
    reconcile: false,
    events: [adoptedEvent(current.directoryId)],
  });
  return rows.length === 1;
}
