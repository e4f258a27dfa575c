import type { z } from "@hono/zod-openapi";
import { type Database, newId, refreshPoolStatistics, schema } from "@scimline/db";
import { DEFAULT_LICENSE_CATALOGUE } from "@scimline/domain";
import { asc, eq, sql } from "drizzle-orm";
import { settingsIn, settingsOf } from "./company-settings.ts";
import type { CompanyCreate, CompanyView } from "./schemas.ts";

const { companies, licenseTypes, extensionPool } = schema;

export const DEFAULT_EXTENSION_RANGE = { start: 100, end: 9999 } as const;

type CompanyRow = typeof companies.$inferSelect;
type LicenseRow = typeof licenseTypes.$inferSelect;

export function companyView(row: CompanyRow, licenses: LicenseRow[]): z.infer<typeof CompanyView> {
  return {
    id: row.id,
    name: row.name,
    country: row.country,
    defaultAreaCode: row.defaultAreaCode,
    billingDay: row.billingDay,
    extensionRange: { start: row.extensionStart, end: row.extensionEnd },
    settings: settingsOf(row),
    autoPurchaseLicenses: row.autoPurchaseLicenses,
    preventOtherSso: row.preventOtherSso,
    licenseTypes: licenses.map((l) => ({
      id: l.id,
      name: l.name,
      monthlyPriceCents: l.monthlyPriceCents,
      assignsDid: l.assignsDid,
    })),
    createdAt: row.createdAt.toISOString(),
  };
}

/** A company with its license catalogue (the default one unless given) and its extension free list. */
export async function createCompany(database: Database, input: z.infer<typeof CompanyCreate>, today: Date) {
  const id = newId();
  const range = input.extensionRange ?? DEFAULT_EXTENSION_RANGE;
  const created = await database.db.transaction(async (tx) => {
    const [company] = await tx
      .insert(companies)
      .values({
        id,
        name: input.name,
        country: input.country,
        defaultAreaCode: input.defaultAreaCode,
        // Without a billing day, the period starts on the day the account was created.
        billingDay: input.billingDay ?? today.getUTCDate(),
        extensionStart: range.start,
        extensionEnd: range.end,
        ...settingsIn(input),
      })
      .returning();
    const catalogue = input.licenseTypes ?? DEFAULT_LICENSE_CATALOGUE;
    const licenses = await tx
      .insert(licenseTypes)
      .values(catalogue.map((l) => ({ id: newId(), companyId: id, ...l })))
      .returning();
    await tx.execute(
      sql`insert into ${extensionPool} (company_id, extension) select ${id}, g from generate_series(${range.start}::int, ${range.end}::int) g`,
    );
    if (!company) throw new Error("company insert returned nothing");
    return companyView(company, licenses);
  });
  await refreshPoolStatistics(database.sql, "extension_pool", range.end - range.start + 1);
  return created;
}

export async function findCompany(database: Database, id: string) {
  const [company] = await database.db.select().from(companies).where(eq(companies.id, id));
  if (!company) return null;
  const licenses = await database.db
    .select()
    .from(licenseTypes)
    .where(eq(licenseTypes.companyId, id))
    .orderBy(asc(licenseTypes.createdAt), asc(licenseTypes.id));
  return companyView(company, licenses);
}
