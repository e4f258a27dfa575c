import { decideSeats } from "../seats.ts";
import { assignNumbers } from "./assign-numbers.ts";
import { finishUser } from "./finish.ts";
import { type Intent, intend, type SeatRef } from "./intend.ts";
import { spendBudget } from "./spend.ts";
import type { Plan, PlanInput, PlanNeeds, PlanResources } from "./types.ts";

const seatKey = (s: SeatRef) => `${s.officeId}/${s.licenseTypeId}`;
const NO_RESOURCES: PlanResources = {
  numbers: { byOffice: new Map(), unbound: [] },
  extensions: [],
  seats: [],
  carrierOrders: new Map(),
};

function byCompany(intents: Intent[]): Map<string, Intent[]> {
  const groups = new Map<string, Intent[]>();
  for (const it of intents) {
    const list = groups.get(it.user.companyId);
    if (list) list.push(it);
    else groups.set(it.user.companyId, [it]);
  }
  return groups;
}

/** What a batch must claim before it is planned: pool numbers per office, extensions, seat rows. */
export function planNeeds(input: Omit<PlanInput, "resources">): PlanNeeds {
  const needs: PlanNeeds = new Map();
  for (const [companyId, intents] of byCompany(input.users.map((u) => intend(u, { ...input, resources: new Map() })))) {
    const numbersPerOffice = new Map<string, number>();
    const pairs = new Map<string, SeatRef>();
    let extensions = 0;
    for (const it of intents) {
      if (it.releaseSeat) pairs.set(seatKey(it.releaseSeat), it.releaseSeat);
      if (it.failure) continue;
      if (it.wantSeat) pairs.set(seatKey(it.wantSeat), it.wantSeat);
      if (it.wantDid?.type === "pool" && it.office) {
        numbersPerOffice.set(it.office.officeId, (numbersPerOffice.get(it.office.officeId) ?? 0) + 1);
      }
      if (it.wantExtension?.type === "pool") extensions++;
    }
    needs.set(companyId, { numbersPerOffice, extensions, seatPairs: [...pairs.values()] });
  }
  return needs;
}

/**
 * The provisioning decision for a batch of users, as a value: for each user its office and why,
 * its seat (kept, reused, bought with the prorated charge, or refused), its number and where it
 * came from, its extension, its final status or failure, and the events all of that implies.
 * Pure and deterministic: the worker applies it, a preview only reads it.
 */
