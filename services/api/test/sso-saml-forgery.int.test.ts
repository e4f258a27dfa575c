import { beforeAll, describe, expect, test } from "vitest";
import { createTenant, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { configureSaml, createUser, errorCode, type ServiceProviderView } from "./helpers/sso-clients.ts";
import { generateSigningKey, postAcs, type ResponseOptions, type SigningKey, TestIdp } from "./helpers/sso-idp.ts";

const NOW = new Date("2031-03-10T09:30:00.000Z");
const env = useTestEnv({ clock: () => NOW }, { PUBLIC_BASE_URL: "https://scimline.example.test" });
let idp: TestIdp;
let tenant: Tenant;
let sp: ServiceProviderView;
let strangerKey: SigningKey;
beforeAll(async () => {
  idp = await TestIdp.create();
  strangerKey = await generateSigningKey("Not the company's IdP");
  tenant = await createTenant(env());
  sp = await configureSaml(env(), tenant.companyId, idp.metadataXml());
  await createUser(env(), tenant, "alice@acme.example");
  await createUser(env(), tenant, "admin@acme.example");
});

const options = (o: Partial<ResponseOptions> = {}): ResponseOptions => ({
  nameId: "alice@acme.example",
  acsUrl: sp.acsUrl,
  audience: sp.entityId,
  now: NOW,
  ...o,
});
const b64 = (xml: string) => Buffer.from(xml).toString("base64");
const seconds = (s: number) => new Date(NOW.getTime() + s * 1000);

async function expectRefused(samlResponse: string, status: number, code: string) {
  const res = await postAcs(env(), tenant.companyId, samlResponse);
  expect(res.body.session).toBeUndefined();
  expect({ status: res.status, code: errorCode(res) }).toEqual({ status, code });
}

describe("forged, misdirected and stale SAML responses are refused", () => {
  test("tampered after signing: NameID, validity or audience changed", async () => {
    const xml = idp.responseXml(options());
    await expectRefused(
      b64(xml.replace(">alice@acme.example<", ">admin@acme.example<")),
      401,
      "SAML_SIGNATURE_INVALID",
    );
    await expectRefused(b64(xml.replace(/NotOnOrAfter="2031/g, 'NotOnOrAfter="2099')), 401, "SAML_SIGNATURE_INVALID");
    await expectRefused(
      b64(xml.replace(/<ds:SignatureValue>../, "<ds:SignatureValue>AA")),
      401,
      "SAML_SIGNATURE_INVALID",
    );
    // The untouched response is fine.
    expect((await postAcs(env(), tenant.companyId, b64(xml))).status).toBe(200);
  });

  test("signed with a key other than the configured certificate, or not signed at all", async () => {
    await expectRefused(idp.response(options({ key: strangerKey })), 401, "SAML_SIGNATURE_INVALID");
    await expectRefused(idp.response(options({ key: strangerKey, sign: "response" })), 401, "SAML_SIGNATURE_INVALID");
    await expectRefused(idp.response(options({ sign: "none" })), 401, "SAML_SIGNATURE_INVALID");
  });

  test("signature wrapping: an unsigned assertion slipped beside a signed one", async () => {
    const signed = idp.responseXml(options());
    const evil = idp.responseXml(options({ nameId: "admin@acme.example", sign: "none" }));
    const evilAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(evil)?.[0] ?? "";
    const wrapped = signed.replace("<saml:Assertion ", `${evilAssertion}<saml:Assertion `);
    await expectRefused(b64(wrapped), 401, "SAML_SIGNATURE_INVALID");
  });

  test("a response signed as a whole (not the assertion) is accepted", async () => {
    const res = await postAcs(env(), tenant.companyId, idp.response(options({ sign: "response" })));
    expect(res.status).toBe(200);
  });

  test("wrong audience, recipient, destination or issuer", async () => {
    await expectRefused(
      idp.response(options({ audience: "https://other-sp.example/" })),
      401,
      "SAML_AUDIENCE_MISMATCH",
    );
    await expectRefused(
      idp.response(options({ recipient: "https://other-sp.example/acs" })),
      401,
      "SAML_RECIPIENT_MISMATCH",
    );
    await expectRefused(
      idp.response(options({ destination: "https://other-sp.example/acs" })),
      401,
      "SAML_DESTINATION_MISMATCH",
    );
    await expectRefused(
      idp.response(options({ issuer: "http://www.okta.example.test/exk-other" })),
      401,
      "SAML_ISSUER_MISMATCH",
    );
  });

  test("an assertion made for one company is refused at another company's ACS (same IdP)", async () => {
    const other = await createTenant(env());
    await configureSaml(env(), other.companyId, idp.metadataXml());
    await createUser(env(), other, "alice@acme.example");
    const res = await postAcs(env(), other.companyId, idp.response(options()));
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("SAML_DESTINATION_MISMATCH");
  });

  test("expired: NotOnOrAfter passed by more than the clock skew (60 s); within it, accepted", async () => {
    await expectRefused(idp.response(options({ notOnOrAfter: seconds(-61) })), 401, "SAML_EXPIRED");
    await expectRefused(idp.response(options({ notOnOrAfter: seconds(-60) })), 401, "SAML_EXPIRED");
    // The subject confirmation's own NotOnOrAfter counts as well.
    await expectRefused(
      idp.response(options({ notOnOrAfter: seconds(300), subjectNotOnOrAfter: seconds(-120) })),
      401,
      "SAML_EXPIRED",
    );
    expect((await postAcs(env(), tenant.companyId, idp.response(options({ notOnOrAfter: seconds(-30) })))).status).toBe(
      200,
    );
  });

  test("not yet valid: NotBefore ahead by more than the clock skew; within it, accepted", async () => {
    await expectRefused(idp.response(options({ notBefore: seconds(120) })), 401, "SAML_NOT_YET_VALID");
    expect((await postAcs(env(), tenant.companyId, idp.response(options({ notBefore: seconds(30) })))).status).toBe(
      200,
    );
  });

  test("replayed: the same response twice, or the same assertion id in a new response", async () => {
    const response = idp.response(options({ assertionId: "_replay-me-1" }));
    expect((await postAcs(env(), tenant.companyId, response)).status).toBe(200);
    await expectRefused(response, 401, "SAML_REPLAYED");
    await expectRefused(idp.response(options({ assertionId: "_replay-me-1" })), 401, "SAML_REPLAYED");
  });

  test("not SAML at all, an IdP error status, or no SAMLResponse", async () => {
    await expectRefused(b64("definitely not xml"), 401, "SAML_INVALID");
    await expectRefused(b64("<html><body>hello</body></html>"), 401, "SAML_INVALID");
    const failed = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_f1" Version="2.0" IssueInstant="${NOW.toISOString()}" Destination="${sp.acsUrl}"><saml:Issuer>${idp.entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/></samlp:Status></samlp:Response>`;
    await expectRefused(b64(failed), 401, "SAML_IDP_ERROR");
    const res = await env().app.request(`/sso/${tenant.companyId}/saml/acs`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "RelayState=%2F",
    });
    expect(res.status).toBe(400);
  });
});
