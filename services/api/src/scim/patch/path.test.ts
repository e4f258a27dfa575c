import { parse } from "scim2-parse-filter";
import { describe, expect, it } from "vitest";
import { findAttribute, groupSchema, SCHEMA, userSchema } from "../resource/schema.ts";
import { compileFilter, formatPath, parsePath, seedOf } from "./path.ts";

const E = SCHEMA.enterprise;

describe("parsePath", () => {
  it.each([
    ["userName", "User", { attr: "userName" }],
    ["NAME.givenname", "User", { attr: "name", sub: "givenName" }],
    [`${E}:department`, "User", { urn: E, attr: "department" }],
    [`${E.toLowerCase()}:MANAGER.value`, "User", { urn: E, attr: "manager", sub: "value" }],
    [E.toUpperCase(), "User", { urn: E }],
    ["manager", "User", { urn: E, attr: "manager" }],
    [`${SCHEMA.group}:Members`, "Group", { attr: "members" }],
    ["urn:acme:scim:2.0:User:costCode", "User", { urn: "urn:acme:scim:2.0:User", attr: "costCode" }],
    ["customThing", "User", { attr: "customThing" }],
  ] as const)("%s", (raw, type, expected) => {
    expect(parsePath(type, raw)).toMatchObject(expected);
  });

  it("canonicalises a filter and keeps values with brackets, colons and quotes", () => {
    const p = parsePath("User", 'Emails[Value eq "a]b:c\\"d" and not (Primary eq "False")].Display');
    expect(formatPath(p)).toBe('emails[value eq "a]b:c\\"d" and not (primary eq false)].display');
  });

  it.each([
    'members[value eq "x"]',
    'emails[type eq "work"].value',
    `${E}:manager.value`,
    E,
    'addresses[type eq "other"].formatted',
  ])("formats %s back to itself", (raw) => {
    const type = raw.startsWith("members") ? "Group" : "User";
    expect(formatPath(parsePath(type, raw))).toBe(raw);
  });
});

describe("compileFilter", () => {
  const emails = findAttribute(userSchema.attributes, "emails");
  const members = findAttribute(groupSchema.attributes, "members");
  const work = { value: "Babs@Contoso.com", type: "work", primary: true };
  const home = { value: "babs@home.example", type: "home" };
  it.each([
    ['type eq "WORK"', [true, false]],
    ['type ne "work"', [false, true]],
    ['value co "CONTOSO"', [true, false]],
    ['value sw "babs@h"', [false, true]],
    ['value ew ".COM"', [true, false]],
    ["primary eq true", [true, false]],
    ["primary pr", [true, false]],
    ["display pr", [false, false]],
    ['type eq "work" or type eq "home"', [true, true]],
    ['type eq "work" and value sw "x"', [false, false]],
    ['not (type eq "work")', [false, true]],
    ['value gt "babs@d"', [false, true]],
    ['value lt "babs@d"', [true, false]],
    ["display eq null", [true, true]],
  ])("emails[%s]", (filter, expected) => {
    const match = compileFilter(parse(filter), emails);
    expect([work, home].map(match)).toEqual(expected);
  });

  it("compares members.value exactly (caseExact)", () => {
    const match = compileFilter(parse('value eq "ABC"'), members);
    expect([{ value: "ABC" }, { value: "abc" }].map(match)).toEqual([true, false]);
  });

  it.each([
    ['type eq "work"', { type: "work" }],
    ['type eq "work" and primary eq true', { type: "work", primary: true }],
    ['type eq "work" or type eq "home"', undefined],
    ['type co "work"', undefined],
  ])("seedOf(%s)", (filter, seed) => {
    expect(seedOf(parse(filter))).toEqual(seed);
  });
});
