import { X509Certificate } from "node:crypto";
import { attr, children, parseXml, text, type XmlElement } from "./xml.ts";

/** What Scimline needs to know about a company's SAML identity provider. */
export type IdpSettings = { idpEntityId: string; ssoUrl: string; certificates: string[] };

export type IdpParse = { type: "ok"; settings: IdpSettings } | { type: "invalid"; message: string };

const REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const toPem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${(der.toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`;

/** One or more PEM blocks, or a bare base64 DER certificate (as Okta shows it), as normalised PEMs. */
export function parseCertificates(
  input: string,
): { type: "ok"; pems: string[] } | { type: "invalid"; message: string } {
  const bodies = input.includes("-----BEGIN") ? [...input.matchAll(PEM_BLOCK)].map((m) => m[1] ?? "") : [input];
  if (bodies.length === 0) return { type: "invalid", message: "certificate: no CERTIFICATE block found" };
  const pems: string[] = [];
  for (const [i, body] of bodies.entries()) {
    const compact = body.replace(/\s+/g, "");
    const name = bodies.length > 1 ? `certificate ${i + 1}` : "certificate";
    if (!compact || !BASE64.test(compact)) return { type: "invalid", message: `${name}: not PEM or base64 DER` };
    const der = Buffer.from(compact, "base64");
    try {
      new X509Certificate(der);
    } catch {
      return { type: "invalid", message: `${name}: not an X.509 certificate` };
    }
    pems.push(toPem(der));
  }
  return { type: "ok", pems };
}

/** Fingerprint and validity of a stored certificate, for admins to compare with their IdP's. */
export function describeCertificate(pem: string) {
  const cert = new X509Certificate(pem);
  return {
    fingerprintSha256: cert.fingerprint256,
    subject: cert.subject.replace(/\n/g, ", "),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function entityWithIdp(name: string, root: XmlElement): XmlElement[] {
  if (name === "EntityDescriptor") return [root];
  if (name !== "EntitiesDescriptor") return [];
  return children(root, "EntityDescriptor").filter((e) => children(e, "IDPSSODescriptor").length > 0);
}

/** IdP metadata XML (Okta's "Identity Provider metadata", Entra's "Federation Metadata XML"). */
export async function parseIdpMetadata(xml: string): Promise<IdpParse> {
  const doc = await parseXml(xml);
  if (!doc) return { type: "invalid", message: "metadataXml: not well-formed XML" };
  const entities = entityWithIdp(doc.name, doc.root);
  const [entity] = entities;
  if (!entity || entities.length > 1)
    return { type: "invalid", message: "metadataXml: expected one EntityDescriptor with an IDPSSODescriptor" };
  const idpEntityId = attr(entity, "entityID");
  const [idp] = children(entity, "IDPSSODescriptor");
  if (!idpEntityId) return { type: "invalid", message: "metadataXml: the EntityDescriptor has no entityID" };
  if (!idp) return { type: "invalid", message: "metadataXml: no IDPSSODescriptor (is this an IdP's metadata?)" };

  const sso = children(idp, "SingleSignOnService").find((s) => attr(s, "Binding") === REDIRECT_BINDING);
  const ssoUrl = attr(sso, "Location");
  if (!ssoUrl || !isHttpUrl(ssoUrl))
    return { type: "invalid", message: "metadataXml: no SingleSignOnService with the HTTP-Redirect binding" };

  const certificates: string[] = [];
  for (const key of children(idp, "KeyDescriptor")) {
    const use = attr(key, "use");
    if (use && use !== "signing") continue;
    for (const data of children(key, "KeyInfo").flatMap((k) => children(k, "X509Data"))) {
      for (const cert of children(data, "X509Certificate")) {
        const parsed = parseCertificates(text(cert) ?? "");
        if (parsed.type === "invalid") return { type: "invalid", message: `metadataXml: ${parsed.message}` };
        certificates.push(...parsed.pems);
      }
    }
  }
  if (certificates.length === 0) return { type: "invalid", message: "metadataXml: no signing certificate" };
  return { type: "ok", settings: { idpEntityId, ssoUrl, certificates: [...new Set(certificates)] } };
}
