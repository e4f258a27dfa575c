import { describe, expect, it } from "vitest";
import { SCHEMA } from "./schema.ts";
import { licenseTypeOf, parseUserInput, requestedLicenseType } from "./user-input.ts";

const E = SCHEMA.enterprise;
const T = SCHEMA.telephony;

describe("parseUserInput: DID and extension are the server's, ignored wherever a client writes them", () => {
  it.each([
    ["top level", { did: "+15550100", Extension: "101" }],
    ["enterprise extension", { [E]: { did: "+15550100", extension: "101", department: "Ops" } }],
    ["URN-qualified", { [`${E}:did`]: "+15550100", [`${E}:EXTENSION`]: 7 }],
    ["telephony extension", { [T]: { did: "+15550100", extension: "101", licenseType: "X", office: { value: "o" } } }],
  ])("%s", (_, extra) => {
    const { document } = parseUserInput({ userName: "u", ...extra });
    const text = JSON.stringify(document).toLowerCase();
    expect(text).not.toContain("did");
    expect(text).not.toContain('extension"');
    expect(text).not.toContain(T.toLowerCase());
  });

  it("keeps the other enterprise attributes", () => {
    expect(parseUserInput({ userName: "u", [E]: { did: "x", department: "Ops" } }).document[E]).toEqual({
      department: "Ops",
    });
  });
});

describe("licenseType: the enterprise extension's, else the top level's", () => {
  it.each<[Record<string, unknown>, string | null, boolean]>([
    [{}, null, false],
    [{ licenseType: "A" }, "A", false],
    [{ [E]: { licenseType: " B " } }, "B", false],
    [{ licenseType: "A", [E]: { licenseType: "A" } }, "A", false],
    [{ licenseType: "A", [E]: { licenseType: "B" } }, "B", true],
    [{ licenseType: "  " }, null, false],
  ])("%j → %s (conflict %s)", (document, value, conflict) => {
    const license = licenseTypeOf(document);
    expect(license.value).toBe(value);
    expect(license.conflict !== null).toBe(conflict);
  });

  it("a create naming two different license types is 400 invalidValue", () => {
    const input = parseUserInput({ userName: "u", licenseType: "A", [E]: { licenseType: "B" } });
    expect(() => requestedLicenseType(input)).toThrow(/given twice/);
  });
});
