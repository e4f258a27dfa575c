import type { Sql } from "../client.ts";
import { insertUsers, updateDesiredState } from "../desired-state.ts";
import { newId } from "../ids.ts";
import type { OfficeHints } from "../schema/users.ts";

/** Test data written straight to the database, for tests below the HTTP layer. */

export type SeededCompany = { companyId: string; directoryId: string; licenseTypes: Record<string, string> };

const CATALOGUE = [
  { name: "Dialpad_Ai Voice", monthlyPriceCents: 1500, assignsDid: true },
  { name: "Dialpad_Support", monthlyPriceCents: 2500, assignsDid: false },
  { name: "Dialpad_Ai Sales", monthlyPriceCents: 3000, assignsDid: true },
];

export async function seedCompany(
  sql: Sql,
  options: {
    autoPurchase?: boolean;
    billingDay?: number;
    areaCode?: string;
    extensionRange?: { start: number; end: number };
    licenseTypes?: typeof CATALOGUE;
  } = {},
): Promise<SeededCompany> {
  const companyId = newId();
  const directoryId = newId();
  const range = options.extensionRange ?? { start: 100, end: 999 };
  await sql`insert into companies (id, name, country, default_area_code, billing_day, extension_start, extension_end, auto_purchase_licenses)
            values (${companyId}, 'Test Co', 'US', ${options.areaCode ?? "415"}, ${options.billingDay ?? 1}, ${range.start}, ${range.end}, ${options.autoPurchase ?? true})`;
  const licenseTypes: Record<string, string> = {};
  for (const l of options.licenseTypes ?? CATALOGUE) {
    const id = newId();
    licenseTypes[l.name] = id;
    await sql`insert into license_types (id, company_id, name, monthly_price_cents, assigns_did) values (${id}, ${companyId}, ${l.name}, ${l.monthlyPriceCents}, ${l.assignsDid})`;
  }
  await sql`insert into extension_pool (company_id, extension) select ${companyId}, g from generate_series(${range.start}::int, ${range.end}::int) g`;
  await sql`insert into directories (id, company_id, name) values (${directoryId}, ${companyId}, 'Okta')`;
  return { companyId, directoryId, licenseTypes };
}

export async function seedOffice(
  sql: Sql,
  company: SeededCompany,
  office: { name: string; country?: string; main?: boolean; seats?: Record<string, number>; createdAt?: Date },
): Promise<string> {
  const id = newId();
  await sql`insert into offices (id, company_id, name, country, main, created_at)
            values (${id}, ${company.companyId}, ${office.name}, ${office.country ?? "US"}, ${office.main ?? false}, ${(office.createdAt ?? new Date()).toISOString()})`;
  for (const [name, licenseTypeId] of Object.entries(company.licenseTypes)) {
    await sql`insert into seats (office_id, license_type_id, company_id, purchased, used)
              values (${id}, ${licenseTypeId}, ${company.companyId}, ${office.seats?.[name] ?? 0}, 0)`;
  }
  return id;
}

export async function seedNumbers(sql: Sql, company: SeededCompany, numbers: string[], officeId: string | null = null) {
  if (numbers.length === 0) return;
  await sql`insert into numbers (e164, company_id, office_id)
            select n, ${company.companyId}, ${officeId} from unnest(${sql.array(numbers)}::text[]) n`;
}

/** A user as the door writes it (status provisioning), with its outbox row. */
export async function seedUser(
  sql: Sql,
  company: SeededCompany,
  user: { userName?: string; active?: boolean; licenseType?: string; hints?: OfficeHints } = {},
): Promise<string> {
  const id = newId();
  const userName = user.userName ?? `user-${id}@example.com`;
  const licenseTypeId = company.licenseTypes[user.licenseType ?? "Dialpad_Ai Voice"];
  if (!licenseTypeId) throw new Error(`unknown license type ${user.licenseType}`);
  const row = {
    id,
    company_id: company.companyId,
    directory_id: company.directoryId,
    user_name: userName,
    active: user.active ?? true,
    resource: { userName },
    license_type_id: licenseTypeId,
    office_hints: user.hints ?? {},
  };
  await insertUsers(sql, [row], Object.keys(row));
  return id;
}

/** Changes the desired state as the door does: new generation plus an outbox row. */
export async function setDesired(sql: Sql, userId: string, change: { active?: boolean; deleted?: boolean }) {
  await updateDesiredState(sql, {
    set: sql`
      active = coalesce(${change.active ?? null}::boolean, active),
      deleted_at = case when ${change.deleted ?? false} then now() else deleted_at end`,
    where: sql`id = ${userId}`,
  });
}
