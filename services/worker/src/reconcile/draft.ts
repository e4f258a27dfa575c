import type { ProvisioningErrorCode, Step } from "@scimline/domain";
import type { LockedUser } from "./load.ts";

export type FailureCode = ProvisioningErrorCode;

/** What one user will look like after this transaction, built step by step. */
export type Draft = {
  user: LockedUser;
  steps: Step[];
  officeId: string | null;
  matchedBy: string | null;
  matchedValue: string | null;
  seatLicenseTypeId: string | null;
  did: string | null;
  extension: number | null;
  didAllocations: number;
  /** A business wait: recorded on the user, the job completes, an admin retry resumes it. */
  failure: FailureCode | null;
  needsDid: boolean;
  needsExtension: boolean;
  needsSeat: boolean;
  /** No pool number was free: the job buys one from the carrier after this transaction. */
  needsCarrier: boolean;
  releasedSeat: { officeId: string; licenseTypeId: string } | null;
  releasedDid: { e164: string; officeId: string | null } | null;
  releasedExtension: number | null;
  assignedDid: string | null;
  assignedExtension: number | null;
  charge: { amountCents: number; unitPriceCents: number; periodStart: string; periodEnd: string } | null;
};

export const newDraft = (user: LockedUser, steps: Step[]): Draft => ({
  user,
  steps,
  officeId: user.officeId,
  matchedBy: user.matchedBy,
  matchedValue: user.matchedValue,
  seatLicenseTypeId: user.seatLicenseTypeId,
  did: user.did,
  extension: user.extension,
  didAllocations: user.didAllocations,
  failure: null,
  needsDid: false,
  needsExtension: false,
  needsSeat: false,
  needsCarrier: false,
  releasedSeat: null,
  releasedDid: null,
  releasedExtension: null,
  assignedDid: null,
  assignedExtension: null,
  charge: null,
});

export type Outcome =
  | { type: "done"; status: "active" | "suspended" }
  | { type: "erased" }
  | { type: "gone" }
  | { type: "waiting"; code: FailureCode }
  | { type: "needs_carrier"; companyId: string; areaCode: string; idempotencyKey: string };

/** The status a draft ends in, and what the job reports. */
export function finish(
  draft: Draft,
  areaCode: string,
): { status: string; errorCode: string | null; outcome: Outcome; done: boolean } {
  if (draft.steps.includes("erase"))
    return { status: "deleted", errorCode: null, outcome: { type: "erased" }, done: true };
  if (draft.failure)
    return {
      status: "failed",
      errorCode: draft.failure,
      outcome: { type: "waiting", code: draft.failure },
      done: false,
    };
  if (draft.needsCarrier) {
    return {
      status: "provisioning",
      errorCode: null,
      outcome: {
        type: "needs_carrier",
        companyId: draft.user.companyId,
        areaCode,
        idempotencyKey: `did_${draft.user.id}_${draft.didAllocations}`,
      },
      done: false,
    };
  }
  const status = draft.steps.includes("mark_suspended") ? "suspended" : "active";
  return { status, errorCode: null, outcome: { type: "done", status }, done: true };
}
