import type { TxSql } from "@scimline/db";
import type { ProvisioningErrorCode } from "@scimline/domain";

export type WaitingUser = { id: string; licenseTypeId: string };

/**
 * Users waiting for an admin (SPEC §5: `failed` with a business-wait code such as
 * `no_license_available`), oldest first, locked in id order as the worker locks users,
 * and before any seats, number or extension row (the worker's order).
 */
export async function lockWaitingUsers(
  tx: TxSql,
  companyId: string,
  code: ProvisioningErrorCode,
  scope: { officeId?: string; licenseTypeIds?: string[] } = {},
): Promise<WaitingUser[]> {
  const { officeId, licenseTypeIds } = scope;
  if (licenseTypeIds?.length === 0) return [];
  const rows = await tx<{ id: string; license_type_id: string }[]>`
    select id, license_type_id from users
    where company_id = ${companyId} and status = 'failed' and error_code = ${code}
      and deleted_at is null and active
      ${officeId ? tx`and office_id = ${officeId}` : tx``}
      ${licenseTypeIds ? tx`and license_type_id = any(${tx.array(licenseTypeIds)}::uuid[])` : tx``}
    order by id
    for update`;
  return rows.map((r) => ({ id: r.id, licenseTypeId: r.license_type_id }));
}

/** SPEC §5 "until an admin adds seats, then continues": a new generation and its outbox row, as a retry does. */
export async function requeueUsers(tx: TxSql, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx`
    with u as (
      update users set generation = generation + 1, status = 'provisioning'
      where id = any(${tx.array(ids)}::uuid[]) and status = 'failed'
      returning id, company_id, generation
    )
    insert into outbox (company_id, user_id, generation) select company_id, id, generation from u`;
}
