import { adopts, userDomain } from "@scimline/domain";
import type { AppDeps } from "../../deps.ts";
import { ScimError } from "../../scim/errors.ts";
import type { UserInput } from "../../scim/resource/user-input.ts";
import type { ScimPrincipal } from "../../tenancy.ts";
import { modifyUser } from "./modify-user.ts";
import type { UserNameTaken, UserRow } from "./user-store.ts";

type Owner = { id: string; directory_id: string; directory_name: string; user_name: string; email: string | null };

/**
 * A create whose userName another user of the company already has. The directory's own user: the
 * plain 409. Another directory's user: a directory with `adoptExisting` covering its domain takes it
 * over (the create becomes a replace of that user: same id, office, seat, DID and extension); any
 * other directory gets a 409 that names the owner and how to take users over.
 */
export async function resolveCreateConflict(
  deps: AppDeps,
  p: ScimPrincipal,
  input: UserInput,
  conflict: UserNameTaken,
): Promise<UserRow> {
  const q = deps.database.sql;
  const [owner] = await q<Owner[]>`
    select u.id, u.directory_id, d.name as directory_name, u.user_name, u.email
    from users u join directories d on d.id = u.directory_id
    where u.company_id = ${p.companyId} and lower(u.user_name) = lower(${input.userName}) and u.deleted_at is null`;
  if (!owner || owner.directory_id === p.directoryId) throw conflict;
  if (p.master) {
    throw new ScimError(
      409,
      "uniqueness",
      `A user with this userName exists in directory "${owner.directory_name}"; the master directory manages it: find it by filter and change it with PUT or PATCH`,
    );
  }
  const domain = userDomain(owner.user_name, owner.email);
  if (p.adoptExisting && !adopts(p, domain)) {
    throw new ScimError(
      409,
      "uniqueness",
      `A user with this userName belongs to directory "${owner.directory_name}" of this company; its domain (${domain ?? "none"}) is not one of this directory's domains (${p.domains.join(", ")}), so it is not adopted`,
    );
  }
  if (!adopts(p, domain)) {
    throw new ScimError(
      409,
      "uniqueness",
      `A user with this userName belongs to directory "${owner.directory_name}" of this company. To take over that directory's users (a move between identity providers), a company admin turns adoption on for this directory: PATCH /api/v1/directories/${p.directoryId} {"adoptExisting": true}; or moves this one user: POST /api/v1/companies/{id}/users/{userId}/move`,
    );
  }
  // As a PUT would: every writable attribute replaced; a deactivation ignores license and office values.
  // Only as an adoption: modifyUser re-reads the user on each attempt, and once a concurrent create has
  // adopted it (this directory owns it now) this create is the duplicate a sequential one would be, the
  // plain 409, not a replace of the user just adopted.
  return modifyUser(
    deps,
    p,
    owner.id,
    (current) => {
      if (current.directoryId === p.directoryId) throw conflict;
    },
    () => ({ input, deactivating: !input.active, licenseRemoved: false }),
  );
}
