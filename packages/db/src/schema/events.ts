import { sql } from "drizzle-orm";
import { bigserial, customType, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Postgres' 64-bit transaction id; a feed compares it with the oldest transaction still running. */
const xid8 = customType<{ data: string }>({ dataType: () => "xid8" });

/**
 * Every decision and change of a user (and a few company-wide ones), written in the transaction
 * that makes it. `seq` orders a user's events; the company feed orders by (txid, seq) and only
 * hands out events of transactions older than every running one, so a cursor never skips an
 * event committed later (docs/decisions/0004-event-feed-ordering.md).
 */
export const events = pgTable(
  "events",
  {
    seq: bigserial({ mode: "number" }).primaryKey(),
    id: uuid().notNull().defaultRandom(),
    companyId: uuid().notNull(),
    userId: uuid(),
    type: text().notNull(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    txid: xid8().notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [index("events_company_feed").on(t.companyId, t.txid, t.seq), index("events_user").on(t.userId, t.seq)],
);
