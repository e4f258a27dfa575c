import { type Database, schema } from "@scimline/db";
import { and, eq } from "drizzle-orm";
import type { JWTPayload } from "jose";
import { AdminError } from "../errors.ts";
import { storable } from "../middleware/storable-text.ts";
import { signInErrors } from "./policy.ts";
import { type CompanyPolicy, findUserByIdentity, type SignInUser } from "./store.ts";

const { signInIdentities, users } = schema;

export type Provider = "google" | "microsoft";

/** Longer than any provider's subject or email; the stores index them. */
const MAX_CLAIM = 512;

/**
 * A string claim, trimmed. One Postgres cannot hold or index (a NUL, invalid Unicode, over 512
 * characters) is no claim: the token is refused as lacking it, not answered with a 500.
 */
const claim = (payload: JWTPayload, name: string) => {
  const value = payload[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed !== "" && trimmed.length <= MAX_CLAIM && storable(trimmed) ? trimmed : undefined;
};

/**
 * The provider's stable subject of a verified token, once its tenant (Microsoft's `tid`) or
 * Workspace domain (Google's `hd`) is one the company bound; null when it is not. Microsoft's
 * `oid` is unique within a tenant, so the subject is `tid/oid`; Google's `sub` is global.
 */
export function boundSubject(provider: Provider, payload: JWTPayload, company: CompanyPolicy): string | null {
  if (provider === "microsoft") {
    const tid = claim(payload, "tid")?.toLowerCase();
    const oid = claim(payload, "oid")?.toLowerCase();
    if (!tid || !oid || !company.microsoftTenantIds.includes(tid)) return null;
    return `${tid}/${oid}`;
  }
  const hd = claim(payload, "hd")?.toLowerCase();
  const sub = claim(payload, "sub");
  if (!hd || !company.googleHostedDomains.includes(hd) || !sub) return null;
  return sub;
}

/** The email a first sign-in may link by: Google must vouch for it; Microsoft's comes from the bound tenant's directory. */
export function linkableEmail(provider: Provider, payload: JWTPayload): string | undefined {
  const email = claim(payload, "email");
  const verified = payload.email_verified;
  if (provider === "google") return verified === true || verified === "true" ? email : undefined;
  return verified === false || verified === "false" ? undefined : email;
}

const userColumns = {
  id: users.id,
  userName: users.userName,
  active: users.active,
  status: users.status,
  passwordHash: users.passwordHash,
  passwordPending: users.passwordPending,
  deletedAt: users.deletedAt,
};

/**
 * Who a verified, bound token signs in as. A linked subject names its user, whatever the email
 * says now. Otherwise the first sign-in links the user the email names, unless that user is
 * already linked to another account of the provider (a look-alike email must not take it over).
 */
export async function oidcUser(
  database: Database,
  companyId: string,
  provider: Provider,
  subject: string,
  email: string | undefined,
): Promise<SignInUser> {
  const key = and(
    eq(signInIdentities.companyId, companyId),
    eq(signInIdentities.provider, provider),
    eq(signInIdentities.subject, subject),
  );
  const [linked] = await database.db
    .select({ user: userColumns })
    .from(signInIdentities)
    .leftJoin(users, eq(users.id, signInIdentities.userId))
    .where(key);
  if (linked?.user && linked.user.deletedAt === null) return linked.user;
  // The linked user was deleted (or erased): the link goes, and this is a first sign-in again.
  if (linked) await database.db.delete(signInIdentities).where(key);

  if (!email) throw new AdminError("INVALID_TOKEN", "The ID token has no verified email to link an account by");
  const user = await findUserByIdentity(database, companyId, email);
  if (!user) throw signInErrors.unknownUser();
  const inserted = await database.db
    .insert(signInIdentities)
    .values({ companyId, provider, subject, userId: user.id })
    .onConflictDoNothing()
    .returning({ userId: signInIdentities.userId });
  if (inserted[0]?.userId === user.id) return user;
  // A concurrent first sign-in of the same account links the same user; anything else is another account.
  const [now] = await database.db.select({ userId: signInIdentities.userId }).from(signInIdentities).where(key);
  if (now?.userId === user.id) return user;
  throw new AdminError(
    "IDENTITY_MISMATCH",
    "This user signs in with a different account of this provider; an admin can unlink it (DELETE /api/v1/companies/{id}/users/{userId}/sign-in-identities/{provider}) and the next sign-in links this one",
  );
}
