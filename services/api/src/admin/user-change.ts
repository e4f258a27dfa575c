import type { Database, TxSql } from "@scimline/db";
import { AdminError } from "../errors.ts";
import { isUniqueViolation } from "../scim/pg-errors.ts";

export type UserChangeInput = { licenseType?: string; did?: string; extension?: number };

type LockedUser = {
  id: string;
  office_id: string | null;
  office_name: string | null;
  did: string | null;
  extension: number | null;
  active: boolean;
  status: string;
  error_code: string | null;
  license_type_id: string;
  seat_license_type_id: string | null;
  assigns_did: boolean;
  auto_purchase_licenses: boolean;
  extension_start: number;
  extension_end: number;
};
type License = { id: string; name: string; assigns_did: boolean };

const numberTaken = (e164: string) =>
  new AdminError(409, "NUMBER_TAKEN", `Number ${e164} is assigned to another user; pick an unassigned number`);
const extensionTaken = (ext: number) =>
  new AdminError(409, "EXTENSION_TAKEN", `Extension ${ext} is assigned to another user of the company`);

/** The catalogue entry, matched as SCIM matches it (exactly, then ignoring case); else 400 listing the names. */
async function resolveLicense(tx: TxSql, companyId: string, requested: string): Promise<License> {
  const catalogue = await tx<License[]>`
    select id, name, assigns_did from license_types where company_id = ${companyId} order by created_at, id`;
  const found =
    catalogue.find((l) => l.name === requested) ??
    catalogue.find((l) => l.name.toLowerCase() === requested.toLowerCase());
  if (found) return found;
  const allowed = catalogue.map((l) => `"${l.name}"`).join(", ");
  throw new AdminError(400, "UNKNOWN_LICENSE_TYPE", `licenseType "${requested}" is not one of ${allowed}`);
}

/** SPEC §6: "a DID change takes a number from the unassigned pool only and returns the old one to its office's pool". */
async function moveDid(tx: TxSql, companyId: string, user: LockedUser, e164: string): Promise<void> {
  const [number] = await tx<{ company_id: string; assigned_user_id: string | null }[]>`
    select company_id, assigned_user_id from numbers where e164 = ${e164} for update`;
  if (!number || number.company_id !== companyId) {
    throw new AdminError(404, "NUMBER_NOT_FOUND", `Number ${e164} is not in the company's pool; add it first`);
  }
  if (number.assigned_user_id !== null && number.assigned_user_id !== user.id) throw numberTaken(e164);
  if (user.did !== null) {
    await tx`
      update numbers set assigned_user_id = null, office_id = coalesce(office_id, ${user.office_id}::uuid)
      where e164 = ${user.did} and assigned_user_id = ${user.id}`;
  }
  await tx`update numbers set assigned_user_id = ${user.id} where e164 = ${e164}`;
}

/** SPEC §5 "Extension": company-unique and inside the company's range; the old one is freed. */
async function moveExtension(tx: TxSql, companyId: string, user: LockedUser, ext: number): Promise<void> {
  const outOfRange = () =>
    new AdminError(
      400,
      "EXTENSION_OUT_OF_RANGE",
      `Extension ${ext} is outside the company's range ${user.extension_start}-${user.extension_end}`,
    );
  if (ext < user.extension_start || ext > user.extension_end) throw outOfRange();
  const [slot] = await tx<{ user_id: string | null }[]>`
    select user_id from extension_pool where company_id = ${companyId} and extension = ${ext} for update`;
  if (!slot) throw outOfRange();
  if (slot.user_id !== null && slot.user_id !== user.id) throw extensionTaken(ext);
  if (user.extension !== null) {
    await tx`
      update extension_pool set user_id = null
      where company_id = ${companyId} and extension = ${user.extension} and user_id = ${user.id}`;
  }
  await tx`update extension_pool set user_id = ${user.id} where company_id = ${companyId} and extension = ${ext}`;
}

