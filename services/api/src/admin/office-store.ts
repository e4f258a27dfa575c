import type { z } from "@hono/zod-openapi";
import { type Database, newId, schema } from "@scimline/db";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { AdminError } from "../errors.ts";
import { isUniqueViolation } from "../use-cases/pg-errors.ts";
import type { OfficeCreate, OfficeView } from "./schemas.ts";

const { offices, seats, licenseTypes } = schema;

type OfficeRow = typeof offices.$inferSelect;

async function seatsByOffice(database: Database, officeIds: string[]) {
  const result = new Map<string, Record<string, { purchased: number; used: number }>>();
  if (officeIds.length === 0) return result;
  const rows = await database.db
    .select({ officeId: seats.officeId, name: licenseTypes.name, purchased: seats.purchased, used: seats.used })
    .from(seats)
    .innerJoin(licenseTypes, eq(licenseTypes.id, seats.licenseTypeId))
    .where(inArray(seats.officeId, officeIds));
  for (const row of rows) {
    const entry = result.get(row.officeId) ?? {};
    entry[row.name] = { purchased: row.purchased, used: row.used };
    result.set(row.officeId, entry);
  }
  return result;
}

const view = (
  row: OfficeRow,
  officeSeats: Record<string, { purchased: number; used: number }> = {},
): z.infer<typeof OfficeView> => ({
  id: row.id,
  companyId: row.companyId,
  name: row.name,
  country: row.country,
  main: row.main,
  seats: officeSeats,
  createdAt: row.createdAt.toISOString(),
});

/**
 * An office with its seats per license type. The first office becomes the main
 * one; a new main office takes over from the previous one. Seats given here are
 * licenses the company already owns: no charge.
 */
export async function createOffice(database: Database, companyId: string, input: z.infer<typeof OfficeCreate>) {
  const id = newId();
  try {
    const row = await database.db.transaction(async (tx) => {
      // One admin change of the company's offices at a time (see office-update.ts), so "main" stays unique.
      // Catalogue changes take the same lock (license-type-store.ts), so the catalogue is read after it:
      // a license type created meanwhile is either seen here or gives this office its seats row itself.
      await tx.execute(sql`select 1 from companies where id = ${companyId} for no key update`);
      const catalogue = await tx.select().from(licenseTypes).where(eq(licenseTypes.companyId, companyId));
      const known = new Set(catalogue.map((l) => l.name));
      const unknown = Object.keys(input.seats ?? {}).filter((name) => !known.has(name));
      if (unknown.length > 0) {
        const allowed = catalogue.map((l) => `"${l.name}"`).join(", ");
        throw new AdminError(
          "UNKNOWN_LICENSE_TYPE",
          `Unknown license type(s) ${unknown.map((n) => `"${n}"`).join(", ")}; the company has ${allowed}`,
        );
      }
      const existing = await tx
        .select({ id: offices.id })
        .from(offices)
        .where(and(eq(offices.companyId, companyId), eq(offices.main, true)));
      const main = input.main ?? existing.length === 0;
      if (main && existing.length > 0)
        await tx
          .update(offices)
          .set({ main: false })
          .where(and(eq(offices.companyId, companyId), eq(offices.main, true)));
      const [office] = await tx
        .insert(offices)
        .values({ id, companyId, name: input.name, country: input.country, main })
        .returning();
      await tx.insert(seats).values(
        catalogue.map((l) => ({
          officeId: id,
          licenseTypeId: l.id,
          companyId,
          purchased: input.seats?.[l.name] ?? 0,
          used: 0,
        })),
      );
      return office;
    });
    if (!row) throw new Error("office insert returned nothing");
    return view(row, (await seatsByOffice(database, [id])).get(id));
  } catch (error) {
    if (isUniqueViolation(error, "offices_company_name")) {
      throw new AdminError("OFFICE_EXISTS", `An office named "${input.name}" already exists in this company`);
    }
    throw error;
  }
}

export async function listOffices(database: Database, companyId: string) {
  const rows = await database.db
    .select()
    .from(offices)
    .where(eq(offices.companyId, companyId))
    .orderBy(asc(offices.createdAt), asc(offices.id));
  const allSeats = await seatsByOffice(
    database,
    rows.map((r) => r.id),
  );
  return rows.map((r) => view(r, allSeats.get(r.id)));
}

export async function findOffice(database: Database, companyId: string, officeId: string) {
  const [row] = await database.db
    .select()
    .from(offices)
    .where(and(eq(offices.companyId, companyId), eq(offices.id, officeId)));
  return row ? view(row, (await seatsByOffice(database, [row.id])).get(row.id)) : null;
}
