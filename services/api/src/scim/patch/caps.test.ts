import { describe, expect, it } from "vitest";
import {
  sampleGroup as group,
  FIXTURE_IDS as ID,
  SAMPLE_USER_ID,
  sampleUser as user,
} from "../../../test/fixtures/fixtures.ts";
import { canonicalize, MAX_KEYS, MAX_MEMBERS, MAX_VALUES } from "../resource/canonical.ts";
import { applyPatch } from "./apply.ts";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
const onUser = (body: unknown, document = user()) => applyPatch({ type: "User", id: SAMPLE_USER_ID, document }, body);
const onGroup = (body: unknown, document = group()) => applyPatch({ type: "Group", id: ID.oktaGroup, document }, body);
const emails = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ value: `u${from + i}@example.com`, type: "work" }));

describe("PATCH add de-duplicates in linear time", () => {
  // Each new value used to be compared with every value already there: 40,000 member objects
  // without a value meant ~800 million deep comparisons in one request. Now they are refused first.
  it("40,000 members without a value are refused before any de-duplication", () => {
    const members = Array.from({ length: 40_000 }, (_, i) => ({ display: `m${i % 20_000}` }));
    expect(() => onGroup(patch({ op: "add", path: "members", value: members }), { ...group(), members: [] })).toThrow(
      /members\[0\]\.value is required/,
    );
  });

  it("40,000 members with values, half of them repeated, keep 20,000 in one pass", () => {
    const members = Array.from({ length: 40_000 }, (_, i) => ({ value: `u${i % 20_000}` }));
    const result = onGroup(patch({ op: "add", path: "members", value: members }), { ...group(), members: [] });
    expect(result.document.members).toHaveLength(20_000);
  });

  it.each([
    ["the same value and type", [{ value: "a@example.com", type: "work" }], 0],
    ["the same value in another case (caseExact false)", [{ value: "A@Example.com", type: "work" }], 0],
    ["the same value without a type", [{ value: "a@example.com" }], 0],
    ["the same value with another type", [{ value: "a@example.com", type: "home" }], 1],
    ["another value", [{ value: "b@example.com", type: "work" }], 1],
    ["twice the same new value", [{ value: "c@example.com" }, { value: "c@example.com" }], 1],
    [
      "objects without a value, equal but for key order",
      [
        { display: "x", type: "y" },
        { type: "y", display: "x" },
      ],
      1,
    ],
  ])("%s: adds %s", (_, value, added) => {
    const base = { ...user(), emails: [{ value: "a@example.com", type: "work" }] };
    const result = onUser(patch({ op: "add", path: "emails", value }), base);
    expect((result.document.emails as unknown[]).length).toBe(1 + added);
  });
});

describe("multi-valued attributes are capped", () => {
  it(`a user attribute holds at most ${MAX_VALUES} values, through PATCH add or a full body`, () => {
    const base = { ...user(), emails: emails(MAX_VALUES - 1) };
    expect(
      (onUser(patch({ op: "add", path: "emails", value: emails(1, 500) }), base).document.emails as []).length,
    ).toBe(MAX_VALUES);
    for (const body of [
      patch({ op: "add", path: "emails", value: emails(2, 500) }),
      patch({ op: "add", path: "emails", value: emails(MAX_VALUES + 1, 500) }),
    ]) {
      expect(() => onUser(body, base)).toThrow(expect.objectContaining({ status: 400, scimType: "invalidValue" }));
    }
    expect(() => canonicalize("User", { userName: "x", emails: emails(MAX_VALUES + 1) })).toThrow(/at most 100/);
    expect(() => canonicalize("User", { userName: "x", customList: Array(MAX_VALUES + 1).fill("a") })).toThrow(
      /at most 100/,
    );
  });

  it(`a group holds at most ${MAX_MEMBERS} members`, () => {
    const members = Array.from({ length: MAX_MEMBERS + 1 }, (_, i) => ({ value: `u${i}` }));
    expect(() => canonicalize("Group", { displayName: "all", members })).toThrow(/at most 50000/);
    expect(() => canonicalize("Group", { displayName: "all", members: members.slice(1) })).not.toThrow();
  });
});

describe(`an object holds at most ${MAX_KEYS} attributes`, () => {
  const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 0]));
  it("in a body: the resource, an extension, an entry, a free object", () => {
    const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    for (const body of [
      { userName: "x", ...keys(MAX_KEYS) },
      { userName: "x", [ENTERPRISE]: keys(MAX_KEYS + 1) },
      { userName: "x", emails: [{ value: "a@b.c", ...keys(MAX_KEYS) }] },
      { userName: "x", custom: keys(MAX_KEYS + 1) },
    ]) {
      expect(() => canonicalize("User", body)).toThrow(new RegExp(`more than ${MAX_KEYS} attributes`));
    }
    expect(() => canonicalize("User", { userName: "x", custom: keys(MAX_KEYS) })).not.toThrow();
  });

  it("in a PATCH value without a path (each key an operation, matched against the document)", () => {
    expect(() => onUser(patch({ op: "add", value: keys(MAX_KEYS + 1) }))).toThrow(/more than 1000 attributes/);
    expect(Object.keys(onUser(patch({ op: "add", value: keys(MAX_KEYS - 10) })).document).length).toBeGreaterThan(
      MAX_KEYS - 10,
    );
  });
});

describe("a PATCH value over the cap is refused before it is applied", () => {
  it("an array of 20,000 values for an attribute the schema does not know (scim-patch would compare them all)", () => {
    const value = Array.from({ length: 20_000 }, (_, i) => ({ display: `m${i}` }));
    expect(() => onUser(patch({ op: "add", path: "members", value }))).toThrow(/at most 100 values/);
    expect(() => onUser(patch({ op: "replace", path: "customList", value }))).toThrow(/at most 100 values/);
  });
});

describe("value filters a PATCH may test are bounded", () => {
  it("1,000 filtered removes on a 1,000-member group (a million tests) are refused; a few are fine", () => {
    const members = Array.from({ length: 1000 }, (_, i) => ({ value: `u${i}`, display: `m${i}` }));
    const removes = (n: number) =>
      patch(...Array.from({ length: n }, (_, i) => ({ op: "remove", path: `members[display eq "m${i}"]` })));
    expect(() => onGroup(removes(1000), { ...group(), members })).toThrow(/value filters would cost more than/);
    expect(onGroup(removes(100), { ...group(), members }).document.members).toHaveLength(900);
  });

  it("entries of many attributes under filters of many comparisons count by both (each comparison scans the keys)", () => {
    const wide = Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`x${i}`, "v"]));
    const base = { ...user(), emails: [{ value: "a@b.c", ...wide }] };
    // Absent attributes (each a scan of the entry's keys), then one that matches.
    const terms = [...Array.from({ length: 99 }, (_, i) => `z${i} pr`), "value pr"].join(" or ");
    const replaces = (n: number) =>
      patch(...Array.from({ length: n }, () => ({ op: "replace", path: `emails[${terms}].display`, value: "d" })));
    expect(() => onUser(replaces(20), base)).toThrow(/value filters would cost more than/);
    expect(onUser(replaces(5), base).document.emails).toHaveLength(1);
  });

  it("Okta's and Entra's removes by value are applied by id and not counted", () => {
    const members = Array.from({ length: 10_000 }, (_, i) => ({ value: `u${i}` }));
    const body = patch(
      ...Array.from({ length: 1000 }, (_, i) => ({ op: "remove", path: `members[value eq "u${i}"]` })),
    );
    expect(onGroup(body, { ...group(), members }).document.members).toHaveLength(9000);
  });
});
