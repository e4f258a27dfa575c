import type { JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admin, createTenant, type Reply, scim, type Tenant } from "./helpers/clients.ts";
import { startTestEnv, stopTestEnv, type TestEnv } from "./helpers/env.ts";
import { createUser, errorCode, sessionToken, signIn, whoAmI } from "./helpers/sso-clients.ts";
import { accountOf, BOUND, MICROSOFT_TENANT, TestOidcProviders } from "./helpers/sso-oidc.ts";

// Issue 12: a token from another Entra tenant or Google domain used to sign in as any user whose
// email it claimed. Companies now bind their tenants/domains; accounts link by subject.
const NOW = new Date("2031-03-10T09:30:00.000Z");
const ATTACKER_TENANT = "0b5e3c1a-2f4d-4e6b-8a9c-1d2e3f4a5b6c";
let current: TestEnv | undefined;
let oidc: TestOidcProviders;
let tenant: Tenant;
const env = () => {
  if (!current) throw new Error("test env not started");
  return current;
};

beforeAll(async () => {
  oidc = await TestOidcProviders.start();
  current = await startTestEnv({ clock: () => NOW }, oidc.config());
  tenant = await createTenant(env(), { company: BOUND });
});
afterAll(async () => {
  await stopTestEnv(current);
  await oidc?.close();
});

const oidcSignIn = async (provider: "google" | "microsoft", claims: JWTPayload, companyId = tenant.companyId) =>
  signIn(env(), companyId, "oidc", { provider, idToken: await oidc.idToken(provider, NOW, claims) });
const outcome = (r: Reply) => ({
  status: r.status,
  code: r.status === 200 ? "OK" : errorCode(r),
  user: (r.body.user as { id?: string } | undefined)?.id,
});
const links = (userId: string) =>
  env().database.sql<{ provider: string; subject: string }[]>`
    select provider, subject from sign_in_identities where user_id = ${userId} order by provider`;

describe("companies bind their identity providers", () => {
  test("with no tenant or domain bound (the default), Google and Microsoft sign-in are 403 PROVIDER_NOT_ENABLED", async () => {
    const unbound = await createTenant(env());
    await createUser(env(), unbound, "ann@acme.example");
    for (const provider of ["google", "microsoft"] as const) {
      const r = await oidcSignIn(provider, { email: "ann@acme.example" }, unbound.companyId);
      expect(outcome(r)).toEqual({ status: 403, code: "PROVIDER_NOT_ENABLED", user: undefined });
      expect((r.body.error as { message: string }).message).toMatch(/microsoftTenantIds|googleHostedDomains/);
    }
  });

  test("a Microsoft token from another tenant claiming a user's email is refused, and links nothing", async () => {
    const victim = await createUser(env(), tenant, "ceo@acme.example");
    const r = await oidcSignIn("microsoft", { email: "ceo@acme.example", tid: ATTACKER_TENANT });
    expect(outcome(r)).toEqual({ status: 401, code: "INVALID_TOKEN", user: undefined });
    expect((r.body.error as { message: string }).message).toContain("tenant");
    expect(await links(victim)).toEqual([]);
  });

  test("a Google token without a Workspace domain, or from another one, is refused", async () => {
    await createUser(env(), tenant, "cfo@acme.example");
    for (const hd of [undefined, "evil.example", "acme.example.evil.example"]) {
      const r = await oidcSignIn("google", { email: "cfo@acme.example", hd });
      expect(outcome(r)).toEqual({ status: 401, code: "INVALID_TOKEN", user: undefined });
    }
  });

  test("a Microsoft token without oid, or a first Google sign-in without a verified email, is refused", async () => {
    await createUser(env(), tenant, "dan@acme.example");
    const noOid = await oidcSignIn("microsoft", { email: "dan@acme.example", oid: undefined });
    expect(outcome(noOid).code).toBe("INVALID_TOKEN");
    for (const email_verified of [false, undefined, "yes"]) {
      const r = await oidcSignIn("google", { email: "dan@acme.example", email_verified });
      expect(outcome(r).code).toBe("INVALID_TOKEN");
    }
  });
});

