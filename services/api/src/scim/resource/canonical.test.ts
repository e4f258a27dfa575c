import { describe, expect, it } from "vitest";
import { canonicalize } from "./canonical.ts";
import { SCHEMA } from "./schema.ts";

const E = SCHEMA.enterprise;
const T = SCHEMA.telephony;

const refusal = (input: unknown): string => {
  try {
    canonicalize("User", input);
  } catch (error) {
    return (error as Error & { detail?: string }).detail ?? (error as Error).message;
  }
  throw new Error("accepted");
};

describe("canonicalize: attribute names in the schema's casing, whatever the client's", () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["core, as the schema spells it", { userName: "u", displayName: "D" }, { userName: "u", displayName: "D" }],
    ["core, any casing", { USERNAME: "u", DisplayName: "D" }, { userName: "u", displayName: "D" }],
    [
      "sub-attributes, any casing",
      { userName: "u", NAME: { GivenName: "G", familyname: "F" } },
      { userName: "u", name: { givenName: "G", familyName: "F" } },
    ],
    [
      "multi-valued, nulls dropped",
      { userName: "u", Emails: [null, { VALUE: "a@b.c", Primary: true }] },
      { userName: "u", emails: [{ value: "a@b.c", primary: true }] },
    ],
    [
      "the enterprise extension by its URN in another casing",
      { userName: "u", [E.toUpperCase()]: { DEPARTMENT: "Ops" } },
      { userName: "u", [E]: { department: "Ops" } },
    ],
    [
      "a URN-qualified extension attribute at the top level (RFC 7644 §3.10)",
      { userName: "u", [`${E.toLowerCase()}:Department`]: "Ops", [`${E}:costCenter`]: "7" },
      { userName: "u", [E]: { department: "Ops", costCenter: "7" } },
    ],
    [
      "the telephony extension is the server's, in any form",
      { userName: "u", [T]: { did: "+1" }, [`${T.toUpperCase()}:extension`]: "9" },
      { userName: "u" },
    ],
    [
      "unknown attributes and unknown URNs kept as sent",
      { userName: "u", favouriteColour: "teal", "urn:example:x": { a: [1, "b"] } },
      { userName: "u", favouriteColour: "teal", "urn:example:x": { a: [1, "b"] } },
    ],
    ["id, meta and schemas ignored", { id: "x", META: {}, schemas: [], userName: "u" }, { userName: "u" }],
    ["readOnly core attributes ignored", { userName: "u", groups: [{ value: "g" }] }, { userName: "u" }],
  ])("%s", (_, input, document) => {
    expect(canonicalize("User", input).document).toEqual(document);
  });

  it("keeps the client's order of core attributes", () => {
    const { document } = canonicalize("User", { title: "T", userName: "u", nickName: "n" });
    expect(Object.keys(document)).toEqual(["title", "userName", "nickName"]);
  });

  it("takes the password out", () => {
    expect(canonicalize("User", { userName: "u", PASSWORD: "p" })).toEqual({
      document: { userName: "u" },
      password: "p",
    });
  });
});

describe("canonicalize: refusals name where the bad value is", () => {
  it.each<[string, unknown, string]>([
    ["a forbidden key at the top level", JSON.parse('{"__proto__": 1}'), 'attribute name "__proto__" is not allowed'],
    [
      "a forbidden key in a complex value",
      JSON.parse('{"userName": "u", "name": {"constructor": "x"}}'),
      'attribute name "constructor" is not allowed in name',
    ],
    [
      "a forbidden key in one value of a multi-valued attribute",
      JSON.parse('{"userName": "u", "emails": [{"value": "a"}, {"prototype": 1}]}'),
      'attribute name "prototype" is not allowed in emails[1]',
    ],
    [
      "a forbidden key in an extension",
      JSON.parse(`{"userName": "u", "${E}": {"__proto__": 1}}`),
      `attribute name "__proto__" is not allowed in ${E}`,
    ],
    [
      "a forbidden key deep in a custom value",
      JSON.parse('{"userName": "u", "custom": {"a": [{"constructor": 1}]}}'),
      'attribute name "constructor" is not allowed in custom.a[0]',
    ],
    [
      "a sub-attribute of the wrong type",
      { userName: "u", emails: [{ primary: "yes" }] },
      "emails[0].primary must be a boolean",
    ],
    [
      "two primaries",
      { userName: "u", emails: [{ primary: true }, { primary: true }] },
      "emails has more than one primary value",
    ],
    ["a complex attribute that is not an object", { userName: "u", name: "n" }, "name must be an object"],
    ["an extension that is not an object", { userName: "u", [E]: "x" }, `${E} must be an object`],
  ])("%s", (_, input, detail) => {
    expect(refusal(input)).toContain(detail);
  });
});

describe("canonicalize: numbers are those stored as short as sent", () => {
  // jsonb writes numbers out in full: 1e308 would read back as 309 digits, 1e-300 as 302 characters.
  it.each([
    [0, true],
    [-0, true],
    [42, true],
    [-3.5, true],
    [1e-6, true],
    [9.99e20, true],
    [1e21, false],
    [-1e21, false],
    [1e308, false],
    [9e-7, false],
    [5e-324, false],
  ])("%d: %s", (n, accepted) => {
    for (const body of [
      { userName: "x", custom: n },
      { userName: "x", custom: [{ deep: [n] }] },
    ]) {
      if (accepted) expect(() => canonicalize("User", body)).not.toThrow();
      else expect(() => canonicalize("User", body)).toThrow(/not a number in the range stored/);
    }
  });
});
