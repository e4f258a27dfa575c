import { sealPassword } from "@scimline/db";
import type { AppDeps } from "../deps.ts";
import { ScimError } from "../scim/errors.ts";
import { applyPatch } from "../scim/patch.ts";
import { parseUserInput, type UserInput } from "../scim/user-input.ts";
import type { UserInserter } from "../scim/user-inserter.ts";
import { etag } from "../scim/user-output.ts";
import { deleteUser, findUser, type UserRow, updateUser } from "../scim/user-store.ts";
import type { CompanyContext, ScimPrincipal } from "../tenancy.ts";
import { resolveLicenseType } from "./license.ts";
import { refuseWhenNoSeat } from "./seat-precheck.ts";

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
  const license = resolveLicenseType(company, input.licenseType);
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
    did: null,
    extension: null,
    licenseTypeId: license.id,
    licenseTypeName: license.name,
  };
}

function immutableLicense(company: CompanyContext, current: UserRow, requested: string | null): void {
  if (requested === null) return;
  const license = resolveLicenseType(company, requested);
  if (license.id !== current.licenseTypeId) {
    throw new ScimError(
      400,
      "mutability",
      `licenseType is immutable over SCIM (currently "${current.licenseTypeName}"); it is changed by a company admin in the Scimline admin portal`,
    );
  }
}

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
  change: (current: UserRow, company: CompanyContext) => UserInput | null,
): Promise<UserRow> {
  const company = await companyOf(deps, p);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await findUser(deps.database, p, id);
    if (!current) throw new ScimError(404, undefined, `User ${id} not found`);
    ifMatch(current);
    const next = change(current, company);
    if (next === null) return current;
    immutableLicense(company, current, next.licenseType);
    const updated = await updateUser(deps.database, p, id, current.version, {
      userName: next.userName,
      externalId: next.externalId,
      displayName: next.displayName,
      email: next.email,
      active: next.active,
      document: next.document,
      passwordSealed: seal(deps, next.password),
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
  return modifyUser(deps, p, id, ifMatch, () => input);
}

/** PATCH /Users/{id}: all operations or none (RFC 7644 §3.5.2). */
export function patchUser(deps: AppDeps, p: ScimPrincipal, id: string, body: unknown, ifMatch: (row: UserRow) => void) {
  return modifyUser(deps, p, id, ifMatch, (current) => {
    const result = applyPatch({ type: "User", id, document: current.resource }, body);
    if (!result.changed && result.password === undefined) return null;
    const next = parseUserInput(result.document);
    if (result.password !== undefined) next.password = result.password;
    return next;
  });
}

/** DELETE /Users/{id}: gone for SCIM at once; the worker frees seat, DID and extension (SPEC §5). */
export async function removeUser(deps: AppDeps, p: ScimPrincipal, id: string, ifMatch: (row: UserRow) => void) {
  const current = await findUser(deps.database, p, id);
  if (!current) throw new ScimError(404, undefined, `User ${id} not found`);
  ifMatch(current);
  if (!(await deleteUser(deps.database, p, id))) throw new ScimError(404, undefined, `User ${id} not found`);
}
