import { randomBytes } from "node:crypto";
import type { SAML } from "@node-saml/node-saml";
import type { Config } from "../config.ts";
import { nodeSaml } from "./node-saml.ts";
import type { IdpSettings } from "./saml-idp.ts";

/** Scimline's side of a company's SAML connection: what the admin pastes into Okta. */
export type ServiceProvider = { entityId: string; acsUrl: string; metadataUrl: string; loginUrl: string };

export const EMAIL_NAME_ID = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

/** PUBLIC_BASE_URL when set (needed behind a proxy: the IdP signs these URLs), else the request's origin. */
export const baseUrl = (config: Config, requestUrl: string) =>
  config.PUBLIC_BASE_URL?.replace(/\/+$/, "") ?? new URL(requestUrl).origin;

export function serviceProvider(base: string, companyId: string): ServiceProvider {
  const root = `${base}/sso/${companyId}/saml`;
  // The entity ID is the metadata URL, a common convention that makes it unique per company.
  return {
    entityId: `${root}/metadata`,
    acsUrl: `${root}/acs`,
    metadataUrl: `${root}/metadata`,
    loginUrl: `${root}/login`,
  };
}

export async function serviceProviderMetadata(sp: ServiceProvider): Promise<string> {
  const { generateServiceProviderMetadata } = await nodeSaml();
  return generateServiceProviderMetadata({
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    identifierFormat: EMAIL_NAME_ID,
    wantAssertionsSigned: false,
  });
}

export const newRequestId = () => `_${randomBytes(20).toString("hex")}`;

/**
 * A node-saml client used for two things only: building the AuthnRequest and verifying
 * signatures (with its defences against signature wrapping). Time, audience, recipient,
 * destination, issuer and InResponseTo are checked by saml-assertion.ts against deps.clock().
 */
export async function samlClient(
  sp: ServiceProvider,
  idp: IdpSettings,
  requestId: string = newRequestId(),
): Promise<SAML> {
  const { SAML, ValidateInResponseTo } = await nodeSaml();
  return new SAML({
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    entryPoint: idp.ssoUrl,
    idpCert: idp.certificates,
    idpIssuer: idp.idpEntityId,
    // A signature over the response or over the assertion: both cover the assertion.
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: false,
    audience: false,
    acceptedClockSkewMs: -1,
    validateInResponseTo: ValidateInResponseTo.never,
    // No NameID format or authentication context demanded: Okta and Entra refuse a mismatch.
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    generateUniqueId: () => requestId,
  });
}