/**
 * SPEC §4 "a refusal the door can already see": with auto-purchase off and no free seat of the
 * new type in the user's office, the change is refused rather than leaving the user waiting.
 */
async function refuseWhenNoSeat(tx: TxSql, user: LockedUser, license: License): Promise<void> {
  if (!user.active || user.office_id === null || user.auto_purchase_licenses) return;
  if (user.seat_license_type_id === license.id) return;
  const [seat] = await tx<{ free: number }[]>`
    select purchased - used as free from seats where office_id = ${user.office_id} and license_type_id = ${license.id}`;
  if (seat && seat.free > 0) return;
  throw new AdminError(
    409,
    "NO_LICENSE_AVAILABLE",
    `No free "${license.name}" seat in office "${user.office_name}" and automatic license purchase is off; add seats to the office or turn auto-purchase on`,
  );
}

/**
 * SPEC §6 admin change, all or nothing; false: no such live user. The user row is locked first (the
 * worker's order). DID and extension change here; a new license is desired state (type, generation and
 * outbox row in ONE statement) that the worker applies to seat and DID.
 */
export async function changeUser(
  database: Database,
  companyId: string,
  userId: string,
  input: UserChangeInput,
): Promise<boolean> {
  try {
    return await database.sql.begin(async (tx) => {
      const [user] = await tx<LockedUser[]>`
        select u.id, u.office_id, o.name as office_name, u.did, u.extension, u.active, u.status, u.error_code, u.license_type_id,
               u.seat_license_type_id, lt.assigns_did, c.auto_purchase_licenses, c.extension_start, c.extension_end
        from users u
          join license_types lt on lt.id = u.license_type_id
          join companies c on c.id = u.company_id
          left join offices o on o.id = u.office_id
        where u.id = ${userId} and u.company_id = ${companyId} and u.deleted_at is null
        for update of u`;
      if (!user) return false;
      const license = input.licenseType === undefined ? null : await resolveLicense(tx, companyId, input.licenseType);
      const newLicense = license && license.id !== user.license_type_id ? license : null;
      if (input.did !== undefined && !(license ?? user).assigns_did) {
        const name = license?.name ?? "the user's license type";
        throw new AdminError(400, "LICENSE_HAS_NO_DID", `${name} gets no phone number, so a DID cannot be set`);
      }
      const did = input.did !== undefined && input.did !== user.did ? input.did : null;
      const ext = input.extension !== undefined && input.extension !== user.extension ? input.extension : null;
      if (did !== null) await moveDid(tx, companyId, user, did);
      if (ext !== null) await moveExtension(tx, companyId, user, ext);
      if (newLicense) await refuseWhenNoSeat(tx, user, newLicense);
      if (did === null && ext === null && !newLicense) return true;
      // A user waiting for what the admin just gave it continues (SPEC §5 business waits).
      const waitedFor =
        user.status === "failed" &&
        ((did !== null && user.error_code === "no_number_available") ||
          (ext !== null && user.error_code === "no_extension_available"));
      const reconcile = newLicense !== null || waitedFor;
      // A failed user starts over, as a retry would.
      await tx`
        with u as (
          update users set
            did = coalesce(${did}, did), extension = coalesce(${ext}::int, extension),
            license_type_id = coalesce(${newLicense?.id ?? null}::uuid, license_type_id),
            generation = generation + ${reconcile ? 1 : 0},
            status = case when ${reconcile} and status = 'failed' then 'provisioning' else status end,
            version = version + 1, updated_at = now()
          where id = ${userId}
          returning id, company_id, generation
        )
        insert into outbox (company_id, user_id, generation)
        select company_id, id, generation from u where ${reconcile}`;
      return true;
    });
  } catch (error) {
    if (isUniqueViolation(error, "users_did") || isUniqueViolation(error, "numbers_assigned_user"))
      throw numberTaken(input.did ?? "");
    if (isUniqueViolation(error, "users_company_extension") || isUniqueViolation(error, "extension_pool_user"))
      throw extensionTaken(input.extension ?? 0);
    throw error;
  }
}
