import { type Database, type RowEvent, reconcileUsers, type TxSql, updateDesiredState } from "@scimline/db";
import type { AdminRequest } from "@scimline/domain";
import { AdminError } from "../errors.ts";
import { isUniqueViolation } from "../use-cases/pg-errors.ts";

export type UserChangeInput = {
  licenseType?: string;
  did?: string;
  extension?: number;
  officeId?: string;
  pinned?: boolean;
};

type LockedUser = {
  id: string;
  office_id: string | null;
  did: string | null;
  extension: number | null;
  active: boolean;
  status: string;
  pinned: boolean;
  license_type_id: string;
  license_name: string;
  assigns_did: boolean;
  extension_start: number;
  extension_end: number;
};
type License = { id: string; name: string; assigns_did: boolean };

const numberTaken = (e164: string) =>
  new AdminError("NUMBER_TAKEN", `Number ${e164} is assigned to another user; pick an unassigned number`);
const extensionTaken = (ext: number) =>
  new AdminError("EXTENSION_TAKEN", `Extension ${ext} is assigned to another user of the company`);

/** The catalogue entry, matched as SCIM matches it (exactly, then ignoring case); else 400 listing the names. */
async function resolveLicense(tx: TxSql, companyId: string, requested: string): Promise<License> {
  const catalogue = await tx<License[]>`
    select id, name, assigns_did from license_types where company_id = ${companyId} order by created_at, id`;
  const found =
    catalogue.find((l) => l.name === requested) ??
    catalogue.find((l) => l.name.toLowerCase() === requested.toLowerCase());
  if (found) return found;
  const allowed = catalogue.map((l) => `"${l.name}"`).join(", ");
  throw new AdminError("UNKNOWN_LICENSE_TYPE", `licenseType "${requested}" is not one of ${allowed}`);
}

/** The number must be the company's and unassigned (or already the user's); it is locked until COMMIT. */
async function lockNumber(tx: TxSql, companyId: string, user: LockedUser, e164: string) {
  const [number] = await tx<{ company_id: string; office_id: string | null; assigned_user_id: string | null }[]>`
    select company_id, office_id, assigned_user_id from numbers where e164 = ${e164} for update`;
  if (!number || number.company_id !== companyId) {
    throw new AdminError("NUMBER_NOT_FOUND", `Number ${e164} is not in the company's pool; add it first`);
  }
  if (number.assigned_user_id !== null && number.assigned_user_id !== user.id) throw numberTaken(e164);
  return { e164, officeId: number.office_id };
}

/** The extension must lie in the company's range and be free (or already the user's); it is locked until COMMIT. */
async function lockExtension(tx: TxSql, companyId: string, user: LockedUser, ext: number): Promise<number> {
  const outOfRange = () =>
    new AdminError(
      "EXTENSION_OUT_OF_RANGE",
      `Extension ${ext} is outside the company's range ${user.extension_start}-${user.extension_end}`,
    );
  if (ext < user.extension_start || ext > user.extension_end) throw outOfRange();
  const [slot] = await tx<{ user_id: string | null }[]>`
    select user_id from extension_pool where company_id = ${companyId} and extension = ${ext} for update`;
  if (!slot) throw outOfRange();
  if (slot.user_id !== null && slot.user_id !== user.id) throw extensionTaken(ext);
  return ext;
}

async function findOffice(tx: TxSql, companyId: string, officeId: string): Promise<{ id: string; name: string }> {
  const [office] = await tx<{ id: string; name: string }[]>`
    select id, name from offices where id = ${officeId} and company_id = ${companyId}`;
  if (!office) throw new AdminError("OFFICE_NOT_FOUND", `Office ${officeId} not found in company ${companyId}`);
  return office;
}

const licenseChanged = (from: string): RowEvent => ({
  type: "user.license_changed",
  data: (q) => q`jsonb_build_object('from', ${from}::text, 'to', lt.name, 'cause', 'admin')`,
});

/**
 * An admin's change of a user's license type, office, DID or extension, all or nothing; false: no
 * such live user. It is a desired-state change (a new generation, its outbox row and its events) and
 * it is applied at once, in the same transaction, by the same plan and writer as the worker's, so the
 * answer shows the result. What the plan cannot finish here (a number from the carrier) the worker does.
 */
