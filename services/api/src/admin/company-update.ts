import type { z } from "@hono/zod-openapi";
import { type Database, lockSpendOf, refreshPoolStatistics, type TxSql } from "@scimline/db";
import { AdminError } from "../errors.ts";
import { settingsIn, settingsUpdateSql } from "./company-settings.ts";
import type { CompanyUpdate } from "./setup-schemas.ts";
import { lockWaitingUsers, requeueUsers, resumeSpendCapped } from "./waiting.ts";

type Range = { start: number; end: number };
type CompanyChange = Partial<Omit<z.infer<typeof CompanyUpdate>, "extensionRange">> & { extensionRange?: Range };

const listed = (values: number[]) => `${values.slice(0, 10).join(", ")}${values.length > 10 ? ", …" : ""}`;

/**
 * A new extension range: missing extensions join the free list; free ones outside it leave.
 * Extensions outside are locked first, so a worker claiming one concurrently is waited for
 * and seen (docs/RULES.md: extensions stay company-unique and inside the range).
 */
async function applyExtensionRange(
  tx: TxSql,
  companyId: string,
  to: Range,
): Promise<{ free: number; changed: number }> {
  const outside = await tx<{ extension: number; user_id: string | null }[]>`
    select extension, user_id from extension_pool
    where company_id = ${companyId} and (extension < ${to.start} or extension > ${to.end})
    order by extension
    for update`;
  const users = await tx<{ extension: number }[]>`
    select extension from users
    where company_id = ${companyId} and extension is not null and (extension < ${to.start} or extension > ${to.end})`;
  const held = [
    ...new Set([
      ...outside.filter((r) => r.user_id !== null).map((r) => r.extension),
      ...users.map((u) => u.extension),
    ]),
  ].sort((a, b) => a - b);
  if (held.length > 0) {
    throw new AdminError(
      "EXTENSION_RANGE_IN_USE",
      `Extension(s) ${listed(held)} are assigned and fall outside ${to.start}-${to.end}; give those users other extensions first`,
    );
  }
  if (outside.length > 0) {
    await tx`delete from extension_pool where company_id = ${companyId} and (extension < ${to.start} or extension > ${to.end})`;
  }
  const added = await tx`
    insert into extension_pool (company_id, extension)
    select ${companyId}, g from generate_series(${to.start}::int, ${to.end}::int) g
    on conflict do nothing`;
  const [free] = await tx<{ n: number }[]>`
    select count(*)::int as n from extension_pool where company_id = ${companyId} and user_id is null`;
  return { free: free?.n ?? 0, changed: outside.length + added.count };
}

/**
 * Company setup and settings in one transaction; false when the company does not exist.
 * Users waiting for what the change provides continue (docs/RULES.md): turning auto-purchase on
 * resumes those waiting for a seat, a wider range those waiting for an extension.
 */
export async function updateCompany(database: Database, companyId: string, change: CompanyChange): Promise<boolean> {
  let poolChanged = 0;
  const updated = await database.sql.begin(async (tx) => {
    // NO KEY UPDATE serialises admin changes without blocking the worker's foreign-key reads.
    const [company] = await tx<
      { auto_purchase_licenses: boolean; extension_start: number; extension_end: number; cap: number | null }[]
    >`
      select auto_purchase_licenses, extension_start, extension_end, monthly_spend_cap_cents as cap
      from companies where id = ${companyId}
      for no key update`;
    if (!company) return false;
    // docs/RULES.md "Sign-in": with SAML the only way in, a company without SAML would lock every user out.
    if (change.preventOtherSso === true) {
      const [saml] = await tx`select 1 from saml_configs where company_id = ${companyId}`;
      if (!saml) {
        throw new AdminError(
          "SAML_REQUIRED",
          "Configure SAML single sign-on (PUT /companies/{id}/sso/saml) before preventing other sign-in methods; otherwise no user could sign in",
        );
      }
    }
    const seatsUnblocked = change.autoPurchaseLicenses === true && !company.auto_purchase_licenses;
    const range = change.extensionRange;
    const rangeChanged = range && (range.start !== company.extension_start || range.end !== company.extension_end);
    const waitingSeat = seatsUnblocked ? await lockWaitingUsers(tx, companyId, "no_license_available") : [];
    const waitingExtension = rangeChanged ? await lockWaitingUsers(tx, companyId, "no_extension_available") : [];
    const applied = range && rangeChanged ? await applyExtensionRange(tx, companyId, range) : null;
    const freeExtensions = applied?.free ?? 0;
    poolChanged = applied?.changed ?? 0;
    await tx`
      update companies set
        name = coalesce(${change.name ?? null}, name),
        country = coalesce(${change.country ?? null}, country),
        billing_day = coalesce(${change.billingDay ?? null}::int, billing_day),
        default_area_code = coalesce(${change.defaultAreaCode ?? null}, default_area_code),
        extension_start = coalesce(${range?.start ?? null}::int, extension_start),
        extension_end = coalesce(${range?.end ?? null}::int, extension_end),
        updated_at = now()
      where id = ${companyId}`;
    // A new spend cap waits for batches deciding purchases under the old one (the company's spend lock).
    const cap = change.monthlySpendCapCents;
    if (cap !== undefined) await lockSpendOf(tx, companyId);
    const settings = settingsUpdateSql(database, companyId, settingsIn(change));
    if (settings) await tx.unsafe(settings.sql, settings.params as never[]);
    if (cap !== undefined && company.cap !== null && (cap === null || cap > company.cap)) {
      await resumeSpendCapped(tx, companyId);
    }
    const resumed = [...waitingSeat, ...waitingExtension.slice(0, freeExtensions)];
    await requeueUsers(
      tx,
      resumed.map((u) => u.id),
    );
    return true;
  });
  await refreshPoolStatistics(database.sql, "extension_pool", poolChanged);
  return updated;
}
