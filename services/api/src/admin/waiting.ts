import { retryUsers, type TxSql } from "@scimline/db";
import type { ProvisioningErrorCode } from "@scimline/domain";

export type WaitingUser = { id: string; licenseTypeId: string };

/**
 * Users waiting for an admin (docs/RULES.md: `failed` with a business-wait code such as
 * `no_license_available`), oldest first, locked in id order as the worker locks users,
 * and before any seats, number or extension row (the worker's order).
 */
export async function lockWaitingUsers(
  tx: TxSql,
  companyId: string,
  code: ProvisioningErrorCode | readonly ProvisioningErrorCode[],
  scope: { officeId?: string; licenseTypeIds?: string[] } = {},
): Promise<WaitingUser[]> {
  const { officeId, licenseTypeIds } = scope;
  if (licenseTypeIds?.length === 0) return [];
  const rows = await tx<{ id: string; license_type_id: string }[]>`
    select id, license_type_id from users
    where company_id = ${companyId} and status = 'failed'
      and error_code = any(${tx.array(typeof code === "string" ? [code] : [...code])}::text[])
      and deleted_at is null and active
      ${officeId ? tx`and office_id = ${officeId}` : tx``}
      ${licenseTypeIds ? tx`and license_type_id = any(${tx.array(licenseTypeIds)}::uuid[])` : tx``}
    order by id
    for update`;
  return rows.map((r) => ({ id: r.id, licenseTypeId: r.license_type_id }));
}

/** Users waiting for what an admin just provided continue: a retry each. */
export async function requeueUsers(tx: TxSql, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await retryUsers(tx, tx`id = any(${tx.array(ids)}::uuid[]) and status = 'failed'`);
}

/**
 * Users waiting for the spend cap continue once it is raised or removed. The caller holds the company's
 * spend lock; users a batch has locked are skipped: that batch reads the new cap once the lock is free.
 */
export async function resumeSpendCapped(tx: TxSql, companyId: string): Promise<void> {
  await retryUsers(
    tx,
    tx`id in (
      select id from users
      where company_id = ${companyId} and status = 'failed' and error_code = 'spend_cap_reached' and deleted_at is null
      order by id for update skip locked)`,
  );
}
