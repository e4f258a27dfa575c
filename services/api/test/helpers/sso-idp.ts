import { randomBytes } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import { generate } from "selfsigned";
import { SignedXml } from "xml-crypto";
import type { Reply } from "./clients.ts";
import type { TestEnv } from "./env.ts";

const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256";
const RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1";
const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

export type SigningKey = { privateKey: string; cert: string };

export type ResponseOptions = {
  nameId: string;
  /** The company's ACS URL: Destination and Recipient unless overridden. */
  acsUrl: string;
  audience: string;
  now: Date;
  destination?: string;
  recipient?: string;
  issuer?: string;
  inResponseTo?: string;
  assertionId?: string;
  notBefore?: Date;
  notOnOrAfter?: Date;
  subjectNotOnOrAfter?: Date;
  sign?: "assertion" | "response" | "none";
  key?: SigningKey;
  /** The signature and digest algorithms: SHA-256 unless "sha1" (refused by default) is asked. */
  algorithm?: "sha256" | "sha1" | "sha1-digest";
};

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const iso = (d: Date) => d.toISOString();
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);
export const newXmlId = () => `_${randomBytes(16).toString("hex")}`;

function sign(
  xml: string,
  element: "Assertion" | "Response",
  key: SigningKey,
  algorithm: ResponseOptions["algorithm"] = "sha256",
): string {
  const sig = new SignedXml({
    privateKey: key.privateKey,
    publicCert: key.cert,
    signatureAlgorithm: algorithm === "sha1" ? RSA_SHA1 : RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  sig.addReference({
    xpath: `//*[local-name(.)='${element}']`,
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: algorithm === "sha256" ? SHA256 : SHA1,
  });
  // SAML's schema puts ds:Signature right after the element's Issuer.
  sig.computeSignature(xml, {
    prefix: "ds",
    location: { reference: `//*[local-name(.)='${element}']/*[local-name(.)='Issuer']`, action: "after" },
  });
  return sig.getSignedXml();
}

export async function generateSigningKey(commonName = "Test IdP"): Promise<SigningKey> {
  const pems = await generate([{ name: "commonName", value: commonName }], { keySize: 2048, algorithm: "sha256" });
  return { privateKey: pems.private, cert: pems.cert };
}

/** A SAML identity provider inside the test suite, with its own key and certificate (issue 6). */
export class TestIdp {
  readonly ssoUrl = "https://idp.example.test/app/scimline/sso/saml";

  private constructor(
    readonly entityId: string,
    readonly key: SigningKey,
  ) {}

  static async create(entityId = "http://www.okta.example.test/exk-test-idp"): Promise<TestIdp> {
    return new TestIdp(entityId, await generateSigningKey());
  }

  /** The certificate as Okta shows it: base64 DER without the PEM armour. */
  get certBase64(): string {
    return this.key.cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "");
  }

  metadataXml(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${esc(this.entityId)}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
        <ds:X509Certificate>${this.certBase64}</ds:X509Certificate>
      </ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${this.ssoUrl}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${this.ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
  }

  /** The XML of a response as Okta builds it, signed as asked (the assertion by default). */
  responseXml(o: ResponseOptions): string {
    const issuer = esc(o.issuer ?? this.entityId);
    const irt = o.inResponseTo ? ` InResponseTo="${esc(o.inResponseTo)}"` : "";
    const notOnOrAfter = o.notOnOrAfter ?? plus(o.now, 5 * 60_000);
    const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newXmlId()}" Version="2.0" IssueInstant="${iso(o.now)}" Destination="${esc(o.destination ?? o.acsUrl)}"${irt}><saml:Issuer>${issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="${o.assertionId ?? newXmlId()}" Version="2.0" IssueInstant="${iso(o.now)}"><saml:Issuer>${issuer}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(o.nameId)}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(o.subjectNotOnOrAfter ?? notOnOrAfter)}" Recipient="${esc(o.recipient ?? o.acsUrl)}"${irt}/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${iso(o.notBefore ?? plus(o.now, -5 * 60_000))}" NotOnOrAfter="${iso(notOnOrAfter)}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(o.now)}" SessionIndex="${newXmlId()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement></saml:Assertion></samlp:Response>`;
    const mode = o.sign ?? "assertion";
    if (mode === "none") return xml;
    return sign(xml, mode === "assertion" ? "Assertion" : "Response", o.key ?? this.key, o.algorithm);
  }

  /** The base64 SAMLResponse form field. */
  response(o: ResponseOptions): string {
    return Buffer.from(this.responseXml(o)).toString("base64");
  }
}

/** The AuthnRequest in a login redirect (HTTP-Redirect binding: deflate, base64, query string). */
export function readAuthnRequest(location: string) {
  const url = new URL(location);
  const encoded = url.searchParams.get("SAMLRequest") ?? "";
  const xml = inflateRawSync(Buffer.from(encoded, "base64")).toString("utf8");
  return {
    url,
    xml,
    id: /\sID="([^"]+)"/.exec(xml)?.[1] ?? "",
    acsUrl: /AssertionConsumerServiceURL="([^"]+)"/.exec(xml)?.[1] ?? "",
    issuer: /<saml:Issuer[^>]*>([^<]+)</.exec(xml)?.[1] ?? "",
    relayState: url.searchParams.get("RelayState"),
  };
}

/** The IdP's browser form post to the ACS (HTTP-POST binding). */
export async function postAcs(env: TestEnv, companyId: string, samlResponse: string, relayState?: string) {
  const form = new URLSearchParams({ SAMLResponse: samlResponse, ...(relayState ? { RelayState: relayState } : {}) });
  const res = await env.app.request(`/sso/${companyId}/saml/acs`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body, headers: res.headers } satisfies Reply;
}
