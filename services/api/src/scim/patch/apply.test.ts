import { describe, expect, it } from "vitest";
import {
  fixture,
  sampleGroup as group,
  FIXTURE_IDS as ID,
  patchOp,
  SAMPLE_USER_ID,
  sampleUser as user,
} from "../../../test/fixtures/fixtures.ts";
import { ScimError } from "../errors.ts";
import { SCHEMA } from "../resource/schema.ts";
import { applyPatch, type PatchResult } from "./apply.ts";

type Doc = Record<string, unknown>;
const E = SCHEMA.enterprise;

const onUser = (body: unknown, document = user()) => applyPatch({ type: "User", id: SAMPLE_USER_ID, document }, body);
const onGroup = (body: unknown, document = group()) => applyPatch({ type: "Group", id: ID.oktaGroup, document }, body);
/** The expected document: a fresh one with `change` applied by hand. */
const edited = (base: () => Doc, change: (d: Doc) => void) => {
  const d = base();
  change(d);
  return d;
};
const ent = (d: Doc) => d[E] as Doc;
const list = (d: Doc, key: string) => d[key] as Doc[];

describe("the 12 PATCH cases", () => {
  const cases: [string, (body: unknown) => PatchResult, string, Doc][] = [
    ["1 Okta replace no path {active:false}", onUser, "okta/deactivate-user", edited(user, (d) => (d.active = false))],
    [
      "2 Entra Replace emails[type eq work].value",
      onUser,
      "entra/replace-work-email",
      edited(user, (d) => {
        (list(d, "emails")[0] as Doc).value = "updatedEmail@microsoft.com";
        (d.name as Doc).familyName = "updatedFamilyName";
      }),
    ],
    [
      "3 Entra Add enterprise department",
      onUser,
      "entra/add-department",
      edited(user, (d) => (ent(d).department = "Sales")),
    ],
    [
      "4 replace name.givenName",
      onUser,
      "entra/replace-given-name",
      edited(user, (d) => ((d.name as Doc).givenName = "Barbara")),
    ],
    [
      "5 remove members[value eq …]",
      onGroup,
      "entra/remove-member-flagged",
      edited(group, (d) => (d.members = list(d, "members").slice(0, 1))),
    ],
    [
      "6 add members [{value}]",
      onGroup,
      "entra/add-member",
      edited(group, (d) => list(d, "members").push({ value: ID.entraNewMember })),
    ],
    [
      '7 no path {active:"False"} → false',
      onUser,
      "entra/replace-active-string-no-path",
      edited(user, (d) => (d.active = false)),
    ],
    [
      "x1 Entra Remove members with a value array (stored member has display)",
      onGroup,
      "entra/remove-member-by-value",
      edited(group, (d) => (d.members = list(d, "members").slice(0, 1))),
    ],
    [
      "x2 add emails[type eq other].Value with no match creates it",
      onUser,
      "entra/add-other-email",
      edited(user, (d) => list(d, "emails").push({ type: "other", value: "babs.proxy@contoso.com" })),
    ],
    [
      "x3 no path {urn…:User: {department}} keeps the other extension attributes",
      onUser,
      "entra/replace-enterprise-object",
      edited(user, (d) => (ent(d).department = "Ops")),
    ],
    [
      "x4 no path {name:{givenName}} merges",
      onUser,
      "entra/replace-name-object",
      edited(user, (d) => ((d.name as Doc).givenName = "Kkom")),
    ],
    [
      "x5a remove name.givenName",
      onUser,
      "entra/remove-given-name",
      edited(user, (d) => delete (d.name as Doc).givenName),
    ],
    [
      "x5b replace members (full)",
      onGroup,
      "okta/group-push-now",
      edited(group, (d) => {
        d.members = [
          { value: ID.oktaUser, display: "test.user@okta.local" },
          { value: ID.oktaRemovedMember, display: "test.user@okta.local" },
        ];
      }),
    ],
  ];
  it.each(cases)("%s", (_, apply, name, expected) => {
    const result = apply(fixture(`${name}.patch.json`));
    expect(result.document).toEqual(expected);
    expect(result.changed).toBe(true);
  });
});

