import { describe, expect, it } from "vitest";
import { fixture, FIXTURE_IDS as ID } from "../../../test/fixtures/fixtures.ts";
import { ScimError, type ScimType } from "../errors.ts";
import { SCHEMA } from "../resource/schema.ts";
import { applyPatch } from "./apply.ts";

type Doc = Record<string, unknown>;
const E = SCHEMA.enterprise;
const T = SCHEMA.telephony;
const USER_ID = "5171a35d-8207-4e06-8ce2-b2f1d0c3a4e5";
const patchOp = (...Operations: unknown[]) => ({ schemas: [SCHEMA.patchOp], Operations });

const user = (): Doc => ({
  schemas: [SCHEMA.user, E],
  userName: "babs@contoso.com",
  name: { givenName: "Babs", familyName: "Jensen" },
  active: true,
  licenseType: "Dialpad_Ai Voice",
  emails: [{ value: "babs@contoso.com", type: "work", primary: true }],
  [E]: { department: "Tours", licenseType: "Dialpad_Ai Voice" },
});
const group = (): Doc => ({ schemas: [SCHEMA.group], displayName: "G", members: [{ value: ID.entraMember }] });

function scimError(call: () => unknown): ScimError {
  try {
    call();
  } catch (err) {
    if (err instanceof ScimError) return err;
    throw err;
  }
  throw new Error("expected a ScimError");
}

type Case = [string, unknown, ScimType, ("User" | "Group")?, RegExp?];
const cases: Case[] = [
  // Body structure (rule 1)
  ["body is null", null, "invalidSyntax"],
  ["body is an array", [patchOp()], "invalidSyntax"],
  ["no schemas", { Operations: [] }, "invalidSyntax"],
  ["schemas without PatchOp", { schemas: [SCHEMA.user], Operations: [] }, "invalidSyntax", "User", /PatchOp/],
  ["schemas is a string", { schemas: SCHEMA.patchOp, Operations: [] }, "invalidSyntax"],
  ["Operations missing", { schemas: [SCHEMA.patchOp] }, "invalidSyntax", "User", /Operations/],
  ["Operations is an object", { schemas: [SCHEMA.patchOp], Operations: { op: "add" } }, "invalidSyntax"],
  ["over 1000 operations", patchOp(...Array(1001).fill({ op: "replace", path: "title", value: "x" })), "invalidSyntax"],
  ["an operation is a string", patchOp("replace"), "invalidSyntax"],
  ["unknown op", patchOp({ op: "merge", path: "title", value: "x" }), "invalidSyntax", "User", /"merge"/],
  ["op missing", patchOp({ path: "title", value: "x" }), "invalidSyntax"],
  ["path is a number", patchOp({ op: "replace", path: 7, value: "x" }), "invalidPath"],
  ["remove without path", patchOp({ op: "remove" }), "noTarget"],
  ["Remove without path (Entra casing)", patchOp({ op: "Remove", value: [{ value: "x" }] }), "noTarget"],
  ["add without value", patchOp({ op: "add", path: "title" }), "invalidSyntax"],
  ["replace without path or value", patchOp({ op: "replace" }), "invalidSyntax"],
  ["no-path value is a string", patchOp({ op: "replace", value: "active=false" }), "invalidValue"],
  ["no-path value is an array", patchOp({ op: "add", value: [{ active: false }] }), "invalidValue"],
  // Paths
  ["unclosed filter", patchOp({ op: "remove", path: 'emails[type eq "work"' }), "invalidPath"],
  ["unknown filter operator", patchOp({ op: "remove", path: 'emails[type xx "work"]' }), "invalidPath"],
  ["empty filter", patchOp({ op: "remove", path: "emails[]" }), "invalidPath"],
  ["three levels", patchOp({ op: "replace", path: "name.givenName.first", value: "x" }), "invalidPath"],
  ["sub-attribute of a string", patchOp({ op: "replace", path: "displayName.foo", value: "x" }), "invalidPath"],
  ["filter on a single-valued attribute", patchOp({ op: "remove", path: 'name[givenName eq "x"]' }), "invalidPath"],
  ["nested filter", patchOp({ op: "remove", path: 'emails[value[x eq "y"]]' }), "invalidPath"],
  ["path over 1024 characters", patchOp({ op: "replace", path: "a".repeat(1025), value: "x" }), "invalidPath"],
  ["core URN alone", patchOp({ op: "replace", path: SCHEMA.user, value: { title: "x" } }), "invalidPath"],
  ["bad key in a no-path value", patchOp({ op: "replace", value: { "display name": "x" } }), "invalidPath"],
  // Targets (RFC 7644 §3.5.2)
  ["remove by a filter matching nothing", patchOp({ op: "remove", path: 'emails[type eq "fax"]' }), "noTarget"],
  [
    "replace under a filter matching nothing",
    patchOp({ op: "replace", path: 'emails[type eq "fax"].value', value: "f" }),
    "noTarget",
  ],
  [
    "remove under a filter matching nothing",
    patchOp({ op: "remove", path: 'emails[type eq "home"].display' }),
    "noTarget",
  ],
  [
    "add to a non-eq filter matching nothing",
    patchOp({ op: "add", path: 'emails[type ne "work"].value', value: "a@b" }),
    "noTarget",
  ],
  [
    "remove from phoneNumbers that do not exist",
    patchOp({ op: "remove", path: 'phoneNumbers[type eq "work"]' }),
    "noTarget",
  ],
  // Mutability (rule 4, docs/RULES.md)
  [
    "did by URN path",
    patchOp({ op: "replace", path: `${T}:did`, value: "+15550100" }),
    "mutability",
    "User",
    /admin portal/,
  ],
  [
    "extension by URN path",
    patchOp({ op: "Add", path: `${T}:extension`, value: "101" }),
    "mutability",
    "User",
    /admin portal/,
  ],
  [
    "status by URN path",
    patchOp({ op: "replace", path: `${T}:status`, value: "active" }),
    "mutability",
    "User",
    /admin portal/,
  ],
  ["office in a no-path value", patchOp({ op: "replace", value: { [T]: { office: { value: "o1" } } } }), "mutability"],
  [
    "did as a no-path URN key",
    patchOp({ op: "replace", value: { [`${T.toUpperCase()}:did`]: "+1555" } }),
    "mutability",
  ],
  ["remove the telephony extension", patchOp({ op: "remove", path: T }), "mutability"],
  ["top-level did", patchOp({ op: "replace", value: { did: "+15550100" } }), "mutability", "User", /admin portal/],
  ["top-level extension", patchOp({ op: "add", path: "Extension", value: "101" }), "mutability"],
  [
    "enterprise did",
    patchOp({ op: "replace", path: `${E}:did`, value: "+15550100" }),
    "mutability",
    "User",
    /admin portal/,
  ],
  ["enterprise extension attribute", patchOp({ op: "replace", value: { [`${E}:Extension`]: "7" } }), "mutability"],
  ["did inside an enterprise object", patchOp({ op: "add", path: E, value: { did: "+15550100" } }), "mutability"],
  [
    "did beside a deactivation",
    patchOp({ op: "replace", value: { active: false, did: "+15550100" } }),
    "mutability",
    "User",
    /admin portal/,
  ],
  ["id of another resource", patchOp({ op: "replace", path: "id", value: "someone-else" }), "mutability"],
  ["id removed", patchOp({ op: "remove", path: "id" }), "mutability"],
  [
    "groups on a user",
    patchOp({ op: "add", path: "groups", value: [{ value: "g1" }] }),
    "mutability",
    "User",
    /\/Groups/,
  ],
  ["groups in a no-path value", patchOp({ op: "replace", value: { groups: [] } }), "mutability"],
  ["a readOnly sub-attribute", patchOp({ op: "replace", path: `${E}:manager.displayName`, value: "x" }), "mutability"],
  [
    "Okta rename with another group's id",
    patchOp({ op: "replace", value: { id: "00g1", displayName: "x" } }),
    "mutability",
    "Group",
  ],
  // Values
  ["active removed (it would read back true)", patchOp({ op: "remove", path: "active" }), "invalidValue"],
  ["active cleared by Null_Update", patchOp({ op: "Replace", path: "active", value: "" }), "invalidValue"],
  ["password removed", patchOp({ op: "remove", path: "password" }), "invalidValue"],
  ["password not a string", patchOp({ op: "replace", value: { password: 1234 } }), "invalidValue"],
  [
    "two managers",
    patchOp({ op: "add", path: `${E}:manager`, value: [{ value: "a" }, { value: "b" }] }),
    "invalidValue",
  ],
  [
    "manager as an object without value",
    patchOp({ op: "add", path: "manager", value: { value: { id: 1 } } }),
    "invalidValue",
  ],
  ["extension as a string", patchOp({ op: "replace", path: E, value: "Ops" }), "invalidValue"],
  [
    "remove-by-value item without value",
    patchOp({ op: "Remove", path: "members", value: [{ display: "x" }] }),
    "invalidValue",
    "Group",
  ],
  [
    "filtered replace with a string for the entry",
    patchOp({ op: "replace", path: 'emails[type eq "work"]', value: "x" }),
    "invalidValue",
  ],
  [
    "a string over a complex attribute (scim-patch)",
    patchOp({ op: "add", path: "name", value: "Babs Jensen" }),
    "invalidValue",
  ],
  ["a value nested 10 deep", patchOp({ op: "add", path: "custom", value: [[[[[[[[[["x"]]]]]]]]]] }), "invalidValue"],
];

