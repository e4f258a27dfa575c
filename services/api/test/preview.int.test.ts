import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, code } from "./helpers/openapi.ts";
import { databaseState, type PreviewBody, previewCsv, previewJson, previewOf } from "./helpers/preview.ts";

// Billing day 1, 2026-11-29: 2 of 30 days left. Voice 1500 → 100 cents, Support 2500 → 167.
const env = useTestEnv({ clock: () => new Date("2026-11-29T10:00:00Z") });
const api = apiClient(env);
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

let tenants = 0;
/** Offices in three countries, one free Voice seat in San Francisco, one number in Berlin and one unbound. */
async function acme(): Promise<Tenant> {
  tenants++;
  const t = await createTenant(env(), {
    company: { billingDay: 1 },
    offices: [
      { name: "San Francisco", country: "US", main: true, seats: { "Dialpad_Ai Voice": 1 } },
      { name: "Berlin", country: "DE", seats: { Dialpad_Support: 1 } },
      { name: "London", country: "GB" },
    ],
  });
  const berlin = await api("POST", `/companies/${t.companyId}/numbers`, {
    numbers: [`+49305550${tenants}`],
    officeId: t.officeIds.Berlin,
  });
  const unbound = await api("POST", `/companies/${t.companyId}/numbers`, { numbers: [`+1415555${2000 + tenants}`] });
  expect([berlin.status, unbound.status]).toEqual([201, 201]);
  return t;
}

const OURS = [
  "userName,givenName,familyName,email,officeName,physicalDeliveryOfficeName,department,countryCode,licenseType",
  "ada@example.com,Ada,Lovelace,ada@example.com,Berlin,,,,",
  "bob@example.com,Bob,Stone,bob@example.com,,,Sales,US,",
  "cy@example.com,Cy,Young,cy@example.com,,,,GB,Dialpad_Support",
  "dee@example.com,Dee,Dee,dee@example.com,,Londn,,,",
  "eve@example.com,Eve,Adams,eve@example.com,,,,,",
  "fay@example.com,Fay,Wray,fay@example.com,,,,,Dialpad_Gold",
  "ADA@example.com,Ada,Again,ada2@example.com,,,,,",
].join("\n");

// The same users as Okta's user export names them: other order, CRLF, a BOM, quotes, ignored columns.
const OKTA = [
  "\uFEFFlogin,firstName,lastName,title,email,profile.department,Country Code,licenseType,physicalDeliveryOfficeName,officeName,manager",
  'ada@example.com,Ada,Lovelace,"Countess, Analyst",ada@example.com,,,,,Berlin,',
  "bob@example.com,Bob,Stone,,bob@example.com,Sales,US,,,,Ada",
  'cy@example.com,Cy,Young,,cy@example.com,,gb,"Dialpad_Support",,,',
  "dee@example.com,Dee,Dee,,dee@example.com,,,,Londn,,",
  "eve@example.com,Eve,Adams,,eve@example.com,,,,,,",
  "fay@example.com,Fay,Wray,,fay@example.com,,,Dialpad_Gold,,,",
  "ADA@example.com,Ada,Again,,ada2@example.com,,,,,,",
  ",,,,,,,,,,",
].join("\r\n");

const JSON_USERS = [
  oktaUser("ada@example.com", { [ENTERPRISE]: { officeName: "Berlin" } }),
  oktaUser("bob@example.com", { department: "Sales", addresses: [{ type: "work", country: "US" }] }),
  oktaUser("cy@example.com", { addresses: [{ type: "work", country: "GB" }], licenseType: "Dialpad_Support" }),
  oktaUser("dee@example.com", { [ENTERPRISE]: { physicalDeliveryOfficeName: "Londn" } }),
  oktaUser("eve@example.com"),
  oktaUser("fay@example.com", { [ENTERPRISE]: { licenseType: "Dialpad_Gold" } }),
  oktaUser("ADA@example.com"),
];

