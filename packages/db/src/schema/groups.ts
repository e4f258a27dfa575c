import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { companies, licenseTypes, offices } from "./companies.ts";
import { directories } from "./directories.ts";
import { users } from "./users.ts";

export const groups = pgTable(
  "groups",
  {
    id: uuid().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    directoryId: uuid()
      .notNull()
      .references(() => directories.id, { onDelete: "cascade" }),
    displayName: text().notNull(),
    externalId: text(),
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("groups_directory_display_name").on(t.directoryId, sql`lower(${t.displayName})`),
    uniqueIndex("groups_directory_external_id").on(t.directoryId, t.externalId).where(sql`${t.externalId} is not null`),
    index("groups_directory_list").on(t.directoryId, t.id),
  ],
);

export const groupMembers = pgTable(
  "group_members",
  {
    groupId: uuid()
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index("group_members_user").on(t.userId)],
);

/**
 * A company's rule: members of a pushed group (named by displayName, compared ignoring case, in any
 * of the company's directories; or one group by id) get this office and/or license type. The higher
 * priority wins; on a tie, the rule created first.
 */
export const groupRules = pgTable(
  "group_rules",
  {
    id: uuid().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    /** The group by name; exactly one of this and groupId is set. */
    groupDisplayName: text(),
    /** One pushed group by its SCIM id; no foreign key: a deleted group leaves a rule that matches nothing. */
    groupId: uuid(),
    officeId: uuid().references(() => offices.id, { onDelete: "cascade" }),
    licenseTypeId: uuid().references(() => licenseTypes.id, { onDelete: "cascade" }),
    priority: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("group_rules_company").on(t.companyId, t.createdAt),
    check("group_rules_one_group", sql`(${t.groupDisplayName} is null) <> (${t.groupId} is null)`),
    check("group_rules_decides", sql`${t.officeId} is not null or ${t.licenseTypeId} is not null`),
  ],
);
