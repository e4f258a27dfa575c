import { storable } from "../middleware/storable-text.ts";
import { attr, child, children, root, text, type XmlElement } from "./xml.ts";

/** The parts of a verified assertion the Web Browser SSO profile (SAML profiles §4.1.4) makes us check. */
export type AssertionView = {
  id?: string;
  issuer?: string;
  nameId?: string;
  confirmations: Array<{
    method?: string;
    recipient?: string;
    notBefore?: string;
    notOnOrAfter?: string;
    inResponseTo?: string;
  }>;
  conditions?: { notBefore?: string; notOnOrAfter?: string; audiences: string[][] };
};

/**
 * The envelope around it, unsigned when only the assertion is signed (the usual case): its Destination
 * is checked, but nothing in it is trusted for more.
 */
export type ResponseEnvelope = { destination?: string; inResponseTo?: string };

export type Expectations = { acsUrl: string; spEntityId: string; idpEntityId: string; now: Date; skewMs: number };

export type SamlRejectionCode =
  | "SAML_INVALID"
  | "SAML_ISSUER_MISMATCH"
  | "SAML_DESTINATION_MISMATCH"
  | "SAML_RECIPIENT_MISMATCH"
  | "SAML_AUDIENCE_MISMATCH"
  | "SAML_EXPIRED"
  | "SAML_NOT_YET_VALID";

export type AssertionCheck =
  | { type: "ok"; assertionId: string; nameId: string; inResponseTo: string | null; keepUntil: Date }
  | { type: "rejected"; code: SamlRejectionCode; message: string };

const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/** Longer IDs and NameIDs than any identity provider sends; the stores index them. */
const MAX_ID = 256;
const MAX_NAME_ID = 512;
/** The last instant a Date (and Postgres's timestamptz through it) can hold here: 9999-12-31T23:59:59.999Z. */
const LAST_KEEPABLE = 253_402_300_799_999;

/** A value the stores can hold and index: refused otherwise, not stored. */
const storableWithin = (value: string, max: number) => value.length <= max && storable(value);

/** Reads node-saml's parse of the signed assertion (`profile.getAssertion()`). */
export function readAssertion(parsed: XmlElement): AssertionView {
  const assertion = root(parsed, "Assertion");
  const subject = child(assertion, "Subject");
  const conditions = child(assertion, "Conditions");
  return {
    id: attr(assertion, "ID"),
    issuer: text(child(assertion, "Issuer")),
    nameId: text(child(subject, "NameID")),
    confirmations: children(subject, "SubjectConfirmation").map((c) => {
      const data = child(c, "SubjectConfirmationData");
      return {
        method: attr(c, "Method"),
        recipient: attr(data, "Recipient"),
        notBefore: attr(data, "NotBefore"),
        notOnOrAfter: attr(data, "NotOnOrAfter"),
        inResponseTo: attr(data, "InResponseTo"),
      };
    }),
    conditions: conditions && {
      notBefore: attr(conditions, "NotBefore"),
      notOnOrAfter: attr(conditions, "NotOnOrAfter"),
      audiences: children(conditions, "AudienceRestriction").map((r) =>
        children(r, "Audience").map((a) => text(a) ?? ""),
      ),
    },
  };
}

type Rejected = Extract<AssertionCheck, { type: "rejected" }>;
const reject = (code: SamlRejectionCode, message: string): Rejected => ({ type: "rejected", code, message });

/** A time window with the skew on both sides; missing bounds are open. */
function checkWindow(notBefore: string | undefined, notOnOrAfter: string | undefined, what: string, e: Expectations) {
  const now = e.now.getTime();
  const start = notBefore === undefined ? Number.NEGATIVE_INFINITY : Date.parse(notBefore);
  const end = notOnOrAfter === undefined ? Number.POSITIVE_INFINITY : Date.parse(notOnOrAfter);
  if (Number.isNaN(start) || Number.isNaN(end))
    return reject("SAML_INVALID", `${what}: a time is not a valid dateTime`);
  if (now + e.skewMs < start) return reject("SAML_NOT_YET_VALID", `${what} is not valid yet (NotBefore ${notBefore})`);
  if (now - e.skewMs >= end) return reject("SAML_EXPIRED", `${what} has expired (NotOnOrAfter ${notOnOrAfter})`);
  return null;
}

