import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { nodeSaml } from "./node-saml.ts";
import { assertMaySignIn, signInErrors } from "./policy.ts";
import { safeRelayState } from "./relay-state.ts";
import { checkAssertion, readAssertion, type SamlRejectionCode } from "./saml-assertion.ts";
import { baseUrl, newRequestId, samlClient, serviceProvider, serviceProviderMetadata } from "./saml-sp.ts";
import { issueSession } from "./session.ts";
import {
  consumeAssertion,
  findCompanyPolicy,
  findSamlConfig,
  findUserByIdentity,
  idpSettings,
  recordSamlRequest,
} from "./store.ts";
import { attr, parseXml, signingAlgorithms, xmlShapeWithin } from "./xml.ts";

const MAX_SAML_RESPONSE = 256 * 1024;
const SAML_RESPONSE_SHAPE = { elements: 1000, namespaces: 100 };
/**
 * Fields of the ACS's form: the HTTP-POST binding posts two (SAMLResponse, RelayState). Counted before
 * the form is parsed: 1 MiB of `a=&a=&…` became 36 MB of heap (48 MB with distinct names), on an
 * endpoint that answers anyone.
 */
const MAX_ACS_FIELDS = 32;

/** Whether an application/x-www-form-urlencoded body has more than `max` fields (its `&`s, counted). */
function moreFieldsThan(form: string, max: number): boolean {
  let fields = 1;
  for (let i = form.indexOf("&"); i !== -1; i = form.indexOf("&", i + 1)) if (++fields > max) return true;
  return false;
}

/** SHA-1 signature or digest methods (rsa-sha1, dsa-sha1, hmac-sha1, ecdsa-sha1, sha1). */
const SHA1 = /sha1$/i;

type Refusal =
  | SamlRejectionCode
  | "SAML_WEAK_SIGNATURE"
  | "SAML_UNSOLICITED"
  | "SAML_SIGNATURE_INVALID"
  | "SAML_IDP_ERROR"
  | "SAML_REPLAYED"
  | "SAML_UNKNOWN_REQUEST";
const refused = (code: Refusal, message: string) => new AdminError(code, message);

/** Signature and parsing failures from node-saml, as stable codes; the library's reason goes to the log only. */
function verificationFailure(error: unknown, SamlStatusError: new (...args: never[]) => Error): AdminError {
  if (error instanceof SamlStatusError) return refused("SAML_IDP_ERROR", error.message);
  const message = error instanceof Error ? error.message : "";
  if (/signature/i.test(message))
    return refused("SAML_SIGNATURE_INVALID", "The response is not validly signed by this company's identity provider");
  return refused("SAML_INVALID", "The SAML response could not be verified");
}