describe("claims Postgres cannot hold", () => {
  test("an email, oid or sub with a NUL, invalid Unicode or over 512 characters is no claim: refused, never a 500", async () => {
    await createUser(env(), tenant, "ivy@acme.example");
    for (const bad of ["ivy@acme.example\u0000", "ivy\ud800@acme.example", `${"i".repeat(520)}@acme.example`]) {
      for (const provider of ["microsoft", "google"] as const) {
        const r = await oidcSignIn(provider, { email: bad });
        expect(outcome(r)).toEqual({ status: 401, code: "INVALID_TOKEN", user: undefined });
      }
      expect(outcome(await oidcSignIn("microsoft", { email: "ivy@acme.example", oid: bad })).code).toBe(
        "INVALID_TOKEN",
      );
      expect(outcome(await oidcSignIn("google", { email: "ivy@acme.example", sub: bad })).code).toBe("INVALID_TOKEN");
    }
  });
});

describe("accounts link at the first sign-in and match by subject afterwards", () => {
  test("the first sign-in links by email and records the provider's stable subject", async () => {
    const userId = await createUser(env(), tenant, "eve@acme.example");
    expect(outcome(await oidcSignIn("microsoft", { email: "eve@acme.example" }))).toMatchObject({ user: userId });
    expect(outcome(await oidcSignIn("google", { email: "Eve@Acme.example" }))).toMatchObject({ user: userId });
    const account = accountOf("eve@acme.example");
    const google = accountOf("Eve@Acme.example");
    expect(await links(userId)).toEqual([
      { provider: "google", subject: google.sub },
      { provider: "microsoft", subject: `${MICROSOFT_TENANT}/${account.oid}` },
    ]);
  });

  test("later sign-ins match the subject only: a changed email still signs in the same user", async () => {
    const userId = await createUser(env(), tenant, "fay@acme.example");
    const account = accountOf("fay@acme.example");
    await oidcSignIn("microsoft", { email: "fay@acme.example" });
    const renamed = await oidcSignIn("microsoft", { email: "fay.new@acme.example", oid: account.oid });
    expect(outcome(renamed)).toEqual({ status: 200, code: "OK", user: userId });
    const noEmail = await oidcSignIn("google", { email: "fay@acme.example" });
    expect(outcome(noEmail).user).toBe(userId);
    const later = await oidcSignIn("google", {
      email: undefined,
      email_verified: undefined,
      sub: accountOf("fay@acme.example").sub,
    });
    expect(outcome(later)).toEqual({ status: 200, code: "OK", user: userId });
  });

  test("another account of the bound tenant that claims a linked user's email is 401 IDENTITY_MISMATCH", async () => {
    const userId = await createUser(env(), tenant, "gus@acme.example");
    await oidcSignIn("microsoft", { email: "gus@acme.example" });
    await oidcSignIn("google", { email: "gus@acme.example" });
    const impostorM = await oidcSignIn("microsoft", { email: "gus@acme.example", oid: accountOf("mallory").oid });
    expect(outcome(impostorM)).toEqual({ status: 401, code: "IDENTITY_MISMATCH", user: undefined });
    const impostorG = await oidcSignIn("google", { email: "gus@acme.example", sub: accountOf("mallory").sub });
    expect(outcome(impostorG)).toEqual({ status: 401, code: "IDENTITY_MISMATCH", user: undefined });
    expect((await links(userId)).length).toBe(2);
  });

  test("a deleted user's link goes with it: the next user with that email links anew", async () => {
    const first = await createUser(env(), tenant, "hal@acme.example");
    expect(outcome(await oidcSignIn("google", { email: "hal@acme.example" })).user).toBe(first);
    expect((await scim(env(), tenant.token, "DELETE", `/Users/${first}`)).status).toBe(204);
    expect(outcome(await oidcSignIn("google", { email: "hal@acme.example" })).code).toBe("UNKNOWN_USER");
    const second = await createUser(env(), tenant, "hal@acme.example");
    expect(outcome(await oidcSignIn("google", { email: "hal@acme.example" })).user).toBe(second);
    expect(await links(second)).toHaveLength(1);
  });

  test("unbinding a provider refuses it and ends the sessions it opened; the other provider is untouched", async () => {
    const company = await createTenant(env(), { company: BOUND });
    await createUser(env(), company, "ivy@acme.example");
    const m = await oidcSignIn("microsoft", { email: "ivy@acme.example" }, company.companyId);
    const g = await oidcSignIn("google", { email: "ivy@acme.example" }, company.companyId);
    expect([m.status, g.status]).toEqual([200, 200]);
    const off = await admin(env(), "PUT", `/companies/${company.companyId}/settings`, { microsoftTenantIds: [] });
    expect(off.status).toBe(200);
    const again = await oidcSignIn("microsoft", { email: "ivy@acme.example" }, company.companyId);
    expect(outcome(again).code).toBe("PROVIDER_NOT_ENABLED");
    expect(outcome(await whoAmI(env(), { token: sessionToken(m) })).code).toBe("PROVIDER_NOT_ENABLED");
    expect((await whoAmI(env(), { token: sessionToken(g) })).status).toBe(200);
  });
});

