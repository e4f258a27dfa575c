import { integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { companies } from "./companies.ts";

/**
 * The capacity pools now below their company's threshold, one row each: a row appears with the
 * `capacity.seats_low` / `capacity.numbers_low` event of the crossing, and goes when the pool has
 * recovered (free ≥ threshold) or the threshold is off, so each crossing is told once.
 * `pool` names it: `seats:<officeId>:<licenseTypeId>`, `numbers:<officeId>` or `numbers:unbound`.
 */
export const capacityAlerts = pgTable(
  "capacity_alerts",
  {
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    pool: text().notNull(),
    resource: text().$type<"seats" | "numbers">().notNull(),
    officeId: uuid(),
    licenseTypeId: uuid(),
    free: integer().notNull(),
    threshold: integer().notNull(),
    since: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.pool] })],
);
