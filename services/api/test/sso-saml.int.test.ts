import { createHash } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { createTenant, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import {
  configureSaml,
  createUser,
  errorCode,
  type ServiceProviderView,
  sessionToken,
  setActive,
  whoAmI,
} from "./helpers/sso-clients.ts";
import { postAcs, type ResponseOptions, readAuthnRequest, TestIdp } from "./helpers/sso-idp.ts";

const clock = { now: new Date("2031-03-10T09:30:00.000Z") };
const env = useTestEnv({ clock: () => clock.now }, { PUBLIC_BASE_URL: "https://scimline.example.test" });
let idp: TestIdp;
let tenant: Tenant;
let sp: ServiceProviderView;
beforeAll(async () => {
  idp = await TestIdp.create();
  tenant = await createTenant(env());
  sp = await configureSaml(env(), tenant.companyId, idp.metadataXml());
});

// Browsers drop tabs and newlines and read a backslash as `/`: each of these would leave the site.
const OPEN_REDIRECTS = [
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "https://evil.example/",
  "//evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "/%2F/evil.example",
  "/%5C%5Cevil.example",
  "/%09/evil.example",
  "/..//evil.example",
];

const respond = (o: Partial<ResponseOptions> & { nameId: string }) =>
  idp.response({ acsUrl: sp.acsUrl, audience: sp.entityId, now: clock.now, ...o });

describe("SAML sign-in", () => {
  test("IdP-initiated: a signed assertion for an active user gives a session (cookie and body), stored only hashed", async () => {
    const userId = await createUser(env(), tenant, "alice@acme.example");
    const res = await postAcs(env(), tenant.companyId, respond({ nameId: "alice@acme.example" }), "/calls");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      user: { id: userId, userName: "alice@acme.example" },
      companyId: tenant.companyId,
      method: "saml",
      relayState: "/calls",
    });
    const token = sessionToken(res);
    expect(token).toMatch(/^sls_[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toContain(`__Host-scimline_session=${token}`);
    for (const flag of ["HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=28800"])
      expect(cookie).toContain(flag);

    const rows = await env().database
      .sql`select token_hash, method, user_id from auth_sessions where user_id = ${userId}`;
    expect(rows).toEqual([
      { token_hash: createHash("sha256").update(token).digest("hex"), method: "saml", user_id: userId },
    ]);
    const me = await whoAmI(env(), { cookie: `__Host-scimline_session=${token}` });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { id: userId, userName: "alice@acme.example" }, method: "saml" });
    expect((await whoAmI(env(), { token })).status).toBe(200);
  });

  test("a RelayState that is not a path on this site is not echoed (no open redirect)", async () => {
    await createUser(env(), tenant, "relay@acme.example");
    for (const relay of OPEN_REDIRECTS) {
      const res = await postAcs(env(), tenant.companyId, respond({ nameId: "relay@acme.example" }), relay);
      expect(res.status).toBe(200);
      expect(res.body.relayState).toBeUndefined();
    }
  });

  test("the NameID matches the userName or the email, case-insensitively", async () => {
    const carol = await createUser(env(), tenant, "Carol.King@Acme.example");
    const dave = await createUser(env(), tenant, "dave", {
      emails: [{ value: "Dave.Smith@acme.example", primary: true }],
    });
    const byName = await postAcs(env(), tenant.companyId, respond({ nameId: "carol.king@ACME.EXAMPLE" }));
    expect(byName.status).toBe(200);
    expect(byName.body.user).toEqual({ id: carol, userName: "Carol.King@Acme.example" });
    const byEmail = await postAcs(env(), tenant.companyId, respond({ nameId: "dave.smith@acme.example" }));
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.user).toEqual({ id: dave, userName: "dave" });
  });

  test("SP-initiated: the login URL redirects to the IdP with an AuthnRequest whose id the response must answer, once", async () => {
    const userId = await createUser(env(), tenant, "sp.init@acme.example");
    const login = await env().app.request(`/sso/${tenant.companyId}/saml/login?RelayState=%2Fhome`);
    expect(login.status).toBe(302);
    const location = login.headers.get("location") ?? "";
    expect(location.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
    const request = readAuthnRequest(location);
    expect(request).toMatchObject({ acsUrl: sp.acsUrl, issuer: sp.entityId, relayState: "/home" });
    expect(request.id).toMatch(/^_[0-9a-f]{40}$/);

    const res = await postAcs(
      env(),
      tenant.companyId,
      respond({ nameId: "sp.init@acme.example", inResponseTo: request.id }),
      "/home",
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { id: userId }, method: "saml", relayState: "/home" });

    // A second, freshly signed response to the same request, and one to a request never made.
    for (const inResponseTo of [request.id, "_never-issued"]) {
      const again = await postAcs(env(), tenant.companyId, respond({ nameId: "sp.init@acme.example", inResponseTo }));
      expect(again.status).toBe(401);
      expect(errorCode(again)).toBe("SAML_UNKNOWN_REQUEST");
    }
  });

  test("SP-initiated: a response after the request's lifetime (SAML_REQUEST_TTL_SECONDS) is refused", async () => {
    await createUser(env(), tenant, "slow@acme.example");
    const login = await env().app.request(`/sso/${tenant.companyId}/saml/login`);
    const { id } = readAuthnRequest(login.headers.get("location") ?? "");
    const started = clock.now;
    clock.now = new Date(started.getTime() + 601_000);
    try {
      const res = await postAcs(env(), tenant.companyId, respond({ nameId: "slow@acme.example", inResponseTo: id }));
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe("SAML_UNKNOWN_REQUEST");
    } finally {
      clock.now = started;
    }
  });

  test("the login URL refuses a RelayState that is not a path on this site", async () => {
    for (const relay of OPEN_REDIRECTS) {
      const res = await env().app.request(
        `/sso/${tenant.companyId}/saml/login?RelayState=${encodeURIComponent(relay)}`,
      );
      expect(res.status, JSON.stringify(relay)).toBe(400);
    }
  });

  test("an unknown user is 401 UNKNOWN_USER", async () => {
    const res = await postAcs(env(), tenant.companyId, respond({ nameId: "nobody@acme.example" }));
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("UNKNOWN_USER");
  });

  test("a suspended user is 403 USER_SUSPENDED, and its open session ends at once", async () => {
    const userId = await createUser(env(), tenant, "erin@acme.example");
    const before = await postAcs(env(), tenant.companyId, respond({ nameId: "erin@acme.example" }));
    expect(before.status).toBe(200);
    expect((await setActive(env(), tenant, userId, false)).status).toBe(200);

    const res = await postAcs(env(), tenant.companyId, respond({ nameId: "erin@acme.example" }));
    expect(res.status).toBe(403);
    expect(errorCode(res)).toBe("USER_SUSPENDED");
    const me = await whoAmI(env(), { token: sessionToken(before) });
    expect(me.status).toBe(403);
    expect(errorCode(me)).toBe("USER_SUSPENDED");
    // The session is gone for good: reactivation does not revive it.
    await setActive(env(), tenant, userId, true);
    expect((await whoAmI(env(), { token: sessionToken(before) })).status).toBe(401);
  });

  test("status suspended (reactivated over SCIM, not yet reprovisioned) is refused too", async () => {
    const userId = await createUser(env(), tenant, "frank@acme.example");
    await env().database.sql`update users set status = 'suspended' where id = ${userId}`;
    const res = await postAcs(env(), tenant.companyId, respond({ nameId: "frank@acme.example" }));
    expect(res.status).toBe(403);
    expect(errorCode(res)).toBe("USER_SUSPENDED");
  });

  test("a deleted user is unknown, and its session ends", async () => {
    const userId = await createUser(env(), tenant, "gone@acme.example");
    const before = await postAcs(env(), tenant.companyId, respond({ nameId: "gone@acme.example" }));
    expect(before.status).toBe(200);
    expect((await scim(env(), tenant.token, "DELETE", `/Users/${userId}`)).status).toBe(204);
    const res = await postAcs(env(), tenant.companyId, respond({ nameId: "gone@acme.example" }));
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("UNKNOWN_USER");
    expect((await whoAmI(env(), { token: sessionToken(before) })).status).toBe(401);
  });

  test("sessions expire after SESSION_TTL_SECONDS; sign-out ends one", async () => {
    await createUser(env(), tenant, "hank@acme.example");
    const a = sessionToken(await postAcs(env(), tenant.companyId, respond({ nameId: "hank@acme.example" })));
    const b = sessionToken(await postAcs(env(), tenant.companyId, respond({ nameId: "hank@acme.example" })));
    const out = await env().app.request("/auth/session", {
      method: "DELETE",
      headers: { Authorization: `Bearer ${a}` },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toContain("__Host-scimline_session=;");
    expect((await whoAmI(env(), { token: a })).status).toBe(401);
    expect((await whoAmI(env(), { token: b })).status).toBe(200);
    const started = clock.now;
    clock.now = new Date(started.getTime() + 28_800_000);
    try {
      expect((await whoAmI(env(), { token: b })).status).toBe(401);
    } finally {
      clock.now = started;
    }
    expect((await whoAmI(env(), { token: "sls_not-a-session" })).status).toBe(401);
  });
});
