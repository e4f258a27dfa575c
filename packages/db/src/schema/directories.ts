import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { companies } from "./companies.ts";

/** A SCIM connection: one per identity-provider domain or org. SPEC §3. */
export const directories = pgTable(
  "directories",
  {
    id: uuid().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("directories_company_name").on(t.companyId, sql`lower(${t.name})`)],
);

/** Bearer tokens of a directory. Only a SHA-256 of the token is stored. */
export const scimTokens = pgTable(
  "scim_tokens",
  {
    id: uuid().primaryKey(),
    directoryId: uuid()
      .notNull()
      .references(() => directories.id, { onDelete: "cascade" }),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    tokenHash: text().notNull(),
    /** First characters of the token, for admins to tell tokens apart. */
    hint: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex("scim_tokens_hash").on(t.tokenHash), index("scim_tokens_directory").on(t.directoryId)],
);
