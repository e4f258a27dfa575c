import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// A long tenancy cache: the door must see catalogue and settings changes at once, because the admin API drops it.
const env = useTestEnv({}, { AUTH_CACHE_TTL_MS: "600000" });
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const clock = () => new Date("2026-11-29T10:00:00Z");

type LicenseType = { id: string; name: string; monthlyPriceCents: number; assignsDid: boolean };
const tenant = () =>
  createTenant(env(), {
    client,
    company: { billingDay: 1 },
    offices: [
      { name: "SF", country: "US" },
      { name: "NY", country: "US" },
    ],
  });
const catalogue = async (t: Tenant) =>
  (await api("GET", `/companies/${t.companyId}/license-types`)).body.licenseTypes as LicenseType[];
const scimCreate = (t: Tenant, userName: string, licenseType?: string) =>
  scim(env(), t.token, "POST", "/Users", oktaUser(userName, licenseType ? { [ENTERPRISE]: { licenseType } } : {}));

describe("the license catalogue", () => {
  test("lists the catalogue in its order; a new type gets 0 seats in every office and is usable over SCIM at once", async () => {
    const t = await tenant();
    expect((await catalogue(t)).map((l) => l.name)).toEqual([
      "Dialpad_Ai Voice",
      "Dialpad_Support",
      "Dialpad_Ai Sales",
    ]);
    expect((await scimCreate(t, "warm@example.com")).status).toBe(201); // the door caches the company now
    expect((await scimCreate(t, "early@example.com", "Dialpad_Enterprise")).status).toBe(400);

    const res = await api("POST", `/companies/${t.companyId}/license-types`, {
      name: "Dialpad_Enterprise",
      monthlyPriceCents: 6000,
      assignsDid: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: "Dialpad_Enterprise",
      monthlyPriceCents: 6000,
      assignsDid: true,
    });
    expect((await catalogue(t)).at(-1)).toEqual(res.body);
    expect((await api("GET", `/companies/${t.companyId}`)).body.licenseTypes).toContainEqual(res.body);
    const offices = (await api("GET", `/companies/${t.companyId}/offices`)).body.offices as Array<{
      seats: Record<string, unknown>;
    }>;
    for (const o of offices) expect(o.seats.Dialpad_Enterprise).toEqual({ purchased: 0, used: 0 });
    expect((await scimCreate(t, "late@example.com", "Dialpad_Enterprise")).status).toBe(201);
  });

  test("refuses duplicate names (ignoring case), bad input, unknown fields and unknown companies", async () => {
    const t = await tenant();
    const path = `/companies/${t.companyId}/license-types`;
    const dup = await api("POST", path, { name: "dialpad_support", monthlyPriceCents: 1, assignsDid: false });
    expect([dup.status, code(dup)]).toEqual([409, "LICENSE_TYPE_EXISTS"]);
    const bad = await api("POST", path, { name: "", monthlyPriceCents: -5, assignsDid: "yes", tier: 1 });
    expect(code(bad)).toBe("VALIDATION_FAILED");
    for (const field of ["name", "monthlyPriceCents", "assignsDid", "tier"]) expect(message(bad)).toContain(field);
    const nowhere = await api("POST", `/companies/${randomUUID()}/license-types`, {
      name: "X",
      monthlyPriceCents: 1,
      assignsDid: false,
    });
    expect(code(nowhere)).toBe("COMPANY_NOT_FOUND");
    expect(code(await api("GET", `/companies/${randomUUID()}/license-types`))).toBe("COMPANY_NOT_FOUND");
  });

  test("a new price applies to the seats bought from then on; past charges keep theirs", async () => {
    const t = await tenant();
    const voice = (await catalogue(t))[0];
    const worker = startWorker(env(), { clock });
    try {
      expect((await scimCreate(t, "a@example.com")).status).toBe(201);
      const first = async () =>
        ((await api("GET", `/companies/${t.companyId}/charges`)).body.charges as unknown[]).length === 1;
      await eventually(first, 20_000, "first charge");
      const res = await api("PATCH", `/companies/${t.companyId}/license-types/${voice?.id}`, {
        monthlyPriceCents: 4500,
      });
      expect(res.body).toMatchObject({ name: "Dialpad_Ai Voice", monthlyPriceCents: 4500, assignsDid: true });
      expect((await scimCreate(t, "b@example.com")).status).toBe(201);
      const charged = async () => {
        const list = (await api("GET", `/companies/${t.companyId}/charges`)).body.charges as Array<{
          amountCents: number;
        }>;
        return list.length === 2 && list;
      };
      // 1500 × 2/30 = 100 before, 4500 × 2/30 = 300 after.
      expect((await eventually(charged, 20_000, "two charges")).map((c) => c.amountCents)).toEqual([100, 300]);
    } finally {
      await stopWorker(worker);
    }
  });

  test("a rename is what SCIM accepts from then on; names stay unique", async () => {
    const t = await tenant();
    const [, support, sales] = await catalogue(t);
    const path = `/companies/${t.companyId}/license-types/${support?.id}`;
    expect((await scimCreate(t, "warm@example.com")).status).toBe(201);
    const renamed = await api("PATCH", path, { name: "Contact Center" });
    expect(renamed.body).toMatchObject({ id: support?.id, name: "Contact Center", assignsDid: false });
    expect((await scimCreate(t, "cc@example.com", "Contact Center")).status).toBe(201);
    const old = await scimCreate(t, "old@example.com", "Dialpad_Support");
    expect([old.status, old.body.scimType]).toEqual([400, "invalidValue"]);
    const clash = await api("PATCH", `/companies/${t.companyId}/license-types/${sales?.id}`, {
      name: "CONTACT CENTER",
    });
    expect([clash.status, code(clash)]).toEqual([409, "LICENSE_TYPE_EXISTS"]);
    expect((await api("PATCH", path, { name: "contact center" })).body.name).toBe("contact center");
  });

  test("assignsDid changes only while nobody holds the type (409 LICENSE_TYPE_IN_USE)", async () => {
    const t = await tenant();
    const [voice, , sales] = await catalogue(t);
    const unused = await api("PATCH", `/companies/${t.companyId}/license-types/${sales?.id}`, { assignsDid: false });
    expect(unused.body).toMatchObject({ name: "Dialpad_Ai Sales", assignsDid: false });
    expect((await scimCreate(t, "holder@example.com")).status).toBe(201);
    const used = await api("PATCH", `/companies/${t.companyId}/license-types/${voice?.id}`, { assignsDid: false });
    expect([used.status, code(used)]).toEqual([409, "LICENSE_TYPE_IN_USE"]);
    expect(message(used)).toContain('1 user(s) hold "Dialpad_Ai Voice"');
    expect((await catalogue(t))[0]?.assignsDid).toBe(true);
  });

  test("another company's license type, an unknown one and an empty change are refused", async () => {
    const [a, b] = [await tenant(), await tenant()];
    const theirs = (await catalogue(b))[0];
    const res = await api("PATCH", `/companies/${a.companyId}/license-types/${theirs?.id}`, { monthlyPriceCents: 1 });
    expect([res.status, code(res)]).toEqual([404, "LICENSE_TYPE_NOT_FOUND"]);
    expect((await catalogue(b))[0]?.monthlyPriceCents).toBe(1500);
    expect(code(await api("PATCH", `/companies/${a.companyId}/license-types/${randomUUID()}`, { name: "X" }))).toBe(
      "LICENSE_TYPE_NOT_FOUND",
    );
    expect(code(await api("PATCH", `/companies/${randomUUID()}/license-types/${theirs?.id}`, { name: "X" }))).toBe(
      "COMPANY_NOT_FOUND",
    );
    const empty = await api("PATCH", `/companies/${b.companyId}/license-types/${theirs?.id}`, {});
    expect([empty.status, code(empty)]).toEqual([400, "VALIDATION_FAILED"]);
  });
});

describe("settings reach the door at once", () => {
  test("auto-purchase turned off makes the door refuse a create the matched office has no seat for", async () => {
    const t = await tenant();
    expect((await scimCreate(t, "warm@example.com")).status).toBe(201);
    await api("PATCH", `/companies/${t.companyId}`, { autoPurchaseLicenses: false });
    const refused = await scimCreate(t, "refused@example.com");
    expect(refused.status).toBe(400);
    expect(String(refused.body.detail)).toContain("automatic license purchase is off");
  });
});
