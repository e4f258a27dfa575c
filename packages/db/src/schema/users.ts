import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { licenseTypes, offices } from "./companies.ts";

/** Office-like values captured at creation; the office match reads only these (docs/RULES.md). */
export type OfficeHints = {
  officeName?: string;
  physicalDeliveryOfficeName?: string;
  department?: string;
  country?: string;
};

/** What the worker records; `held` (a deactivation or delete held by the breaker) is shown from `heldKind`. */
export type UserStatus = "provisioning" | "active" | "suspended" | "failed";
export type HeldKind = "deactivate" | "delete";

/**
 * A SCIM user: the resource as the identity provider sent it, the desired
 * state the door recorded, and the provisioning outcome the worker reached.
 */
export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey(),
    // No foreign keys on the door's insert path: every create would take a KEY SHARE lock
    // on the same company, directory and license rows (MultiXact churn), which cost 15% of
    // the door's throughput. Those rows are never deleted while users reference them.
    companyId: uuid().notNull(),
    directoryId: uuid().notNull(),
    // --- the SCIM resource (columns for what is filtered, indexed or searched)
    userName: text().notNull(),
    externalId: text(),
    displayName: text(),
    /** Primary (else first) email, for search. */
    email: text(),
    active: boolean().notNull(),
    /** Every client-supplied attribute with canonical names, minus password. */
    resource: jsonb().$type<Record<string, unknown>>().notNull(),
    /** scrypt hash of a synced password. */
    passwordHash: text(),
    /** A password accepted at the door, encrypted, until the worker hashes it (slow hash off the hot path). */
    passwordPending: text(),
    /** meta.version: bumped on every change of the resource. */
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    // --- desired state
    licenseTypeId: uuid().notNull(),
    /**
     * The license type the identity provider last asked for; an admin may put another in effect
     * (licenseTypeId). Null on rows older than the column: the one in effect.
     */
    idpLicenseTypeId: uuid(),
    officeHints: jsonb().$type<OfficeHints>().notNull(),
    /** When the master directory last changed this user of another directory: its owner's changes are refused. */
    masterChangedAt: timestamp({ withTimezone: true }),
    /**
     * A deactivation or delete the breaker holds: `active` / `deletedAt` record what the IdP asked (SCIM shows it),
     * and while held the work reads `heldActive` and not-deleted instead (docs/decisions/0011-directories-master-adoption-breaker.md).
     */
    heldKind: text().$type<HeldKind>(),
    /** The desired `active` from before the hold began; restored when an admin rejects it. */
    heldActive: boolean(),
    /** Set by SCIM DELETE: the user is gone for clients; the worker releases and erases it. */
    deletedAt: timestamp({ withTimezone: true }),
    /** Bumped whenever the desired state changes; a reconcile job targets a generation. */
    generation: integer().notNull().default(1),
    /** When work was last owed (a generation bump or a requeue): the sweep and the invariants measure from it. */
    desiredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    // --- provisioning outcome
    status: text().$type<UserStatus>().notNull().default("provisioning"),
    errorCode: text(),
    errorDetail: text(),
    officeId: uuid().references(() => offices.id),
    matchedBy: text(),
    matchedValue: text(),
    /** The group rule that chose the office (matchedBy "groupRule"). */
    matchedRuleId: uuid(),
    /** An admin changed the user's office or license: group rules no longer move it. */
    pinned: boolean().notNull().default(false),
    /** License type of the seat the user holds in its office; null when it holds none. */
    seatLicenseTypeId: uuid().references(() => licenseTypes.id),
    did: text(),
    extension: integer(),
    /** DIDs released so far; part of the carrier idempotency key, so a new need buys anew and a retry does not. */
    didAllocations: integer().notNull().default(0),
    appliedGeneration: integer().notNull().default(0),
    /** When the user was last suspended; a company's retention setting erases it after so many days. */
    suspendedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("users_company_username").on(t.companyId, sql`lower(${t.userName})`).where(sql`${t.deletedAt} is null`),
    uniqueIndex("users_directory_external_id")
      .on(t.directoryId, t.externalId)
      .where(sql`${t.deletedAt} is null and ${t.externalId} is not null`),
    index("users_directory_list").on(t.directoryId, t.id).where(sql`${t.deletedAt} is null`),
    uniqueIndex("users_company_extension").on(t.companyId, t.extension).where(sql`${t.extension} is not null`),
    uniqueIndex("users_did").on(t.did).where(sql`${t.did} is not null`),
    // Partial: the door's inserts (status provisioning, no office yet) skip them.
    index("users_company_waiting").on(t.companyId, t.status).where(sql`${t.status} in ('failed', 'suspended')`),
    index("users_office").on(t.officeId).where(sql`${t.officeId} is not null`),
    index("users_password_pending").on(t.id).where(sql`${t.passwordPending} is not null`),
    // Users owed a reconcile: what the sweep and the invariant check scan, however large the company.
    index("users_owed").on(t.desiredAt).where(sql`${t.appliedGeneration} < ${t.generation}`),
  ],
);
