import { sql } from "drizzle-orm";
import { bigserial, date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { companies, licenseTypes, offices } from "./companies.ts";
import { users } from "./users.ts";

/**
 * The company's phone numbers. Unassigned numbers are the pool; a partial
 * index that alone can serve `ORDER BY e164 COLLATE "C"` keeps claims fast
 * however many are assigned (docs/decisions/0003-claims-with-skip-locked.md).
 */
export const numbers = pgTable(
  "numbers",
  {
    e164: text().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    officeId: uuid().references(() => offices.id, { onDelete: "set null" }),
    assignedUserId: uuid().references(() => users.id),
    source: text().$type<"pool" | "carrier">().notNull().default("pool"),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("numbers_assigned_user").on(t.assignedUserId).where(sql`${t.assignedUserId} is not null`),
    index("numbers_free")
      .on(t.companyId, t.officeId, sql`${t.e164} collate "C"`)
      .where(sql`${t.assignedUserId} is null`),
    index("numbers_company").on(t.companyId),
  ],
);

/** Free list of extensions over the company's range (docs/RULES.md: lowest free). */
export const extensionPool = pgTable(
  "extension_pool",
  {
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    extension: integer().notNull(),
    userId: uuid().references(() => users.id),
  },
  (t) => [
    uniqueIndex("extension_pool_pk").on(t.companyId, t.extension),
    index("extension_pool_free").on(t.companyId, t.extension).where(sql`${t.userId} is null`),
    uniqueIndex("extension_pool_user").on(t.userId).where(sql`${t.userId} is not null`),
  ],
);

/** Prorated seat purchases. One row per bought seat; the key makes a retried purchase a no-op. */
export const charges = pgTable(
  "charges",
  {
    id: uuid().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    officeId: uuid()
      .notNull()
      .references(() => offices.id, { onDelete: "cascade" }),
    licenseTypeId: uuid()
      .notNull()
      .references(() => licenseTypes.id, { onDelete: "cascade" }),
    /** The user whose provisioning bought the seat (no FK: charges outlive users). */
    userId: uuid(),
    quantity: integer().notNull(),
    unitPriceCents: integer().notNull(),
    amountCents: integer().notNull(),
    periodStart: date({ mode: "string" }).notNull(),
    periodEnd: date({ mode: "string" }).notNull(),
    idempotencyKey: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("charges_idempotency_key").on(t.idempotencyKey),
    index("charges_company").on(t.companyId, t.createdAt),
  ],
);

/** Our side of a carrier purchase: the intent is recorded before the call, the result after it. */
export const carrierOrders = pgTable(
  "carrier_orders",
  {
    idempotencyKey: text().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    userId: uuid().notNull(),
    areaCode: text().notNull(),
    e164: text(),
    status: text().$type<"pending" | "completed" | "unavailable">().notNull().default("pending"),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("carrier_orders_user").on(t.userId)],
);

/**
 * The sandbox carrier's own books (it stands in for an external system):
 * it sells +1 <area> 555 01XX, each number once, in ascending order.
 */
export const sandboxCarrierSales = pgTable(
  "sandbox_carrier_sales",
  {
    e164: text().primaryKey(),
    areaCode: text().notNull(),
    seq: integer().notNull(),
    idempotencyKey: text().notNull(),
    soldAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("sandbox_carrier_sales_key").on(t.idempotencyKey),
    uniqueIndex("sandbox_carrier_sales_seq").on(t.areaCode, t.seq),
  ],
);

/** Provisioning work owed; written with the desired state in one statement, relayed to BullMQ. */
export const outbox = pgTable("outbox", {
  id: bigserial({ mode: "number" }).primaryKey(),
  companyId: uuid().notNull(),
  userId: uuid().notNull(),
  generation: integer().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Audit trail. A deleted user leaves only its id and the time (docs/RULES.md). */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    companyId: uuid().notNull(),
    kind: text().notNull(),
    subjectId: uuid().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("audit_events_company").on(t.companyId, t.at)],
);
