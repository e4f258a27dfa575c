import type { Database } from "@scimline/db";
import { schema } from "@scimline/db";
import {
  type LicenseType,
  matchOffice,
  matchOfficeByName,
  type Office,
  type OfficeHints,
  type SeatCount,
} from "@scimline/domain";
import { eq, sql } from "drizzle-orm";
import { ScimError } from "../../scim/errors.ts";

/**
 * docs/RULES.md "The SCIM surface": with auto-purchase off, a create whose matched office visibly has no free
 * seat of its license type is refused at the door, where the Okta admin will see it.
 * The worker re-checks under lock; this is only the visible, early refusal.
 */
export async function refuseWhenNoSeat(
  database: Database,
  companyId: string,
  license: LicenseType,
  hints: OfficeHints,
  licenseSent: boolean,
): Promise<void> {
  const { db } = database;
  const [offices, seats, [rules]] = await Promise.all([
    db
      .select({
        id: schema.offices.id,
        name: schema.offices.name,
        country: schema.offices.country,
        main: schema.offices.main,
        createdAt: schema.offices.createdAt,
      })
      .from(schema.offices)
      .where(eq(schema.offices.companyId, companyId)),
    db
      .select({
        officeId: schema.seats.officeId,
        licenseTypeId: schema.seats.licenseTypeId,
        purchased: schema.seats.purchased,
        used: schema.seats.used,
      })
      .from(schema.seats)
      .where(eq(schema.seats.companyId, companyId)),
    db
      .select({ exists: sql<boolean>`true` })
      .from(schema.groupRules)
      .where(eq(schema.groupRules.companyId, companyId))
      .limit(1),
  ]);
  const refusal = seatPrecheckRefusal(offices, seats, license, hints, {
    groupRules: rules !== undefined,
    licenseSent,
  });
  if (refusal !== null) throw new ScimError(400, undefined, refusal);
}

/**
 * The door's seat pre-check, pure: why a create with auto-purchase off is refused (the office it
 * would match has no free seat of its license type), or null. A preview runs it on its snapshot.
 * When the company has group rules, only a user whose office (an attribute that names one) and license
 * type (sent) are its own is checked: the others' office or license comes from groups that Okta pushes
 * after the create, so the door cannot see where they will land, and never refuses on the fallback's behalf.
 */
export function seatPrecheckRefusal(
  offices: readonly Office[],
  seats: readonly SeatCount[],
  license: LicenseType,
  hints: OfficeHints,
  context: { groupRules: boolean; licenseSent: boolean } = { groupRules: false, licenseSent: true },
): string | null {
  if (context.groupRules && (!context.licenseSent || matchOfficeByName(hints, offices) === null)) return null;
  const match = matchOffice({ hints, licenseTypeId: license.id, offices, seats, autoPurchase: false });
  if (match.type !== "matched") return null;
  const seat = seats.find((s) => s.officeId === match.officeId && s.licenseTypeId === license.id);
  if (seat && seat.purchased - seat.used > 0) return null;
  const office = offices.find((o) => o.id === match.officeId);
  return `No free "${license.name}" license seat in office "${office?.name}", and automatic license purchase is off for this company. A company admin must add seats before this user can be provisioned.`;
}