describe("Okta", () => {
  it("deactivates and reactivates with a no-path value, keeping everything else", () => {
    const off = onUser(fixture("okta/deactivate-user.patch.json"));
    expect(off.document.active).toBe(false);
    expect(off.activeSet).toBe(false);
    const on = onUser(fixture("okta/reactivate-user.patch.json"), off.document);
    expect(on).toEqual({ document: user(), changed: true, activeSet: true });
  });

  it.each([
    ["Okta, no path", fixture("okta/deactivate-user.patch.json"), false],
    ["Entra, a path and a string", fixture("entra/disable-user.patch.json"), false],
    ["Entra, flagged", fixture("entra/disable-user-flagged.patch.json"), false],
    ["Entra, no path and a string", fixture("entra/replace-active-string-no-path.patch.json"), false],
    ["Entra enable", fixture("entra/enable-user.patch.json"), true],
    [
      "the last of two wins",
      patchOp({ op: "replace", path: "active", value: false }, { op: "replace", value: { active: "True" } }),
      true,
    ],
    ["no active at all", patchOp({ op: "replace", path: "title", value: "x" }), undefined],
  ])("reports the value active was set to (%s)", (_, body, activeSet) => {
    expect(onUser(body).activeSet).toBe(activeSet);
  });

  it("reports no change when the user is already inactive", () => {
    const inactive = edited(user, (d) => (d.active = false));
    expect(onUser(fixture("okta/deactivate-user.patch.json"), inactive).changed).toBe(false);
  });

  it.each([
    ["no path (Okta)", fixture("okta/password-sync.patch.json"), "t1meMa$9Wh33l"],
    ["with a path", patchOp({ op: "replace", path: "password", value: "s3cret!" }), "s3cret!"],
    ["mixed with other ops", patchOp({ op: "add", value: { Password: "x1", active: true } }), "x1"],
  ])("takes the password out of the document (%s)", (_, body, password) => {
    const result = onUser(body);
    const { activeSet: _activeSet, ...rest } = result;
    expect(rest).toEqual({ document: user(), password, changed: false });
    expect(JSON.stringify(result.document)).not.toContain(password);
  });

  it("renames a group whose own id is inside the value", () => {
    const result = onGroup(fixture("okta/group-rename.patch.json"));
    expect(result.document).toEqual(edited(group, (d) => (d.displayName = "Test SCIMv20")));
    expect(result.document).not.toHaveProperty("id");
  });

  it("removes by filter and adds in one request", () => {
    const result = onGroup(fixture("okta/group-members.patch.json"));
    expect(list(result.document, "members")).toEqual([
      { value: ID.entraMember, display: "Entra Member" },
      { value: ID.oktaUser, display: "test.user@okta.local" },
    ]);
  });

  it("repeats the membership request without change or error (a retry)", () => {
    const once = onGroup(fixture("okta/group-members.patch.json"));
    const twice = onGroup(fixture("okta/group-members.patch.json"), once.document);
    expect(twice).toEqual({ document: once.document, changed: false });
  });
});

describe("attribute names are case-insensitive (RFC 7643 §2.1)", () => {
  it.each([
    ["Name.FamilyName", "X", (d: Doc) => ((d.name as Doc).familyName = "X")],
    ['EMAILS[TYPE eq "work"].VALUE', "x@y", (d: Doc) => ((list(d, "emails")[0] as Doc).value = "x@y")],
    [`${E.toUpperCase()}:Department`, "Ops", (d: Doc) => (ent(d).department = "Ops")],
    ["urn:ietf:params:scim:schemas:core:2.0:User:DisplayName", "B", (d: Doc) => (d.displayName = "B")],
    ["ACTIVE", "false", (d: Doc) => (d.active = false)],
  ])("%s", (path, value, change) => {
    expect(onUser(patchOp({ op: "rEpLaCe", path, value })).document).toEqual(edited(user, change));
  });

  it("updates a custom attribute under its stored spelling", () => {
    const start = edited(user, (d) => (d.costCode = "1"));
    const body = { SCHEMAS: [SCHEMA.patchOp], operations: [{ OP: "Replace", Path: "COSTCODE", Value: "2" }] };
    expect(onUser(body, start).document).toEqual(edited(user, (d) => (d.costCode = "2")));
  });
});

describe("atomicity", () => {
  it.each([
    ["a read-only attribute", { op: "replace", path: `${SCHEMA.telephony}:did`, value: "+15550100" }, "mutability"],
    ["a filter matching nothing", { op: "remove", path: 'emails[type eq "fax"]' }, "noTarget"],
  ])("throws on %s in the second op and leaves the document untouched", (_, second, scimType) => {
    const document = user();
    const call = () => onUser(patchOp({ op: "replace", path: "displayName", value: "Changed" }, second), document);
    expect(call).toThrow(ScimError);
    expect(call).toThrow(expect.objectContaining({ status: 400, scimType }));
    expect(document).toEqual(user());
  });

  it("never modifies the caller's document, even on success", () => {
    const document = group();
    onGroup(fixture("okta/group-members.patch.json"), document);
    expect(document).toEqual(group());
  });
});