function expectAcmeAnswer(t: Tenant, preview: PreviewBody): void {
  const office = (name: string) => ({ id: t.officeIds[name], name });
  const user = (over: Record<string, unknown>) => ({
    matchedValue: null,
    licenseType: "Dialpad_Ai Voice",
    chargeCents: 0,
    number: { source: "none" },
    refusal: null,
    ...over,
  });
  expect(preview.users).toEqual([
    user({
      userName: "ada@example.com",
      office: office("Berlin"),
      matchedBy: "officeName",
      matchedValue: "Berlin",
      seat: "buy",
      chargeCents: 100,
      number: { source: "officePool" },
    }),
    // "Sales" names no office: the country decides, and San Francisco's free seat is reused.
    user({
      userName: "bob@example.com",
      office: office("San Francisco"),
      matchedBy: "country",
      matchedValue: "US",
      seat: "reuse",
      number: { source: "unboundPool" },
    }),
    user({
      userName: "cy@example.com",
      office: office("London"),
      matchedBy: "country",
      matchedValue: expect.stringMatching(/^gb$/i),
      licenseType: "Dialpad_Support",
      seat: "buy",
      chargeCents: 167,
    }),
    user({
      userName: "dee@example.com",
      office: office("London"),
      matchedBy: "closestName",
      matchedValue: "Londn",
      seat: "buy",
      chargeCents: 100,
      number: { source: "carrier" },
    }),
    user({
      userName: "eve@example.com",
      office: office("San Francisco"),
      matchedBy: "mainOffice",
      seat: "buy",
      chargeCents: 100,
      number: { source: "carrier" },
    }),
    user({
      userName: "fay@example.com",
      office: null,
      matchedBy: null,
      licenseType: "Dialpad_Gold",
      seat: "refused",
      refusal: {
        code: "invalidValue",
        detail: expect.stringMatching(/^licenseType "Dialpad_Gold" is not one of .*"Dialpad_Ai Voice"/),
      },
    }),
    user({
      userName: "ADA@example.com",
      office: null,
      matchedBy: null,
      seat: "refused",
      refusal: { code: "uniqueness", detail: expect.stringContaining("earlier in this file") },
    }),
  ]);
  const seats = (name: string, licenseType: string, chargeCents: number) => ({
    officeId: t.officeIds[name],
    officeName: name,
    licenseType,
    count: 1,
    chargeCents,
  });
  expect(preview.totals).toEqual({
    users: 7,
    seatsToBuy: [
      seats("Berlin", "Dialpad_Ai Voice", 100),
      seats("London", "Dialpad_Ai Voice", 100),
      seats("London", "Dialpad_Support", 167),
      seats("San Francisco", "Dialpad_Ai Voice", 100),
    ],
    chargeCents: 467,
    numbersFromPool: 2,
    numbersToBuy: [{ areaCode: "415", count: 2 }],
    refused: { invalidValue: 1, uniqueness: 1 },
    unmatchedHints: [
      { value: "Londn", count: 1 },
      { value: "Sales", count: 1 },
    ],
  });
}

