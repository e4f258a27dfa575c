import { type Database, isUuid, schema } from "@scimline/db";
import { and, eq, gt, isNull, lte, sql } from "drizzle-orm";
import type { SignInMethod } from "./policy.ts";
import type { IdpSettings } from "./saml-idp.ts";

const { companies, users, samlConfigs, samlRequests, samlAssertions, authSessions } = schema;

/** The company's sign-in policy; null for an unknown (or malformed) id. */
export async function findCompanyPolicy(database: Database, companyId: string) {
  if (!isUuid(companyId)) return null;
  const [row] = await database.db
    .select({
      id: companies.id,
      preventOtherSso: companies.preventOtherSso,
      microsoftTenantIds: companies.microsoftTenantIds,
      googleHostedDomains: companies.googleHostedDomains,
      samlIdpInitiated: companies.samlIdpInitiated,
    })
    .from(companies)
    .where(eq(companies.id, companyId));
  return row ?? null;
}

export async function findSamlConfig(database: Database, companyId: string) {
  const [row] = await database.db.select().from(samlConfigs).where(eq(samlConfigs.companyId, companyId));
  return row ?? null;
}

export const idpSettings = (row: typeof samlConfigs.$inferSelect): IdpSettings => ({
  idpEntityId: row.idpEntityId,
  ssoUrl: row.ssoUrl,
  certificates: row.idpCertificates,
});

export async function saveSamlConfig(
  database: Database,
  companyId: string,
  settings: IdpSettings,
  source: "metadata" | "manual",
) {
  const values = {
    idpEntityId: settings.idpEntityId,
    ssoUrl: settings.ssoUrl,
    idpCertificates: settings.certificates,
    source,
  };
  const [row] = await database.db
    .insert(samlConfigs)
    .values({ companyId, ...values })
    .onConflictDoUpdate({ target: samlConfigs.companyId, set: { ...values, updatedAt: sql`now()` } })
    .returning();
  if (!row) throw new Error("saml config upsert returned nothing");
  return row;
}

export async function deleteSamlConfig(database: Database, companyId: string): Promise<boolean> {
  const rows = await database.db
    .delete(samlConfigs)
    .where(eq(samlConfigs.companyId, companyId))
    .returning({ id: samlConfigs.companyId });
  return rows.length === 1;
}

export type CompanyPolicy = NonNullable<Awaited<ReturnType<typeof findCompanyPolicy>>>;

export type SignInUser = {
  id: string;
  userName: string;
  active: boolean;
  status: string;
  passwordHash: string | null;
  passwordPending: string | null;
};

const userColumns = {
  id: users.id,
  userName: users.userName,
  active: users.active,
  status: users.status,
  passwordHash: users.passwordHash,
  passwordPending: users.passwordPending,
};

/** A live (not deleted) user by userName, case-insensitively (docs/RULES.md "Tenancy"). */
export async function findUserByUserName(database: Database, companyId: string, userName: string) {
  const [row] = await database.db
    .select(userColumns)
    .from(users)
    .where(
      and(eq(users.companyId, companyId), isNull(users.deletedAt), sql`lower(${users.userName}) = lower(${userName})`),
    )
    .limit(1);
  return row ?? null;
}

/** By userName, else by an email that exactly one live user of the company has. */
export async function findUserByIdentity(database: Database, companyId: string, identity: string) {
  const byName = await findUserByUserName(database, companyId, identity);
  if (byName) return byName;
  const byEmail = await database.db
    .select(userColumns)
    .from(users)
    .where(
      and(eq(users.companyId, companyId), isNull(users.deletedAt), sql`lower(${users.email}) = lower(${identity})`),
    )
    .limit(2);
  return byEmail.length === 1 ? (byEmail[0] ?? null) : null;
}

/** Remembers an AuthnRequest id for the InResponseTo check; drops the company's stale ones. */
export async function recordSamlRequest(
  database: Database,
  companyId: string,
  requestId: string,
  now: Date,
  ttlMs: number,
) {
  await database.db
    .delete(samlRequests)
    .where(and(eq(samlRequests.companyId, companyId), lte(samlRequests.expiresAt, now)));
  await database.db
    .insert(samlRequests)
    .values({ companyId, requestId, createdAt: now, expiresAt: new Date(now.getTime() + ttlMs) });
}

/**
 * Uses an assertion once (replay protection) and, for an SP-initiated sign-in, its pending request, in one
 * transaction: a statement that fails leaves the assertion unused, for the identity provider to post again.
 * An assertion naming an unknown request is still used up.
 */
export async function consumeAssertion(
  database: Database,
  companyId: string,
  a: { assertionId: string; keepUntil: Date; inResponseTo: string | null },
  now: Date,
): Promise<"ok" | "replayed" | "unknown_request"> {
  return await database.db.transaction(async (tx) => {
    await tx
      .delete(samlAssertions)
      .where(and(eq(samlAssertions.companyId, companyId), lte(samlAssertions.expiresAt, now)));
    const fresh = await tx
      .insert(samlAssertions)
      .values({ companyId, assertionId: a.assertionId, consumedAt: now, expiresAt: a.keepUntil })
      .onConflictDoNothing()
      .returning({ id: samlAssertions.assertionId });
    if (fresh.length === 0) return "replayed";
    if (a.inResponseTo === null) return "ok";
    const request = await tx
      .delete(samlRequests)
      .where(
        and(
          eq(samlRequests.companyId, companyId),
          eq(samlRequests.requestId, a.inResponseTo),
          gt(samlRequests.expiresAt, now),
        ),
      )
      .returning({ id: samlRequests.requestId });
    return request.length === 1 ? "ok" : "unknown_request";
  });
}

export async function insertSession(
  database: Database,
  s: { tokenHash: string; companyId: string; userId: string; method: SignInMethod; now: Date; expiresAt: Date },
) {
  await database.db
    .delete(authSessions)
    .where(and(eq(authSessions.companyId, s.companyId), lte(authSessions.expiresAt, s.now)));
  await database.db.insert(authSessions).values({
    tokenHash: s.tokenHash,
    companyId: s.companyId,
    userId: s.userId,
    method: s.method,
    createdAt: s.now,
    expiresAt: s.expiresAt,
  });
}

/** An unexpired session with its user as it is now (null user: erased) and the company's policy. */
export async function findSession(database: Database, tokenHash: string, now: Date) {
  const [row] = await database.db
    .select({
      companyId: authSessions.companyId,
      method: authSessions.method,
      expiresAt: authSessions.expiresAt,
      userId: authSessions.userId,
      user: userColumns,
      deletedAt: users.deletedAt,
      preventOtherSso: companies.preventOtherSso,
      microsoftTenantIds: companies.microsoftTenantIds,
      googleHostedDomains: companies.googleHostedDomains,
    })
    .from(authSessions)
    .innerJoin(companies, eq(companies.id, authSessions.companyId))
    .leftJoin(users, eq(users.id, authSessions.userId))
    .where(and(eq(authSessions.tokenHash, tokenHash), gt(authSessions.expiresAt, now)));
  return row ?? null;
}

export async function deleteSession(database: Database, tokenHash: string): Promise<boolean> {
  const rows = await database.db
    .delete(authSessions)
    .where(eq(authSessions.tokenHash, tokenHash))
    .returning({ id: authSessions.tokenHash });
  return rows.length === 1;
}
