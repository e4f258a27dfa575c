import { describe, expect, test } from "vitest";
import { createTenant, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const entraUser = (upn: string, extra: Record<string, unknown> = {}) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
  externalId: upn.split("@")[0],
  userName: upn,
  active: true,
  emails: [{ primary: true, type: "work", value: upn }],
  meta: { resourceType: "User" },
  name: { formatted: "Ada Lovelace", familyName: "Lovelace", givenName: "Ada" },
  roles: [],
  [ENTERPRISE]: { employeeNumber: "701984", department: "Engineering" },
  ...extra,
});

describe("Microsoft Entra ID", () => {
  test("test connection: a filter on a random GUID is 200 with an empty ListResponse", async () => {
    const t = await createTenant(env());
    const res = await scim(
      env(),
      t.token,
      "GET",
      `/Users?filter=${encodeURIComponent('userName eq "f4a1c2b0-2f33-4e5b-9c6d-7e8f9a0b1c2d"')}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  test("create, then lookups by externalId and by the work-email value path", async () => {
    const t = await createTenant(env());
    const created = await scim(env(), t.token, "POST", "/Users", entraUser("ada@contoso.com"));
    expect(created.status).toBe(201);
    for (const filter of [
      'externalId eq "ada"',
      'emails[type eq "work"].value eq "ada@contoso.com"',
      'userName eq "ADA@contoso.com" and active eq true',
    ]) {
      const res = await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent(filter)}`);
      expect(res.body.totalResults, filter).toBe(1);
    }
  });

  test('disable with Replace and the string "False", then enable with "True"', async () => {
    const t = await createTenant(env());
    const id = (await scim(env(), t.token, "POST", "/Users", entraUser("grace@contoso.com"))).body.id as string;
    const off = await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: "Replace", path: "active", value: "False" }],
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    const on = await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: "Replace", path: "active", value: "True" }],
    });
    expect(on.body.active).toBe(true);
  });

  test("updates by filtered paths, extension URN paths and flagged no-path dotted keys", async () => {
    const t = await createTenant(env());
    const id = (await scim(env(), t.token, "POST", "/Users", entraUser("alan@contoso.com"))).body.id as string;
    const res = await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: "Replace", path: 'emails[type eq "work"].value', value: "alan.t@contoso.com" },
        { op: "Add", path: `${ENTERPRISE}:department`, value: "Research" },
        { op: "replace", value: { "name.givenName": "Alan M", [`${ENTERPRISE}:employeeNumber`]: "42" } },
        { op: "Add", path: `${ENTERPRISE}:manager`, value: [{ $ref: null, value: "boss-id" }] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      emails: [{ type: "work", value: "alan.t@contoso.com", primary: true }],
      name: { givenName: "Alan M", familyName: "Lovelace" },
      [ENTERPRISE]: { department: "Research", employeeNumber: "42", manager: { value: "boss-id" } },
    });
    const lookup = await scim(
      env(),
      t.token,
      "GET",
      `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "alan.t@contoso.com"')}`,
    );
    expect(lookup.body.totalResults).toBe(1);
  });

  test('Null_Update: a replace with "" then null reads back empty', async () => {
    const t = await createTenant(env());
    const id = (await scim(env(), t.token, "POST", "/Users", entraUser("null@contoso.com", { title: "Boss" }))).body
      .id as string;
    await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: "Replace", path: "title", value: "" }],
    });
    expect((await scim(env(), t.token, "GET", `/Users/${id}`)).body).not.toHaveProperty("title");
    await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: "Replace", path: "nickName", value: null }],
    });
    expect((await scim(env(), t.token, "GET", `/Users/${id}`)).body).not.toHaveProperty("nickName");
  });

  test("groups: create with the AD schema, excludedAttributes=members, Add members, Remove by value array, delete → 204", async () => {
    const t = await createTenant(env());
    const u1 = (await scim(env(), t.token, "POST", "/Users", entraUser("m1@contoso.com"))).body.id as string;
    const u2 = (await scim(env(), t.token, "POST", "/Users", entraUser("m2@contoso.com"))).body.id as string;
    const group = await scim(env(), t.token, "POST", "/Groups", {
      schemas: [
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
      ],
      externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
      displayName: "Engineering",
    });
    expect(group.status).toBe(201);
    const gid = group.body.id as string;
    const add = await scim(env(), t.token, "PATCH", `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [
        {
          op: "Add",
          path: "members",
          value: [
            { $ref: null, value: u1 },
            { $ref: null, value: u2 },
          ],
        },
      ],
    });
    expect(add.status).toBe(200);
    const slim = await scim(
      env(),
      t.token,
      "GET",
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Engineering"')}`,
    );
    expect(slim.body.totalResults).toBe(1);
    expect((slim.body.Resources as Array<Record<string, unknown>>)[0]).not.toHaveProperty("members");
    const removed = await scim(env(), t.token, "PATCH", `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: "Remove", path: "members", value: [{ value: u1 }] }],
    });
    expect((removed.body.members as Array<{ value: string }>).map((m) => m.value)).toEqual([u2]);
    const one = await scim(env(), t.token, "GET", `/Groups/${gid}?excludedAttributes=members`);
    expect(one.body).not.toHaveProperty("members");
    expect((await scim(env(), t.token, "DELETE", `/Groups/${gid}`)).status).toBe(204);
  });

  test("hard delete → 204 and then 404", async () => {
    const t = await createTenant(env());
    const id = (await scim(env(), t.token, "POST", "/Users", entraUser("bye@contoso.com"))).body.id as string;
    expect((await scim(env(), t.token, "DELETE", `/Users/${id}`)).status).toBe(204);
    expect((await scim(env(), t.token, "GET", `/Users/${id}`)).status).toBe(404);
  });

  test("pagination for the Logic App validator: 11 users, count=5, startIndex = page·5+1", async () => {
    const t = await createTenant(env());
    for (let i = 0; i < 11; i++) await scim(env(), t.token, "POST", "/Users", entraUser(`page${i}@contoso.com`));
    const seen: string[] = [];
    for (let page = 0; page < 3; page++) {
      const res = await scim(env(), t.token, "GET", `/Users?count=5&startIndex=${page * 5 + 1}`);
      seen.push(...(res.body.Resources as Array<{ id: string }>).map((r) => r.id));
      expect(res.body.itemsPerPage).toBe(page < 2 ? 5 : 1);
    }
    expect(new Set(seen).size).toBe(11);
  });
});
