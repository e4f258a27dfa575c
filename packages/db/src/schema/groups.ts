import { sql } from "drizzle-orm";
import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { companies } from "./companies.ts";
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
