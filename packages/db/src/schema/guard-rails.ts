import { sql } from "drizzle-orm";
import { bigserial, index, integer, pgTable, real, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
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

/**
 * What each identity provider sent and what it got (the request log), kept 7 days: no bodies, query
 * strings, passwords or tokens. A request about a known user links it (`userId`) and shows its current
 * userName, so an erased user's entries lose it; `userName` is kept only for requests that named a
 * user the company did not have (a look-up that found none, a refused create), and is cleared when a
 * user of that name is deleted. Written in batches off the request's path (services/api request-log).
 */
export const scimRequests = pgTable(
  "scim_requests",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    companyId: uuid().notNull(),
    directoryId: uuid().notNull(),
    tokenId: uuid().notNull(),
    at: timestamp({ withTimezone: true }).notNull(),
    method: text().notNull(),
    path: text().notNull(),
    status: integer().notNull(),
    scimType: text(),
    detail: text(),
    userId: uuid(),
    userName: text(),
    durationMs: real().notNull(),
  },
  (t) => [
    index("scim_requests_directory").on(t.directoryId, t.at, t.id),
    index("scim_requests_at").using("brin", t.at),
    index("scim_requests_user_name").on(t.companyId, sql`lower(${t.userName})`).where(sql`${t.userName} is not null`),
  ],
);
