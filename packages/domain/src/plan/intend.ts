import { type DomainEvent, event } from "../events.ts";
import { matchOffice } from "../office-match.ts";
import { isProvisioningErrorCode, type ProvisioningErrorCode } from "../types.ts";
import { applyRuleLicense, awaitsMemberships, moveByRule, placeByRule, rulesFor } from "./rules-intent.ts";
import type { AdminRequest, PlanCompany, PlanInput, PlanUser } from "./types.ts";

export type SeatRef = { officeId: string; licenseTypeId: string };

/**
 * What one user needs and gives back before any resource is looked at: the first half of the
 * plan. Deciding it twice (once to know what to claim, once with the claims) gives the same answer.
 */
export type Intent = {
  user: PlanUser;
  company: PlanCompany | undefined;
  kind: "erase" | "suspend" | "activate";
  office: { officeId: string; matchedBy: string | null; matchedValue: string | null; ruleId: string | null } | null;
  officeEvent: DomainEvent | null;
  /** The license type in effect after the plan (a group rule may change it) and the event that says so. */
  licenseTypeId: string;
  licenseEvent: DomainEvent | null;
  /** Waits for its group memberships until then (it takes nothing meanwhile). */
  awaitingUntil: Date | null;
  failure: ProvisioningErrorCode | null;
  releaseSeat: SeatRef | null;
  wantSeat: SeatRef | null;
  releaseDid: { e164: string; officeId: string | null } | null;
  wantDid: null | { type: "pool" } | { type: "request"; e164: string; officeId: string | null };
  releaseExtension: number | null;
  wantExtension: null | { type: "pool" } | { type: "request"; extension: number };
  didAllocations: number;
};

const currentOffice = (u: PlanUser): Intent["office"] =>
  u.officeId === null
    ? null
    : { officeId: u.officeId, matchedBy: u.matchedBy, matchedValue: u.matchedValue, ruleId: u.matchedRuleId ?? null };

/** The lifecycle rules: delete erases, deactivate suspends, active provisions (create, reactivate, admin change). */
export function intend(user: PlanUser, input: PlanInput): Intent {
  const company = input.companies.get(user.companyId);
  const request = input.requests?.get(user.id) ?? {};
  const it: Intent = {
    user,
    company,
    kind: user.deleted ? "erase" : user.desiredActive ? "activate" : "suspend",
    office: currentOffice(user),
    officeEvent: null,
    licenseTypeId: user.licenseTypeId,
    licenseEvent: null,
    awaitingUntil: null,
    failure: null,
    releaseSeat: null,
    wantSeat: null,
    releaseDid: null,
    wantDid: null,
    releaseExtension: null,
    wantExtension: null,
    didAllocations: user.didAllocations,
  };
  const heldSeat: SeatRef | null =
    user.officeId !== null && user.seatLicenseTypeId !== null
      ? { officeId: user.officeId, licenseTypeId: user.seatLicenseTypeId }
      : null;

  // Delete: seat freed, DID back to the pool of its office, extension freed, then the user is gone.
  if (it.kind === "erase") {
    it.releaseSeat = heldSeat;
    if (user.did !== null) releaseDid(it);
    it.releaseExtension = user.extension;
    return it;
  }

  const giveUp = input.giveUp?.get(user.id);
  if (giveUp && giveUp.generation === user.generation && user.appliedGeneration < user.generation) {
    const waiting = user.status === "failed" && isProvisioningErrorCode(user.errorCode) ? user.errorCode : null;
    it.failure = waiting ?? giveUp.code;
    return it;
  }

  const moved = moveOffice(it, request);
  if (it.kind === "suspend") {
    // Deactivate: the seat is freed (no refund); DID and extension stay; nothing new is acquired.
    it.releaseSeat = heldSeat;
    applyNumberRequests(it, request);
    return it;
  }

  // Group rules (when the company has them and no admin pinned the user): an office attribute that
  // names an office and a licenseType the IdP sent win; else the best rule; else the fallback below.
  const rules = rulesFor(it);
  if (awaitsMemberships(it, rules)) {
    it.awaitingUntil = user.holdUntil ?? null;
    applyNumberRequests(it, request);
    return it;
  }
  applyRuleLicense(it, rules);
  let relocated = moved;
  if (it.office === null) placeByRule(it, rules);
  else if (!moved) relocated = moveByRule(it, rules);
  if (it.office === null) {
    const match = matchOffice({
      hints: user.officeHints,
      licenseTypeId: it.licenseTypeId,
      offices: company?.offices ?? [],
      seats: company?.seats ?? [],
      autoPurchase: company?.autoPurchase ?? true,
    });
    if (match.type === "fail") {
      it.failure = match.code;
      return it;
    }
    it.office = { officeId: match.officeId, matchedBy: match.matchedBy, matchedValue: match.value, ruleId: null };
    const office = company?.offices.find((o) => o.id === match.officeId);
    it.officeEvent = event("user.office_matched", user.companyId, user.id, {
      officeId: match.officeId,
      officeName: office?.name ?? "",
      matchedBy: match.matchedBy,
      matchedValue: match.value,
    });
  }
  const officeId = it.office.officeId;

  // The license check: a seat of the desired type in the office; a changed type or office moves it.
  const licenseTypeId = it.licenseTypeId;
  if (heldSeat === null) it.wantSeat = { officeId, licenseTypeId };
  else if (heldSeat.licenseTypeId !== licenseTypeId || relocated) {
    it.releaseSeat = heldSeat;
    it.wantSeat = { officeId, licenseTypeId };
  }

  const assignsDid = company?.licenseTypes.get(licenseTypeId)?.assignsDid ?? false;
  if (request.did === undefined) {
    if (assignsDid && user.did === null) it.wantDid = { type: "pool" };
    if (!assignsDid && user.did !== null) releaseDid(it);
  }
  if (request.extension === undefined && user.extension === null) it.wantExtension = { type: "pool" };
  applyNumberRequests(it, request);
  return it;
}

function releaseDid(it: Intent): void {
  if (it.user.did === null) return;
  it.releaseDid = { e164: it.user.did, officeId: it.user.officeId };
  it.didAllocations = it.user.didAllocations + 1;
}

/** An admin's move: the office changes at once; an active user's seat follows it. */
function moveOffice(it: Intent, request: AdminRequest): boolean {
  const to = request.officeId;
  if (to === undefined || to === it.user.officeId) return false;
  it.office = { officeId: to, matchedBy: "admin", matchedValue: null, ruleId: null };
  it.officeEvent = event("user.office_changed", it.user.companyId, it.user.id, {
    fromOfficeId: it.user.officeId,
    toOfficeId: to,
    cause: "admin",
  });
  return it.user.officeId !== null;
}

/** An admin's DID or extension: the requested one replaces the current one (the caller locked it). */
function applyNumberRequests(it: Intent, request: AdminRequest): void {
  if (request.did !== undefined && request.did.e164 !== it.user.did) {
    releaseDid(it);
    it.wantDid = { type: "request", ...request.did };
  }
  if (request.extension !== undefined && request.extension !== it.user.extension) {
    it.releaseExtension = it.user.extension;
    it.wantExtension = { type: "request", extension: request.extension };
  }
}
