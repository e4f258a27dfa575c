import { randomBytes, scryptSync } from "node:crypto";
import { hashPassword } from "@scimline/db";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTenant, scim, type Tenant } from "./helpers/clients.ts";
import { startTestEnv, stopTestEnv, type TestEnv } from "./helpers/env.ts";
import {
  configureSaml,
  createUser,
  errorCode,
  type ServiceProviderView,
  sessionToken,
  setActive,
  setPreventOtherSso,
  signIn,
  whoAmI,
} from "./helpers/sso-clients.ts";
import { postAcs, TestIdp } from "./helpers/sso-idp.ts";
import { BOUND, TestOidcProviders } from "./helpers/sso-oidc.ts";

const NOW = new Date("2031-03-10T09:30:00.000Z");
const PASSWORD = "tempP@ss123!"; // what oktaUser() syncs
const epoch = Math.floor(NOW.getTime() / 1000);
let current: TestEnv | undefined;
let oidc: TestOidcProviders;
let idp: TestIdp;
let tenant: Tenant;
let sp: ServiceProviderView;
const env = () => {
  if (!current) throw new Error("test env not started");
  return current;
};

beforeAll(async () => {
  // The key sets listen on an ephemeral port, so the app's configuration is known only then.
  oidc = await TestOidcProviders.start();
  current = await startTestEnv({ clock: () => NOW }, oidc.config());
  idp = await TestIdp.create();
  tenant = await createTenant(env(), { company: BOUND });
  sp = await configureSaml(env(), tenant.companyId, idp.metadataXml());
});
afterAll(async () => {
  await stopTestEnv(current);
  await oidc?.close();
});

const password = (userName: string, pw = PASSWORD) =>
  signIn(env(), tenant.companyId, "password", { userName, password: pw });
const google = async (email: string, claims = {}, options = {}) =>
  signIn(env(), tenant.companyId, "oidc", {
    provider: "google",
    idToken: await oidc.idToken("google", NOW, { email, ...claims }, options),
  });
const microsoft = async (email: string, claims = {}) =>
  signIn(env(), tenant.companyId, "oidc", {
    provider: "microsoft",
    idToken: await oidc.idToken("microsoft", NOW, { email, ...claims }),
  });
const saml = (nameId: string) =>
  postAcs(env(), tenant.companyId, idp.response({ nameId, acsUrl: sp.acsUrl, audience: sp.entityId, now: NOW }));

