import type { z } from "@hono/zod-openapi";
import { type Database, newId, type TxSql } from "@scimline/db";
import { AdminError } from "../errors.ts";
import { isUniqueViolation } from "../use-cases/pg-errors.ts";
import type { LicenseTypeView } from "./schemas.ts";
import type { LicenseTypeCreate, LicenseTypeUpdate } from "./setup-schemas.ts";

type LicenseTypeRow = { id: string; name: string; monthly_price_cents: number; assigns_did: boolean };
type View = z.infer<typeof LicenseTypeView>;

const view = (r: LicenseTypeRow): View => ({
  id: r.id,
  name: r.name,
  monthlyPriceCents: r.monthly_price_cents,
  assignsDid: r.assigns_did,
});

const exists = (name: string) =>
  new AdminError("LICENSE_TYPE_EXISTS", `The company already has a license type named "${name}" (names ignore case)`);

/** Catalogue changes of one company run one at a time; NO KEY UPDATE leaves foreign-key readers alone. */
async function lockCompany(tx: TxSql, companyId: string): Promise<boolean> {
  const rows = await tx`select 1 from companies where id = ${companyId} for no key update`;
  return rows.length === 1;
}

/** SCIM matches license names exactly, then ignoring case, so two names equal but for case would be ambiguous. */
async function refuseDuplicate(tx: TxSql, companyId: string, name: string, except: string | null): Promise<void> {
  const [clash] = await tx<{ name: string }[]>`
    select name from license_types
    where company_id = ${companyId} and lower(name) = lower(${name}) and id is distinct from ${except}::uuid`;
  if (clash) throw exists(clash.name);
}

export async function listLicenseTypes(database: Database, companyId: string): Promise<View[]> {
  const rows = await database.sql<LicenseTypeRow[]>`
    select id, name, monthly_price_cents, assigns_did from license_types
    where company_id = ${companyId} order by created_at, id`;
  return rows.map(view);
}

/** A new catalogue entry, with an empty seats row in every office; null when the company does not exist. */
export async function createLicenseType(
  database: Database,
  companyId: string,
  input: z.infer<typeof LicenseTypeCreate>,
): Promise<View | null> {
  try {
    return await database.sql.begin(async (tx) => {
      if (!(await lockCompany(tx, companyId))) return null;
      await refuseDuplicate(tx, companyId, input.name, null);
      const [row] = await tx<LicenseTypeRow[]>`
        insert into license_types (id, company_id, name, monthly_price_cents, assigns_did)
        values (${newId()}, ${companyId}, ${input.name}, ${input.monthlyPriceCents}, ${input.assignsDid})
        returning id, name, monthly_price_cents, assigns_did`;
      if (!row) throw new Error("license type insert returned nothing");
      await tx`
        insert into seats (office_id, license_type_id, company_id, purchased, used)
        select id, ${row.id}, ${companyId}, 0, 0 from offices where company_id = ${companyId}
        on conflict do nothing`;
      return view(row);
    });
  } catch (error) {
    if (isUniqueViolation(error, "license_types_company_name")) throw exists(input.name);
    throw error;
  }
}

/**
 * Name and price change freely (a price applies to seats bought from now on). Whether the
 * type gets a DID changes only while nobody holds it: flipping it would silently buy or
 * release numbers for every holder (docs/RULES.md DID allocation is decided per license type).
 */
export async function updateLicenseType(
  database: Database,
  companyId: string,
  licenseTypeId: string,
  input: z.infer<typeof LicenseTypeUpdate>,
): Promise<View | null> {
  try {
    return await database.sql.begin(async (tx) => {
      if (!(await lockCompany(tx, companyId))) return null;
      const [current] = await tx<LicenseTypeRow[]>`
        select id, name, monthly_price_cents, assigns_did from license_types
        where id = ${licenseTypeId} and company_id = ${companyId}`;
      if (!current) return null;
      if (input.name !== undefined) await refuseDuplicate(tx, companyId, input.name, licenseTypeId);
      if (input.assignsDid !== undefined && input.assignsDid !== current.assigns_did) {
        const [held] = await tx<{ n: number }[]>`
          select count(*)::int as n from users
          where company_id = ${companyId} and license_type_id = ${licenseTypeId} and deleted_at is null`;
        if (held && held.n > 0) {
          throw new AdminError(
            "LICENSE_TYPE_IN_USE",
            `${held.n} user(s) hold "${current.name}"; assignsDid can change only while nobody holds it. Create a new license type and move users to it instead`,
          );
        }
      }
      const [row] = await tx<LicenseTypeRow[]>`
        update license_types set
          name = coalesce(${input.name ?? null}, name),
          monthly_price_cents = coalesce(${input.monthlyPriceCents ?? null}::int, monthly_price_cents),
          assigns_did = coalesce(${input.assignsDid ?? null}::bool, assigns_did)
        where id = ${licenseTypeId}
        returning id, name, monthly_price_cents, assigns_did`;
      return row ? view(row) : null;
    });
  } catch (error) {
    if (isUniqueViolation(error, "license_types_company_name")) throw exists(input.name ?? "");
    throw error;
  }
}
