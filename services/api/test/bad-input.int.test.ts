import { describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";
let tenant: Tenant | undefined;
let userId = "";

async function setup() {
  if (tenant) return tenant;
  tenant = await createTenant(env());
  userId = (await scim(env(), tenant.token, "POST", "/Users", oktaUser("target.user@example.com"))).body.id as string;
  return tenant;
}

type Case = {
  name: string;
  method: string;
  path: () => string;
  body?: unknown;
  status: number;
  scimType?: string;
  detail?: RegExp;
};

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

const cases: Case[] = [
  {
    name: "invalid JSON",
    method: "POST",
    path: () => "/Users",
    body: "{not json",
    status: 400,
    scimType: "invalidSyntax",
  },
  { name: "empty body", method: "POST", path: () => "/Users", body: "", status: 400, scimType: "invalidSyntax" },
  {
    name: "a JSON array body",
    method: "POST",
    path: () => "/Users",
    body: "[]",
    status: 400,
    scimType: "invalidSyntax",
  },
  {
    name: "missing userName",
    method: "POST",
    path: () => "/Users",
    body: { name: { givenName: "x" } },
    status: 400,
    scimType: "invalidValue",
    detail: /userName/,
  },
  {
    name: "blank userName",
    method: "POST",
    path: () => "/Users",
    body: { userName: "   " },
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "userName of the wrong type",
    method: "POST",
    path: () => "/Users",
    body: { userName: true },
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "active of the wrong type",
    method: "POST",
    path: () => "/Users",
    body: { userName: "a@x.io", active: "maybe" },
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "emails not an array",
    method: "POST",
    path: () => "/Users",
    body: { userName: "a@x.io", emails: "a@x.io" },
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "two primary emails",
    method: "POST",
    path: () => "/Users",
    body: {
      userName: "a@x.io",
      emails: [
        { value: "a", primary: true },
        { value: "b", primary: true },
      ],
    },
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "NUL byte in a value",
    method: "POST",
    path: () => "/Users",
    body: { userName: "nul\u0000user" },
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "lone surrogate",
    method: "POST",
    path: () => "/Users",
    body: '{"userName":"bad\\ud800x"}',
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "__proto__ key",
    method: "POST",
    path: () => "/Users",
    body: '{"userName":"p@x.io","__proto__":{"admin":true}}',
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "unknown licenseType lists the allowed values",
    method: "POST",
    path: () => "/Users",
    body: oktaUser("lic@x.io", { licenseType: "Gold" }),
    status: 400,
    scimType: "invalidValue",
    detail: /Dialpad_Ai Voice/,
  },
  {
    name: "invalid filter",
    method: "GET",
    path: () => `/Users?filter=${encodeURIComponent("userName eq")}`,
    status: 400,
    scimType: "invalidFilter",
  },
  {
    name: "unknown filter operator",
    method: "GET",
    path: () => `/Users?filter=${encodeURIComponent('userName xx "a"')}`,
    status: 400,
    scimType: "invalidFilter",
  },
  {
    name: "gt on a boolean",
    method: "GET",
    path: () => `/Users?filter=${encodeURIComponent("active gt true")}`,
    status: 400,
    scimType: "invalidFilter",
  },
  { name: "non-numeric count", method: "GET", path: () => "/Users?count=lots", status: 400, scimType: "invalidValue" },
  {
    name: "bad sortOrder",
    method: "GET",
    path: () => "/Users?sortBy=userName&sortOrder=sideways",
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "PATCH without the PatchOp schema",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: { Operations: [{ op: "replace", value: { active: false } }] },
    status: 400,
    scimType: "invalidSyntax",
  },
  {
    name: "PATCH with an unknown op",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: patch({ op: "merge", path: "title", value: "x" }),
    status: 400,
    scimType: "invalidSyntax",
  },
  {
    name: "PATCH remove without path",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: patch({ op: "remove" }),
    status: 400,
    scimType: "noTarget",
  },
  {
    name: "PATCH on the DID",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: patch({ op: "replace", path: `${TELEPHONY}:did`, value: "+14155550100" }),
    status: 400,
    scimType: "mutability",
    detail: /admin/,
  },
  {
    name: "PATCH on the extension",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: patch({ op: "replace", path: `${TELEPHONY}:extension`, value: "123" }),
    status: 400,
    scimType: "mutability",
  },
  {
    name: "PATCH changing licenseType",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: patch({ op: "replace", path: "licenseType", value: "Dialpad_Ai Sales" }),
    status: 400,
    scimType: "mutability",
    detail: /admin/,
  },
  {
    name: "PUT changing licenseType",
    method: "PUT",
    path: () => `/Users/${userId}`,
    body: oktaUser("target.user@example.com", { licenseType: "Dialpad_Support" }),
    status: 400,
    scimType: "mutability",
  },
  {
    name: "unknown user id (UUID)",
    method: "GET",
    path: () => "/Users/00000000-0000-7000-8000-000000000000",
    status: 404,
  },
  { name: "non-UUID id", method: "GET", path: () => "/Users/00919288221112222", status: 404 },
  {
    name: "PATCH of an unknown id",
    method: "PATCH",
    path: () => "/Users/nope",
    body: patch({ op: "replace", value: { active: false } }),
    status: 404,
  },
  { name: "DELETE of a non-UUID group", method: "DELETE", path: () => "/Groups/'; drop table groups; --", status: 404 },
  {
    name: "group without displayName",
    method: "POST",
    path: () => "/Groups",
    body: { members: [] },
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "group member that does not exist",
    method: "POST",
    path: () => "/Groups",
    body: { displayName: "G", members: [{ value: "00000000-0000-7000-8000-000000000000" }] },
    status: 400,
    scimType: "invalidValue",
  },
  { name: "an unknown endpoint", method: "GET", path: () => "/Bulk", status: 404 },
];

describe("bad input gets a SCIM error, never a 500 or a partial write", () => {
  test.each(cases)("$name → $status $scimType", async (c) => {
    const t = await setup();
    const res = await scim(env(), t.token, c.method, c.path(), c.body);
    expect(res.status).toBe(c.status);
    expect(res.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: String(c.status),
    });
    expect(typeof res.body.detail).toBe("string");
    if (c.scimType) expect(res.body.scimType).toBe(c.scimType);
    if (c.detail) expect(res.body.detail).toMatch(c.detail);
  });

  test("nothing was written by the refused requests: one user, its first version, no group", async () => {
    const t = await setup();
    const users = await scim(env(), t.token, "GET", "/Users");
    expect(users.body.totalResults).toBe(1);
    expect((users.body.Resources as Array<{ meta: { version: string } }>)[0]?.meta.version).toBe('W/"1"');
    expect((await scim(env(), t.token, "GET", "/Groups")).body.totalResults).toBe(0);
  });

  test("a PATCH whose second operation fails changes nothing (atomic)", async () => {
    const t = await setup();
    const res = await scim(
      env(),
      t.token,
      "PATCH",
      `/Users/${userId}`,
      patch({ op: "replace", path: "title", value: "Changed" }, { op: "remove", path: 'emails[type eq "nope"]' }),
    );
    expect(res.status).toBe(400);
    const read = await scim(env(), t.token, "GET", `/Users/${userId}`);
    expect(read.body).not.toHaveProperty("title");
  });

  test("a body over 1 MiB is 413", async () => {
    const t = await setup();
    const res = await scim(env(), t.token, "POST", "/Users", {
      userName: "big@x.io",
      title: "x".repeat(1024 * 1024 + 10),
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: "413" });
  });

  test("no token, a wrong token and a revoked token are 401 with a SCIM error", async () => {
    const t = await setup();
    const none = await env().app.request("/scim/v2/Users");
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      status: "401",
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
    });
    expect((await scim(env(), "scim_wrong", "GET", "/Users")).status).toBe(401);
    expect(t.token).toMatch(/^scim_/);
  });
});

describe("the admin API refuses a body that is not JSON", () => {
  test("400 INVALID_JSON", async () => {
    const res = await env().app.request("/api/v1/companies", {
      method: "POST",
      headers: { Authorization: "Bearer test-admin-key-0123456789", "Content-Type": "application/json" },
      body: "{oops",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_JSON");
  });
});