describe("an admin unlinks a replaced account", () => {
  test("the next sign-in links the account the email names now; that provider's sessions end, others stay", async () => {
    const userId = await createUser(env(), tenant, "jon@acme.example");
    const old = await oidcSignIn("google", { email: "jon@acme.example" });
    const microsoft = await oidcSignIn("microsoft", { email: "jon@acme.example" });
    expect([old.status, microsoft.status]).toEqual([200, 200]);
    // The Workspace account was deleted and recreated: same email, a new subject.
    const replaced = { email: "jon@acme.example", sub: accountOf("jon-recreated").sub };
    expect(outcome(await oidcSignIn("google", replaced)).code).toBe("IDENTITY_MISMATCH");

    const path = `/companies/${tenant.companyId}/users/${userId}/sign-in-identities`;
    const listed = await admin(env(), "GET", path);
    expect(listed.status).toBe(200);
    expect((listed.body.identities as Array<{ provider: string; subject: string }>).map((i) => i.provider)).toEqual([
      "google",
      "microsoft",
    ]);
    expect(listed.body.identities).toContainEqual(
      expect.objectContaining({ provider: "google", subject: accountOf("jon@acme.example").sub }),
    );

    expect((await admin(env(), "DELETE", `${path}/google`)).status).toBe(204);
    expect(outcome(await whoAmI(env(), { token: sessionToken(old) })).code).toBe("SESSION_INVALID");
    expect((await whoAmI(env(), { token: sessionToken(microsoft) })).status).toBe(200);
    expect(outcome(await oidcSignIn("google", replaced))).toEqual({ status: 200, code: "OK", user: userId });
    expect(await links(userId)).toEqual([
      { provider: "google", subject: replaced.sub },
      { provider: "microsoft", subject: `${MICROSOFT_TENANT}/${accountOf("jon@acme.example").oid}` },
    ]);
    // The old account no longer signs in as the user.
    expect(outcome(await oidcSignIn("google", { email: "jon@acme.example" })).code).toBe("IDENTITY_MISMATCH");

    const events = await env().database.sql<{ type: string; data: unknown }[]>`
      select type, data from events where user_id = ${userId} and type = 'user.changed_by_admin'`;
    expect(events).toEqual([{ type: "user.changed_by_admin", data: { fields: ["signInIdentities.google"] } }]);
  });

  test("nothing linked, another company's user, an unknown provider: clear errors, nothing changed", async () => {
    const userId = await createUser(env(), tenant, "kim@acme.example");
    const path = `/companies/${tenant.companyId}/users/${userId}/sign-in-identities`;
    expect((await admin(env(), "GET", path)).body).toEqual({ identities: [] });
    const none = await admin(env(), "DELETE", `${path}/microsoft`);
    expect([none.status, errorCode(none)]).toEqual([404, "SIGN_IN_IDENTITY_NOT_FOUND"]);
    const bogus = await admin(env(), "DELETE", `${path}/saml`);
    expect([bogus.status, errorCode(bogus)]).toEqual([400, "VALIDATION_FAILED"]);

    await oidcSignIn("google", { email: "kim@acme.example" });
    const other = await createTenant(env(), { company: BOUND });
    const elsewhere = await admin(
      env(),
      "DELETE",
      `/companies/${other.companyId}/users/${userId}/sign-in-identities/google`,
    );
    expect([elsewhere.status, errorCode(elsewhere)]).toEqual([404, "USER_NOT_FOUND"]);
    const noCompany = await admin(
      env(),
      "GET",
      `/companies/00000000-0000-4000-8000-000000000000/users/${userId}/sign-in-identities`,
    );
    expect([noCompany.status, errorCode(noCompany)]).toEqual([404, "COMPANY_NOT_FOUND"]);
    expect(await links(userId)).toHaveLength(1);
  });
});
