import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { createTenant, oktaUser, type Reply, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

// userName, externalId (users and groups) and a group's displayName are btree-indexed, and an index entry
// holds at most 2,704 bytes: a longer value that does not compress was a Postgres 54000, a 500. They are
// capped at 512 characters on every write (POST, PUT, PATCH in all its forms) with a 400 invalidValue
// naming the attribute. Random text, not "x".repeat(n): a repeated character compresses under the limit.
// And a PATCHed password is checked as a POST's is (NUL, lone surrogate, length).
const env = useTestEnv();
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

/** `n` random printable ASCII characters: incompressible, one byte each. */
const random = (n: number) => randomBytes(n).toString("base64").slice(0, n);

let tenant: Tenant;
let userId = "";
let groupId = "";
beforeAll(async () => {
  tenant = await createTenant(env());
  userId = (await scim(env(), tenant.token, "POST", "/Users", oktaUser("indexed.target@example.com"))).body
    .id as string;
  const group = await scim(env(), tenant.token, "POST", "/Groups", { displayName: "Target", externalId: "g-target" });
  expect(group.status).toBe(201);
  groupId = group.body.id as string;
});

/** Everything a refused write could have changed: the directory's users and groups, as stored. */
async function snapshot(): Promise<string> {
  const users = await env().database.sql`
    select id, version, user_name, external_id, resource, password_pending from users
    where directory_id = ${tenant.directoryId} order by id`;
  const groups = await env().database.sql`
    select id, version, display_name, external_id from groups where directory_id = ${tenant.directoryId} order by id`;
  return JSON.stringify([users, groups]);
}

function expectRefused(res: Reply, detail: RegExp) {
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(400);
  expect(res.body).toMatchObject({ scimType: "invalidValue" });
  expect(res.body.detail).toMatch(detail);
}

type Case = { name: string; method: string; path: () => string; body: () => unknown; detail: RegExp };

const EXTERNAL_ID = /^externalId is longer than 512 characters$/;
const DISPLAY_NAME = /^displayName is longer than 512 characters$/;

const tooLong: Case[] = [
  // Users: externalId
  {
    name: "POST /Users with a 4,000-character externalId",
    method: "POST",
    path: () => "/Users",
    body: () => oktaUser("long.external@example.com", { externalId: random(4_000) }),
    detail: EXTERNAL_ID,
  },
  {
    name: "POST /Users with a 513-character externalId",
    method: "POST",
    path: () => "/Users",
    body: () => oktaUser("cap.external@example.com", { externalId: random(513) }),
    detail: EXTERNAL_ID,
  },
  {
    name: "PUT /Users/{id} with a 4,000-character externalId",
    method: "PUT",
    path: () => `/Users/${userId}`,
    body: () => oktaUser("indexed.target@example.com", { externalId: random(4_000) }),
    detail: EXTERNAL_ID,
  },
  {
    name: "PATCH /Users/{id} replace externalId (path)",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: () => patch({ op: "replace", path: "externalId", value: random(4_000) }),
    detail: EXTERNAL_ID,
  },
  {
    name: "PATCH /Users/{id} add externalId (URN-qualified path)",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: () => patch({ op: "add", path: `${CORE_USER}:externalId`, value: random(4_000) }),
    detail: EXTERNAL_ID,
  },
  {
    name: "PATCH /Users/{id} replace externalId (no path)",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: () => patch({ op: "replace", value: { externalId: random(4_000), title: "x" } }),
    detail: EXTERNAL_ID,
  },
  {
    name: "PATCH /Users/{id} replace externalId (no path, URN-qualified key)",
    method: "PATCH",
    path: () => `/Users/${userId}`,
    body: () => patch({ op: "replace", value: { [`${CORE_USER}:externalId`]: random(4_000) } }),
    detail: EXTERNAL_ID,
  },
  // Groups: externalId
  {
    name: "POST /Groups with a 16,000-character externalId",
    method: "POST",
    path: () => "/Groups",
    body: () => ({ displayName: "G3", externalId: random(16_000) }),
    detail: EXTERNAL_ID,
  },
  {
    name: "PUT /Groups/{id} with a 16,000-character externalId",
    method: "PUT",
    path: () => `/Groups/${groupId}`,
    body: () => ({ schemas: [CORE_GROUP], displayName: "Target", externalId: random(16_000) }),
    detail: EXTERNAL_ID,
  },
  {
    name: "PATCH /Groups/{id} replace externalId (path)",
    method: "PATCH",
    path: () => `/Groups/${groupId}`,
    body: () => patch({ op: "replace", path: "externalId", value: random(4_000) }),
    detail: EXTERNAL_ID,
  },
  {
    name: "PATCH /Groups/{id} replace externalId (no path)",
    method: "PATCH",
    path: () => `/Groups/${groupId}`,
    body: () => patch({ op: "replace", value: { externalId: random(4_000) } }),
    detail: EXTERNAL_ID,
  },
  // Groups: displayName
  {
    name: "POST /Groups with a 3,000-character displayName",
    method: "POST",
    path: () => "/Groups",
    body: () => ({ displayName: random(3_000) }),
    detail: DISPLAY_NAME,
  },
  {
    name: "POST /Groups with a 513-character displayName",
    method: "POST",
    path: () => "/Groups",
    body: () => ({ displayName: random(513) }),
    detail: DISPLAY_NAME,
  },
  {
    name: "PUT /Groups/{id} with a 3,000-character displayName",
    method: "PUT",
    path: () => `/Groups/${groupId}`,
    body: () => ({ schemas: [CORE_GROUP], displayName: random(3_000), externalId: "g-target" }),
    detail: DISPLAY_NAME,
  },
  {
    name: "PATCH /Groups/{id} replace displayName (path)",
    method: "PATCH",
    path: () => `/Groups/${groupId}`,
    body: () => patch({ op: "replace", path: "displayName", value: random(3_000) }),
    detail: DISPLAY_NAME,
  },
  {
    name: "PATCH /Groups/{id} add displayName (URN-qualified path)",
    method: "PATCH",
    path: () => `/Groups/${groupId}`,
    body: () => patch({ op: "add", path: `${CORE_GROUP}:displayName`, value: random(3_000) }),
    detail: DISPLAY_NAME,
  },
  {
    name: "PATCH /Groups/{id} replace displayName (no path, Okta's rename with the id in the value)",
    method: "PATCH",
    path: () => `/Groups/${groupId}`,
    body: () => patch({ op: "replace", value: { id: groupId, displayName: random(3_000) } }),
    detail: DISPLAY_NAME,
  },
  {
    name: "PATCH /Groups/{id}: a member added in the same request is not written either",
    method: "PATCH",
    path: () => `/Groups/${groupId}`,
    body: () =>
      patch(
        { op: "add", path: "members", value: [{ value: userId }] },
        { op: "replace", path: "displayName", value: random(3_000) },
      ),
    detail: DISPLAY_NAME,
  },
];

describe("values an index holds are capped at 512 characters: 400 invalidValue, nothing written", () => {
  for (const c of tooLong) {
    test(c.name, async () => {
      const before = await snapshot();
      const res = await scim(env(), tenant.token, c.method, c.path(), c.body());
      expectRefused(res, c.detail);
      expect(await snapshot()).toBe(before);
    });
  }

  test("a multi-valued attribute's value filter on a user: an overlong externalId elsewhere in the PATCH refuses it all", async () => {
    const before = await snapshot();
    const res = await scim(
      env(),
      tenant.token,
      "PATCH",
      `/Users/${userId}`,
      patch(
        { op: "replace", path: 'emails[type eq "work"].value', value: "changed@example.com" },
        { op: "replace", path: "externalId", value: random(4_000) },
      ),
    );
    expectRefused(res, EXTERNAL_ID);
    expect(await snapshot()).toBe(before);
  });
});

describe("a value exactly at the cap is accepted and reads back as sent", () => {
  // 512 characters: ASCII (512 bytes), € (3 bytes each: 1,536) and 256 astral characters (512 UTF-16 units).
  const atCap = () => [random(512), "€".repeat(512), "😀".repeat(256)];

  test("users: externalId by POST, PUT and PATCH", async () => {
    for (const [i, externalId] of atCap().entries()) {
      const userName = `at.cap.${i}@example.com`;
      const created = await scim(env(), tenant.token, "POST", "/Users", oktaUser(userName, { externalId }));
      expect(created.status, JSON.stringify(created.body).slice(0, 300)).toBe(201);
      const id = created.body.id as string;
      expect((await scim(env(), tenant.token, "GET", `/Users/${id}`)).body.externalId).toBe(externalId);

      const replaced = `${externalId.slice(0, -2)}Zz`;
      const put = await scim(env(), tenant.token, "PUT", `/Users/${id}`, oktaUser(userName, { externalId: replaced }));
      expect(put.status).toBe(200);
      expect((await scim(env(), tenant.token, "GET", `/Users/${id}`)).body.externalId).toBe(replaced);

      const patched = `Yy${externalId.slice(2)}`;
      const res = await scim(
        env(),
        tenant.token,
        "PATCH",
        `/Users/${id}`,
        patch({ op: "replace", path: "externalId", value: patched }),
      );
      expect(res.status).toBe(200);
      expect((await scim(env(), tenant.token, "GET", `/Users/${id}`)).body.externalId).toBe(patched);
      const [row] = await env().database.sql`select external_id from users where id = ${id}`;
      expect(row?.external_id).toBe(patched);
    }
  });

  test("groups: displayName and externalId by POST, PUT and PATCH", async () => {
    for (const value of atCap()) {
      const created = await scim(env(), tenant.token, "POST", "/Groups", { displayName: value, externalId: value });
      expect(created.status, JSON.stringify(created.body).slice(0, 300)).toBe(201);
      const id = created.body.id as string;
      let read = await scim(env(), tenant.token, "GET", `/Groups/${id}`);
      expect(read.body).toMatchObject({ displayName: value, externalId: value });

      const replaced = `${value.slice(0, -2)}Zz`;
      const put = await scim(env(), tenant.token, "PUT", `/Groups/${id}`, {
        schemas: [CORE_GROUP],
        displayName: replaced,
        externalId: replaced,
      });
      expect(put.status).toBe(200);
      read = await scim(env(), tenant.token, "GET", `/Groups/${id}`);
      expect(read.body).toMatchObject({ displayName: replaced, externalId: replaced });

      const patched = `Yy${value.slice(2)}`;
      const res = await scim(
        env(),
        tenant.token,
        "PATCH",
        `/Groups/${id}`,
        patch({ op: "replace", value: { displayName: patched, externalId: patched } }),
      );
      expect(res.status).toBe(200);
      read = await scim(env(), tenant.token, "GET", `/Groups/${id}`);
      expect(read.body).toMatchObject({ displayName: patched, externalId: patched });
      const [row] = await env().database.sql`select display_name, external_id from groups where id = ${id}`;
      expect(row).toMatchObject({ display_name: patched, external_id: patched });
    }
  });
});

describe("a PATCHed password is refused as a POSTed one is", () => {
  const hostile: Array<[string, () => string, RegExp]> = [
    ["a NUL", () => "pass\u0000word", /^password contains a NUL character or invalid Unicode$/],
    ["a lone surrogate", () => "pass\ud800word", /^password contains a NUL character or invalid Unicode$/],
    ["500,000 characters", () => random(500_000), /^password is longer than 16384 characters$/],
  ];

  for (const [what, password, detail] of hostile) {
    test(`a password with ${what}: POST, PUT and PATCH (path and no path) are 400 invalidValue, nothing written`, async () => {
      const before = await snapshot();
      const post = await scim(
        env(),
        tenant.token,
        "POST",
        "/Users",
        oktaUser("pw.hostile@example.com", { password: password() }),
      );
      expectRefused(post, detail);
      const put = await scim(
        env(),
        tenant.token,
        "PUT",
        `/Users/${userId}`,
        oktaUser("indexed.target@example.com", { password: password() }),
      );
      expectRefused(put, detail);
      for (const body of [
        patch({ op: "replace", path: "password", value: password() }),
        patch({ op: "add", path: `${CORE_USER}:password`, value: password() }),
        patch({ op: "replace", value: { password: password() } }),
        patch({ op: "replace", value: { title: "changed", password: password() } }),
      ]) {
        const res = await scim(env(), tenant.token, "PATCH", `/Users/${userId}`, body);
        expectRefused(res, detail);
        expect(res.body.detail).toBe(post.body.detail);
      }
      expect(await snapshot()).toBe(before);
    });
  }

  test("a well-formed password at 16,384 characters is accepted by PATCH, sealed", async () => {
    const res = await scim(
      env(),
      tenant.token,
      "PATCH",
      `/Users/${userId}`,
      patch({ op: "replace", path: "password", value: random(16_384) }),
    );
    expect(res.status).toBe(200);
    const [row] = await env().database.sql`select password_pending from users where id = ${userId}`;
    expect(row?.password_pending).toMatch(/^v2\.[A-Za-z0-9_-]{8}\./);
  });
});
