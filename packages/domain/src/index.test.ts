import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import * as domain from "./index.ts";

describe("public API", () => {
  test.each([
    "computeBillingPeriod",
    "remainingDays",
    "proratedChargeCents",
    "normalizeCountry",
    "isCountryCode",
    "matchOffice",
    "decideSeats",
    "planNumberAssignments",
    "sandboxCarrierNumber",
    "isE164",
    "isAreaCode",
    "isInRange",
    "validateExtensionRange",
    "formatExtension",
    "parseExtension",
    "planReconcile",
    "statusAfter",
  ])("exports the function %s", (name) => {
    expect(typeof (domain as Record<string, unknown>)[name]).toBe("function");
  });

  test("exports the default catalogue with Dialpad_Ai Voice as the default", () => {
    expect(domain.DEFAULT_LICENSE_TYPE).toBe("Dialpad_Ai Voice");
    expect(domain.DEFAULT_LICENSE_CATALOGUE).toEqual([
      { name: "Dialpad_Ai Voice", monthlyPriceCents: 1500, assignsDid: true },
      { name: "Dialpad_Support", monthlyPriceCents: 2500, assignsDid: false },
      { name: "Dialpad_Ai Sales", monthlyPriceCents: 3000, assignsDid: true },
    ]);
    expect(Object.isFrozen(domain.DEFAULT_LICENSE_CATALOGUE)).toBe(true);
    expect(domain.DEFAULT_LICENSE_CATALOGUE.some((l) => l.name === domain.DEFAULT_LICENSE_TYPE)).toBe(true);
  });

  test.each([
    ["active", true],
    ["failed", true],
    ["deleted", false],
    [null, false],
  ])("isUserStatus(%j) → %s", (value, expected) => {
    expect(domain.isUserStatus(value)).toBe(expected);
  });

  test.each([
    ["no_license_available", true],
    ["no_number_available", true],
    ["no_office", true],
    ["NO_OFFICE", false],
    [42, false],
  ])("isProvisioningErrorCode(%j) → %s", (value, expected) => {
    expect(domain.isProvisioningErrorCode(value)).toBe(expected);
  });
});

// STYLE §1: the domain is pure: no I/O, no env, no clock, no randomness in its source.
const sources = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .map((f) => [f, readFileSync(new URL(f, import.meta.url), "utf8")] as const);

describe("purity of the source files", () => {
  test.each(sources)("%s", (_file, text) => {
    expect(text).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random|process\.|crypto|from "node:|require\(/);
    expect(text).not.toMatch(/: any\b|as any\b/);
  });

  // STYLE §8: ≤250 lines per file, tests included.
  const everyFile = readdirSync(new URL(".", import.meta.url)).filter((f) => f.endsWith(".ts"));
  test.each(everyFile)("%s is at most 250 lines", (file) => {
    const text = readFileSync(new URL(file, import.meta.url), "utf8");
    expect(text.split("\n").length).toBeLessThanOrEqual(250);
  });
});
