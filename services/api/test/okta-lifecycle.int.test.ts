import { describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";

describe("Okta, request by request", () => {
  test("test connector and import: paged ListResponses with integer counts and a stable order", async () => {
    const t = await createTenant(env());
    for (let i = 0; i < 5; i++) await scim(env(), t.token, "POST", "/Users", oktaUser(`import.user${i}@example.com`));

    const probe = await scim(env(), t.token, "GET", "/Users?startIndex=1&count=2");
    expect(probe.status).toBe(200);
    expect(probe.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(probe.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 5,
      startIndex: 1,
      itemsPerPage: 2,
    });
    const groups = await scim(env(), t.token, "GET", "/Groups?startIndex=1&count=100");
    expect(groups.body).toMatchObject({ totalResults: 0, Resources: [] });

    const pages = [];
    for (const start of [1, 3, 5]) pages.push(await scim(env(), t.token, "GET", `/Users?startIndex=${start}&count=2`));
    const ids = pages.flatMap((p) => (p.body.Resources as Array<{ id: string }>).map((r) => r.id));
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    expect(pages[2]?.body).toMatchObject({ startIndex: 5, itemsPerPage: 1, totalResults: 5 });
  });

  test("lookup before create: an unknown userName is an empty ListResponse, never 404", async () => {
    const t = await createTenant(env());
    const res = await scim(
      env(),
      t.token,
      "GET",
      `/Users?filter=${encodeURIComponent('userName eq "a@b.c"')}&startIndex=1&count=100`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [], startIndex: 1, itemsPerPage: 0 });
  });

  test("create answers 201 with the id, Location and ETag, never the password; provisioning starts", async () => {
    const t = await createTenant(env());
    const body = oktaUser("jane.doe@example.com", {
      [ENTERPRISE]: { department: "Sales", officeName: "San Francisco" },
    });
    const res = await scim(env(), t.token, "POST", "/Users", body);
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("location")).toBe(`http://localhost/scim/v2/Users/${res.body.id}`);
    expect(res.headers.get("etag")).toBe('W/"1"');
    expect(res.body).toMatchObject({
      userName: "jane.doe@example.com",
      active: true,
      name: { givenName: "jane", familyName: "doe" },
      emails: [{ primary: true, value: "jane.doe@example.com", type: "work" }],
      [ENTERPRISE]: { department: "Sales", officeName: "San Francisco" },
      [TELEPHONY]: { status: "provisioning", licenseType: "Dialpad_Ai Voice" },
      meta: { resourceType: "User", version: 'W/"1"', location: `http://localhost/scim/v2/Users/${res.body.id}` },
    });
    expect(res.body.schemas).toEqual(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, TELEPHONY]);
    expect(JSON.stringify(res.body)).not.toContain("tempP@ss123!");
    expect(res.body).not.toHaveProperty("password");

    const read = await scim(env(), t.token, "GET", `/Users/${res.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
    const [row] = await env().database
      .sql`select password_pending, password_hash from users where id = ${res.body.id as string}`;
    expect(row?.password_pending).toMatch(/^v2\.[A-Za-z0-9_-]{8}\./);
    expect(row?.password_pending).not.toContain("tempP@ss123!");
    const [outbox] = await env().database.sql`select generation from outbox where user_id = ${res.body.id as string}`;
    expect(outbox?.generation).toBe(1);
  });

  test("a duplicate userName (any case) is 409 uniqueness; the lookup filter is case-insensitive", async () => {
    const t = await createTenant(env());
    expect((await scim(env(), t.token, "POST", "/Users", oktaUser("dup.user@example.com"))).status).toBe(201);
    const again = await scim(env(), t.token, "POST", "/Users", oktaUser("DUP.User@Example.com"));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "409",
      scimType: "uniqueness",
    });
    const found = await scim(
      env(),
      t.token,
      "GET",
      `/Users?filter=${encodeURIComponent('userName eq "DUP.USER@EXAMPLE.COM"')}`,
    );
    expect(found.body.totalResults).toBe(1);
  });

  test("profile update: GET then full PUT replaces attributes (omitted ones cleared), keeps id, bumps version", async () => {
    const t = await createTenant(env());
    const created = await scim(
      env(),
      t.token,
      "POST",
      "/Users",
      oktaUser("put.user@example.com", { title: "Engineer", nickName: "Putty" }),
    );
    const current = await scim(env(), t.token, "GET", `/Users/${created.body.id}`);
    const { nickName: _dropped, ...rest } = current.body;
    const put = await scim(env(), t.token, "PUT", `/Users/${created.body.id}`, {
      ...rest,
      title: "Staff Engineer",
      name: { givenName: "Put", familyName: "User" },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: created.body.id,
      title: "Staff Engineer",
      name: { givenName: "Put", familyName: "User" },
      meta: { version: 'W/"2"' },
    });
    expect(put.body).not.toHaveProperty("nickName");
    // A profile change is not provisioning work: no new outbox row.
    const outbox = await env().database.sql`select generation from outbox where user_id = ${created.body.id as string}`;
    expect(outbox.map((r) => r.generation)).toEqual([1]);
  });

  test("deactivate by PATCH without path keeps the user readable with active=false; reactivate keeps the id", async () => {
    const t = await createTenant(env());
    const created = await scim(env(), t.token, "POST", "/Users", oktaUser("deact.user@example.com"));
    const id = created.body.id as string;
    const patch = (active: boolean) => ({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { active } }],
    });

    const off = await scim(env(), t.token, "PATCH", `/Users/${id}`, patch(false));
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id, active: false });
    expect((await scim(env(), t.token, "GET", `/Users/${id}`)).body).toMatchObject({ id, active: false });
    const byFilter = await scim(
      env(),
      t.token,
      "GET",
      `/Users?filter=${encodeURIComponent('userName eq "deact.user@example.com"')}`,
    );
    expect(byFilter.body.totalResults).toBe(1);

    const on = await scim(env(), t.token, "PATCH", `/Users/${id}`, patch(true));
    expect(on.body).toMatchObject({ id, active: true, userName: "deact.user@example.com" });
    const outbox = await env().database.sql`select generation from outbox where user_id = ${id} order by id`;
    expect(outbox.map((r) => r.generation)).toEqual([1, 2, 3]);
  });

  test("AIW apps deactivate by PUT with active=false", async () => {
    const t = await createTenant(env());
    const created = await scim(env(), t.token, "POST", "/Users", oktaUser("aiw.user@example.com"));
    const res = await scim(env(), t.token, "PUT", `/Users/${created.body.id}`, { ...created.body, active: false });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
  });

  test("password sync by PATCH is accepted, sealed at rest, never returned", async () => {
    const t = await createTenant(env());
    const created = await scim(
      env(),
      t.token,
      "POST",
      "/Users",
      oktaUser("pw.user@example.com", { password: undefined }),
    );
    const id = created.body.id as string;
    const res = await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { password: "N3w-secret!" } }],
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain("N3w-secret!");
    const [row] = await env().database.sql`select password_pending from users where id = ${id}`;
    expect(row?.password_pending).toMatch(/^v2\.[A-Za-z0-9_-]{8}\./);
  });

  test("group push: create, lookup, rename with the id inside the value, membership add/remove/replace, delete", async () => {
    const t = await createTenant(env());
    const a = (await scim(env(), t.token, "POST", "/Users", oktaUser("member.a@example.com"))).body.id as string;
    const b = (await scim(env(), t.token, "POST", "/Users", oktaUser("member.b@example.com"))).body.id as string;

    const created = await scim(env(), t.token, "POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "Sales",
      members: [],
    });
    expect(created.status).toBe(201);
    const gid = created.body.id as string;
    const lookup = await scim(
      env(),
      t.token,
      "GET",
      `/Groups?filter=${encodeURIComponent('displayName eq "Sales"')}&startIndex=1&count=100`,
    );
    expect(lookup.body.totalResults).toBe(1);

    const rename = await scim(env(), t.token, "PATCH", `/Groups/${gid}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { id: gid, displayName: "Sales Team" } }],
    });
    expect(rename.status).toBe(200);
    expect(rename.body.displayName).toBe("Sales Team");

    const members = await scim(env(), t.token, "PATCH", `/Groups/${gid}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [
        { op: "remove", path: `members[value eq "${b}"]` },
        {
          op: "add",
          path: "members",
          value: [
            { value: a, display: "member.a" },
            { value: b, display: "member.b" },
          ],
        },
      ],
    });
    expect(members.status).toBe(200);
    expect((members.body.members as Array<{ value: string }>).map((m) => m.value).sort()).toEqual([a, b].sort());

    const remove = await scim(env(), t.token, "PATCH", `/Groups/${gid}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "remove", path: `members[value eq "${a}"]` }],
    });
    expect((remove.body.members as Array<{ value: string }>).map((m) => m.value)).toEqual([b]);

    const pushNow = await scim(env(), t.token, "PATCH", `/Groups/${gid}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "members", value: [{ value: a }] }],
    });
    expect((pushNow.body.members as Array<{ value: string }>).map((m) => m.value)).toEqual([a]);

    const aiw = await scim(env(), t.token, "PUT", `/Groups/${gid}`, {
      displayName: "Sales AIW",
      members: [{ value: a }, { value: b }],
    });
    expect(aiw.status).toBe(200);
    expect(aiw.body.displayName).toBe("Sales AIW");
    expect((aiw.body.members as unknown[]).length).toBe(2);

    expect((await scim(env(), t.token, "DELETE", `/Groups/${gid}`)).status).toBe(204);
    expect((await scim(env(), t.token, "GET", `/Groups/${gid}`)).status).toBe(404);
  });

  test("an id in capitals names the same resource: reads, PATCH and PUT keep a group's members", async () => {
    const t = await createTenant(env());
    const [a = "", b = "", c = ""] = await Promise.all(
      ["caps.a", "caps.b", "caps.c"].map(
        async (name) =>
          (await scim(env(), t.token, "POST", "/Users", oktaUser(`${name}@example.com`))).body.id as string,
      ),
    );
    const gid = (
      await scim(env(), t.token, "POST", "/Groups", { displayName: "Caps", members: [{ value: a }, { value: b }] })
    ).body.id as string;
    const GID = gid.toUpperCase();
    const valuesOf = (body: Record<string, unknown>) =>
      ((body.members as Array<{ value: string }> | undefined) ?? []).map((m) => m.value).sort();

    const read = await scim(env(), t.token, "GET", `/Groups/${GID}`);
    expect([read.status, read.body.id, valuesOf(read.body)]).toEqual([200, gid, [a, b].sort()]);
    // Adding one member must not drop the others (it did: the members were looked up under the id as sent).
    const added = await scim(env(), t.token, "PATCH", `/Groups/${GID}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "add", path: "members", value: [{ value: c }] }],
    });
    expect([added.status, valuesOf(added.body)]).toEqual([200, [a, b, c].sort()]);
    expect(valuesOf((await scim(env(), t.token, "GET", `/Groups/${gid}`)).body)).toEqual([a, b, c].sort());
    const removed = await scim(env(), t.token, "PATCH", `/Groups/${GID}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "remove", path: `members[value eq "${a.toUpperCase()}"]` }],
    });
    expect([removed.status, valuesOf(removed.body)]).toEqual([200, [b, c].sort()]);
    // Members named in capitals: the one already there is not added twice.
    const again = await scim(env(), t.token, "PATCH", `/Groups/${GID}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "add", path: "members", value: [{ value: c.toUpperCase() }] }],
    });
    expect([again.status, valuesOf(again.body)]).toEqual([200, [b, c].sort()]);
    const put = await scim(env(), t.token, "PUT", `/Groups/${GID}`, {
      displayName: "Caps 2",
      members: [{ value: c.toUpperCase() }],
    });
    expect([put.status, put.body.id, valuesOf(put.body)]).toEqual([200, gid, [c]]);

    const user = await scim(env(), t.token, "PATCH", `/Users/${b.toUpperCase()}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "displayName", value: "B in caps" }],
    });
    expect([user.status, user.body.id, user.body.displayName]).toEqual([200, b, "B in caps"]);
    expect((await scim(env(), t.token, "DELETE", `/Groups/${GID}`)).status).toBe(204);
    expect((await scim(env(), t.token, "GET", `/Groups/${gid}`)).status).toBe(404);
  });

  test("a group rename whose value carries another id is refused (mutability)", async () => {
    const t = await createTenant(env());
    const gid = (await scim(env(), t.token, "POST", "/Groups", { displayName: "Ops" })).body.id as string;
    const res = await scim(env(), t.token, "PATCH", `/Groups/${gid}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { id: "00000000-0000-7000-8000-000000000000", displayName: "Ops 2" } }],
    });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("mutability");
  });

  test("user delete: 204, then 404 on every operation, gone from lists", async () => {
    const t = await createTenant(env());
    const id = (await scim(env(), t.token, "POST", "/Users", oktaUser("gone.user@example.com"))).body.id as string;
    expect((await scim(env(), t.token, "DELETE", `/Users/${id}`)).status).toBe(204);
    expect((await scim(env(), t.token, "GET", `/Users/${id}`)).status).toBe(404);
    expect((await scim(env(), t.token, "PUT", `/Users/${id}`, oktaUser("gone.user@example.com"))).status).toBe(404);
    expect((await scim(env(), t.token, "DELETE", `/Users/${id}`)).status).toBe(404);
    const list = await scim(
      env(),
      t.token,
      "GET",
      `/Users?filter=${encodeURIComponent('userName eq "gone.user@example.com"')}`,
    );
    expect(list.body.totalResults).toBe(0);
    // The userName is free again at once.
    expect((await scim(env(), t.token, "POST", "/Users", oktaUser("gone.user@example.com"))).status).toBe(201);
  });

  test("If-Match with a stale version is 412; the current one passes", async () => {
    const t = await createTenant(env());
    const created = await scim(env(), t.token, "POST", "/Users", oktaUser("etag.user@example.com"));
    const id = created.body.id as string;
    const body = { ...created.body, title: "x" };
    expect((await scim(env(), t.token, "PUT", `/Users/${id}`, body, { "If-Match": 'W/"7"' })).status).toBe(412);
    expect((await scim(env(), t.token, "PUT", `/Users/${id}`, body, { "If-Match": 'W/"1"' })).status).toBe(200);
    expect((await scim(env(), t.token, "GET", `/Users/${id}`, undefined, { "If-None-Match": 'W/"2"' })).status).toBe(
      304,
    );
  });

  test("20 parallel creates of one userName: exactly one 201 and nineteen 409", async () => {
    const t = await createTenant(env());
    const results = await Promise.all(
      Array.from({ length: 20 }, () => scim(env(), t.token, "POST", "/Users", oktaUser("race.user@example.com"))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
  });
});