describe("password sign-in", () => {
  test("the password synced over SCIM works while still sealed, and after the worker has hashed it", async () => {
    const userId = await createUser(env(), tenant, "pat@acme.example");
    const sealed = await password("PAT@acme.example");
    expect(sealed.status).toBe(200);
    expect(sealed.body).toMatchObject({ user: { id: userId, userName: "pat@acme.example" }, method: "password" });
    expect((await whoAmI(env(), { token: sessionToken(sealed) })).status).toBe(200);
    // What the worker's password sweeper does.
    await env().database.sql`
      update users set password_hash = ${await hashPassword(PASSWORD)}, password_pending = null where id = ${userId}`;
    expect((await password("pat@acme.example")).status).toBe(200);
    expect((await password("pat@acme.example", "wrong")).status).toBe(401);
  });

  test("a hash made with older scrypt parameters still signs in, and is replaced by one with today's", async () => {
    const userId = await createUser(env(), tenant, "olga@acme.example");
    const salt = randomBytes(16);
    const key = scryptSync(PASSWORD, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const old = `scrypt$32768$8$1$${salt.toString("base64url")}$${key.toString("base64url")}`;
    await env().database.sql`update users set password_hash = ${old}, password_pending = null where id = ${userId}`;
    expect((await password("olga@acme.example", "wrong")).status).toBe(401);
    expect((await password("olga@acme.example")).status).toBe(200);
    const [row] = await env().database.sql<{ password_hash: string }[]>`
      select password_hash from users where id = ${userId}`;
    expect(row?.password_hash).toMatch(/^scrypt\$16384\$8\$5\$/);
    expect((await password("olga@acme.example")).status).toBe(200);
  });

  test("after a password change over SCIM the new one works at once and the old hash no longer does", async () => {
    const userId = await createUser(env(), tenant, "quinn@acme.example");
    await env().database.sql`
      update users set password_hash = ${await hashPassword(PASSWORD)}, password_pending = null where id = ${userId}`;
    const change = await scim(env(), tenant.token, "PATCH", `/Users/${userId}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { password: "N3w-secret!" } }],
    });
    expect(change.status).toBe(200);
    expect((await password("quinn@acme.example", "N3w-secret!")).status).toBe(200);
    expect((await password("quinn@acme.example")).status).toBe(401);
  });

  test("wrong password, unknown user and a user without a password look the same: 401 INVALID_CREDENTIALS", async () => {
    await createUser(env(), tenant, "rae@acme.example");
    await createUser(env(), tenant, "nopass@acme.example", { password: undefined });
    const replies = [
      await password("rae@acme.example", "guess"),
      await password("nobody@acme.example"),
      await password("nopass@acme.example"),
    ];
    for (const r of replies) {
      expect(r.status).toBe(401);
      expect(r.body.error).toMatchObject({
        code: "INVALID_CREDENTIALS",
        message: "The user name or password is incorrect",
      });
    }
  });

  test("bad requests: not JSON is 415, missing fields 400, unknown company 404", async () => {
    const form = await env().app.request(`/auth/${tenant.companyId}/password`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "userName=a&password=b",
    });
    expect(form.status).toBe(415);
    const missing = await signIn(env(), tenant.companyId, "password", { userName: "a" });
    expect({ status: missing.status, code: errorCode(missing) }).toEqual({ status: 400, code: "VALIDATION_FAILED" });
    const unknown = await signIn(env(), "00000000-0000-0000-0000-000000000000", "password", {
      userName: "a",
      password: "b",
    });
    expect({ status: unknown.status, code: errorCode(unknown) }).toEqual({ status: 404, code: "COMPANY_NOT_FOUND" });
  });
});

describe("Google and Microsoft sign-in", () => {
  test("a valid ID token signs in the user whose userName or email it carries", async () => {
    const userId = await createUser(env(), tenant, "sam@acme.example");
    const g = await google("Sam@Acme.example");
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ user: { id: userId }, method: "google" });
    const m = await microsoft("sam@acme.example");
    expect(m.status).toBe(200);
    expect(m.body).toMatchObject({ user: { id: userId }, method: "microsoft" });
  });

  test("tokens with the wrong audience, issuer, key, expiry or an unverified email are 401 INVALID_TOKEN", async () => {
    await createUser(env(), tenant, "tess@acme.example");
    const cases = [
      await google("tess@acme.example", { aud: "someone-elses-client" }),
      await google("tess@acme.example", { iss: "https://accounts.evil.example" }),
      await google("tess@acme.example", {}, { key: oidc.otherKey }),
      await google("tess@acme.example", { iat: epoch - 7200, exp: epoch - 61 }),
      await google("tess@acme.example", { email_verified: false }),
      await microsoft("tess@acme.example", { tid: "11111111-2222-3333-4444-555555555555" }),
      await signIn(env(), tenant.companyId, "oidc", { provider: "google", idToken: "not.a.jwt" }),
    ];
    for (const [i, r] of cases.entries())
      expect({ i, status: r.status, code: errorCode(r) }).toEqual({ i, status: 401, code: "INVALID_TOKEN" });
  });

  test("expiry has the same clock skew as SAML (60 s)", async () => {
    await createUser(env(), tenant, "skew@acme.example");
    expect((await google("skew@acme.example", { iat: epoch - 3600, exp: epoch - 30 })).status).toBe(200);
  });

  test("an email no user has is 401 UNKNOWN_USER", async () => {
    const r = await google("stranger@acme.example");
    expect({ status: r.status, code: errorCode(r) }).toEqual({ status: 401, code: "UNKNOWN_USER" });
  });
});

describe("suspended and deleted users never sign in, by any method", () => {
  test("suspended: 403 USER_SUSPENDED for SAML, Google, Microsoft and the right password; wrong password stays 401", async () => {
    const userId = await createUser(env(), tenant, "uma@acme.example");
    expect((await setActive(env(), tenant, userId, false)).status).toBe(200);
    for (const r of [
      await saml("uma@acme.example"),
      await google("uma@acme.example"),
      await microsoft("uma@acme.example"),
      await password("uma@acme.example"),
    ])
      expect({ status: r.status, code: errorCode(r) }).toEqual({ status: 403, code: "USER_SUSPENDED" });
    expect(errorCode(await password("uma@acme.example", "guess"))).toBe("INVALID_CREDENTIALS");
  });

  test("deleted: refused everywhere as an unknown user", async () => {
    const userId = await createUser(env(), tenant, "vic@acme.example");
    const sessions = [
      await saml("vic@acme.example"),
      await google("vic@acme.example"),
      await password("vic@acme.example"),
    ];
    expect(sessions.map((s) => s.status)).toEqual([200, 200, 200]);
    expect((await scim(env(), tenant.token, "DELETE", `/Users/${userId}`)).status).toBe(204);
    expect(errorCode(await saml("vic@acme.example"))).toBe("UNKNOWN_USER");
    expect(errorCode(await google("vic@acme.example"))).toBe("UNKNOWN_USER");
    expect(errorCode(await microsoft("vic@acme.example"))).toBe("UNKNOWN_USER");
    expect(errorCode(await password("vic@acme.example"))).toBe("INVALID_CREDENTIALS");
    for (const s of sessions) expect((await whoAmI(env(), { token: sessionToken(s) })).status).toBe(401);
  });
});

describe('"Prevent users from logging in with other SSO providers"', () => {
  test("on: password, Google and Microsoft are 403 SSO_REQUIRED naming SAML; SAML still works; off again: all work", async () => {
    const policyTenant = tenant;
    await createUser(env(), policyTenant, "wes@acme.example");
    const before = await password("wes@acme.example");
    expect(before.status).toBe(200);
    expect((await setPreventOtherSso(env(), policyTenant.companyId, true)).status).toBe(200);
    try {
      for (const r of [
        await password("wes@acme.example"),
        await password("nobody@acme.example", "whatever"),
        await google("wes@acme.example"),
        await microsoft("wes@acme.example"),
      ]) {
        expect({ status: r.status, code: errorCode(r) }).toEqual({ status: 403, code: "SSO_REQUIRED" });
        expect((r.body.error as { message: string }).message).toMatch(/SAML single sign-on/);
        expect((r.body.error as { message: string }).message).toContain(`/sso/${policyTenant.companyId}/saml/login`);
      }
      const viaSaml = await saml("wes@acme.example");
      expect(viaSaml.status).toBe(200);
      // Sessions from other methods end when the policy turns on; the SAML one stays.
      const old = await whoAmI(env(), { token: sessionToken(before) });
      expect({ status: old.status, code: errorCode(old) }).toEqual({ status: 403, code: "SSO_REQUIRED" });
      expect((await whoAmI(env(), { token: sessionToken(viaSaml) })).status).toBe(200);
    } finally {
      await setPreventOtherSso(env(), policyTenant.companyId, false);
    }
    expect((await password("wes@acme.example")).status).toBe(200);
    expect((await google("wes@acme.example")).status).toBe(200);
  });

  test("the policy of one company does not touch another's", async () => {
    const strict = await createTenant(env(), { company: { preventOtherSso: true, ...BOUND } });
    await createUser(env(), strict, "xena@acme.example");
    await createUser(env(), tenant, "xena@acme.example");
    expect(
      errorCode(
        await signIn(env(), strict.companyId, "password", { userName: "xena@acme.example", password: PASSWORD }),
      ),
    ).toBe("SSO_REQUIRED");
    expect((await password("xena@acme.example")).status).toBe(200);
  });
});
