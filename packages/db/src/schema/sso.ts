import { index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { companies } from "./companies.ts";

export type SignInMethod = "saml" | "password" | "google" | "microsoft";

/** The company's SAML identity provider (docs/RULES.md "Sign-in"). Several certificates allow a key rollover. */
export const samlConfigs = pgTable("saml_configs", {
  companyId: uuid()
    .primaryKey()
    .references(() => companies.id, { onDelete: "cascade" }),
  idpEntityId: text().notNull(),
  /** The IdP's SingleSignOnService (HTTP-Redirect binding): where AuthnRequests go. */
  ssoUrl: text().notNull(),
  /** PEM certificates that may sign responses or assertions. */
  idpCertificates: text().array().notNull(),
  source: text().$type<"metadata" | "manual">().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * Sign-in sessions. Only a SHA-256 of the token is stored. No foreign key to users:
 * a session is checked against its user on every use, and an erased user leaves none valid.
 */
export const authSessions = pgTable(
  "auth_sessions",
  {
    tokenHash: text().primaryKey(),
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    userId: uuid().notNull(),
    method: text().$type<SignInMethod>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index("auth_sessions_expiry").on(t.companyId, t.expiresAt)],
);

/** AuthnRequest ids sent to the IdP and not yet answered: a response's InResponseTo must be one of them, once. */
export const samlRequests = pgTable(
  "saml_requests",
  {
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    requestId: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.companyId, t.requestId] }),
    index("saml_requests_expiry").on(t.companyId, t.expiresAt),
  ],
);

/** Assertion ids already used, kept until they could no longer pass the time checks (replay defence). */
export const samlAssertions = pgTable(
  "saml_assertions",
  {
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    assertionId: text().notNull(),
    consumedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.companyId, t.assertionId] }),
    index("saml_assertions_expiry").on(t.companyId, t.expiresAt),
  ],
);

/**
 * A Google or Microsoft account linked to a user at its first sign-in (by verified email, within
 * the company's bound tenant or domain); later sign-ins match this subject only, never the email.
 * `subject`: Google's `sub`; Microsoft's `tid/oid`. No foreign key to users (see authSessions):
 * a link whose user is gone is dropped at the next sign-in.
 */
export const signInIdentities = pgTable(
  "sign_in_identities",
  {
    companyId: uuid()
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    provider: text().$type<"google" | "microsoft">().notNull(),
    subject: text().notNull(),
    userId: uuid().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.companyId, t.provider, t.subject] }),
    uniqueIndex("sign_in_identities_user").on(t.companyId, t.userId, t.provider),
  ],
);
