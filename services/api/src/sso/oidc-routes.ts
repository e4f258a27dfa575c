import { Hono } from "hono";
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { z } from "zod";
import type { Config } from "../config.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { readJson } from "./json-body.ts";
import { boundSubject, linkableEmail, oidcUser, type Provider } from "./oidc-identity.ts";
import { assertMaySignIn, assertMethodAllowed, assertProviderEnabled, signInErrors } from "./policy.ts";
import { issueSession } from "./session.ts";
import { findCompanyPolicy } from "./store.ts";

type ProviderSettings = { label: string; clientId: string | undefined; issuers: string[]; jwksUrl: string };

const OidcSignIn = z.object({
  provider: z.enum(["google", "microsoft"]),
  idToken: z.string().min(1).max(16_384),
});

const providerSettings = (config: Config): Record<Provider, ProviderSettings> => ({
  google: {
    label: "Google",
    clientId: config.GOOGLE_OIDC_CLIENT_ID,
    issuers: config.GOOGLE_OIDC_ISSUER,
    jwksUrl: config.GOOGLE_OIDC_JWKS_URL,
  },
  microsoft: {
    label: "Microsoft",
    clientId: config.MICROSOFT_OIDC_CLIENT_ID,
    issuers: config.MICROSOFT_OIDC_ISSUER,
    jwksUrl: config.MICROSOFT_OIDC_JWKS_URL,
  },
});

/** Microsoft's multi-tenant issuer names the user's tenant: `{tenantid}` stands for the token's `tid`. */
const issuerMatches = (templates: string[], payload: JWTPayload) =>
  templates.some((t) => {
    const tid = typeof payload.tid === "string" ? payload.tid : undefined;
    if (t.includes("{tenantid}") && !tid) return false;
    return t.replace("{tenantid}", tid ?? "") === payload.iss;
  });

const invalidToken = (label: string, why: string) =>
  new AdminError("INVALID_TOKEN", `The ${label} ID token was refused: ${why}`);

function tokenFailure(label: string, error: unknown): AdminError {
  if (error instanceof errors.JWTExpired) return invalidToken(label, "it has expired");
  if (error instanceof errors.JWTClaimValidationFailed) return invalidToken(label, `claim "${error.claim}" is wrong`);
  if (error instanceof errors.JWKSTimeout || (error instanceof TypeError && !(error instanceof errors.JOSEError)))
    return new AdminError("PROVIDER_UNAVAILABLE", `${label}'s signing keys could not be fetched; retry shortly`);
  if (error instanceof errors.JOSEError) return invalidToken(label, "its signature or format is not valid");
  throw error;
}

/** POST /auth/{companyId}/oidc {provider, idToken}: Google or Microsoft sign-in with an OIDC ID token. */
export function oidcRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const providers = providerSettings(deps.config);
  // One key set per provider, kept for the process: jose caches the keys and refetches on an unknown kid.
  const keySets = new Map<Provider, ReturnType<typeof createRemoteJWKSet>>();
  const keySet = (provider: Provider, url: string) => {
    const known = keySets.get(provider);
    if (known) return known;
    const set = createRemoteJWKSet(new URL(url));
    keySets.set(provider, set);
    return set;
  };

  app.post("/auth/:companyId/oidc", async (c) => {
    const companyId = c.req.param("companyId");
    const company = await findCompanyPolicy(deps.database, companyId);
    if (!company) throw signInErrors.companyNotFound(companyId);
    const input = await readJson(c, OidcSignIn);
    assertMethodAllowed(company, input.provider);
    assertProviderEnabled(company, input.provider);
    const p = providers[input.provider];
    if (!p.clientId)
      throw new AdminError("PROVIDER_NOT_CONFIGURED", `${p.label} sign-in is not set up on this Scimline deployment`);

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(input.idToken, keySet(input.provider, p.jwksUrl), {
        audience: p.clientId,
        algorithms: ["RS256"],
        requiredClaims: ["iss", "sub", "exp", "iat"],
        clockTolerance: deps.config.SIGN_IN_CLOCK_SKEW_SECONDS,
        currentDate: deps.clock(),
      }));
    } catch (error) {
      throw tokenFailure(p.label, error);
    }
    if (!issuerMatches(p.issuers, payload)) throw invalidToken(p.label, `issuer is not ${p.label}`);
    const subject = boundSubject(input.provider, payload, company);
    if (!subject)
      throw invalidToken(
        p.label,
        input.provider === "microsoft"
          ? "its tenant (tid) is not one this company signs in with, or it has no oid"
          : "its Google Workspace domain (hd) is not one this company signs in with",
      );
    const user = await oidcUser(
      deps.database,
      company.id,
      input.provider,
      subject,
      linkableEmail(input.provider, payload),
    );
    assertMaySignIn(user);
    return issueSession(c, deps, { companyId: company.id, user, method: input.provider });
  });

  return app;
}
