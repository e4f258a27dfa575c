import { bigint, customType, index, integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { companies } from "./companies.ts";

/** Postgres' 64-bit transaction id, as the events table writes it (a position in the company feed). */
const xid8 = customType<{ data: string }>({ dataType: () => "xid8" });
/** A transaction snapshot: which transactions had committed at a moment. */
const pgSnapshot = customType<{ data: string }>({ dataType: () => "pg_snapshot" });

/**
 * A company's outbound event endpoint. The signing secret is sealed (AES-256-GCM under
 * WEBHOOK_SECRET_KEY), never hashed: every delivery signs with it. `cursorTxid`/`cursorSeq` is the
 * position in the company's event feed up to which every event has been settled (delivered, given up
 * on, or not wanted), so one endpoint's events go out one at a time, in feed order.
 */
export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    url: text().notNull(),
    /** Event types delivered; null: all, including types added later. */
    events: text().array(),
    secretSealed: text().notNull(),
    /** The secret before the last rotation, still signing (beside the new one) until `previousSecretUntil`. */
    previousSecretSealed: text(),
    previousSecretUntil: timestamp({ withTimezone: true }),
    cursorTxid: xid8().notNull(),
    cursorSeq: bigint({ mode: "number" }).notNull().default(0),
    /**
     * The snapshot at creation: events of transactions it saw committed came before the webhook and
     * are never sent, though some lie after the cursor (it starts at the oldest running transaction).
     */
    createdSnapshot: pgSnapshot(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhooks_company").on(t.companyId, t.createdAt)],
);

/**
 * One row per (webhook, event) once a delivery was attempted: its status, attempts and last error.
 * Events after the webhook's cursor without a row are `pending`. `nextAttemptAt` is when a
 * `retrying` delivery goes again: the schedule lives here, not only in Redis.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    webhookId: uuid()
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    eventSeq: bigint({ mode: "number" }).notNull(),
    eventTxid: xid8().notNull(),
    eventId: uuid().notNull(),
    type: text().notNull(),
    /** `retrying`, `delivered` or `failed` (the schedule was spent). */
    status: text().notNull(),
    attempts: integer().notNull().default(0),
    lastError: text(),
    lastAttemptAt: timestamp({ withTimezone: true }),
    nextAttemptAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.webhookId, t.eventSeq] }),
    index("webhook_deliveries_feed").on(t.webhookId, t.eventTxid, t.eventSeq),
  ],
);

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "retrying", "delivered", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];