describe("POST /companies/{id}/provisioning/preview", () => {
  test("a CSV with our column names: office, seat, charge and number per user, and the totals", async () => {
    const t = await acme();
    const before = await databaseState(env());
    const reply = await previewCsv(env(), t.companyId, OURS);
    expect(reply.status).toBe(200);
    expectAcmeAnswer(t, previewOf(reply));
    expect(await databaseState(env())).toEqual(before);
  });

  test("Okta's export names, a BOM, CRLF and quotes give the same answer; so do the SCIM bodies as JSON", async () => {
    const t = await acme();
    const before = await databaseState(env());
    const okta = await previewCsv(env(), t.companyId, OKTA);
    expect(okta.status).toBe(200);
    expectAcmeAnswer(t, previewOf(okta));
    const json = await previewJson(env(), t.companyId, JSON_USERS);
    expect(json.status).toBe(200);
    expectAcmeAnswer(t, previewOf(json));
    expect(await databaseState(env())).toEqual(before);
  });

  test("the door's refusals and the plan's waits come back per user, counted by code", async () => {
    const t = await createTenant(env(), {
      company: { autoPurchaseLicenses: false },
      offices: [{ name: "Austin", country: "US", main: true, seats: { "Dialpad_Ai Voice": 1, Dialpad_Support: 0 } }],
    });
    expect((await scim(env(), t.token, "POST", "/Users", oktaUser("taken@example.com"))).status).toBe(201);
    const before = await databaseState(env());
    const reply = await previewJson(env(), t.companyId, [
      oktaUser("first@example.com"),
      oktaUser("second@example.com"),
      oktaUser("agent@example.com", { licenseType: "Dialpad_Support" }),
      { name: { givenName: "No" } },
      "not a user",
      oktaUser("emails@example.com", { emails: "nope" }),
      oktaUser("TAKEN@example.com"),
      oktaUser("away@example.com", { active: false }),
    ]);
    expect(reply.status).toBe(200);
    const { users, totals } = previewOf(reply);
    expect(users.map((u) => [u.userName, u.seat, u.refusal?.code ?? null])).toEqual([
      ["first@example.com", "reuse", null],
      ["second@example.com", "refused", "no_license_available"],
      ["agent@example.com", "refused", "no_license_available"],
      [null, "refused", "invalidValue"],
      [null, "refused", "invalidSyntax"],
      ["emails@example.com", "refused", "invalidValue"],
      ["TAKEN@example.com", "refused", "uniqueness"],
      ["away@example.com", "none", null],
    ]);
    // The plan's wait (the office's last seat went to `first`) and the door's pre-check read alike.
    expect(users[1]?.refusal?.detail).toMatch(/add seats/);
    expect(users[1]?.office?.name).toBe("Austin");
    expect(users[2]?.refusal?.detail).toMatch(/No free "Dialpad_Support" license seat in office "Austin"/);
    expect(users[6]?.refusal?.detail).toMatch(/already exists in this company/);
    expect(users[7]).toMatchObject({ office: null, number: { source: "none" }, chargeCents: 0 });
    expect(totals.refused).toEqual({ no_license_available: 2, invalidValue: 2, invalidSyntax: 1, uniqueness: 1 });
    expect(totals).toMatchObject({ users: 8, seatsToBuy: [], chargeCents: 0, numbersFromPool: 0 });
    expect(await databaseState(env())).toEqual(before);
  });

  test("no office and a full extension range are the plan's waits too", async () => {
    const bare = await createTenant(env(), { offices: [] });
    const none = previewOf(await previewCsv(env(), bare.companyId, "login\nx@example.com"));
    expect(none.users[0]).toMatchObject({ seat: "refused", office: null, refusal: { code: "no_office" } });
    const tiny = await createTenant(env(), { company: { extensionRange: { start: 100, end: 100 } } });
    const full = previewOf(await previewCsv(env(), tiny.companyId, "login\na@example.com\nb@example.com"));
    expect(full.users.map((u) => u.refusal?.code ?? null)).toEqual([null, "no_extension_available"]);
    expect(full.totals.refused).toEqual({ no_extension_available: 1 });
  });

  test("another company's users, offices and numbers are never used; an unknown company is 404", async () => {
    const mine = await acme();
    const theirs = await createTenant(env(), {
      offices: [{ name: "Berlin", country: "DE", seats: { "Dialpad_Ai Voice": 9 } }],
    });
    await api("POST", `/companies/${theirs.companyId}/numbers`, { numbers: ["+4930555999", "+14155550999"] });
    expect((await scim(env(), theirs.token, "POST", "/Users", oktaUser("ada@example.com"))).status).toBe(201);
    const reply = await previewCsv(env(), mine.companyId, OURS);
    expectAcmeAnswer(mine, previewOf(reply));
    const missing = await previewCsv(env(), randomUUID(), OURS);
    expect([missing.status, code(missing)]).toEqual([404, "COMPANY_NOT_FOUND"]);
  });
});
