import { readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { fixture, FIXTURE_IDS as ID } from "../../../test/fixtures/fixtures.ts";
import { ScimError, type ScimType } from "../errors.ts";
import { SCHEMA } from "../resource/schema.ts";
import { applyPatch } from "./apply.ts";
import { type NormalizedOperation, normalizePatchOperations } from "./normalize.ts";

const E = SCHEMA.enterprise;
const patchOp = (...Operations: unknown[]) => ({ schemas: [SCHEMA.patchOp], Operations });
type Case = [string, "User" | "Group", unknown, NormalizedOperation[]];

const cases: Case[] = [
  [
    "Okta deactivate",
    "User",
    fixture("okta/deactivate-user.patch.json"),
    [{ op: "replace", path: "active", value: false }],
  ],
  [
    "Okta group rename keeps id for the applier to check",
    "Group",
    fixture("okta/group-rename.patch.json"),
    [
      { op: "replace", path: "id", value: ID.oktaGroup },
      { op: "replace", path: "displayName", value: "Test SCIMv20" },
    ],
  ],
  [
    'Entra "False" with a path',
    "User",
    fixture("entra/disable-user.patch.json"),
    [{ op: "replace", path: "active", value: false }],
  ],
  [
    "Entra flagged: dotted and URN keys split into paths",
    "User",
    fixture("entra/update-user-flagged.patch.json"),
    [
      { op: "replace", path: 'emails[type eq "work"].value', value: "TestMhvaes@test.microsoft.com" },
      { op: "replace", path: "displayName", value: "Bjfe" },
      { op: "replace", path: "name.givenName", value: "Kkom" },
      { op: "replace", path: "name.familyName", value: "Unua" },
      { op: "replace", path: `${E}:employeeNumber`, value: "Aklq" },
    ],
  ],
  [
    "Entra remove-by-value becomes a filter per member",
    "Group",
    patchOp({ op: "Remove", path: "Members", value: [{ $ref: null, value: "a" }, { value: 'b"c' }] }),
    [
      { op: "remove", path: 'members[value eq "a"]' },
      { op: "remove", path: 'members[value eq "b\\"c"]' },
    ],
  ],
  [
    "a remove with an empty value array removes nothing",
    "Group",
    patchOp({ op: "remove", path: "members", value: [] }),
    [],
  ],
  [
    "x3 extension object → sub-attribute paths",
    "User",
    fixture("entra/replace-enterprise-object.patch.json"),
    [{ op: "replace", path: `${E}:department`, value: "Ops" }],
  ],
  [
    "x4 complex object → sub-attribute paths",
    "User",
    fixture("entra/replace-name-object.patch.json"),
    [{ op: "replace", path: "name.givenName", value: "Kkom" }],
  ],
  [
    "names and URNs in schema casing",
    "User",
    patchOp(
      { op: "ADD", path: "Name.FamilyName", value: "J" },
      { op: "Replace", path: `${E.toUpperCase()}:EmployeeNumber`, value: 7 },
      { op: "Remove", path: 'Emails[Type eq "work"].Display' },
    ),
    [
      { op: "add", path: "name.familyName", value: "J" },
      { op: "replace", path: `${E}:employeeNumber`, value: 7 },
      { op: "remove", path: 'emails[type eq "work"].display' },
    ],
  ],
  [
    "booleans coerced in filters, sub-attributes and no-path lists",
    "User",
    patchOp(
      { op: "replace", path: 'emails[primary eq "TRUE"].primary', value: "false" },
      { op: "replace", value: { emails: [{ value: "a@b", Primary: "True" }], Active: "true" } },
    ),
    [
      { op: "replace", path: "emails[primary eq true].primary", value: false },
      { op: "replace", path: "emails", value: [{ value: "a@b", primary: true }] },
      { op: "replace", path: "active", value: true },
    ],
  ],
  [
    "schemas and meta in a no-path value are dropped; meta paths too",
    "User",
    patchOp(
      { op: "replace", value: { schemas: [SCHEMA.user], meta: { version: "W/1" }, "meta.version": "x", title: "T" } },
      { op: "remove", path: "meta" },
    ),
    [{ op: "replace", path: "title", value: "T" }],
  ],
  [
    "manager shapes become {value[, $ref]}",
    "User",
    patchOp(
      { op: "Add", path: `${E}:manager`, value: "m1" },
      { op: "add", path: "manager", value: [{ $ref: "https://x/Users/m2", value: "m2" }] },
      { op: "replace", value: { [E]: { manager: { value: "m3", displayName: "Boss" } } } },
      { op: "replace", path: `${E}:manager`, value: "" },
    ),
    [
      { op: "replace", path: `${E}:manager`, value: { value: "m1" } },
      { op: "replace", path: `${E}:manager`, value: { value: "m2", $ref: "https://x/Users/m2" } },
      { op: "replace", path: `${E}:manager`, value: { value: "m3" } },
      { op: "replace", path: `${E}:manager`, value: null },
    ],
  ],
  [
    "members: $ref null dropped, a single object becomes a list",
    "Group",
    patchOp({ op: "Add", path: "members", value: { $ref: null, Value: "u1", Display: "U" } }),
    [{ op: "add", path: "members", value: [{ value: "u1", display: "U" }] }],
  ],
  [
    "a client's own extension object is kept whole, unknown attributes as spelled",
    "User",
    patchOp({ op: "replace", value: { "urn:okta:custom:2.0:User": { costCode: "9" }, CustomThing: 1 } }),
    [
      { op: "replace", path: "urn:okta:custom:2.0:User:costCode", value: "9" },
      { op: "replace", path: "CustomThing", value: 1 },
    ],
  ],
  [
    "a blank path is no path",
    "User",
    patchOp({ op: "replace", path: " ", value: { title: "T" } }),
    [{ op: "replace", path: "title", value: "T" }],
  ],
  [
    "an extension cleared as a whole",
    "User",
    patchOp({ op: "replace", path: E, value: null }),
    [{ op: "replace", path: E, value: null }],
  ],
  ["the validator's empty Operations", "User", fixture("entra/empty-operations.patch.json"), []],
];

describe("normalizePatchOperations", () => {
  it.each(cases)("%s", (_, type, body, expected) => {
    expect(normalizePatchOperations(type, body)).toEqual(expected);
  });
});

describe("every fixture: applying the normalised operations gives the same result", () => {
  const user = () => ({
    schemas: [SCHEMA.user, E],
    userName: "babs@contoso.com",
    name: { givenName: "Babs", familyName: "Jensen" },
    displayName: "Babs",
    title: "Guide",
    active: true,
    emails: [{ value: "babs@contoso.com", type: "work", primary: true }],
    [E]: { employeeNumber: "1", manager: { value: "m0" } },
  });
  const group = () => ({ schemas: [SCHEMA.group], displayName: "G", members: [{ value: ID.entraMember }] });
  const files = ["okta", "entra"].flatMap((idp) =>
    readdirSync(new URL(`../../../test/fixtures/${idp}`, import.meta.url))
      .filter((f) => f.endsWith(".patch.json"))
      .map((f) => `${idp}/${f}`),
  );
  it("finds the fixtures", () => expect(files.length).toBeGreaterThanOrEqual(30));
  it.each(files)("%s", (file) => {
    const body = fixture(file);
    const type = /group|member|push/.test(file) ? "Group" : "User";
    const target = {
      type,
      id: type === "Group" ? ID.oktaGroup : "u1",
      document: type === "Group" ? group() : user(),
    } as const;
    const normalized = { schemas: [SCHEMA.patchOp], Operations: normalizePatchOperations(type, body) };
    expect(applyPatch(target, normalized)).toEqual(applyPatch(target, body));
  });
});

describe("large groups", () => {
  it("removes 5,000 members by value and adds 1,000 to a 50,000-member group quickly", () => {
    const members = Array.from({ length: 50_000 }, (_, i) => ({ value: `u${i}`, display: `User ${i}` }));
    const removed = Array.from({ length: 5_000 }, (_, i) => ({ value: `u${i * 10}` }));
    const added = Array.from({ length: 1_000 }, (_, i) => ({ value: `n${i}` }));
    const body = patchOp(
      { op: "Remove", path: "members", value: removed },
      { op: "Add", path: "members", value: added },
    );
    const started = performance.now();
    const { document } = applyPatch({ type: "Group", id: "g", document: { displayName: "Big", members } }, body);
    const elapsed = performance.now() - started;
    expect((document.members as unknown[]).length).toBe(46_000);
    expect(elapsed).toBeLessThan(2_000);
  });
});

describe("prototype pollution", () => {
  afterEach(() => {
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect({}).not.toHaveProperty("polluted");
  });
  // JSON.parse makes "__proto__" an own key, as a request body would.
  const bodies: [string, string, ScimType][] = [
    ["no-path __proto__ key", '{"op":"replace","value":{"__proto__":{"polluted":1}}}', "invalidValue"],
    [
      "nested __proto__ in a member",
      '{"op":"add","path":"members","value":[{"value":"u","__proto__":{"polluted":1}}]}',
      "invalidValue",
    ],
    [
      "constructor key in a value",
      '{"op":"replace","path":"name","value":{"constructor":{"prototype":{"polluted":1}}}}',
      "invalidValue",
    ],
    ["__proto__ path", '{"op":"replace","path":"__proto__.polluted","value":1}', "invalidPath"],
    ["constructor.prototype path", '{"op":"add","path":"constructor.prototype","value":{"polluted":1}}', "invalidPath"],
    ["prototype in an extension path", `{"op":"add","path":"${E}:prototype","value":1}`, "invalidPath"],
    ["__proto__ in a filter", '{"op":"add","path":"emails[__proto__ eq \\"x\\"].polluted","value":1}', "invalidPath"],
    ["constructor in a filter", '{"op":"add","path":"emails[constructor eq \\"x\\"].value","value":1}', "invalidPath"],
  ];
  it.each(bodies)("%s is refused", (_, op, scimType) => {
    const body = JSON.parse(`{"schemas":["${SCHEMA.patchOp}"],"Operations":[${op}]}`);
    expect(() => normalizePatchOperations("User", body)).toThrow(ScimError);
    expect(() => applyPatch({ type: "User", id: "u1", document: { userName: "a" } }, body)).toThrow(
      expect.objectContaining({ status: 400, scimType }),
    );
  });

  it("a custom attribute named like an Object method stays data", () => {
    const body = patchOp(
      { op: "add", path: "toString", value: "x" },
      { op: "add", path: "hasOwnProperty", value: "y" },
    );
    const { document } = applyPatch({ type: "User", id: "u1", document: { userName: "a" } }, body);
    expect(document).toMatchObject({ toString: "x", hasOwnProperty: "y" });
  });
});
