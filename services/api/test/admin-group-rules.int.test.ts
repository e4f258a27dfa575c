import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type AdminClient, createTenant, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";

const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);

type Rule = {
  id: string;
  group: { displayName?: string; id?: string };
  officeId: string | null;
  licenseType: string | null;
  priority: number;
  createdAt: string;
};

const tenant = () =>
  createTenant(env(), {
    client,
    offices: [
      { name: "HQ", country: "US", main: true },
      { name: "Berlin", country: "DE" },
    ],
  });
const rules = (t: Tenant) => `/companies/${t.companyId}/group-rules`;
const pushGroup = async (t: Tenant, displayName: string) =>
  (
    await scim(env(), t.token, "POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName,
      members: [],
    })
  ).body.id as string;

describe("group rules: POST, GET, PATCH, DELETE /companies/{id}/group-rules", () => {
  test("a rule by displayName and one by id; the list is best first (priority, then the older rule)", async () => {
    const t = await tenant();
    const groupId = await pushGroup(t, "Engineering");
    const sales = await api("POST", rules(t), {
      group: { displayName: "Sales EMEA" },
      officeId: t.officeIds.Berlin,
      licenseType: "dialpad_ai sales",
      priority: 5,
    });
    expect(sales.status).toBe(201);
    expect(sales.body).toMatchObject({
      group: { displayName: "Sales EMEA" },
      officeId: t.officeIds.Berlin,
      licenseType: "Dialpad_Ai Sales",
      priority: 5,
    });
    const eng = await api("POST", rules(t), { group: { id: groupId }, licenseType: "Dialpad_Support", priority: 9 });
    expect(eng.body).toMatchObject({ group: { id: groupId }, officeId: null, licenseType: "Dialpad_Support" });
    const tie = await api("POST", rules(t), { group: { displayName: "Tie" }, officeId: t.officeIds.HQ, priority: 5 });

    const listed = await api("GET", rules(t));
    expect(listed.status).toBe(200);
    expect((listed.body.rules as Rule[]).map((r) => r.id)).toEqual([eng.body.id, sales.body.id, tie.body.id]);
    expect(listed.body.nextCursor).toBeNull();

    const first = await api("GET", `${rules(t)}?limit=2`);
    expect((first.body.rules as Rule[]).map((r) => r.id)).toEqual([eng.body.id, sales.body.id]);
    const next = await api("GET", `${rules(t)}?limit=2&cursor=${first.body.nextCursor}`);
    expect((next.body.rules as Rule[]).map((r) => r.id)).toEqual([tie.body.id]);
    expect(next.body.nextCursor).toBeNull();
  });

  test("PATCH changes what it names; null removes office or license, but one must remain", async () => {
    const t = await tenant();
    const created = await api("POST", rules(t), {
      group: { displayName: "Sales" },
      officeId: t.officeIds.Berlin,
      licenseType: "Dialpad_Ai Sales",
      priority: 1,
    });
    const path = `${rules(t)}/${created.body.id}`;
    const patched = await api("PATCH", path, { officeId: null, priority: 7, group: { displayName: "Sales NA" } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id: created.body.id,
      group: { displayName: "Sales NA" },
      officeId: null,
      licenseType: "Dialpad_Ai Sales",
      priority: 7,
      createdAt: created.body.createdAt,
    });
    const nothing = await api("PATCH", path, { licenseType: null });
    expect([nothing.status, code(nothing)]).toEqual([400, "VALIDATION_FAILED"]);
    expect(message(nothing)).toContain("officeId, licenseType or both");
    expect((await api("GET", rules(t))).body.rules).toEqual([patched.body]);

    expect((await api("DELETE", path)).status).toBe(204);
    expect((await api("GET", rules(t))).body.rules).toEqual([]);
    const again = await api("DELETE", path);
    expect([again.status, code(again)]).toEqual([404, "GROUP_RULE_NOT_FOUND"]);
  });

  test("bad input is refused with a clear error and writes nothing", async () => {
    const t = await tenant();
    const other = await tenant();
    const otherGroup = await pushGroup(other, "Theirs");
    const cases: Array<[unknown, number, string, string?]> = [
      [{ group: { displayName: "Sales" }, priority: 1 }, 400, "VALIDATION_FAILED", "officeId, licenseType or both"],
      [{ group: { displayName: "Sales" }, licenseType: "Voice", priority: 1 }, 400, "UNKNOWN_LICENSE_TYPE", "Voice"],
      [{ group: { displayName: "  " }, officeId: t.officeIds.HQ, priority: 1 }, 400, "VALIDATION_FAILED"],
      [
        { group: { displayName: "S", id: randomUUID() }, officeId: t.officeIds.HQ, priority: 1 },
        400,
        "VALIDATION_FAILED",
      ],
      [{ group: { displayName: "S" }, officeId: t.officeIds.HQ }, 400, "VALIDATION_FAILED", "priority"],
      [{ group: { displayName: "S" }, officeId: t.officeIds.HQ, priority: 1.5 }, 400, "VALIDATION_FAILED"],
      [{ group: { displayName: "S" }, officeId: t.officeIds.HQ, priority: 1, x: 1 }, 400, "VALIDATION_FAILED"],
      [{ group: { displayName: "S" }, officeId: other.officeIds.HQ, priority: 1 }, 404, "OFFICE_NOT_FOUND"],
      [{ group: { id: otherGroup }, officeId: t.officeIds.HQ, priority: 1 }, 404, "GROUP_NOT_FOUND"],
      [{ group: { id: randomUUID() }, officeId: t.officeIds.HQ, priority: 1 }, 404, "GROUP_NOT_FOUND"],
    ];
    for (const [body, status, errorCode, text] of cases) {
      const res = await api("POST", rules(t), body);
      expect([res.status, code(res)], JSON.stringify(body)).toEqual([status, errorCode]);
      if (text) expect(message(res)).toContain(text);
    }
    expect((await api("GET", rules(t))).body.rules).toEqual([]);
    const [row] = await env().database
      .sql`select count(*)::int as n from group_rules where company_id = ${t.companyId}`;
    expect(row?.n).toBe(0);
  });

  test("another company's rule, or an unknown company, is 404", async () => {
    const t = await tenant();
    const other = await tenant();
    const theirs = await api("POST", rules(other), {
      group: { displayName: "X" },
      officeId: other.officeIds.HQ,
      priority: 1,
    });
    for (const [method, body] of [
      ["PATCH", { priority: 2 }],
      ["DELETE", undefined],
    ] as const) {
      const res = await api(method, `${rules(t)}/${theirs.body.id}`, body);
      expect([res.status, code(res)]).toEqual([404, "GROUP_RULE_NOT_FOUND"]);
    }
    const missing = await api("GET", `/companies/${randomUUID()}/group-rules`);
    expect([missing.status, code(missing)]).toEqual([404, "COMPANY_NOT_FOUND"]);
    expect((await api("GET", rules(other))).body.rules).toHaveLength(1);
  });
});

