import { badRequest } from "../../scim/errors.ts";
import { PORTAL } from "../../scim/patch/normalize.ts";
import { SCHEMA } from "../../scim/resource/schema.ts";
import type { CompanyContext } from "../../tenancy.ts";
import { resolveLicenseType } from "./license.ts";

/**
 * What the identity provider (IdP) asked for is kept apart from what is in effect: an admin may
 * change a user's license, and the IdP keeps re-sending its own value. Decision record 0001.
 */
export type LicenseState = {
  /** The license type in effect (the IdP's at creation, or an admin's since). */
  effectiveId: string;
  /** The license type the IdP last asked for. */
  idpId: string;
  /** The licenseType text the IdP last sent, as stored; null when it sent none. */
  sentName: string | null;
};

export type LicenseRequest = {
  /** The licenseType the request carries, null when none. */
  requested: string | null;
  /** The request names two different license types (top level and enterprise extension). */
  conflict: string | null;
  /** A PATCH removed the licenseType the IdP had sent. */
  removed: boolean;
};

const refused = (company: CompanyContext, state: LicenseState, detail: string) => {
  const name = (id: string) => company.licenseTypes.find((l) => l.id === id)?.name ?? id;
  const idp = name(state.idpId);
  const effective = name(state.effectiveId);
  const values = idp === effective ? `"${idp}"` : `"${idp}" (the identity provider's) or "${effective}" (in effect)`;
  return badRequest("mutability", `${detail}; send ${values} or none: ${PORTAL}`);
};

/**
 * Whether a request's licenseType may stand, and the IdP's value to record (null: unchanged).
 * Repeating the IdP's last value or the value in effect is not a change; any other value is
 * 400 mutability. Not for a deactivation, which ignores licenseType altogether (keepIdpValues).
 */
export function decideIdpLicense(company: CompanyContext, state: LicenseState, request: LicenseRequest): string | null {
  if (request.removed) throw refused(company, state, "licenseType cannot be removed over SCIM");
  if (request.conflict !== null) throw badRequest("invalidValue", request.conflict);
  const requested = request.requested;
  if (requested === null || requested === state.sentName) return null;
  const license = resolveLicenseType(company, requested);
  if (license.id === state.idpId || license.id === state.effectiveId) return license.id;
  throw refused(company, state, `licenseType "${requested}" is a change, and licenseType is immutable over SCIM`);
}

/** The attributes a deactivation may carry but never changes: the license and the office-like values. */
const KEPT = ["licenseType", "officeName", "physicalDeliveryOfficeName", "department"] as const;

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

function keep(next: Doc, previous: Doc | undefined): void {
  for (const key of KEPT) {
    if (previous !== undefined && previous[key] !== undefined) next[key] = previous[key];
    else delete next[key];
  }
}

/**
 * A deactivation's document with the previous licenseType and office-like values put back: they are
 * neither applied nor recorded as the IdP's, so a stale or different value never blocks the deactivation.
 */
export function keepIdpValues(next: Doc, previous: Doc): Doc {
  const out = structuredClone(next);
  keep(out, previous);
  const enterprise = (doc: Doc) => (isObject(doc[SCHEMA.enterprise]) ? (doc[SCHEMA.enterprise] as Doc) : undefined);
  const before = enterprise(previous);
  const after = enterprise(out) ?? (before ? {} : undefined);
  if (after === undefined) return out;
  keep(after, before);
  if (Object.keys(after).length > 0) out[SCHEMA.enterprise] = after;
  else delete out[SCHEMA.enterprise];
  return out;
}
