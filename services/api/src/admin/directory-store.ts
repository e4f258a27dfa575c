import { type Database, newId, schema } from "@scimline/db";
import { type DirectoryClaim, domainConflicts, otherMaster } from "@scimline/domain";
import { and, eq } from "drizzle-orm";
import { AdminError } from "../errors.ts";
import { isUniqueViolation } from "../use-cases/pg-errors.ts";
import type { DirectoryFieldName } from "./directory-fields.ts";

const { directories, companies } = schema;
type DirectoryRow = typeof directories.$inferSelect;
type DirectoryValues = Partial<Pick<DirectoryRow, DirectoryFieldName>>;

const claimOf = (row: DirectoryRow): DirectoryClaim => ({
  id: row.id,
  name: row.name,
  domains: row.domains,
  master: row.master,
  adoptExisting: row.adoptExisting,
});

/** The rules between a company's directories: a shared domain needs the master or adoption; one master. */
function checkRules(directory: DirectoryClaim, others: DirectoryClaim[]): void {
  const master = otherMaster(directory, others);
  if (master) {
    throw new AdminError(
      "MASTER_EXISTS",
      `Directory "${master.name}" (${master.id}) is the company's master; set master to false on it first`,
    );
  }
  const [conflict, ...more] = domainConflicts(directory, others);
  if (conflict) {
    const also = more.length > 0 ? ` (and ${more.length} more)` : "";
    throw new AdminError(
      "DOMAIN_CLAIMED",
      `Domain ${conflict.domain} is claimed by directory "${conflict.other.name}" (${conflict.other.id})${also}; two directories share a domain only when one of them is the master or has adoptExisting (a migration)`,
    );
  }
}

export async function findDirectory(database: Database, id: string): Promise<DirectoryRow | null> {
  const [row] = await database.db.select().from(directories).where(eq(directories.id, id));
  return row ?? null;
}

/**
 * Creates (id null) or changes a directory of a company, all rules checked against the company's
 * other directories while they are locked (the company row serialises directory changes).
 * Returns null when the directory (or the company) does not exist.
 */
export async function saveDirectory(
  database: Database,
  companyId: string,
  id: string | null,
  values: DirectoryValues,
): Promise<DirectoryRow | null> {
  try {
    return await database.db.transaction(async (tx) => {
      const [company] = await tx
        .select({ id: companies.id })
        .from(companies)
        .where(eq(companies.id, companyId))
        .for("no key update");
      if (!company) return null;
      const rows = await tx.select().from(directories).where(eq(directories.companyId, companyId));
      const current = id === null ? null : rows.find((r) => r.id === id);
      if (id !== null && !current) return null;
      const after: DirectoryClaim = {
        ...(current ? claimOf(current) : { id: newId(), name: "", domains: [], master: false, adoptExisting: false }),
        ...values,
      };
      checkRules(after, rows.map(claimOf));
      if (!current) {
        const [row] = await tx
          .insert(directories)
          .values({ ...values, id: after.id, companyId, name: after.name })
          .returning();
        return row ?? null;
      }
      if (Object.keys(values).length === 0) return current;
      const [row] = await tx
        .update(directories)
        .set(values)
        .where(and(eq(directories.id, current.id), eq(directories.companyId, companyId)))
        .returning();
      return row ?? null;
    });
  } catch (error) {
    if (isUniqueViolation(error, "directories_company_name"))
      throw new AdminError("DIRECTORY_EXISTS", "A directory of that name exists in this company");
    if (isUniqueViolation(error, "directories_one_master"))
      throw new AdminError("MASTER_EXISTS", "The company already has a master directory");
    throw error;
  }
}