describe("every client error is a 400 ScimError with its scimType", () => {
  it.each(cases)("%s → %s", (_, body, scimType, type = "User", detail) => {
    const document = type === "User" ? user() : group();
    const id = type === "User" ? USER_ID : ID.oktaGroup;
    const err = scimError(() => applyPatch({ type, id, document }, body));
    expect({ status: err.status, scimType: err.scimType }).toEqual({ status: 400, scimType });
    if (detail) expect(err.detail).toMatch(detail);
  });
});

describe("not errors", () => {
  it.each([
    ["licenseType sent with its current value", patchOp({ op: "replace", value: { licenseType: "Dialpad_Ai Voice" } })],
    [
      "meta in a path and in a no-path value",
      patchOp(
        { op: "replace", path: "meta.lastModified", value: "x" },
        { op: "replace", value: { meta: {}, schemas: [] } },
      ),
    ],
    ["the user's own id", patchOp({ op: "replace", value: { id: USER_ID } })],
  ])("%s is ignored", (_, body) => {
    expect(applyPatch({ type: "User", id: USER_ID, document: user() }, body)).toEqual({
      document: user(),
      changed: false,
    });
  });
});

describe("fixtures refuse what they must", () => {
  it("Okta's rename fixture is refused on a group with another id", () => {
    const err = scimError(() =>
      applyPatch({ type: "Group", id: "other", document: group() }, fixture("okta/group-rename.patch.json")),
    );
    expect(err.scimType).toBe("mutability");
  });
});
