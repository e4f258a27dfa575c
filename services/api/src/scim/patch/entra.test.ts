import { describe, expect, it } from "vitest";
import {
  fixture,
  sampleGroup as group,
  FIXTURE_IDS as ID,
  patchOp,
  SAMPLE_USER_ID,
  sampleUser as user,
} from "../../../test/fixtures/fixtures.ts";
import { SCHEMA } from "../resource/schema.ts";
import { applyPatch } from "./apply.ts";

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

describe("Entra", () => {
  it.each([
    ["disable-user", false],
    ["enable-user", true],
    ["disable-user-flagged", false],
  ])("%s sets active to a boolean", (name, active) => {
    const start = edited(user, (d) => (d.active = !active));
    expect(onUser(fixture(`entra/${name}.patch.json`), start).document.active).toBe(active);
  });

  it.each(["update-user", "update-user-flagged"])("%s applies every attribute", (name) => {
    const { document } = onUser(fixture(`entra/${name}.patch.json`));
    expect(document.userName).toBe("babs@contoso.com");
    expect((document.name as Doc).familyName).toMatch(/^(Pkqf|Unua)$/);
    expect((document.name as Doc).givenName).toMatch(/^(Gtfd|Kkom)$/);
    expect(list(document, "emails")[0]?.value).toMatch(/@test\.microsoft\.com$/);
    expect(list(document, "emails")[1]).toEqual({ value: "babs@home.example", type: "home" });
    expect(ent(document)).toMatchObject({ department: "Tours", licenseType: "Dialpad_Ai Voice" });
    expect(ent(document).employeeNumber).toMatch(/^(Eqpj|Aklq)$/);
  });

  it("matches the filter value case-insensitively (type is caseExact false)", () => {
    const body = patchOp({ op: "Replace", path: 'emails[type eq "WORK"].value', value: "new@contoso.com" });
    expect(list(onUser(body).document, "emails")[0]?.value).toBe("new@contoso.com");
  });

  it("adds a work email where none exists, and replaces it where one does", () => {
    const noWork = edited(user, (d) => (d.emails = list(d, "emails").slice(1)));
    const created = onUser(fixture("entra/add-work-email.patch.json"), noWork);
    expect(list(created.document, "emails")).toContainEqual({ type: "work", value: "babs@contoso.com" });
    const existing = edited(user, (d) => ((list(d, "emails")[0] as Doc).value = "old@contoso.com"));
    expect(onUser(fixture("entra/add-work-email.patch.json"), existing).document).toEqual(user());
  });

  it("sets primary on one email and clears it on the others (RFC 7644 §3.5.2)", () => {
    const body = patchOp({ op: "Replace", path: 'emails[type eq "home"].primary', value: "True" });
    expect(list(onUser(body).document, "emails").map((e) => e.primary)).toEqual([false, true]);
  });

  it("adds a nickName and renames a group", () => {
    expect(onUser(fixture("entra/add-nickname.patch.json")).document.nickName).toBe("Babs");
    const renamed = onGroup(fixture("entra/group-rename.patch.json")).document.displayName;
    expect(renamed).toBe("1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName");
  });

  it("removes several members by value in one pass; absent ones are ignored", () => {
    const values = [ID.entraMember, "not-a-member", ID.oktaRemovedMember].map((value) => ({ $ref: null, value }));
    const result = onGroup(patchOp({ op: "Remove", path: "members", value: values }));
    expect(result.document).not.toHaveProperty("members");
  });

  it("adds members without duplicating one already present", () => {
    const body = patchOp({
      op: "Add",
      path: "members",
      value: [{ value: ID.entraMember }, { value: ID.entraNewMember }],
    });
    expect(list(onGroup(body).document, "members").map((m) => m.value)).toEqual([
      ID.oktaRemovedMember,
      ID.entraMember,
      ID.entraNewMember,
    ]);
  });

  it("accepts an empty Operations array (the validator) as a no-op", () => {
    expect(onUser(fixture("entra/empty-operations.patch.json"))).toEqual({ document: user(), changed: false });
  });
});

describe("manager", () => {
  const withManager = () =>
    edited(user, (d) => (ent(d).manager = { value: "old-boss", $ref: "https://x/Users/old-boss" }));
  const ref = `https://scim.example.com/scim/v2/Users/${ID.manager}`;
  it.each([
    ["manager-set-array", { value: ID.manager, $ref: ref }],
    ["manager-set-object", { value: ID.manager }],
    ["manager-set-string", { value: ID.manager }],
    ["manager-set-bare-path", { value: ID.manager }],
  ])("%s sets and changes the manager as a whole", (name, manager) => {
    for (const start of [user(), withManager()]) {
      const { document } = onUser(fixture(`entra/${name}.patch.json`), start);
      expect(ent(document)).toEqual({ ...ent(user()), manager });
    }
  });

  it.each([
    ["Remove", fixture("entra/manager-remove.patch.json")],
    ["replace null", patchOp({ op: "replace", path: `${E}:manager`, value: null })],
    ['replace ""', patchOp({ op: "Replace", path: `${E}:manager`, value: "" })],
    ['replace {value:""}', patchOp({ op: "Replace", path: `${E}:manager`, value: { value: "" } })],
    ["replace []", patchOp({ op: "Replace", path: `${E}:manager`, value: [] })],
    ['manager.value ""', patchOp({ op: "Replace", path: `${E}:manager.value`, value: "" })],
  ])("removes the manager (%s)", (_, body) => {
    expect(onUser(body, withManager()).document).toEqual(user());
  });

  it("drops the extension when the manager was its last attribute", () => {
    const only = edited(user, (d) => (d[E] = { manager: { value: "m" } }));
    expect(onUser(fixture("entra/manager-remove.patch.json"), only).document).not.toHaveProperty(E);
  });
});

describe('Null_Update (Entra): "" and null clear the attribute', () => {
  const cleared = edited(user, (d) => {
    delete d.displayName;
    delete d.title;
    delete (d.name as Doc).givenName;
    d.emails = list(d, "emails").slice(1);
    delete ent(d).employeeNumber;
  });
  it.each(["null-update-empty", "null-update-null"])("%s", (name) => {
    const result = onUser(fixture(`entra/${name}.patch.json`));
    expect(result.document).toEqual(cleared);
    // A second run finds nothing to clear, even under the filter: no error.
    expect(onUser(fixture(`entra/${name}.patch.json`), result.document).changed).toBe(false);
  });

  it("clears through a no-path value and an add too", () => {
    const body = patchOp({ op: "replace", value: { displayName: "" } }, { op: "add", path: "title", value: null });
    expect(onUser(body).document).toEqual(edited(user, (d) => delete d.displayName && delete d.title));
  });
});
