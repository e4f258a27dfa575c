import { type HeldKind, newId, sealPassword } from "@scimline/db";
import { createsInDomain, ownerMayWrite, userDomain } from "@scimline/domain";
import type { AppDeps } from "../../deps.ts";
import { badRequest, ScimError } from "../../scim/errors.ts";
import { licenseTypeOf, type UserInput } from "../../scim/resource/user-input.ts";
import type { CompanyContext, ScimPrincipal } from "../../tenancy.ts";
import { OneAtATime } from "../one-at-a-time.ts";
import { type GatedWrite, throughBreaker } from "./breaker.ts";
import { decideIdpLicense, keepIdpValues, type LicenseState } from "./idp-values.ts";
import { resolveLicenseType } from "./license.ts";
import { findUser, type UserRow } from "./user-store.ts";
import { adoptedEvent, adoptUser, updateUser } from "./user-writes.ts";

export async function companyOf(deps: AppDeps, p: ScimPrincipal): Promise<CompanyContext> {
  const company = await deps.tenancy.company(p.companyId);
  if (!company) throw new ScimError(401, undefined, "The directory's company no longer exists");
  return company;
}

export const seal = (deps: AppDeps, password: string | undefined) =>
  password === undefined ? null : sealPassword(deps.passwordKey, password);

/** A create or rename outside the directory's domains: 400 naming them. */
export function outsideDomains(p: ScimPrincipal, userName: string): ScimError {
  return badRequest(
    "invalidValue",
    `userName "${userName}" is outside this directory's domains (${p.domains.join(", ")}); it creates users only in them`,
  );
}

/** A PUT or PATCH, parsed: what it asks for, and how the IdP's own values must be treated. */
export type Change = {
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

/** JSON with keys sorted, so two documents compare by content. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

const changesNothing = (current: UserRow, next: UserInput) =>
  next.password === undefined &&
  next.active === current.active &&
  canonical(next.document) === canonical(current.resource);

const masterWins = (current: UserRow) =>
  new ScimError(
    409,
    undefined,
    `User ${current.id} was changed by the company's master directory (${current.masterChangedAt?.toISOString()}); the master's values stand and changes from this directory are refused (a deactivation or delete is still applied). An admin hands the user back with POST /api/v1/companies/{id}/users/{userId}/move`,
  );

/**
 * The license the identity provider's write records. A deactivation records none (decision 0001); an
 * adopting write starts the new IdP's own value (the license in effect and its seat are kept); any
 * other write may only repeat the IdP's last value or the one in effect.
 */
function idpLicenseOf(company: CompanyContext, current: UserRow, change: Change, adopting: boolean): string | null {
  const next = change.input;
  if (change.deactivating) return null;
  if (adopting) {
    if (next.licenseTypeConflict !== null) throw badRequest("invalidValue", next.licenseTypeConflict);
    return next.licenseType === null ? null : resolveLicenseType(company, next.licenseType).id;
  }
  return decideIdpLicense(company, licenseState(current), {
    requested: next.licenseType,
    conflict: next.licenseTypeConflict,
    removed: change.licenseRemoved,
  });
}

const MAX_ATTEMPTS = 5;
/** This process's writes to one user, one at a time (another process's are retried in modifyUser). */
const writes = new OneAtATime();

/**
 * Read-modify-write with optimistic concurrency on meta.version: a concurrent change makes the update
 * miss, and the change is recomputed on the fresh row. A directory's first write to a user it sees by
 * adoption takes the user over; the master's write to another directory's user marks it as the master's.
 */
export function modifyUser(
  deps: AppDeps,
  p: ScimPrincipal,
  id: string,
  ifMatch: (current: UserRow) => void,
  change: (current: UserRow) => Change | null,
  /** Told when the breaker held the request (for the metric). */
  onHeld?: (kind: HeldKind) => void,
): Promise<UserRow> {
  return writes.run(id, async () => {
    const company = await companyOf(deps, p);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await findUser(deps.database, p, id);
      if (!current) throw new ScimError(404, undefined, `User ${id} not found`);
      ifMatch(current);
      const parsed = change(current);
      const foreign = current.directoryId !== p.directoryId;
      const adopting = foreign && !p.master;
      if (parsed === null && !adopting) return current;
      const noop = parsed === null || changesNothing(current, parsed.input);
      // Taking a user over is a change of its own: a user the master changed is not adopted (an admin moves it).
      const kind = parsed?.deactivating ? "deactivate" : noop && !adopting ? "noop" : "change";
      const masterChanged = current.masterChangedAt !== null;
      if (!ownerMayWrite({ writerIsMaster: p.master, masterChanged, kind })) throw masterWins(current);
      if (parsed === null) {
        const row = (await adoptUser(deps.database.sql, p, current)) ? await findUser(deps.database, p, id) : null;
        if (row) return row;
        continue;
      }
      const next = parsed.input;
      const domain = userDomain(next.userName, next.email);
      if (domain !== userDomain(current.userName, current.email) && !createsInDomain(p.domains, domain)) {
        throw outsideDomains(p, next.userName);
      }
      const values = {
        userName: next.userName,
        externalId: next.externalId,
        displayName: next.displayName,
        email: next.email,
        active: next.active,
        document: parsed.deactivating ? keepIdpValues(next.document, current.resource) : next.document,
        passwordSealed: seal(deps, next.password),
        idpLicenseTypeId: idpLicenseOf(company, current, parsed, adopting),
        ...(adopting ? { adoptInto: p.directoryId, events: [adoptedEvent(current.directoryId)] } : {}),
        masterChanged: p.master && foreign && !noop,
      };
      // A deactivation goes through the company's breaker (held beyond its threshold); a reactivation
      // of a user whose deactivation is held withdraws the hold (the work never saw it).
      const deactivates = current.active && !next.active;
      const release = current.heldKind === "deactivate" && next.active;
      const write: GatedWrite = (q, held) =>
        updateUser(q, p, id, current.version, {
          ...values,
          reconcile: !held && !release && next.active !== current.active,
          ...(held ? { hold: { id: newId(), directoryId: p.directoryId, kind: "deactivate" } } : {}),
          release,
        });
      const outcome = deactivates
        ? await throughBreaker(deps, company, write)
        : { applied: await write(deps.database.sql, false), held: false };
      if (outcome.applied) {
        const row = await findUser(deps.database, p, id);
        if (row) {
          if (outcome.held) onHeld?.("deactivate");
          return row;
        }
      }
    }
    throw new ScimError(409, undefined, `User ${id} is being changed concurrently; retry the request`);
  });
}
