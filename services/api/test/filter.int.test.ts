import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ALL, createFilterDirectory, ENT, except, type FilterDirectory, TEL } from "./helpers/filter-directory.ts";

// The augmentation lives in packages/db/src/testing/global-setup.ts, which this program does not include.
declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

let directory: FilterDirectory;
let ids: FilterDirectory["ids"];
const findUsers: FilterDirectory["findUsers"] = (...args) => directory.findUsers(...args);
const findGroups: FilterDirectory["findGroups"] = (...args) => directory.findGroups(...args);

beforeAll(async () => {
  directory = await createFilterDirectory(inject("templateDatabase"));
  ids = directory.ids;
});

afterAll(async () => {
  await directory?.close();
});

describe("user filters against Postgres", () => {
  it.each<[string, string[]]>([
    ['userName eq "BJENSEN"', ["bjensen"]],
    ['userName eq "j.smith@example.com"', ["jsmith"]],
    ['externalId eq "00uA"', ["bjensen"]],
    ['externalId eq "00ua"', []],
    ['emails[type eq "work"].value eq "ALICE@contoso.com"', ["alice"]],
    ['emails[type eq "work"].value eq "babs@home.org"', []],
    ['emails[type eq "work" and value co "@example."]', ["bjensen", "jsmith", "omalley"]],
    ['emails co "example.com"', ["bjensen", "jsmith", "alice"]],
    ['emails.value ew ".org"', ["bjensen", "omalley"]],
    ["emails.primary eq true", ["bjensen", "jsmith", "dave"]],
    ['emails[primary eq "True" and type eq "home"]', ["dave"]],
    ["emails pr", ["bjensen", "jsmith", "omalley", "alice", "dave"]],
    ['emails ne "bjensen@example.com"', except("bjensen")],
    ["emails eq null", ["carol", "eve", "frank", "franka", "grace", "heidi", "ivan"]],
    ['displayName eq "barbara jensen"', ["bjensen"]],
    ['name.familyName co "O\'Malley"', ["omalley"]],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J."', ["jsmith"]],
    [`${ENT}:department eq "sales"`, ["bjensen", "alice"]],
    [`${ENT.toUpperCase()}:DEPARTMENT eq "Sales"`, ["bjensen", "alice"]],
    [`${ENT}:manager.value eq "MANAGER-1"`, ["bjensen"]],
    [`${ENT}:employeeNumber eq 1234`, ["heidi"]],
    [`schemas eq "${ENT}"`, ["bjensen", "jsmith", "alice", "heidi"]],
    ['officeName eq "paris"', ["alice"]],
    ["title pr", ["bjensen"]],
    ["not (title pr)", except("bjensen")],
    ['title ne "Tour Guide"', except("bjensen")],
    ['not (title eq "Tour Guide")', except("bjensen")],
    ['userType eq "Employee" or userType eq "Intern" and active eq false', ["bjensen", "omalley"]],
    ['(userType eq "Employee" or userType eq "Intern") and active eq true', ["bjensen"]],
    ['active eq "False"', ["omalley", "heidi"]],
    ["active ne true", ["omalley", "heidi"]],
    ['meta.created lt "2021-01-01T00:00:00Z"', ["bjensen"]],
    ['meta.created ge "2021-06-15" and meta.created le "2022-03-01T01:00:00+01:00"', ["jsmith", "omalley"]],
    ['meta.lastModified gt "2023-12-31T23:59:59Z"', except("bjensen", "jsmith", "omalley")],
    ['groups.display eq "admins"', ["bjensen", "jsmith"]],
    ['groups[display eq "Sales Team"] and not (groups.display eq "Admins")', ["alice"]],
    ["groups pr", ["bjensen", "jsmith", "alice"]],
    ['groups eq "{Admins}"', ["bjensen", "jsmith"]],
    [`${TEL}:status eq "SUSPENDED"`, ["omalley"]],
    [`${TEL}:error eq "no_number_available"`, ["alice"]],
    [`${TEL}:office.display eq "paris"`, ["bjensen"]],
    [`${TEL}:office.value eq "{london}"`, ["jsmith"]],
    [`${TEL}:office pr`, ["bjensen", "jsmith"]],
    [`${TEL}:extension eq 101 or ${TEL}:extension eq "102"`, ["bjensen", "jsmith"]],
    [`${TEL}:licenseType eq "Dialpad_Support"`, ["alice"]],
    [`${TEL}:did sw "+1415"`, ["bjensen"]],
    [`${TEL}:matchedBy eq "officename"`, ["bjensen"]],
    [`${TEL}:matchedValue eq "paris"`, ["bjensen"]],
    [`${TEL}:matchedValue pr`, ["bjensen"]],
    ['userName co "_100%"', ["frank"]],
    ['userName sw "frank_"', ["frank"]],
    ['userName eq "DOMAIN\\\\grace"', ["grace"]],
    ['id eq "{bjensen}"', ["bjensen"]],
    ['id eq "not-a-uuid" or id eq "{zed}"', []],
    ['addresses[type eq "work" and country eq "fr"]', ["ivan"]],
    ['phoneNumbers.value sw "+33"', ["ivan"]],
    ['emails.value eq "eve@x.com" or name.givenName pr or addresses.country pr', ["bjensen", "ivan"]],
    ['meta.resourceType eq "User" and meta.version eq "W/\\"1\\""', ALL],
  ])("%s", async (filter, expected) => {
    expect((await findUsers(filter)).sort()).toEqual([...expected].sort());
  });

  it("SQL-looking values are plain values", async () => {
    expect(await findUsers(`userName eq "'; drop table users; --"`)).toEqual([]);
    expect(await findUsers(`displayName eq "x') or 1=1 --" or userName co "%' or '1'='1"`)).toEqual([]);
    expect(await findUsers('emails[value eq "\\" or 1=1) --"]')).toEqual([]);
    expect((await findUsers()).length).toBe(ALL.length);
    expect(await directory.countUsers()).toBe(ALL.length + 1); // the table is intact, soft-deleted zed included
  });
});

