import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

// Single requests that used to stall the whole process or burn CPU out of proportion (issue 12).
const env = useTestEnv();
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
let t: Tenant;
let userId = "";
let groupId = "";

beforeAll(async () => {
  t = await createTenant(env());
  userId = (await scim(env(), t.token, "POST", "/Users", oktaUser("target@example.com"))).body.id as string;
  groupId = (await scim(env(), t.token, "POST", "/Groups", { displayName: "Team", members: [] })).body.id as string;
});

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
const NEWLINES = `"${"\n".repeat(40)}`;

describe("filters and PATCH paths (exponential tokenizer)", () => {
  test.each(["/Users", "/Groups"])(
    "GET %s with 40 newlines in an unterminated string: 400 invalidFilter",
    async (p) => {
      const res = await scim(env(), t.token, "GET", `${p}?filter=${encodeURIComponent(`userName eq ${NEWLINES}`)}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ scimType: "invalidFilter", status: "400" });
      expect(res.body.detail).toContain("control character");
    },
  );

  test.each([
    ["User", () => `/Users/${userId}`, `emails[value eq ${NEWLINES}].value`],
    ["Group", () => `/Groups/${groupId}`, `members[value eq ${NEWLINES}]`],
  ])("PATCH a %s with that filter in its path: 400 invalidPath, nothing changed", async (_, path, opPath) => {
    const before = await scim(env(), t.token, "GET", path());
    const res = await scim(env(), t.token, "PATCH", path(), patch({ op: "remove", path: opPath }));
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidPath");
    expect((await scim(env(), t.token, "GET", path())).body).toEqual(before.body);
  });

  test("a filter over the length cap is 400 invalidFilter", async () => {
    const long = `userName eq "${"a".repeat(5000)}"`;
    const res = await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent(long)}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidFilter");
  });
});

describe("multi-valued attributes (quadratic PATCH add)", () => {
  test("a user's emails hold at most 100 values: PATCH add past it is 400 invalidValue, nothing changed", async () => {
    const emails = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ value: `x${from + i}@example.com`, type: "other" }));
    const before = await scim(env(), t.token, "GET", `/Users/${userId}`);
    const res = await scim(
      env(),
      t.token,
      "PATCH",
      `/Users/${userId}`,
      patch({ op: "add", path: "emails", value: emails(100, 0) }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: "invalidValue" });
    expect(res.body.detail).toContain("at most 100");
    expect((await scim(env(), t.token, "GET", `/Users/${userId}`)).body).toEqual(before.body);
    const fits = await scim(
      env(),
      t.token,
      "PATCH",
      `/Users/${userId}`,
      patch({ op: "add", path: "emails", value: emails(50, 0) }),
    );
    expect(fits.status).toBe(200);
    const twice = await scim(
      env(),
      t.token,
      "PATCH",
      `/Users/${userId}`,
      patch({ op: "add", path: "emails", value: emails(50, 0) }),
    );
    expect((twice.body.emails as unknown[]).length).toBe((fits.body.emails as unknown[]).length);
  });
});

describe("GET /Groups with large groups", () => {
  test("a list page stops before passing 10,000 members; single reads and excludedAttributes=members are whole", async () => {
    const own = await createTenant(env());
    const sql = env().database.sql;
    const [license] = await sql<
      { id: string }[]
    >`select id from license_types where company_id = ${own.companyId} limit 1`;
    const users = await sql<{ id: string }[]>`
      insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints)
      select gen_random_uuid(), ${own.companyId}, ${own.directoryId}, 'bulk' || g || '@example.com', true,
             '{}'::jsonb, ${license?.id ?? randomUUID()}, '{}'::jsonb
      from generate_series(1, 12010) g
      returning id`;
    const ids = users.map((u) => u.id);
    const groups: string[] = [];
    for (const [name, from, to] of [
      ["A", 0, 6000],
      ["B", 6000, 12000],
      ["C", 12000, 12010],
    ] as const) {
      const g = await scim(env(), own.token, "POST", "/Groups", { displayName: name, members: [] });
      groups.push(g.body.id as string);
      await sql`insert into group_members (group_id, user_id) select ${g.body.id as string}, unnest(${ids.slice(from, to)}::uuid[])`;
    }
    const page = async (q: string) => (await scim(env(), own.token, "GET", `/Groups?sortBy=displayName&${q}`)).body;
    const sizes = (body: Record<string, unknown>) =>
      (body.Resources as { members?: unknown[] }[]).map((r) => r.members?.length ?? 0);

    const first = await page("count=10");
    expect({ total: first.totalResults, items: first.itemsPerPage, sizes: sizes(first) }).toEqual({
      total: 3,
      items: 1,
      sizes: [6000],
    });
    const second = await page("count=10&startIndex=2");
    expect({ items: second.itemsPerPage, sizes: sizes(second) }).toEqual({ items: 2, sizes: [6000, 10] });
    const bare = await page("count=10&excludedAttributes=members");
    expect(bare.itemsPerPage).toBe(3);
    const single = await scim(env(), own.token, "GET", `/Groups/${groups[0]}`);
    expect((single.body.members as unknown[]).length).toBe(6000);
  });
});

describe("writes that change nothing cost nothing", () => {
  test("a PATCH of an attribute groups do not keep, or a PUT of the same group, leaves the version (no member rewrite)", async () => {
    const before = await scim(env(), t.token, "GET", `/Groups/${groupId}`);
    const patched = await scim(
      env(),
      t.token,
      "PATCH",
      `/Groups/${groupId}`,
      patch({ op: "replace", value: { a: { a: { a: 1 } } } }),
    );
    expect(patched.status).toBe(200);
    expect(patched.headers.get("etag")).toBe(before.headers.get("etag"));
    const { displayName, members } = before.body;
    const put = await scim(env(), t.token, "PUT", `/Groups/${groupId}`, { displayName, members });
    expect(put.status).toBe(200);
    expect(put.headers.get("etag")).toBe(before.headers.get("etag"));
    const renamed = await scim(env(), t.token, "PUT", `/Groups/${groupId}`, { displayName: "Team 2", members });
    expect(renamed.headers.get("etag")).not.toBe(before.headers.get("etag"));
  });
});
