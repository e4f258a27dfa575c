import { randomUUID } from "node:crypto";
import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { chargesOf, memberOf, pushGroup, setHold, settled } from "./helpers/groups.ts";
import { apiClient, call, code } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Billing day 1 and 2026-11-29: 2 of 30 days left; a Sales seat (3000/month) costs 200.
const clock = () => new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock });
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env(), { clock });
});
afterAll(() => stopWorker(worker));

const SALES = "Dialpad_Ai Sales";
const VOICE = "Dialpad_Ai Voice";

type Preview = {
  users: Array<{
    userId: string;
    userName: string;
    from: { officeName: string | null; licenseType: string };
    to: { officeName: string | null; licenseType: string };
    seat: string;
    chargeCents: number;
    waitsFor: string | null;
    rule: { id: string | null; groupName: string } | null;
  }>;
  totals: {
    examined: number;
    changing: number;
    waiting: number;
    seatsToBuy: Array<{ officeName: string; licenseType: string; count: number; chargeCents: number }>;
    chargeCents: number;
  };
};

/** Three users in HQ, members of "Sales"; Berlin has one free Sales seat. */
async function scene(company: Record<string, unknown> = {}): Promise<{ t: Tenant; ids: string[] }> {
  const t = await createTenant(env(), {
    client,
    company: { billingDay: 1, ...company },
    offices: [
      { name: "HQ", country: "US", main: true, seats: { [VOICE]: 3 } },
      { name: "Berlin", country: "DE", seats: { [SALES]: 1 } },
      { name: "London", country: "GB", seats: { [SALES]: 3 } },
    ],
  });
  await setHold(env(), t, 0);
  await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155580001", "+14155580002", "+14155580003"] });
  const ids: string[] = [];
  for (const name of ["ann", "bob", "cy"]) {
    ids.push((await scim(env(), t.token, "POST", "/Users", oktaUser(`${name}@acme.test`))).body.id as string);
  }
  await pushGroup(env(), t, "Sales", ids);
  await eventually(() => settled(env(), t), 20_000, "provisioned");
  return { t, ids };
}

const preview = async (t: Tenant, body: unknown) => {
  const res = await api("POST", `/companies/${t.companyId}/group-rules/preview`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as Preview;
};
const state = async (t: Tenant) =>
  env().database.sql`
    select id, generation, office_id, license_type_id from users where company_id = ${t.companyId} order by id`;

describe("POST /companies/{id}/group-rules/preview", () => {
  test("a new rule: who would move, the seats to buy and their cost; nothing written; saving does exactly that", async () => {
    const { t, ids } = await scene();
    const before = await state(t);
    const rule = { group: { displayName: "sales" }, officeId: t.officeIds.Berlin, licenseType: SALES, priority: 1 };
    const result = await preview(t, { action: "create", rule });

    expect(result.totals).toEqual({
      examined: 3,
      changing: 3,
      waiting: 0,
      seatsToBuy: [
        { officeId: t.officeIds.Berlin, officeName: "Berlin", licenseType: SALES, count: 2, chargeCents: 400 },
      ],
      chargeCents: 400,
    });
    expect(result.users.map((u) => u.userName).sort()).toEqual(["ann@acme.test", "bob@acme.test", "cy@acme.test"]);
    for (const u of result.users) {
      expect(u).toMatchObject({
        from: { officeName: "HQ", licenseType: VOICE },
        to: { officeName: "Berlin", licenseType: SALES },
        waitsFor: null,
        rule: { id: null, groupName: "Sales" },
      });
    }
    expect(result.users.map((u) => u.seat).sort()).toEqual(["buy", "buy", "reuse"]);
    expect(await state(t)).toEqual(before);
    expect((await api("GET", `/companies/${t.companyId}/group-rules`)).body.rules).toEqual([]);

    // Saved, the rule does what the preview said.
    await api("POST", `/companies/${t.companyId}/group-rules`, rule);
    await eventually(() => settled(env(), t), 20_000, "moved");
    for (const id of ids)
      expect(await memberOf(env(), t, id)).toMatchObject({ officeName: "Berlin", licenseType: SALES });
    const charges = await chargesOf(env(), t);
    expect(charges.reduce((sum, c) => sum + c.amountCents, 0)).toBe(400);
  });

  test("changing and deleting a saved rule: the users it would move, and nobody for a delete", async () => {
    const { t } = await scene();
    const saved = await api("POST", `/companies/${t.companyId}/group-rules`, {
      group: { displayName: "Sales" },
      officeId: t.officeIds.Berlin,
      licenseType: SALES,
      priority: 1,
    });
    await eventually(() => settled(env(), t), 20_000, "moved to Berlin");
    const ruleId = saved.body.id as string;

    const toLondon = await preview(t, { action: "update", ruleId, rule: { officeId: t.officeIds.London } });
    expect(toLondon.totals).toMatchObject({ examined: 3, changing: 3, chargeCents: 0, seatsToBuy: [] });
    for (const u of toLondon.users) {
      expect(u).toMatchObject({
        from: { officeName: "Berlin", licenseType: SALES },
        to: { officeName: "London", licenseType: SALES },
        seat: "reuse",
        rule: { id: ruleId, groupName: "Sales" },
      });
    }
    const deleted = await preview(t, { action: "delete", ruleId });
    expect(deleted).toEqual({
      users: [],
      totals: { examined: 3, changing: 0, waiting: 0, seatsToBuy: [], chargeCents: 0 },
    });
  });

  test("with auto-purchase off, users the target cannot seat are shown waiting", async () => {
    const { t } = await scene({ autoPurchaseLicenses: false });
    const result = await preview(t, {
      action: "create",
      rule: { group: { displayName: "Sales" }, officeId: t.officeIds.Berlin, licenseType: SALES, priority: 0 },
    });
    expect(result.totals).toMatchObject({ changing: 3, waiting: 2, chargeCents: 0, seatsToBuy: [] });
    expect(result.users.filter((u) => u.waitsFor === "no_license_available").map((u) => u.seat)).toEqual([
      "refused",
      "refused",
    ]);
  });

  test("bad input gets the errors the change itself would get", async () => {
    const { t } = await scene();
    const other = await createTenant(env(), { client });
    const path = `/companies/${t.companyId}/group-rules/preview`;
    const cases: Array<[unknown, number, string]> = [
      [{ action: "delete", ruleId: randomUUID() }, 404, "GROUP_RULE_NOT_FOUND"],
      [{ action: "update", ruleId: randomUUID(), rule: { priority: 2 } }, 404, "GROUP_RULE_NOT_FOUND"],
      [
        { action: "create", rule: { group: { displayName: "S" }, licenseType: "Nope", priority: 1 } },
        400,
        "UNKNOWN_LICENSE_TYPE",
      ],
      [{ action: "create", rule: { group: { displayName: "S" }, priority: 1 } }, 400, "VALIDATION_FAILED"],
      [
        {
          action: "create",
          rule: { group: { displayName: "S" }, officeId: other.officeIds["San Francisco"], priority: 1 },
        },
        404,
        "OFFICE_NOT_FOUND",
      ],
      [{ action: "rename" }, 400, "VALIDATION_FAILED"],
    ];
    for (const [body, status, errorCode] of cases) {
      const res = await api("POST", path, body);
      expect([res.status, code(res)], JSON.stringify(body)).toEqual([status, errorCode]);
    }
    const missing = await api("POST", `/companies/${randomUUID()}/group-rules/preview`, {
      action: "delete",
      ruleId: randomUUID(),
    });
    expect([missing.status, code(missing)]).toEqual([404, "COMPANY_NOT_FOUND"]);
  });
});