/** docs/RULES.md "Sign-in": SAML SSO with the company's identity provider (SP metadata, SP-initiated login, ACS). */
export function samlRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  const companyOf = async (id: string) => {
    const company = await findCompanyPolicy(deps.database, id);
    if (!company) throw signInErrors.companyNotFound(id);
    return company;
  };
  const configOf = async (companyId: string) => {
    const config = await findSamlConfig(deps.database, companyId);
    if (!config) throw signInErrors.samlNotConfigured();
    return idpSettings(config);
  };

  app.get("/sso/:companyId/saml/metadata", async (c) => {
    const company = await companyOf(c.req.param("companyId"));
    const sp = serviceProvider(baseUrl(deps.config, c.req.url), company.id);
    return c.body(await serviceProviderMetadata(sp), 200, { "Content-Type": "application/samlmetadata+xml" });
  });

  app.get("/sso/:companyId/saml/login", async (c) => {
    const company = await companyOf(c.req.param("companyId"));
    const idp = await configOf(company.id);
    const asked = c.req.query("RelayState");
    const base = baseUrl(deps.config, c.req.url);
    const relayState = asked === undefined ? undefined : safeRelayState(asked, base);
    if (relayState === null)
      throw new AdminError("VALIDATION_FAILED", "RelayState: a path on this site (starting with /), ≤ 80 bytes");
    const sp = serviceProvider(base, company.id);
    const requestId = newRequestId();
    const ttlMs = deps.config.SAML_REQUEST_TTL_SECONDS * 1000;
    await recordSamlRequest(deps.database, company.id, requestId, deps.clock(), ttlMs);
    const url = await (await samlClient(sp, idp, requestId)).getAuthorizeUrlAsync(relayState ?? "", undefined, {});
    c.header("Cache-Control", "no-store");
    return c.redirect(url, 302);
  });

  app.post("/sso/:companyId/saml/acs", async (c) => {
    const company = await companyOf(c.req.param("companyId"));
    const idp = await configOf(company.id);
    // The HTTP-POST binding sends a urlencoded form; a multipart one (any number of parts) is not parsed.
    if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header("content-type") ?? ""))
      throw new AdminError("VALIDATION_FAILED", "the SAML HTTP-POST binding sends application/x-www-form-urlencoded");
    if (moreFieldsThan(await c.req.text(), MAX_ACS_FIELDS))
      throw new AdminError(
        "VALIDATION_FAILED",
        `the form has more than ${MAX_ACS_FIELDS} fields (SAMLResponse and RelayState are read)`,
      );
    const form = await c.req.parseBody();
    const samlResponse = form.SAMLResponse;
    if (typeof samlResponse !== "string" || samlResponse.length === 0)
      throw new AdminError("VALIDATION_FAILED", "SAMLResponse: required (an HTTP-POST binding form field)");
    // Okta's and Entra's responses are a few KiB (Entra caps group claims at 150); parsing a MiB of
    // XML, twice (here and in node-saml), on an unauthenticated endpoint costs seconds of CPU.
    if (samlResponse.length > MAX_SAML_RESPONSE)
      throw new AdminError("VALIDATION_FAILED", `SAMLResponse: larger than ${MAX_SAML_RESPONSE / 1024} KiB`);
    const base = baseUrl(deps.config, c.req.url);
    // Echoed only when it is a path of this service; anything else is dropped, not refused.
    const relayState = typeof form.RelayState === "string" ? safeRelayState(form.RelayState, base) : null;
    const sp = serviceProvider(base, company.id);
    const log = c.get("logger").child({ companyId: company.id });

    const xml = Buffer.from(samlResponse, "base64").toString("utf8");
    // node-saml's XPath orders nodes by walking their siblings, per comparison: 10,000 sibling elements
    // cost 2.3 s of CPU and 45,000 (176 KiB) 128 s, before any signature is checked. Responses hold tens
    // of elements (hundreds with many group claims).
    if (!xmlShapeWithin(xml, SAML_RESPONSE_SHAPE))
      throw new AdminError(
        "VALIDATION_FAILED",
        `SAMLResponse: more than ${SAML_RESPONSE_SHAPE.elements} XML elements or ${SAML_RESPONSE_SHAPE.namespaces} namespace declarations`,
      );
    // A SAML message has no use for a DTD, and one is how entity tricks begin (expansion, external
    // entities): refused before parsing, as ruby-saml and python3-saml do. A DOCTYPE placed before a
    // validly signed response lies outside what the signature covers, so it was accepted until now.
    if (/<!DOCTYPE/i.test(xml)) throw refused("SAML_INVALID", "SAMLResponse: a DOCTYPE is not allowed");
    const envelope = await parseXml(xml);
    if (envelope?.name !== "Response") throw refused("SAML_INVALID", "SAMLResponse is not a SAML Response");
    // SHA-1 collisions are practical: a SHA-1 signature anywhere in the document refuses it.
    if (!deps.config.SAML_ALLOW_SHA1 && signingAlgorithms(envelope.root).some((a) => SHA1.test(a)))
      throw refused(
        "SAML_WEAK_SIGNATURE",
        "The response is signed with SHA-1; configure the identity provider to sign with SHA-256",
      );
    let assertion: ReturnType<typeof readAssertion> | undefined;
    const { SamlStatusError } = await nodeSaml();
    try {
      const client = await samlClient(sp, idp);
      const { profile } = await client.validatePostResponseAsync({ SAMLResponse: samlResponse });
      const parsed = profile?.getAssertion?.();
      if (parsed) assertion = readAssertion(parsed);
    } catch (error) {
      const failure = verificationFailure(error, SamlStatusError);
      log.info({ code: failure.code, reason: error instanceof Error ? error.message : "" }, "saml response refused");
      throw failure;
    }
    if (!assertion) throw refused("SAML_INVALID", "The SAML response carries no assertion");

    const check = checkAssertion(
      assertion,
      { destination: attr(envelope.root, "Destination"), inResponseTo: attr(envelope.root, "InResponseTo") },
      {
        acsUrl: sp.acsUrl,
        spEntityId: sp.entityId,
        idpEntityId: idp.idpEntityId,
        now: deps.clock(),
        skewMs: deps.config.SIGN_IN_CLOCK_SKEW_SECONDS * 1000,
      },
    );
    if (check.type === "rejected") {
      log.info({ code: check.code }, "saml assertion refused");
      throw refused(check.code, check.message);
    }
    // Login CSRF: an IdP-initiated response signs in whoever's browser posts it; a company may refuse them.
    if (check.inResponseTo === null && !company.samlIdpInitiated)
      throw refused(
        "SAML_UNSOLICITED",
        `IdP-initiated sign-in is turned off for this company (setting samlIdpInitiated): start at /sso/${company.id}/saml/login`,
      );
    const use = await consumeAssertion(deps.database, company.id, check, deps.clock());
    if (use === "replayed") throw refused("SAML_REPLAYED", "This assertion has already been used");
    if (use === "unknown_request")
      throw refused("SAML_UNKNOWN_REQUEST", "InResponseTo matches no pending sign-in request (expired or used)");

    const user = await findUserByIdentity(deps.database, company.id, check.nameId);
    if (!user) throw signInErrors.unknownUser();
    assertMaySignIn(user);
    return issueSession(c, deps, {
      companyId: company.id,
      user,
      method: "saml",
      ...(relayState === null ? {} : { relayState }),
    });
  });

  return app;
}
