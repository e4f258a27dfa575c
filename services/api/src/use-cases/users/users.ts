import { sealPassword } from "@scimline/db";
import type { AppDeps } from "../../deps.ts";
import { ScimError } from "../../scim/errors.ts";
import { applyPatch } from "../../scim/patch/apply.ts";
import { licenseTypeOf, parseUserInput, requestedLicenseType, type UserInput } from "../../scim/resource/user-input.ts";
import { etag } from "../../scim/resource/user-output.ts";
import type { CompanyContext, ScimPrincipal } from "../../tenancy.ts";
import { decideIdpLicense, keepIdpValues, type LicenseState } from "./idp-values.ts";
import { resolveLicenseType } from "./license.ts";
import { refuseWhenNoSeat } from "./seat-precheck.ts";
import { deleteUser } from "./user-delete.ts";
import type { UserInserter } from "./user-inserter.ts";
import { findUser, type UserRow, updateUser } from "./user-store.ts";

async function companyOf(deps: AppDeps, p: ScimPrincipal): Promise<CompanyContext> {
  const company = await deps.tenancy.company(p.companyId);
  if (!company) throw new ScimError(401, undefined, "The directory's company no longer exists");
  return company;
}

const seal = (deps: AppDeps, password: string | undefined) =>
  password === undefined ? null : sealPassword(deps.passwordKey, password);

/**
 * POST /Users: validate, record desired state + outbox row in one statement (shared with
 * the creates arriving at the same time, see UserInserter), answer (SPEC §4).
 */
export async function acceptCreateUser(
  deps: AppDeps,
  inserter: UserInserter,
  p: ScimPrincipal,
  body: unknown,
): Promise<UserRow> {
  const input = parseUserInput(body);
  const company = await companyOf(deps, p);
  const license = resolveLicenseType(company, requestedLicenseType(input));
  if (!company.autoPurchaseLicenses && input.active) {
    await refuseWhenNoSeat(deps.database, p.companyId, license, input.officeHints);
  }
  const { id, createdAt } = await inserter.insert(p, {
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
  // Built from what was written rather than read back: the door stays at one round trip.
  return {
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
  };
}

/** A PUT or PATCH, parsed: what it asks for, and how the IdP's own values must be treated. */
type Change = {
  input: UserInput;
  /** The request sets `active: false`: its license and office values are ignored, never refused. */
  deactivating: boolean;
  /** A PATCH removed the licenseType the identity provider had sent. */
  licenseRemoved: boolean;
};

const licenseState = (current: UserRow): LicenseState => ({
  effectiveId: current.licenseTypeId,
  idpId: current.idpLicenseTypeId,
  sentName: licenseTypeOf(current.resource).value,
});

const MAX_ATTEMPTS = 5;

/**
 * Read-modify-write with optimistic concurrency on meta.version: a concurrent change
 * makes the update miss, and the change is recomputed on the fresh row.
 */
async function modifyUser(
  deps: AppDeps,
  p: ScimPrincipal,
  id: string,
  ifMatch: (current: UserRow) => void,
  change: (current: UserRow) => Change | null,
): Promise<UserRow> {
  const company = await companyOf(deps, p);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await findUser(deps.database, p, id);
    if (!current) throw new ScimError(404, undefined, `User ${id} not found`);
    ifMatch(current);
    const parsed = change(current);
    if (parsed === null) return current;
    const next = parsed.input;
    // A deactivation is applied whatever license or office it carries; anything else may not
    // change the identity provider's licenseType (an admin's value in effect is kept either way).
    const idpLicenseTypeId = parsed.deactivating
      ? null
      : decideIdpLicense(company, licenseState(current), {
          requested: next.licenseType,
          conflict: next.licenseTypeConflict,
          removed: parsed.licenseRemoved,
        });
    const updated = await updateUser(deps.database, p, id, current.version, {
      userName: next.userName,
      externalId: next.externalId,
      displayName: next.displayName,
      email: next.email,
      active: next.active,
      document: parsed.deactivating ? keepIdpValues(next.document, current.resource) : next.document,
      passwordSealed: seal(deps, next.password),
      idpLicenseTypeId,
      // Only a change of the desired state is provisioning work (SPEC §5 deactivate/reactivate).
      reconcile: next.active !== current.active,
    });
    if (updated) {
      const row = await findUser(deps.database, p, id);
      if (row) return row;
    }
  }
  throw new ScimError(409, undefined, `User ${id} is being changed concurrently; retry the request`);
}

export const checkVersion = (check: (etag: string) => void) => (row: UserRow) => check(etag(row.version));

/** PUT /Users/{id}: replaces every writable attribute (RFC 7644 §3.5.1); never creates. */
export function replaceUser(
  deps: AppDeps,
  p: ScimPrincipal,
  id: string,
  body: unknown,
  ifMatch: (row: UserRow) => void,
) {
  const input = parseUserInput(body);
  // An omitted licenseType is no change (RFC 7644 §3.5.1 lets PUT keep what it omits).
  return modifyUser(deps, p, id, ifMatch, () => ({ input, deactivating: !input.active, licenseRemoved: false }));
}

/** PATCH /Users/{id}: all operations or none (RFC 7644 §3.5.2). */
export function patchUser(deps: AppDeps, p: ScimPrincipal, id: string, body: unknown, ifMatch: (row: UserRow) => void) {
  return modifyUser(deps, p, id, ifMatch, (current) => {
    const result = applyPatch({ type: "User", id, document: current.resource }, body);
    if (!result.changed && result.password === undefined) return null;
    const input = parseUserInput(result.document);
    if (result.password !== undefined) input.password = result.password;
    const licenseRemoved = input.licenseType === null && licenseTypeOf(current.resource).value !== null;
    return { input, deactivating: result.activeSet === false, licenseRemoved };
  });
}

/** DELETE /Users/{id}: gone for SCIM at once; the worker frees seat, DID and extension (SPEC §5). */
export async function removeUser(deps: AppDeps, p: ScimPrincipal, id: string, ifMatch: (row: UserRow) => void) {
  const current = await findUser(deps.database, p, id);
  if (!current) throw new ScimError(404, undefined, `User ${id} not found`);
  ifMatch(current);
  if (!(await deleteUser(deps.database, p, id))) throw new ScimError(404, undefined, `User ${id} not found`);
}
