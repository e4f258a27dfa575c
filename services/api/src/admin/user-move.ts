import { type Database, updateDesiredState } from "@scimline/db";
import { createsInDomain, userDomain } from "@scimline/domain";
import { AdminError } from "../errors.ts";
import { isUniqueViolation } from "../use-cases/pg-errors.ts";

type Target = { id: string; name: string; domains: string[] };
type Current = { directory_id: string; user_name: string; email: string | null };

/**
 * An admin re-homes one user: another directory of the company owns it from now on (same id, office,
 * seat, DID and extension; no provisioning work), and a mark left by the master's changes is cleared, so
 * moving a user to the directory that already owns it hands it back to that directory. False: no such
 * live user in the company.
 */
export async function moveUser(
  database: Database,
  companyId: string,
  userId: string,
  directoryId: string,
): Promise<boolean> {
  const q = database.sql;
  const [target] = await q<Target[]>`
    select id, name, domains from directories where id = ${directoryId} and company_id = ${companyId}`;
  if (!target)
    throw new AdminError("DIRECTORY_NOT_FOUND", `Directory ${directoryId} not found in company ${companyId}`);
  const [current] = await q<Current[]>`
    select directory_id, user_name, email from users where id = ${userId} and company_id = ${companyId} and deleted_at is null`;
  if (!current) return false;
  if (!createsInDomain(target.domains, userDomain(current.user_name, current.email))) {
    throw new AdminError(
      "OUTSIDE_DOMAINS",
      `The user's domain is not one of directory "${target.name}"'s domains (${target.domains.join(", ")})`,
    );
  }
  const moved = current.directory_id !== target.id;
  try {
    const rows = await updateDesiredState(q, {
      set: q`directory_id = ${target.id}, master_changed_at = null, version = version + 1, updated_at = now()`,
      where: q`id = ${userId} and company_id = ${companyId} and deleted_at is null and directory_id = ${current.directory_id}`,
      reconcile: false,
      events: moved
        ? [
            {
              type: "user.directory_changed",
              data: (s) =>
                s`jsonb_build_object('fromDirectoryId', ${current.directory_id}::text, 'toDirectoryId', u.directory_id)`,
            },
          ]
        : [],
    });
    if (rows.length === 0) throw new AdminError("USER_CHANGED", "The user changed meanwhile; retry the move");
    return true;
  } catch (error) {
    if (isUniqueViolation(error, "users_directory_external_id")) {
      throw new AdminError(
        "EXTERNAL_ID_TAKEN",
        `Directory "${target.name}" has another user with this user's externalId; remove or change one of them first`,
      );
    }
    throw error;
  }
}
