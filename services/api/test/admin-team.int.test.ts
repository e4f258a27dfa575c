import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";
import { pageThrough } from "./helpers/paging.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

type Member = Record<string, unknown> & { id: string; userName: string; status: string };
const team = async (t: Tenant, query = "") => {
  const res = await api("GET", `/companies/${t.companyId}/users${query}`);
  expect(res.status).toBe(200);
  return res.body as { users: Member[]; nextCursor: string | null };
};
const names = async (t: Tenant, query = "") => (await team(t, query)).users.map((u) => u.userName).sort();
const create = async (t: Tenant, userName: string, extra: Record<string, unknown> = {}) => {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName, extra));
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const setActive = (t: Tenant, id: string, active: boolean) =>
  scim(env(), t.token, "PATCH", `/Users/${id}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: "replace", value: { active } }],
  });

describe("GET /companies/{id}/users: the team list", () => {
  test("each user with id, userName, displayName, status, office, did, extension and license type", async () => {
    const t = await createTenant(env(), { client });
    await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550100"] });
    const worker = startWorker(env());
    try {
      const id = await create(t, "barbara.jensen@example.com");
      await eventually(async () => (await team(t)).users[0]?.status === "active", 20_000, "active");
      expect((await team(t)).users).toEqual([
        {
          id,
          userName: "barbara.jensen@example.com",
          displayName: "barbara jensen",
          email: "barbara.jensen@example.com",
          status: "active",
          error: null,
          officeId: t.officeIds["San Francisco"],
          officeName: "San Francisco",
          matchedBy: "mainOffice",
          matchedValue: null,
          matchedRuleId: null,
          pinned: false,
          did: "+14155550100",
          extension: "100",
          licenseType: "Dialpad_Ai Voice",
          directoryId: t.directoryId,
          createdAt: expect.any(String),
        },
      ]);
    } finally {
      await stopWorker(worker);
    }
  });

  test("suspended users only when searched for or asked by status; deleted users never", async () => {
    const t = await createTenant(env(), { client });
    await create(t, "ann@example.com");
    const sue = await create(t, "sue@example.com");
    const dan = await create(t, "dan@example.com");
    // No worker: what the identity provider asked is what the admin sees, at once.
    await setActive(t, sue, false);
    expect((await scim(env(), t.token, "DELETE", `/Users/${dan}`)).status).toBe(204);

    expect(await names(t)).toEqual(["ann@example.com"]);
    expect(await names(t, "?q=sue")).toEqual(["sue@example.com"]);
    expect((await team(t, "?q=sue")).users[0]?.status).toBe("suspended");
    expect(await names(t, "?q=example.com")).toEqual(["ann@example.com", "sue@example.com"]);
    expect(await names(t, "?status=suspended")).toEqual(["sue@example.com"]);
    expect(await names(t, "?status=provisioning")).toEqual(["ann@example.com"]);
    expect(await names(t, "?q=dan")).toEqual([]);
    expect(await names(t, "?status=suspended&q=ann")).toEqual([]);
    // One user by id: suspended ones too, deleted ones and other companies' never.
    const one = await api("GET", `/companies/${t.companyId}/users/${sue}`);
    expect(one.body).toMatchObject({ id: sue, userName: "sue@example.com", status: "suspended" });
    expect(code(await api("GET", `/companies/${t.companyId}/users/${dan}`))).toBe("USER_NOT_FOUND");
    const other = await createTenant(env(), { client });
    expect(code(await api("GET", `/companies/${other.companyId}/users/${sue}`))).toBe("USER_NOT_FOUND");
    expect(code(await api("GET", `/companies/${randomUUID()}/users/${sue}`))).toBe("COMPANY_NOT_FOUND");

    await setActive(t, sue, true);
    expect(await names(t)).toEqual(["ann@example.com", "sue@example.com"]);
  });

  test("q searches name, userName and email, ignoring case, with % and _ taken literally", async () => {
    const t = await createTenant(env(), { client });
    await create(t, "u1@corp.test", { displayName: "Zoë Quinn", emails: [{ value: "zq@mail.test", primary: true }] });
    await create(t, "u2@corp.test", { displayName: null, name: { givenName: "Marie", familyName: "Curie" } });
    await create(t, "100%_sure@corp.test", { displayName: "Percent" });
    expect(await names(t, "?q=zoË%20quinn")).toEqual(["u1@corp.test"]);
    expect(await names(t, "?q=ZQ%40MAIL")).toEqual(["u1@corp.test"]);
    expect(await names(t, "?q=marie%20curie")).toEqual(["u2@corp.test"]);
    expect(await names(t, "?q=U2%40")).toEqual(["u2@corp.test"]);
    expect(await names(t, `?q=${encodeURIComponent("%_")}`)).toEqual(["100%_sure@corp.test"]);
    expect(await names(t, `?q=${encodeURIComponent("_")}`)).toEqual(["100%_sure@corp.test"]);
    expect(await names(t, "?q=nobody")).toEqual([]);
  });

  test("bad queries are 400 naming the parameter; unknown companies 404; other companies' users never show", async () => {
    const t = await createTenant(env(), { client });
    const other = await createTenant(env(), { client });
    await create(other, "theirs@example.com");
    expect(await names(t)).toEqual([]);
    for (const [query, field] of [
      ["?limit=0", "limit"],
      ["?limit=1001", "limit"],
      ["?limit=ten", "limit"],
      ["?status=deleted", "status"],
      ["?cursor=abc", "cursor"],
      [`?q=${"x".repeat(201)}`, "q"],
    ]) {
      const res = await api("GET", `/companies/${t.companyId}/users${query}`);
      expect(code(res), query).toBe("VALIDATION_FAILED");
      expect(message(res)).toContain(field);
    }
    expect(code(await api("GET", `/companies/${randomUUID()}/users`))).toBe("COMPANY_NOT_FOUND");
  });

  test("pages through 100,000 users with the cursor, each exactly once, suspended and deleted ones left out", async () => {
    const t = await createTenant(env(), { client });
    const [license] = await env().database.sql<{ id: string }[]>`
      select id from license_types where company_id = ${t.companyId} and name = 'Dialpad_Ai Voice'`;
    // 100,000 active users, then 1,111 suspended and 1,111 deleted ones among them (by id, they interleave).
    await env().database.sql`
      insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints,
                         status, deleted_at)
      select gen_random_uuid(), ${t.companyId}, ${t.directoryId}, 'user' || g || '@bulk.test', g <= 100000 or g % 10 <> 0,
             '{}'::jsonb, ${license?.id ?? ""}, '{}'::jsonb,
             case when g <= 100000 then 'active' when g % 10 = 0 then 'suspended' else 'active' end,
             case when g > 100000 and g % 10 <> 0 then now() end
      from generate_series(1, 111112) g
      where g <= 100000 or g % 5 = 0`;
    // What autovacuum does within a minute of such a load: without statistics the planner takes the table
    // for empty and answers each page with a scan and sort of all 100,000 rows (~0.4 s a page, not 2 ms).
    await env().database.sql`analyze users`;
    const [counts] = await env().database.sql<{ live: number }[]>`
      select count(*) filter (where active and deleted_at is null)::int as live from users where company_id = ${t.companyId}`;
    const expected = counts?.live ?? 0;
    expect(expected).toBe(100_000);

    const { items: users, pages } = await pageThrough(async (cursor) => {
      const page = await team(t, `?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
      return { items: page.users, nextCursor: page.nextCursor };
    });
    // Each exactly once, in id order, all active.
    const ids = users.map((u) => u.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(users.every((u) => u.status === "active")).toBe(true);
    expect(ids.length).toBe(expected);
    expect(pages).toBe(Math.ceil(expected / 1000));
    // The default page is 100 users.
    expect((await team(t)).users).toHaveLength(100);
    const suspended = await team(t, "?status=suspended&limit=1000");
    expect(suspended.users.length).toBe(1000);
    expect(suspended.users.every((u) => u.status === "suspended")).toBe(true);
  }, 120_000);
});
