import { bigserial, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { HeldKind } from "./users.ts";

/**
 * A SCIM deactivation or delete the company's breaker holds, until an admin confirms or rejects it.
 * One per user: a held delete of a user whose deactivation is held replaces it.
 */
export const heldChanges = pgTable(
  "held_changes",
  {
    id: uuid().primaryKey(),
    companyId: uuid().notNull(),
    userId: uuid().notNull(),
    /** The directory whose request was held. */
    directoryId: uuid().notNull(),
    kind: text().$type<HeldKind>().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("held_changes_user").on(t.userId), index("held_changes_company").on(t.companyId, t.id)],
);

/**
 * The SCIM deactivations and deletes a company's breaker counted, within its window (older rows are
 * pruned as it counts). Counted under a per-company transaction lock, so concurrent requests count exactly.
 */
export const breakerEvents = pgTable(
  "breaker_events",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    companyId: uuid().notNull(),
    at: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index("breaker_events_company").on(t.companyId, t.at)],
);
