import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { companies } from "./companies.ts";

/** A SCIM connection: one per identity-provider domain or org. docs/RULES.md "Tenancy". */
export const directories = pgTable(
  "directories",
  {
    id: uuid().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text().notNull(),
    /**
     * How long a new user of a company with group rules, and no office of its own, waits for its
     * group memberships before it is provisioned anyway (Okta pushes them after the create).
     */
    groupRuleHoldSeconds: integer().notNull().default(300),
    /** Email domains it owns (lower-case): it creates users only in them; empty: unrestricted. */
    domains: text().array().notNull().default(sql`'{}'::text[]`),
    /** The company's master directory sees and manages every user of the company (at most one). */
    master: boolean().notNull().default(false),
    /** Sees users of its domains owned by other directories, and its first write adopts them. */
    adoptExisting: boolean().notNull().default(false),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("directories_company_name").on(t.companyId, sql`lower(${t.name})`),
    check("directories_group_rule_hold", sql`${t.groupRuleHoldSeconds} between 0 and 86400`),
    uniqueIndex("directories_one_master").on(t.companyId).where(sql`${t.master}`),
  ],
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
    /** After this the token no longer authenticates; null: it does not expire. */
    expiresAt: timestamp({ withTimezone: true }),
    /** The last request it authenticated (written with the request log, a second or so late). */
    lastUsedAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex("scim_tokens_hash").on(t.tokenHash), index("scim_tokens_directory").on(t.directoryId)],
);
