import { type HeldKind, newId } from "@scimline/db";
import { createsInDomain, userDomain } from "@scimline/domain";
import type { AppDeps } from "../../deps.ts";
import { ScimError } from "../../scim/errors.ts";
import { applyPatch } from "../../scim/patch/apply.ts";
import { licenseTypeOf, parseUserInput, requestedLicenseType } from "../../scim/resource/user-input.ts";
import { etag } from "../../scim/resource/user-output.ts";
import type { ScimPrincipal } from "../../tenancy.ts";
import { throughBreaker } from "./breaker.ts";
import { resolveCreateConflict } from "./create-conflict.ts";
import { resolveLicenseType } from "./license.ts";
import { companyOf, modifyUser, outsideDomains, seal } from "./modify-user.ts";
import { refuseWhenNoSeat } from "./seat-precheck.ts";
import { deleteUserWith } from "./user-delete.ts";
import type { UserInserter } from "./user-inserter.ts";
import { findUser, UserNameTaken, type UserRow } from "./user-store.ts";

/**
 * POST /Users: validate, record desired state + outbox row in one statement (shared with
 * the creates arriving at the same time, see UserInserter), answer (docs/RULES.md "The SCIM surface"). A userName taken
 * by another directory's user is adopted or explained (create-conflict.ts), off the hot path.
 */
export async function acceptCreateUser(
  deps: AppDeps,
  inserter: UserInserter,
  p: ScimPrincipal,
  body: unknown,
): Promise<{ row: UserRow; adopted: boolean }> {
  const input = parseUserInput(body);
  if (p.domains.length > 0 && !createsInDomain(p.domains, userDomain(input.userName, input.email))) {
    throw outsideDomains(p, input.userName);
  }
  const company = await companyOf(deps, p);
  const license = resolveLicenseType(company, requestedLicenseType(input));
  if (!company.autoPurchaseLicenses && input.active) {
    await refuseWhenNoSeat(deps.database, p.companyId, license, input.officeHints, input.licenseType !== null);
  }
  let created: { id: string; createdAt: Date };
  try {
    created = await inserter.insert(p, {
      userName: input.userName,
      externalId: input.externalId,
      displayName: input.displayName,
      email: input.email,
      active: input.active,
      document: input.document,
      passwordSealed: seal(deps, input.password),
      licenseTypeId: license.id,
      officeHints: input.officeHints,
    });
  } catch (error) {
    if (!(error instanceof UserNameTaken)) throw error;
    return { row: await resolveCreateConflict(deps, p, input, error), adopted: true };
  }
  const { id, createdAt } = created;
  // Built from what was written rather than read back: the door stays at one round trip.
  const row: UserRow = {
    id,
    userName: input.userName,
    externalId: input.externalId,
    active: input.active,
    resource: input.document,
    version: 1,
    createdAt,
    updatedAt: createdAt,
    status: "provisioning",
    errorCode: null,
    officeId: null,
    officeName: null,
    matchedBy: null,
    matchedValue: null,
    matchedRuleId: null,
    did: null,
    extension: null,
    licenseTypeId: license.id,
    licenseTypeName: license.name,
    idpLicenseTypeId: license.id,
    directoryId: p.directoryId,
    email: input.email,
    masterChangedAt: null,
    heldKind: null,
  };
  return { row, adopted: false };
}

export const checkVersion = (check: (etag: string) => void) => (row: UserRow) => check(etag(row.version));

/** PUT /Users/{id}: replaces every writable attribute (RFC 7644 §3.5.1); never creates. */
export function replaceUser(
  deps: AppDeps,
  p: ScimPrincipal,
  id: string,
  body: unknown,
  ifMatch: (row: UserRow) => void,
  onHeld?: (kind: HeldKind) => void,
) {
  const input = parseUserInput(body);
  // An omitted licenseType is no change (RFC 7644 §3.5.1 lets PUT keep what it omits).
  const change = () => ({ input, deactivating: !input.active, licenseRemoved: false });
  return modifyUser(deps, p, id, ifMatch, change, onHeld);
}

/** PATCH /Users/{id}: all operations or none (RFC 7644 §3.5.2). */
export function patchUser(
  deps: AppDeps,
  p: ScimPrincipal,
  id: string,
  body: unknown,
  ifMatch: (row: UserRow) => void,
  onHeld?: (kind: HeldKind) => void,
) {
  const change = (current: UserRow) => {
    const result = applyPatch({ type: "User", id, document: current.resource }, body);
    if (!result.changed && result.password === undefined) return null;
    const input = parseUserInput(result.document, current.resource);
    if (result.password !== undefined) input.password = result.password;
    const licenseRemoved = input.licenseType === null && licenseTypeOf(current.resource).value !== null;
    return { input, deactivating: result.activeSet === false, licenseRemoved };
  };
  return modifyUser(deps, p, id, ifMatch, change, onHeld);
}

/**
 * DELETE /Users/{id}: gone for SCIM at once; the worker frees seat, DID and extension (docs/RULES.md). Through
 * the company's breaker: beyond its threshold the delete is accepted but held for an admin.
 */
export async function removeUser(
  deps: AppDeps,
  p: ScimPrincipal,
  id: string,
  ifMatch: (row: UserRow) => void,
  onHeld?: (kind: HeldKind) => void,
) {
  const current = await findUser(deps.database, p, id);
  if (!current) throw new ScimError(404, undefined, `User ${id} not found`);
  ifMatch(current);
  const company = await companyOf(deps, p);
  // findUser checked that the directory sees the user (its own, or any of the company's for the master).
  const scope = { companyId: p.companyId };
  const outcome = await throughBreaker(deps, company, (q, held) =>
    deleteUserWith(q, scope, id, held ? { id: newId(), directoryId: p.directoryId, kind: "delete" } : undefined),
  );
  if (!outcome.applied) throw new ScimError(404, undefined, `User ${id} not found`);
  if (outcome.held) onHeld?.("delete");
  return { userName: current.userName, erased: !outcome.held };
}
