import { describe, expect, test } from "vitest";
import { type AdminClient, createTenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";

// The company settings contract: GET shows every setting under `settings`; PUT …/settings and
// PATCH … change them strictly (unknown key 400, absent key unchanged, null turns an optional one off).
const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TENANT = "0b5e3c1a-2f4d-4e6b-8a9c-1d2e3f4a5b6c";
const DEFAULTS = {
  autoPurchaseLicenses: true,
  preventOtherSso: false,
  microsoftTenantIds: [],
  googleHostedDomains: [],
  samlIdpInitiated: true,
  suspendedRetentionDays: null,
  deactivationBreaker: null,
  seatsLowThreshold: null,
  numbersLowThreshold: null,
  monthlySpendCapCents: null,
};

describe("company settings", () => {
  test("a new company shows every setting with its default, and keeps the two top-level copies", async () => {
    const t = await createTenant(env(), { client });
    const res = await api("GET", `/companies/${t.companyId}`);
    expect(res.body.settings).toEqual(DEFAULTS);
    expect(res.body).toMatchObject({ autoPurchaseLicenses: true, preventOtherSso: false });
  });

  test.each(["PUT", "PATCH"])("%s changes only the keys it names, normalising lists", async (method) => {
    const t = await createTenant(env(), { client });
    const path = method === "PUT" ? `/companies/${t.companyId}/settings` : `/companies/${t.companyId}`;
    const res = await api(method, path, {
      microsoftTenantIds: [TENANT.toUpperCase(), ` ${TENANT} `, OTHER_TENANT],
      googleHostedDomains: ["Example.COM"],
      samlIdpInitiated: false,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const changed = {
      ...DEFAULTS,
      microsoftTenantIds: [TENANT, OTHER_TENANT],
      googleHostedDomains: ["example.com"],
      samlIdpInitiated: false,
    };
    expect(res.body.settings).toEqual(changed);
    // An absent key is unchanged.
    const again = await api(method, path, { autoPurchaseLicenses: false });
    expect(again.body.settings).toEqual({ ...changed, autoPurchaseLicenses: false });
    expect((await api("GET", `/companies/${t.companyId}`)).body.settings).toEqual({
      ...changed,
      autoPurchaseLicenses: false,
    });
    // The columns hold exactly that (the worker and sign-in read them).
    const [row] = await env().database.sql<{ microsoft_tenant_ids: string[]; saml_idp_initiated: boolean }[]>`
      select microsoft_tenant_ids, saml_idp_initiated from companies where id = ${t.companyId}`;
    expect(row).toEqual({ microsoft_tenant_ids: [TENANT, OTHER_TENANT], saml_idp_initiated: false });
  });

  test("suspendedRetentionDays: set, then null turns retention off", async () => {
    const t = await createTenant(env(), { client });
    const on = await api("PATCH", `/companies/${t.companyId}`, { suspendedRetentionDays: 30 });
    expect(on.body.settings).toMatchObject({ suspendedRetentionDays: 30 });
    const off = await api("PUT", `/companies/${t.companyId}/settings`, { suspendedRetentionDays: null });
    expect(off.body.settings).toMatchObject({ suspendedRetentionDays: null });
  });

  test("capacity thresholds: set (0 included), then null turns them off", async () => {
    const t = await createTenant(env(), { client });
    const on = await api("PUT", `/companies/${t.companyId}/settings`, { seatsLowThreshold: 5, numbersLowThreshold: 0 });
    expect(on.body.settings).toMatchObject({ seatsLowThreshold: 5, numbersLowThreshold: 0 });
    const off = await api("PATCH", `/companies/${t.companyId}`, { seatsLowThreshold: null });
    expect(off.body.settings).toMatchObject({ seatsLowThreshold: null, numbersLowThreshold: 0 });
    const [row] = await env().database.sql<
      { seats_low_threshold: number | null; numbers_low_threshold: number | null }[]
    >`
      select seats_low_threshold, numbers_low_threshold from companies where id = ${t.companyId}`;
    expect(row).toEqual({ seats_low_threshold: null, numbers_low_threshold: 0 });
  });

  test.each(["PUT", "PATCH"])("%s: null turns a list off; a required setting refuses null", async (method) => {
    const t = await createTenant(env(), { client });
    const path = method === "PUT" ? `/companies/${t.companyId}/settings` : `/companies/${t.companyId}`;
    await api(method, path, { microsoftTenantIds: [TENANT], googleHostedDomains: ["example.com"] });
    const off = await api(method, path, { microsoftTenantIds: null });
    expect(off.body.settings).toMatchObject({ microsoftTenantIds: [], googleHostedDomains: ["example.com"] });
    const refused = await api(method, path, { samlIdpInitiated: null });
    expect(refused.status).toBe(400);
    expect(code(refused)).toBe("VALIDATION_FAILED");
    expect(message(refused)).toContain("samlIdpInitiated");
  });

  test.each([
    ["unknown key", { retentionDays: 3, samlIdpInitiated: false }, "retentionDays"],
    ["retention below a day", { suspendedRetentionDays: 0 }, "suspendedRetentionDays"],
    ["retention not whole days", { suspendedRetentionDays: 1.5 }, "suspendedRetentionDays"],
    ["a typo", { microsoftTenantId: [TENANT] }, "microsoftTenantId"],
    ["not a GUID", { microsoftTenantIds: ["contoso.onmicrosoft.com"] }, "microsoftTenantIds"],
    ["personal accounts' tenant", { microsoftTenantIds: ["9188040d-6c67-4c5b-b112-36a304b66dad"] }, "personal"],
    ["not a domain", { googleHostedDomains: ["https://example.com/"] }, "googleHostedDomains"],
    ["not a list", { googleHostedDomains: "example.com" }, "googleHostedDomains"],
    ["too many", { googleHostedDomains: Array.from({ length: 21 }, (_, i) => `d${i}.example.com`) }, "20"],
    ["wrong type", { samlIdpInitiated: "false" }, "samlIdpInitiated"],
    ["a negative threshold", { seatsLowThreshold: -1 }, "seatsLowThreshold"],
    ["a fractional threshold", { numbersLowThreshold: 2.5 }, "numbersLowThreshold"],
    ["a threshold as text", { numbersLowThreshold: "5" }, "numbersLowThreshold"],
  ])("PUT and PATCH refuse %s with 400 VALIDATION_FAILED and change nothing", async (_, body, named) => {
    const t = await createTenant(env(), { client });
    for (const path of [`/companies/${t.companyId}/settings`, `/companies/${t.companyId}`]) {
      for (const method of path.endsWith("settings") ? ["PUT"] : ["PATCH"]) {
        const res = await api(method, path, body);
        expect(res.status, `${method} ${JSON.stringify(res.body)}`).toBe(400);
        expect(code(res)).toBe("VALIDATION_FAILED");
        expect(message(res)).toContain(named);
      }
    }
    expect((await api("GET", `/companies/${t.companyId}`)).body.settings).toEqual(DEFAULTS);
  });

  test("a company can be created with settings", async () => {
    const res = await api("POST", "/companies", {
      name: "Initech",
      country: "US",
      defaultAreaCode: "415",
      googleHostedDomains: ["initech.example"],
      samlIdpInitiated: false,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.settings).toEqual({
      ...DEFAULTS,
      googleHostedDomains: ["initech.example"],
      samlIdpInitiated: false,
    });
  });
});
