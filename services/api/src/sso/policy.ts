import type { schema } from "@scimline/db";
import { AdminError } from "../errors.ts";

export type SignInMethod = (typeof schema.authSessions.$inferSelect)["method"];

/** The sign-in errors: admin-API format `{error: {code, message, requestId}}`. */
export const signInErrors = {
  companyNotFound: (id: string) => new AdminError("COMPANY_NOT_FOUND", `Company ${id} not found`),
  samlNotConfigured: () =>
    new AdminError("SAML_NOT_CONFIGURED", "This company has not configured SAML single sign-on yet"),
  /** Unknown userName and wrong password look alike, so password sign-in tells no one who exists. */
  invalidCredentials: () => new AdminError("INVALID_CREDENTIALS", "The user name or password is incorrect"),
  unknownUser: () => new AdminError("UNKNOWN_USER", "No user of this company matches the identity you signed in with"),
  userSuspended: () =>
    new AdminError("USER_SUSPENDED", "This user is suspended and cannot sign in; ask the company's admin"),
  sessionInvalid: () => new AdminError("SESSION_INVALID", "No valid session: sign in again"),
};

const METHOD_NAMES: Record<Exclude<SignInMethod, "saml">, string> = {
  password: "Password sign-in",
  google: "Google sign-in",
  microsoft: "Microsoft sign-in",
};

/**
 * docs/RULES.md "Sign-in": with "Prevent users from logging in with other SSO providers" on, SAML SSO is
 * the only way in. Checked before any credential, so a refusal says nothing about users.
 */
export function assertMethodAllowed(company: { id: string; preventOtherSso: boolean }, method: SignInMethod): void {
  if (method === "saml" || !company.preventOtherSso) return;
  throw new AdminError(
    "SSO_REQUIRED",
    `${METHOD_NAMES[method]} is turned off for this company: sign in with SAML single sign-on through ` +
      `your company's identity provider (/sso/${company.id}/saml/login)`,
  );
}

/** docs/RULES.md: a deactivated (active false, even before the worker has suspended it) or suspended user never signs in. */
export const isSuspended = (user: { active: boolean; status: string }) => !user.active || user.status === "suspended";

export function assertMaySignIn(user: { active: boolean; status: string }): void {
  if (isSuspended(user)) throw signInErrors.userSuspended();
}

const PROVIDER_SETTING = { google: "googleHostedDomains", microsoft: "microsoftTenantIds" } as const;

/**
 * Google and Microsoft sign-in are on for a company only once it has bound its Google Workspace
 * domains or Entra tenants (company settings); until then, and after they are emptied, they are
 * refused, and sessions they opened end.
 */
export function assertProviderEnabled(
  company: { microsoftTenantIds: string[]; googleHostedDomains: string[] },
  method: SignInMethod,
): void {
  if (method !== "google" && method !== "microsoft") return;
  const setting = PROVIDER_SETTING[method];
  if (company[setting].length > 0) return;
  throw new AdminError(
    "PROVIDER_NOT_ENABLED",
    `${METHOD_NAMES[method]} is not enabled for this company: its admin lists the allowed ${
      method === "google" ? "Google Workspace domains" : "Entra tenant ids"
    } in the company setting ${setting}`,
  );
}
