import { decideSeats, matchOffice, planNumberAssignments, planReconcile } from "@scimline/domain";
import { type SeatRow, seatKey } from "./claims.ts";
import { type Draft, newDraft } from "./draft.ts";
import type { CompanyContext, LockedUser } from "./load.ts";

/** Plans each user and runs the steps that need no claimed resource: office match and releases. */
export function planDrafts(users: LockedUser[], companies: Map<string, CompanyContext>): Draft[] {
  return users.map((user) => {
    const steps = planReconcile({
      deleted: user.deleted,
      desiredActive: user.desiredActive,
      licenseTypeId: user.licenseTypeId,
      licenseAssignsDid: user.licenseAssignsDid,
      officeId: user.officeId,
      seatLicenseTypeId: user.seatLicenseTypeId,
      did: user.did,
      extension: user.extension,
    });
    const draft = newDraft(user, steps);
    const company = companies.get(user.companyId);
    for (const step of steps) {
      if (draft.failure) break;
      switch (step) {
        case "match_office": {
          // SPEC §5 office match, at creation only: later attribute changes do not move a user.
          const match = matchOffice({
            hints: user.officeHints,
            licenseTypeId: user.licenseTypeId,
            offices: company?.offices ?? [],
            seats: company?.seats ?? [],
            autoPurchase: company?.autoPurchaseLicenses ?? true,
          });
          if (match.type === "fail") draft.failure = match.code;
          else {
            draft.officeId = match.officeId;
            draft.matchedBy = match.matchedBy;
            draft.matchedValue = match.value;
          }
          break;
        }
        case "release_seat":
          if (user.officeId && user.seatLicenseTypeId) {
            draft.releasedSeat = { officeId: user.officeId, licenseTypeId: user.seatLicenseTypeId };
          }
          draft.seatLicenseTypeId = null;
          break;
        case "acquire_seat":
          draft.needsSeat = true;
          break;
        case "release_did":
          if (user.did) draft.releasedDid = { e164: user.did, officeId: user.officeId };
          draft.did = null;
          draft.didAllocations += 1;
          break;
        case "allocate_did":
          draft.needsDid = true;
          break;
        case "release_extension":
          draft.releasedExtension = user.extension;
          draft.extension = null;
          break;
        case "allocate_extension":
          draft.needsExtension = true;
          break;
        default:
          break;
      }
    }
    return draft;
  });
}

/** SPEC §5 DID rule 1: office pool first, then numbers bound to no office; the rest go to the carrier. */
export function assignNumbers(drafts: Draft[], pool: { byOffice: Map<string, string[]>; unbound: string[] }): void {
  const wanting = drafts.filter((d) => d.needsDid && !d.failure && d.officeId);
  const plan = planNumberAssignments(
    wanting.map((d) => ({ userId: d.user.id, officeId: d.officeId ?? "" })),
    pool,
  );
  const byUser = new Map(plan.assignments.map((a) => [a.userId, a.e164]));
  for (const draft of wanting) {
    const e164 = byUser.get(draft.user.id);
    if (e164) {
      draft.assignedDid = e164;
      draft.did = e164;
    } else draft.needsCarrier = true;
  }
}

export function assignExtensions(drafts: Draft[], free: number[]): void {
  const queue = [...free];
  for (const draft of drafts.filter((d) => d.needsExtension && !d.failure)) {
    const extension = queue.shift();
    if (extension === undefined) draft.failure = "no_extension_available";
    else {
      draft.assignedExtension = extension;
      draft.extension = extension;
    }
  }
}

export type SeatWrite = SeatRow & { purchasedAfter: number; usedAfter: number };

/**
 * The seat decision for every (office, license type) the batch touches, made in one
 * pure call per pair (SPEC §5: freed seats are reused before new ones are bought).
 */
export function decideSeatPairs(
  drafts: Draft[],
  locked: Map<string, SeatRow>,
  company: CompanyContext,
  today: string,
): SeatWrite[] {
  const writes: SeatWrite[] = [];
  for (const [key, row] of locked) {
    const releases = drafts.filter(
      (d) => d.releasedSeat && seatKey(d.releasedSeat.officeId, d.releasedSeat.licenseTypeId) === key,
    ).length;
    const requesters = drafts.filter(
      (d) => d.needsSeat && !d.failure && d.officeId && seatKey(d.officeId, d.user.licenseTypeId) === key,
    );
    const price = company.prices.get(row.licenseTypeId) ?? 0;
    const result = decideSeats({
      purchased: row.purchased,
      used: row.used,
      releases,
      requests: requesters.length,
      autoPurchase: company.autoPurchaseLicenses,
      monthlyPriceCents: price,
      today,
      billingDay: company.billingDay,
    });
    result.decisions.forEach((decision, i) => {
      const draft = requesters[i];
      if (!draft) return;
      if (decision.type === "fail") {
        draft.failure = decision.code;
        return;
      }
      draft.seatLicenseTypeId = draft.user.licenseTypeId;
      if (decision.type === "buy_seat") {
        draft.charge = {
          amountCents: decision.chargeCents,
          unitPriceCents: price,
          periodStart: decision.period.start,
          periodEnd: decision.period.end,
        };
      }
    });
    writes.push({ ...row, purchasedAfter: result.purchasedAfter, usedAfter: result.usedAfter });
  }
  return writes;
}
