import { describe, expect, test } from "vitest";
import { AdminError } from "../errors.ts";
import { usersFromCsv } from "./csv.ts";
import { mapHeader, userFromRow } from "./csv-columns.ts";
import { Slicer } from "./slices.ts";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const parse = (text: string) => usersFromCsv(text, new Slicer());
const one = (header: string, row: string) => {
  const mapped = mapHeader([header]);
  if ("problem" in mapped) throw new Error(mapped.problem);
  return userFromRow(mapped.columns, [row]);
};

describe("CSV column names: ours and Okta's, case-insensitive", () => {
  test.each<[string, Record<string, unknown>]>([
    ["userName", { userName: "v" }],
    ["login", { userName: "v" }],
    ["LOGIN", { userName: "v" }],
    ["User Name", { userName: "v" }],
    ["profile.login", { userName: "v" }],
    ["givenName", { name: { givenName: "v" } }],
    ["firstName", { name: { givenName: "v" } }],
    ["First Name", { name: { givenName: "v" } }],
    ["familyName", { name: { familyName: "v" } }],
    ["lastName", { name: { familyName: "v" } }],
    ["middleName", { name: { middleName: "v" } }],
    ["email", { emails: [{ value: "v", type: "work", primary: true }] }],
    ["primaryEmail", { emails: [{ value: "v", type: "work", primary: true }] }],
    ["secondEmail", { emails: [{ value: "v", type: "other", primary: false }] }],
    ["mobilePhone", { phoneNumbers: [{ value: "v", type: "mobile" }] }],
    ["primaryPhone", { phoneNumbers: [{ value: "v", type: "work" }] }],
    ["title", { title: "v" }],
    ["displayName", { displayName: "v" }],
    ["locale", { locale: "v" }],
    ["countryCode", { addresses: [{ type: "work", primary: true, country: "v" }] }],
    ["country_code", { addresses: [{ type: "work", primary: true, country: "v" }] }],
    ["country", { addresses: [{ type: "work", primary: true, country: "v" }] }],
    ["city", { addresses: [{ type: "work", primary: true, locality: "v" }] }],
    ["zipCode", { addresses: [{ type: "work", primary: true, postalCode: "v" }] }],
    ["officeName", { [ENT]: { officeName: "v" } }],
    ["physicalDeliveryOfficeName", { [ENT]: { physicalDeliveryOfficeName: "v" } }],
    ["department", { [ENT]: { department: "v" } }],
    ["profile.department", { [ENT]: { department: "v" } }],
    ["licenseType", { [ENT]: { licenseType: "v" } }],
    ["employeeNumber", { [ENT]: { employeeNumber: "v" } }],
    ["division", { [ENT]: { division: "v" } }],
    ["managerId", { [ENT]: { manager: { value: "v" } } }],
  ])("%s", (header, expected) => {
    const mapped = mapHeader(["login", header]);
    if ("problem" in mapped) {
      // userName and login are the same attribute: alone, each one maps.
      expect(one(header, "v")).toMatchObject(expected);
      return;
    }
    expect(userFromRow(mapped.columns, ["x", "v"])).toMatchObject(expected);
  });

  test("unknown columns are ignored; empty fields are left out", () => {
    const mapped = mapHeader(["login", "status", "manager", "firstName", "countryCode"]);
    if ("problem" in mapped) throw new Error(mapped.problem);
    expect(userFromRow(mapped.columns, ["a@x.io", "ACTIVE", "Boss", "", ""])).toEqual({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
      userName: "a@x.io",
    });
  });

  test.each<[string[], RegExp]>([
    [["firstName", "email"], /no userName column/],
    [["login", "userName"], /"login" and "userName" give the same attribute/],
    [["login", "email", "Primary Email"], /"email" and "Primary Email"/],
  ])("a header %j is refused", (header, why) => {
    const mapped = mapHeader(header);
    expect("problem" in mapped && mapped.problem).toMatch(why);
  });
});

describe("usersFromCsv", () => {
  test("a BOM, CRLF, quoted commas and newlines, blank lines, all-empty rows and stray quotes", async () => {
    const text =
      '\ufefflogin,title,department\r\n a@x.io ,"VP, Sales",Berlin\r\n\r\n,,\r\nb@x.io,"two\nlines",O"Brien\r\n';
    const users = await parse(text);
    expect(users).toEqual([
      expect.objectContaining({ userName: "a@x.io", title: "VP, Sales", [ENT]: { department: "Berlin" } }),
      expect.objectContaining({ userName: "b@x.io", title: "two\nlines", [ENT]: { department: 'O"Brien' } }),
    ]);
  });

  test("rows may be shorter than the header; trailing empty fields beyond it are fine", async () => {
    expect(await parse("login,title,department\na@x.io\nb@x.io,t,d,,")).toEqual([
      expect.objectContaining({ userName: "a@x.io" }),
      expect.objectContaining({ userName: "b@x.io", title: "t" }),
    ]);
  });

  test("a header alone is no user; nothing at all is refused", async () => {
    expect(await parse("login,email")).toEqual([]);
    await expect(parse("")).rejects.toThrow(/empty/);
    await expect(parse("\n\n")).rejects.toThrow(/empty/);
  });

  test.each<[string, string, RegExp]>([
    ["10,001 rows", `login\n${"a\n".repeat(10_001)}`, /more than 10,000 user rows/],
    ["201 columns", Array.from({ length: 201 }, (_, i) => `c${i}`).join(","), /more than 200 columns/],
    ["a 4,097-character field", `login\n${"x".repeat(4_097)}`, /longer than 4096/],
    ["an unclosed quote", 'login\n"a', /not valid CSV/],
    ["extra fields", "login\na,b", /more fields than the header row \(1\)/],
  ])("%s: 400 INVALID_CSV", async (_, text, why) => {
    const error = await parse(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminError);
    expect(error).toMatchObject({ status: 400, code: "INVALID_CSV", message: expect.stringMatching(why) });
  });

  test("exactly 10,000 rows are taken", async () => {
    expect(await parse(`login\n${"a\n".repeat(10_000)}`)).toHaveLength(10_000);
  });
});
