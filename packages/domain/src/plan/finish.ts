import { type DomainEvent, event } from "../events.ts";
import { formatExtension } from "../extensions.ts";
import { AWAITING_GROUP_RULES } from "../types.ts";
import type { Intent } from "./intend.ts";
import type { Decisions } from "./plan-batch.ts";
import type { Outcome, Plan, PlannedNumber, PlannedSeat, UserPlan, UserRowAfter } from "./types.ts";

/**
 * The end of one user's plan: its releases (always done, even by a user that fails: it takes nothing
 * new but gives back what it no longer needs), what it takes, its final row and status, its events.
 */
export function finishUser(it: Intent, decisions: Decisions, plan: Plan): void {
  const u = it.user;
  const licenseName = (id: string) => it.company?.licenseTypes.get(id)?.name ?? id;
  const events: DomainEvent[] = [];
  const emit = (e: DomainEvent) => events.push(e);
  if (it.officeEvent) emit(it.officeEvent);
  if (it.licenseEvent) emit(it.licenseEvent);

  let seatLicenseTypeId = u.seatLicenseTypeId;
  if (it.releaseSeat) {
    seatLicenseTypeId = null;
    const { officeId, licenseTypeId } = it.releaseSeat;
    emit(event("seat.released", u.companyId, u.id, { officeId, licenseType: licenseName(licenseTypeId) }));
  }
  let did = u.did;
  if (it.releaseDid) {
    did = null;
    plan.numbers.released.push(it.releaseDid);
    emit(event("number.released", u.companyId, u.id, { e164: it.releaseDid.e164 }));
  }
  let extension = u.extension;
  if (it.releaseExtension !== null) {
    extension = null;
    plan.extensions.released.push({ companyId: u.companyId, extension: it.releaseExtension });
    emit(event("extension.released", u.companyId, u.id, { extension: formatExtension(it.releaseExtension) }));
  }

  let seat: PlannedSeat = seatLicenseTypeId && u.officeId ? kept(u.officeId, seatLicenseTypeId) : { type: "none" };
  let number: PlannedNumber = did ? { type: "kept", e164: did } : { type: "none" };
  if (!it.failure) {
    const decided = decisions.seats.get(u.id);
    if (decided && (decided.type === "reused" || decided.type === "bought")) {
      seat = decided;
      seatLicenseTypeId = decided.licenseTypeId;
      const data = { officeId: decided.officeId, licenseType: licenseName(decided.licenseTypeId) };
      if (decided.type === "reused") emit(event("seat.reused", u.companyId, u.id, data));
      else {
        const { chargeId, chargeCents } = decided;
        emit(event("seat.purchased", u.companyId, u.id, { ...data, chargeId, chargeCents }));
      }
    } else if (seat.type === "kept" && it.office && it.office.officeId !== seat.officeId) {
      seat = { type: "none" };
    }
    const assignedExtension = decisions.extensions.get(u.id);
    if (assignedExtension !== undefined) {
      extension = assignedExtension;
      plan.extensions.assigned.push({ companyId: u.companyId, extension: assignedExtension, userId: u.id });
      emit(
        event("extension.assigned", u.companyId, u.id, {
          extension: formatExtension(assignedExtension),
          ...(it.wantExtension?.type === "request" ? { cause: "admin" as const } : {}),
        }),
      );
    }
    const decidedNumber = decisions.numbers.get(u.id);
    if (decidedNumber) number = decidedNumber;
    if (decidedNumber?.type === "assigned") {
      did = decidedNumber.e164;
      if (decidedNumber.source !== "carrier") plan.numbers.assigned.push({ e164: did, userId: u.id });
      emit(
        event("number.assigned", u.companyId, u.id, {
          e164: did,
          source: decidedNumber.source,
          ...(it.wantDid?.type === "request" ? { cause: "admin" as const } : {}),
        }),
      );
    }
  } else {
    const refused = decisions.seats.get(u.id);
    if (refused?.type === "refused") seat = refused;
  }

  const office = it.office;
  const row: UserRowAfter = {
    status: u.status,
    errorCode: null,
    officeId: office?.officeId ?? null,
    matchedBy: office?.matchedBy ?? null,
    matchedValue: office?.matchedValue ?? null,
    matchedRuleId: office?.ruleId ?? null,
    licenseTypeId: it.licenseTypeId,
    seatLicenseTypeId,
    did,
    extension,
    didAllocations: it.didAllocations,
  };
  let outcome: Outcome;
  if (it.kind === "erase") {
    outcome = { type: "erased" };
    plan.erased.push(u.id);
    emit(event("user.deleted", u.companyId, u.id, {}));
  } else if (it.failure) {
    outcome = { type: "waiting", code: it.failure };
    row.status = "failed";
    row.errorCode = it.failure;
    if (u.status !== "failed" || u.errorCode !== it.failure) {
      emit(event("user.failed", u.companyId, u.id, { code: it.failure }));
    }
  } else if (it.kind === "suspend") {
    outcome = { type: "done", status: "suspended" };
    row.status = "suspended";
    if (u.status !== "suspended") emit(event("user.suspended", u.companyId, u.id, {}));
  } else if (it.awaitingUntil !== null) {
    outcome = { type: "awaiting_group_rules", until: it.awaitingUntil };
    row.status = "provisioning";
    row.errorCode = AWAITING_GROUP_RULES;
  } else if (number.type === "order") {
    outcome = { type: "needs_carrier", companyId: u.companyId, areaCode: number.areaCode, idempotencyKey: number.key };
    row.status = "provisioning";
  } else {
    outcome = { type: "done", status: "active" };
    row.status = "active";
    if (u.status !== "active") {
      if (u.status === "suspended") emit(event("user.reactivated", u.companyId, u.id, {}));
      emit(
        event("user.provisioned", u.companyId, u.id, {
          officeId: row.officeId ?? "",
          licenseType: licenseName(it.licenseTypeId),
          did: row.did,
          extension: row.extension === null ? null : formatExtension(row.extension),
        }),
      );
    }
  }
  const userPlan: UserPlan = {
    userId: u.id,
    companyId: u.companyId,
    generation: u.generation,
    applied: outcome.type === "done" || outcome.type === "erased",
    outcome,
    row,
    office: office ? { ...office } : null,
    seat,
    number,
    failure: it.failure,
  };
  plan.users.push(userPlan);
  plan.events.push(...events);
}

const kept = (officeId: string, licenseTypeId: string): PlannedSeat => ({ type: "kept", officeId, licenseTypeId });
