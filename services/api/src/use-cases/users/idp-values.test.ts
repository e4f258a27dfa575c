import { describe, expect, it } from "vitest";
import { ScimError } from "../../scim/errors.ts";
import { SCHEMA } from "../../scim/resource/schema.ts";
import type { CompanyContext } from "../../tenancy.ts";
import { decideIdpLicense, keepIdpValues, type LicenseRequest, type LicenseState } from "./idp-values.ts";

const VOICE = "00000000-0000-7000-8000-00000000000a";
const SUPPORT = "00000000-0000-7000-8000-00000000000b";
const SALES = "00000000-0000-7000-8000-00000000000c";
const company: CompanyContext = {
  id: "c",
  autoPurchaseLicenses: true,
  deactivationBreaker: null,
  licenseTypes: [
    { id: VOICE, name: "Dialpad_Ai Voice", monthlyPriceCents: 1500, assignsDid: true },
    { id: SUPPORT, name: "Dialpad_Support", monthlyPriceCents: 2500, assignsDid: false },
    { id: SALES, name: "Dialpad_Ai Sales", monthlyPriceCents: 3000, assignsDid: true },
  ],
};

// The IdP sent Voice at creation; an admin has since put Sales in effect.
const overridden: LicenseState = { effectiveId: SALES, idpId: VOICE, sentName: "Dialpad_Ai Voice" };
// No admin change: the IdP's value is the one in effect.
const plain: LicenseState = { effectiveId: VOICE, idpId: VOICE, sentName: "Dialpad_Ai Voice" };
// The IdP never sent one: the default was taken.
const unsent: LicenseState = { effectiveId: VOICE, idpId: VOICE, sentName: null };
// The IdP's stored text no longer names a license type (an admin renamed it).
const renamed: LicenseState = { effectiveId: VOICE, idpId: VOICE, sentName: "Voice (old name)" };

const req = (requested: string | null, more: Partial<LicenseRequest> = {}): LicenseRequest => ({
  requested,
  conflict: null,
  removed: false,
  ...more,
});

describe("decideIdpLicense: repeating is no change, changing is 400 mutability", () => {
  it.each<[string, LicenseState, LicenseRequest, string | null]>([
    ["none sent (PUT omits it)", overridden, req(null), null],
    ["the IdP's own last value, after an admin change", overridden, req("Dialpad_Ai Voice"), null],
    ["the IdP's value in another case", overridden, req("dialpad_ai voice"), VOICE],
    ["the value in effect (the admin's)", overridden, req("Dialpad_Ai Sales"), SALES],
    ["the value in effect, another case", overridden, req("DIALPAD_AI SALES"), SALES],
    ["no admin change: the same value", plain, req("Dialpad_Ai Voice"), null],
    ["the default, when the IdP sent none before", unsent, req("Dialpad_Ai Voice"), VOICE],
    ["a renamed type's old text, repeated", renamed, req("Voice (old name)"), null],
    ["a renamed type's new name", renamed, req("Dialpad_Ai Voice"), VOICE],
  ])("%s → accepted", (_, state, request, recorded) => {
    expect(decideIdpLicense(company, state, request)).toBe(recorded);
  });

  it.each<[string, LicenseState, LicenseRequest, string, RegExp]>([
    [
      "a third type after an admin change",
      overridden,
      req("Dialpad_Support"),
      "mutability",
      /"Dialpad_Support" is a change/,
    ],
    ["another type, no admin change", plain, req("Dialpad_Ai Sales"), "mutability", /changed by an admin/],
    [
      "another type when the IdP sent none",
      unsent,
      req("Dialpad_Support"),
      "mutability",
      /send "Dialpad_Ai Voice" or none/,
    ],
    ["removing the IdP's value (PATCH)", overridden, req(null, { removed: true }), "mutability", /cannot be removed/],
    ["an unknown type", overridden, req("Gold"), "invalidValue", /not one of the company's license types/],
    [
      "two different values at once",
      plain,
      req("Dialpad_Ai Voice", { conflict: "licenseType is given twice" }),
      "invalidValue",
      /twice/,
    ],
  ])("%s → 400 %s", (_, state, request, scimType, detail) => {
    let error: unknown;
    try {
      decideIdpLicense(company, state, request);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScimError);
    expect(error).toMatchObject({ status: 400, scimType });
    expect((error as ScimError).detail).toMatch(detail);
  });

  it("names both values when an admin changed the license", () => {
    expect(() => decideIdpLicense(company, overridden, req("Dialpad_Support"))).toThrow(
      /"Dialpad_Ai Voice" \(the identity provider's\) or "Dialpad_Ai Sales" \(in effect\)/,
    );
  });
});

const E = SCHEMA.enterprise;

describe("keepIdpValues: a deactivation neither applies nor records license and office values", () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]>([
    [
      "a stale or different licenseType is put back (enterprise)",
      { active: true, [E]: { licenseType: "Dialpad_Ai Voice", employeeNumber: "1" } },
      { active: false, [E]: { licenseType: "Dialpad_Support", employeeNumber: "2" } },
      { active: false, [E]: { licenseType: "Dialpad_Ai Voice", employeeNumber: "2" } },
    ],
    [
      "top-level license and office values are put back, the rest applied",
      { active: true, licenseType: "A", officeName: "Berlin", title: "Dev" },
      { active: false, licenseType: "B", officeName: "Paris", title: "Ex-dev" },
      { active: false, licenseType: "A", officeName: "Berlin", title: "Ex-dev" },
    ],
    [
      "values the IdP had not sent are not recorded",
      { active: true, userName: "u" },
      { active: false, userName: "u", licenseType: "B", physicalDeliveryOfficeName: "Paris", department: "Ops" },
      { active: false, userName: "u" },
    ],
    [
      "an enterprise extension holding only new values disappears",
      { active: true },
      { active: false, [E]: { licenseType: "B", department: "Ops" } },
      { active: false },
    ],
    [
      "values the deactivation omits are kept",
      { active: true, department: "Sales", [E]: { officeName: "Berlin", costCenter: "7" } },
      { active: false },
      { active: false, department: "Sales", [E]: { officeName: "Berlin" } },
    ],
  ])("%s", (_, previous, next, expected) => {
    expect(keepIdpValues(next, previous)).toEqual(expected);
  });

  it("leaves its inputs untouched", () => {
    const previous = { [E]: { licenseType: "A" } };
    const next = { active: false, [E]: { licenseType: "B" } };
    keepIdpValues(next, previous);
    expect(next).toEqual({ active: false, [E]: { licenseType: "B" } });
  });
});
