import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** A tenant. docs/RULES.md "Tenancy". */
export const companies = pgTable(
  "companies",
  {
    id: uuid().primaryKey(),
    name: text().notNull(),
    country: text().notNull(),
    defaultAreaCode: text().notNull(),
    billingDay: integer().notNull().default(1),
    extensionStart: integer().notNull().default(100),
    extensionEnd: integer().notNull().default(9999),
    // Company settings: one column each, named as the setting (services/api admin/company-settings.ts).
    autoPurchaseLicenses: boolean().notNull().default(true),
    preventOtherSso: boolean().notNull().default(false),
    /** Entra tenant ids whose users may use Microsoft sign-in; empty: Microsoft sign-in is off. */
    microsoftTenantIds: text().array().notNull().default(sql`'{}'::text[]`),
    /** Google Workspace domains (the ID token's `hd`) whose users may use Google sign-in; empty: off. */
    googleHostedDomains: text().array().notNull().default(sql`'{}'::text[]`),
    /** Whether a SAML response nobody asked for (IdP-initiated) signs in; false: SP-initiated only. */
    samlIdpInitiated: boolean().notNull().default(true),
    /** Users suspended longer than this many days are erased by the worker; null: never. */
    suspendedRetentionDays: integer(),
    /** SCIM deactivations and deletes beyond `threshold` within `windowSeconds` are held for an admin; null: off. */
    deactivationBreaker: jsonb().$type<{ threshold: number; windowSeconds: number } | null>(),
    /** Free seats of an office and license type below this: `capacity.seats_low` (once per crossing); null: off. */
    seatsLowThreshold: integer(),
    /** Free numbers of an office's pool or the unbound pool below this: `capacity.numbers_low`; null: off. */
    numbersLowThreshold: integer(),
    /** Seat purchases may not pass this many cents per billing period; null: no cap. */
    monthlySpendCapCents: integer(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("companies_billing_day", sql`${t.billingDay} between 1 and 31`),
    check("companies_extension_range", sql`${t.extensionStart} >= 0 and ${t.extensionEnd} >= ${t.extensionStart}`),
    check("companies_suspended_retention_days", sql`${t.suspendedRetentionDays} >= 1`),
    check("companies_capacity_thresholds", sql`${t.seatsLowThreshold} >= 0 and ${t.numbersLowThreshold} >= 0`),
    check("companies_monthly_spend_cap", sql`${t.monthlySpendCapCents} >= 0`),
  ],
);

/** The company's license catalogue with monthly prices. docs/RULES.md. */
export const licenseTypes = pgTable(
  "license_types",
  {
    id: uuid().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text().notNull(),
    monthlyPriceCents: integer().notNull(),
    assignsDid: boolean().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("license_types_company_name").on(t.companyId, t.name),
    check("license_types_price", sql`${t.monthlyPriceCents} >= 0`),
  ],
);

export const offices = pgTable(
  "offices",
  {
    id: uuid().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text().notNull(),
    country: text().notNull(),
    main: boolean().notNull().default(false),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("offices_company_name").on(t.companyId, sql`lower(${t.name})`),
    uniqueIndex("offices_one_main").on(t.companyId).where(sql`${t.main}`),
    index("offices_company_created").on(t.companyId, t.createdAt),
  ],
);

/**
 * Seats per office and license type: the one hot row of provisioning
 * (docs/decisions/0003-claims-with-skip-locked.md). Active and provisioning users hold seats; suspended do not.
 */
export const seats = pgTable(
  "seats",
  {
    officeId: uuid()
      .notNull()
      .references(() => offices.id, { onDelete: "cascade" }),
    licenseTypeId: uuid()
      .notNull()
      .references(() => licenseTypes.id, { onDelete: "cascade" }),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    purchased: integer().notNull().default(0),
    used: integer().notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.officeId, t.licenseTypeId] }),
    index("seats_company").on(t.companyId),
    check("seats_used_in_range", sql`${t.used} >= 0 and ${t.used} <= ${t.purchased}`),
  ],
);