function checkConfirmation(c: AssertionView["confirmations"][number], env: ResponseEnvelope, e: Expectations) {
  if (c.recipient !== e.acsUrl)
    return reject("SAML_RECIPIENT_MISMATCH", `The assertion's Recipient is not this company's ACS URL (${e.acsUrl})`);
  if (!c.notOnOrAfter) return reject("SAML_INVALID", "The bearer SubjectConfirmationData has no NotOnOrAfter");
  if (env.inResponseTo && c.inResponseTo && env.inResponseTo !== c.inResponseTo)
    return reject("SAML_INVALID", "InResponseTo differs between the response and the assertion");
  return checkWindow(c.notBefore, c.notOnOrAfter, "The subject confirmation", e);
}

/** docs/RULES.md "Sign-in": signature aside (node-saml), everything that makes a signed assertion valid for this company now. */
export function checkAssertion(a: AssertionView, env: ResponseEnvelope, e: Expectations): AssertionCheck {
  if (!a.id || !a.nameId) return reject("SAML_INVALID", "The assertion has no ID or no NameID");
  if (!storableWithin(a.id, MAX_ID) || !storableWithin(a.nameId, MAX_NAME_ID))
    return reject(
      "SAML_INVALID",
      `The assertion's ID or NameID is too long (over ${MAX_ID} or ${MAX_NAME_ID} characters) or holds a NUL or invalid Unicode`,
    );
  if (a.issuer !== e.idpEntityId)
    return reject("SAML_ISSUER_MISMATCH", "The assertion's Issuer is not the configured identity provider");
  if (env.destination !== e.acsUrl)
    return reject(
      "SAML_DESTINATION_MISMATCH",
      `The response's Destination is not this company's ACS URL (${e.acsUrl})`,
    );

  const bearer = a.confirmations.filter((c) => c.method === BEARER);
  if (bearer.length === 0) return reject("SAML_INVALID", "The assertion has no bearer SubjectConfirmation");
  let confirmation: (typeof bearer)[number] | undefined;
  let firstError: Rejected | undefined;
  for (const c of bearer) {
    const error = checkConfirmation(c, env, e);
    if (!error) {
      confirmation = c;
      break;
    }
    firstError ??= error;
  }
  if (!confirmation) return firstError ?? reject("SAML_INVALID", "No usable SubjectConfirmation");
  if (confirmation.inResponseTo !== undefined && !storableWithin(confirmation.inResponseTo, MAX_ID))
    return reject("SAML_INVALID", "The assertion's InResponseTo is too long or holds a NUL or invalid Unicode");

  if (!a.conditions) return reject("SAML_INVALID", "The assertion has no Conditions");
  const window = checkWindow(a.conditions.notBefore, a.conditions.notOnOrAfter, "The assertion", e);
  if (window) return window;
  // Every AudienceRestriction must name us (SAML core §2.5.1.4); at least one is required.
  const { audiences } = a.conditions;
  if (audiences.length === 0 || !audiences.every((list) => list.includes(e.spEntityId)))
    return reject(
      "SAML_AUDIENCE_MISMATCH",
      `The assertion's Audience is not this company's entity ID (${e.spEntityId})`,
    );

  const ends = [confirmation.notOnOrAfter, a.conditions.notOnOrAfter].map((t) => (t ? Date.parse(t) : 0));
  return {
    type: "ok",
    assertionId: a.id,
    nameId: a.nameId,
    // Only the signed assertion says which request it answers. The envelope's InResponseTo is unsigned
    // when only the assertion is signed: trusting it let anyone turn an unsolicited assertion into an
    // answer to a request they had just started, past samlIdpInitiated: false.
    inResponseTo: confirmation.inResponseTo ?? null,
    // Kept against replay until it expires; an expiry past year 9999 is kept until then.
    keepUntil: new Date(Math.min(Math.max(...ends) + e.skewMs, LAST_KEEPABLE)),
  };
}
