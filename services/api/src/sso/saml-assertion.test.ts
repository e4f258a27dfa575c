import { describe, expect, test } from "vitest";
import { type AssertionView, checkAssertion, type Expectations, type ResponseEnvelope } from "./saml-assertion.ts";

const ACS = "https://scimline.example/sso/c1/saml/acs";
const SP = "https://scimline.example/sso/c1/saml/metadata";
const IDP = "http://www.okta.com/exk1";
const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const now = new Date("2031-01-01T12:00:00.000Z");
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
const context: Expectations = { acsUrl: ACS, spEntityId: SP, idpEntityId: IDP, now, skewMs: 60_000 };
const envelope: ResponseEnvelope = { destination: ACS };

const valid = (): AssertionView => ({
  id: "_a1",
  issuer: IDP,
  nameId: "alice@acme.example",
  confirmations: [{ method: BEARER, recipient: ACS, notOnOrAfter: at(300) }],
  conditions: { notBefore: at(-300), notOnOrAfter: at(300), audiences: [[SP]] },
});

const code = (a: AssertionView, env: ResponseEnvelope = envelope) => {
  const result = checkAssertion(a, env, context);
  return result.type === "ok" ? "ok" : result.code;
};

describe("checkAssertion (SAML profiles §4.1.4.3)", () => {
  test.each<[string, (a: AssertionView) => AssertionView, ResponseEnvelope | undefined, string]>([
    ["valid", (a) => a, undefined, "ok"],
    ["no ID", (a) => ({ ...a, id: undefined }), undefined, "SAML_INVALID"],
    ["no NameID", (a) => ({ ...a, nameId: undefined }), undefined, "SAML_INVALID"],
    ["other issuer", (a) => ({ ...a, issuer: "http://evil" }), undefined, "SAML_ISSUER_MISMATCH"],
    ["no Destination", (a) => a, {}, "SAML_DESTINATION_MISMATCH"],
    ["no bearer confirmation", (a) => ({ ...a, confirmations: [] }), undefined, "SAML_INVALID"],
    [
      "holder-of-key only",
      (a) => ({
        ...a,
        confirmations: [{ ...valid().confirmations[0], method: "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key" }],
      }),
      undefined,
      "SAML_INVALID",
    ],
    [
      "confirmation without NotOnOrAfter",
      (a) => ({ ...a, confirmations: [{ method: BEARER, recipient: ACS }] }),
      undefined,
      "SAML_INVALID",
    ],
    [
      "a second confirmation is usable",
      (a) => ({
        ...a,
        confirmations: [{ method: BEARER, recipient: "https://x", notOnOrAfter: at(300) }, ...a.confirmations],
      }),
      undefined,
      "ok",
    ],
    ["no Conditions", (a) => ({ ...a, conditions: undefined }), undefined, "SAML_INVALID"],
    [
      "no AudienceRestriction",
      (a) => ({ ...a, conditions: { notOnOrAfter: at(300), audiences: [] } }),
      undefined,
      "SAML_AUDIENCE_MISMATCH",
    ],
    [
      "one of two restrictions misses us",
      (a) => ({ ...a, conditions: { notOnOrAfter: at(300), audiences: [[SP], ["https://other"]] } }),
      undefined,
      "SAML_AUDIENCE_MISMATCH",
    ],
    [
      "we are one of several audiences",
      (a) => ({ ...a, conditions: { notOnOrAfter: at(300), audiences: [["https://other", SP]] } }),
      undefined,
      "ok",
    ],
    [
      "not a dateTime",
      (a) => ({ ...a, conditions: { notOnOrAfter: "tomorrow", audiences: [[SP]] } }),
      undefined,
      "SAML_INVALID",
    ],
    [
      "InResponseTo differs between envelope and assertion",
      (a) => ({ ...a, confirmations: [{ ...valid().confirmations[0], inResponseTo: "_r1" }] }),
      { destination: ACS, inResponseTo: "_r2" },
      "SAML_INVALID",
    ],
    ["an ID holding a NUL", (a) => ({ ...a, id: "_a\u0000" }), undefined, "SAML_INVALID"],
    ["an ID with a lone surrogate", (a) => ({ ...a, id: "_a\ud800" }), undefined, "SAML_INVALID"],
    ["an ID of 257 characters", (a) => ({ ...a, id: `_${"a".repeat(256)}` }), undefined, "SAML_INVALID"],
    ["an ID of 256 characters", (a) => ({ ...a, id: `_${"a".repeat(255)}` }), undefined, "ok"],
    ["a NameID holding a NUL", (a) => ({ ...a, nameId: "al\u0000ice@acme.example" }), undefined, "SAML_INVALID"],
    [
      "a NameID of 513 characters",
      (a) => ({ ...a, nameId: `${"a".repeat(500)}@acme.example` }),
      undefined,
      "SAML_INVALID",
    ],
    [
      "an InResponseTo holding a NUL",
      (a) => ({ ...a, confirmations: [{ ...valid().confirmations[0], inResponseTo: "_r\u0000" }] }),
      undefined,
      "SAML_INVALID",
    ],
  ])("%s", (_name, change, env, expected) => {
    expect(code(change(valid()), env)).toBe(expected);
  });

  test("the skew applies at both ends, NotOnOrAfter exclusive", () => {
    const window = (notBefore: number, notOnOrAfter: number) =>
      code({ ...valid(), conditions: { notBefore: at(notBefore), notOnOrAfter: at(notOnOrAfter), audiences: [[SP]] } });
    expect(window(60, 300)).toBe("ok");
    expect(window(61, 300)).toBe("SAML_NOT_YET_VALID");
    expect(window(-300, -59)).toBe("ok");
    expect(window(-300, -60)).toBe("SAML_EXPIRED");
  });

  test("the assertion id is kept until the later NotOnOrAfter plus the skew; InResponseTo comes from the signed part", () => {
    const a = valid();
    a.confirmations = [{ method: BEARER, recipient: ACS, notOnOrAfter: at(900), inResponseTo: "_r1" }];
    const result = checkAssertion(a, { destination: ACS }, context);
    expect(result).toEqual({
      type: "ok",
      assertionId: "_a1",
      nameId: "alice@acme.example",
      inResponseTo: "_r1",
      keepUntil: new Date(now.getTime() + 960_000),
    });
  });

  test("the unsigned envelope's InResponseTo is not taken: an assertion without one stays unsolicited", () => {
    const result = checkAssertion(valid(), { destination: ACS, inResponseTo: "_pending" }, context);
    expect(result).toMatchObject({ type: "ok", inResponseTo: null });
  });

  test("an expiry past what a date can hold keeps the assertion until year 9999 (not an invalid date)", () => {
    const far = "+275760-09-13T00:00:00.000Z";
    const a = { ...valid(), conditions: { notBefore: at(-300), notOnOrAfter: far, audiences: [[SP]] } };
    const result = checkAssertion(a, envelope, context);
    expect(result).toMatchObject({ type: "ok", keepUntil: new Date("9999-12-31T23:59:59.999Z") });
  });
});