describe("group filters against Postgres", () => {
  it.each<[string, string[]]>([
    ['displayName eq "admins"', ["Admins"]],
    ['externalId eq "grp-1"', ["Sales Team"]],
    ['members[value eq "{bjensen}"]', ["Admins", "Sales Team"]],
    ['members.value eq "{alice}"', ["Sales Team"]],
    ['members[value eq "{zed}"]', []],
    ['members.display eq "john smith" or members.display eq "ALICE@contoso.com"', ["Admins", "Sales Team"]],
    ["not (members pr)", ["Empty"]],
    ['members eq "not-a-uuid"', []],
    ['displayName sw "s" and members pr', ["Sales Team"]],
    ['meta.resourceType eq "Group" and meta.created gt "2000-01-01"', ["Admins", "Sales Team", "Empty"]],
  ])("%s", async (filter, expected) => {
    expect((await findGroups(filter)).sort()).toEqual([...expected].sort());
  });
});

describe("sorting against Postgres", () => {
  const byName = [
    "alice",
    "bjensen",
    "carol",
    "dave",
    "grace",
    "eve",
    "frank",
    "franka",
    "heidi",
    "ivan",
    "jsmith",
    "omalley",
  ];

  it("userName ascending ignores case; descending reverses", async () => {
    expect(await findUsers(undefined, "userName")).toEqual(byName);
    expect(await findUsers(undefined, "USERNAME", "descending")).toEqual([...byName].reverse());
  });

  it("meta.created, then the id tiebreak", async () => {
    const rest = except("bjensen", "jsmith", "omalley").sort((a, b) => ((ids[a] ?? "") < (ids[b] ?? "") ? -1 : 1));
    expect(await findUsers(undefined, "meta.created")).toEqual(["bjensen", "jsmith", "omalley", ...rest]);
  });

  it("emails sorts by the primary, else first, value; absent last", async () => {
    expect(await findUsers('emails pr or userName eq "carol"', "emails")).toEqual([
      "alice",
      "bjensen",
      "dave",
      "jsmith",
      "omalley",
      "carol",
    ]);
    expect(await findUsers('emails pr or userName eq "carol"', "emails.value", "descending")).toEqual([
      "omalley",
      "jsmith",
      "dave",
      "bjensen",
      "alice",
      "carol",
    ]);
  });

  it("telephony and group sorting", async () => {
    expect(await findUsers(`${TEL}:extension pr`, `${TEL}:extension`, "descending")).toEqual(["jsmith", "bjensen"]);
    expect(await findGroups(undefined, "displayName", "descending")).toEqual(["Sales Team", "Empty", "Admins"]);
  });
});
