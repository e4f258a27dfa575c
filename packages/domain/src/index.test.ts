import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import * as domain from "./index.ts";

describe("public API", () => {
  test.each([
    "normalizeCountry",
    "matchOffice",
    "planBatch",
    "planBatchInSlices",
    "planNeeds",
    "planInChunks",
    "remedyOf",
    "isProvisioningErrorCode",
    "event",
    "sandboxCarrierNumber",
    "isE164",
    "isAreaCode",
    "validateExtensionRange",
    "formatExtension",
    "parseExtension",
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
    ["no_license_available", true],
    ["no_number_available", true],
    ["no_office", true],
    ["NO_OFFICE", false],
    [42, false],
  ])("isProvisioningErrorCode(%j) → %s", (value, expected) => {
    expect(domain.isProvisioningErrorCode(value)).toBe(expected);
  });
});

// The domain is pure: no I/O, no env, no clock, no randomness in its source (subfolders too).
const files = readdirSync(new URL(".", import.meta.url), { recursive: true, encoding: "utf8" });
const sources = files
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .map((f) => [f, readFileSync(new URL(f, import.meta.url), "utf8")] as const);

describe("purity of the source files", () => {
  test.each(sources)("%s", (_file, text) => {
    expect(text).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random|process\.|crypto|from "node:|require\(/);
    expect(text).not.toMatch(/: any\b|as any\b/);
  });

  // Small files: ≤250 lines each, tests included.
  const everyFile = files.filter((f) => f.endsWith(".ts"));
  test.each(everyFile)("%s is at most 250 lines", (file) => {
    const text = readFileSync(new URL(file, import.meta.url), "utf8");
    expect(text.split("\n").length).toBeLessThanOrEqual(250);
  });
});