export function planBatch(input: PlanInput): Plan {
  const steps = planBatchInSlices(input, Number.POSITIVE_INFINITY);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * planBatch, pausing after every `sliceSize` users of its per-user steps (what each user needs, its seat,
 * its number, its own plan), for a caller that plans thousands of users on an event loop others share:
 * the group-rule preview plans up to 20,000 existing users at once, whose seats must be decided together
 * (one user's freed seat serves another), so it cannot plan them in separate batches. It resumes the
 * generator when it likes and gets exactly what planBatch gives: planBatch is this generator run through.
 */
export function* planBatchInSlices(input: PlanInput, sliceSize: number): Generator<void, Plan, void> {
  const pacer = new Pacer(sliceSize);
  const plan: Plan = {
    users: [],
    seats: [],
    charges: [],
    numbers: { released: [], assigned: [], added: [] },
    extensions: { released: [], assigned: [] },
    carrierOrders: [],
    erased: [],
    events: [],
  };
  const intents: Intent[] = [];
  for (const u of input.users) {
    intents.push(intend(u, input));
    if (pacer.due()) yield;
  }
  for (const [companyId, companyIntents] of byCompany(intents)) {
    const resources = input.resources.get(companyId) ?? NO_RESOURCES;
    const decisions = new Decisions();
    refuseBeyondExtensions(companyIntents, resources.extensions.length);
    yield* decideCompanySeats(input, companyIntents, resources, decisions, plan, pacer);
    assignExtensions(companyIntents, resources.extensions, decisions);
    yield* assignNumbers(companyIntents, resources, decisions, plan, pacer);
    for (const it of companyIntents) {
      finishUser(it, decisions, plan);
      if (pacer.due()) yield;
    }
  }
  return plan;
}

/** Counts units of per-user work: due once every `sliceSize` of them (never when it is infinite). */
export class Pacer {
  private count = 0;

  constructor(private readonly sliceSize: number) {
    if (sliceSize !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(sliceSize) || sliceSize < 1)) {
      throw new RangeError(`sliceSize must be a positive integer, got ${sliceSize}`);
    }
  }

  due(): boolean {
    if (++this.count < this.sliceSize) return false;
    this.count = 0;
    return true;
  }
}

/** Per user, what the company-wide steps gave it. */
export class Decisions {
  readonly seats = new Map<string, Plan["users"][number]["seat"]>();
  readonly extensions = new Map<string, number>();
  readonly numbers = new Map<string, Plan["users"][number]["number"]>();
}

/** The lowest free extensions go to users in batch order; those the range cannot serve wait. */
function refuseBeyondExtensions(intents: Intent[], available: number): void {
  let left = available;
  for (const it of intents) {
    if (it.failure || it.wantExtension?.type !== "pool") continue;
    if (left > 0) left--;
    else it.failure = "no_extension_available";
  }
}

/** Freed seats are reused before new ones are bought; with auto-purchase off the rest wait. */
function* decideCompanySeats(
  input: PlanInput,
  intents: Intent[],
  resources: PlanResources,
  decisions: Decisions,
  plan: Plan,
  pacer: Pacer,
): Generator<void, void, void> {
  const rows = resources.seats;
  const budget = spendBudget(input, intents[0]?.company, resources);
  const pairs = new Map<string, { ref: SeatRef; releases: number; requesters: Intent[] }>();
  const pair = (ref: SeatRef) => {
    const key = seatKey(ref);
    const entry = pairs.get(key) ?? { ref, releases: 0, requesters: [] };
    pairs.set(key, entry);
    return entry;
  };
  for (const it of intents) {
    if (it.releaseSeat) pair(it.releaseSeat).releases++;
    if (it.wantSeat && !it.failure) pair(it.wantSeat).requesters.push(it);
    if (pacer.due()) yield;
  }
  for (const { ref, releases, requesters } of pairs.values()) {
    const company = requesters[0]?.company ?? intents[0]?.company;
    const row = rows.find((r) => r.officeId === ref.officeId && r.licenseTypeId === ref.licenseTypeId);
    const price = company?.licenseTypes.get(ref.licenseTypeId)?.monthlyPriceCents ?? 0;
    const result = decideSeats({
      purchased: row?.purchased ?? 0,
      used: row?.used ?? 0,
      releases,
      requests: requesters.length,
      autoPurchase: company?.autoPurchase ?? false,
      monthlyPriceCents: price,
      today: input.today,
      billingDay: company?.billingDay ?? 1,
      ...(budget ? { maxPurchases: budget.seatsFor(price) } : {}),
    });
    budget?.spend(price, result.bought);
    for (const [i, decision] of result.decisions.entries()) {
      const it = requesters[i];
      if (!it) continue;
      if (decision.type === "fail") {
        it.failure = decision.code;
        decisions.seats.set(it.user.id, { type: "refused", ...ref, code: decision.code });
      } else if (decision.type === "use_free_seat") {
        decisions.seats.set(it.user.id, { type: "reused", ...ref });
      } else {
        const chargeId = input.newId();
        decisions.seats.set(it.user.id, { type: "bought", ...ref, chargeId, chargeCents: decision.chargeCents });
        plan.charges.push({
          id: chargeId,
          companyId: it.user.companyId,
          ...ref,
          userId: it.user.id,
          unitPriceCents: price,
          amountCents: decision.chargeCents,
          periodStart: decision.period.start,
          periodEnd: decision.period.end,
          idempotencyKey: `seat_${it.user.id}_g${it.user.generation}`,
        });
      }
      if (pacer.due()) yield;
    }
    if (company && (result.purchasedAfter !== (row?.purchased ?? 0) || result.usedAfter !== (row?.used ?? 0))) {
      plan.seats.push({
        companyId: company.id,
        ...ref,
        purchased: row?.purchased ?? 0,
        used: row?.used ?? 0,
        purchasedAfter: result.purchasedAfter,
        usedAfter: result.usedAfter,
      });
    }
  }
}

function assignExtensions(intents: Intent[], free: readonly number[], decisions: Decisions): void {
  let next = 0;
  for (const it of intents) {
    if (it.failure || !it.wantExtension) continue;
    if (it.wantExtension.type === "request") decisions.extensions.set(it.user.id, it.wantExtension.extension);
    else {
      const extension = free[next++];
      if (extension !== undefined) decisions.extensions.set(it.user.id, extension);
    }
  }
}