describe("import paging", () => {
  test("sequential pages (keyset continuation) and random pages (offset) agree; a delete mid-import skips nobody else", async () => {
    const t = await createTenant(env());
    for (let i = 0; i < 25; i++) await scim(env(), t.token, "POST", "/Users", oktaUser(`page.user${i}@example.com`));
    const page = async (start: number) =>
      (
        (await scim(env(), t.token, "GET", `/Users?startIndex=${start}&count=10`)).body.Resources as Array<{
          id: string;
          userName: string;
        }>
      ).map((r) => r.userName);
    const sequential = [...(await page(1)), ...(await page(11)), ...(await page(21))];
    expect(new Set(sequential).size).toBe(25);
    // A page asked out of order (no remembered boundary) is the same page.
    expect(await page(11)).toEqual(sequential.slice(10, 20));
    expect(await page(6)).toEqual(sequential.slice(5, 15));
    // Delete the first user, then continue: the count and the pages follow.
    const first = (
      await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent(`userName eq "${sequential[0]}"`)}`)
    ).body.Resources as Array<{ id: string }>;
    await scim(env(), t.token, "DELETE", `/Users/${first[0]?.id}`);
    const after = await scim(env(), t.token, "GET", "/Users?startIndex=1&count=10");
    expect(after.body.totalResults).toBe(24);
    expect((after.body.Resources as Array<{ userName: string }>).map((r) => r.userName)).toEqual(
      sequential.slice(1, 11),
    );
  });
});