describe("PATCH /directories/{id}: groupRuleHoldSeconds", () => {
  test("documented default 300; set, shown, bounded, strict", async () => {
    const t = await tenant();
    const listed = await api("GET", `/companies/${t.companyId}/directories`);
    expect((listed.body.directories as Array<Record<string, unknown>>)[0]).toMatchObject({
      id: t.directoryId,
      groupRuleHoldSeconds: 300,
    });
    const res = await api("PATCH", `/directories/${t.directoryId}`, { groupRuleHoldSeconds: 30 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: t.directoryId, name: "Okta", groupRuleHoldSeconds: 30 });
    for (const body of [{}, { groupRuleHoldSeconds: -1 }, { groupRuleHoldSeconds: 86_401 }, { bogus: 1 }]) {
      const bad = await api("PATCH", `/directories/${t.directoryId}`, body);
      expect([bad.status, code(bad)], JSON.stringify(body)).toEqual([400, "VALIDATION_FAILED"]);
    }
    const missing = await api("PATCH", `/directories/${randomUUID()}`, { groupRuleHoldSeconds: 1 });
    expect([missing.status, code(missing)]).toEqual([404, "DIRECTORY_NOT_FOUND"]);
    const created = await api("POST", `/companies/${t.companyId}/directories`, {
      name: "Entra",
      groupRuleHoldSeconds: 0,
    });
    expect(created.body).toMatchObject({ name: "Entra", groupRuleHoldSeconds: 0 });
  });
});