export async function changeUser(
  database: Database,
  companyId: string,
  userId: string,
  input: UserChangeInput,
  today: string,
): Promise<boolean> {
  try {
    return await database.sql.begin(async (tx) => {
      const [user] = await tx<LockedUser[]>`
        select u.id, u.office_id, u.did, u.extension, u.active, u.status, u.pinned, u.license_type_id, lt.name as license_name,
               lt.assigns_did, c.extension_start, c.extension_end
        from users u
          join license_types lt on lt.id = u.license_type_id
          join companies c on c.id = u.company_id
        where u.id = ${userId} and u.company_id = ${companyId} and u.deleted_at is null
        for update of u`;
      if (!user) return false;
      const license = input.licenseType === undefined ? null : await resolveLicense(tx, companyId, input.licenseType);
      const newLicense = license && license.id !== user.license_type_id ? license : null;
      if (input.did !== undefined && !(license ?? user).assigns_did) {
        const name = license?.name ?? "the user's license type";
        throw new AdminError("LICENSE_HAS_NO_DID", `${name} gets no phone number, so a DID cannot be set`);
      }
      const request: AdminRequest = {};
      if (input.officeId !== undefined && input.officeId !== user.office_id) {
        request.officeId = (await findOffice(tx, companyId, input.officeId)).id;
      }
      if (input.did !== undefined && input.did !== user.did) {
        request.did = await lockNumber(tx, companyId, user, input.did);
      }
      if (input.extension !== undefined && input.extension !== user.extension) {
        request.extension = await lockExtension(tx, companyId, user, input.extension);
      }
      // An admin's office or license type is the admin's: group rules no longer move the user, until
      // an admin clears the pin ({pinned: false}), which lets the rules decide again at once.
      const pinned = newLicense || request.officeId ? true : (input.pinned ?? user.pinned);
      const fields = [
        ...(newLicense ? ["licenseType"] : []),
        ...(request.officeId ? ["officeId"] : []),
        ...(request.did ? ["did"] : []),
        ...(request.extension !== undefined ? ["extension"] : []),
        ...(pinned !== user.pinned ? ["pinned"] : []),
      ];
      if (fields.length === 0) return true;

      await updateDesiredState(tx, {
        set: tx`license_type_id = ${newLicense?.id ?? user.license_type_id}, version = version + 1, updated_at = now(),
                pinned = ${pinned}, status = case when status = 'failed' then 'provisioning' else status end`,
        where: tx`id = ${userId}`,
        events: [
          {
            type: "user.changed_by_admin",
            data: (q) => q`jsonb_build_object('fields', ${JSON.stringify(fields)}::jsonb)`,
          },
          ...(newLicense ? [licenseChanged(user.license_name)] : []),
        ],
      });
      const plan = await reconcileUsers(tx, [userId], { today, requests: new Map([[userId, request]]) });
      // A change the door can already see fail is refused rather than leaving the user waiting.
      const outcome = plan.users[0];
      const unpinned = user.pinned && !pinned;
      if (outcome?.failure === "no_license_available" && (newLicense || request.officeId || unpinned)) {
        const seat = outcome.seat.type === "refused" ? outcome.seat : null;
        const office = seat ? await findOffice(tx, companyId, seat.officeId) : null;
        const [refused] = seat
          ? await tx<{ name: string }[]>`select name from license_types where id = ${seat.licenseTypeId}`
          : [];
        const type = refused?.name ?? newLicense?.name ?? user.license_name;
        throw new AdminError(
          "NO_LICENSE_AVAILABLE",
          `No free "${type}" seat in office "${office?.name ?? "?"}" and automatic license purchase is off; add seats to the office or turn auto-purchase on`,
        );
      }
      if (outcome?.failure === "spend_cap_reached" && (newLicense || request.officeId || unpinned)) {
        throw new AdminError(
          "SPEND_CAP_REACHED",
          "Buying the seat this change needs would pass the company's monthly spend cap (monthlySpendCapCents); raise the cap or add seats to the office first",
        );
      }
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
