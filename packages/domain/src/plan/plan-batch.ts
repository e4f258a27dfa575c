import { planNumberAssignments } from "../numbers.ts";
import { decideSeats } from "../seats.ts";
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
  for (const [companyId, intents] of byCompany(input.users.map((u) => intend(u, input)))) {
    const resources = input.resources.get(companyId) ?? NO_RESOURCES;
    const decisions = new Decisions();
    refuseBeyondExtensions(intents, resources.extensions.length);
    decideCompanySeats(input, intents, resources, decisions, plan);
    assignExtensions(intents, resources.extensions, decisions);
    assignNumbers(intents, resources, decisions, plan);
    for (const it of intents) finishUser(it, decisions, plan);
  }
  return plan;
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
function decideCompanySeats(
  input: PlanInput,
  intents: Intent[],
  resources: PlanResources,
  decisions: Decisions,
  plan: Plan,
): void {
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
    result.decisions.forEach((decision, i) => {
      const it = requesters[i];
      if (!it) return;
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
    });
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

/**
 * A number bought for this need is used first (it is paid for); then the office's pool, then numbers
 * bound to no office; the rest are ordered from the carrier in the company's default area code.
 */
function assignNumbers(intents: Intent[], resources: PlanResources, decisions: Decisions, plan: Plan): void {
  const fromPool: Intent[] = [];
  for (const it of intents) {
    const key = `did_${it.user.id}_${it.didAllocations}`;
    const orders = resources.carrierOrders.get(it.user.id) ?? [];
    const wantsAny = !it.failure && it.wantDid?.type === "pool";
    const bought = orders.find((o) => o.key === key && o.status === "completed" && o.e164 !== null);
    if (wantsAny && bought?.e164) {
      decisions.numbers.set(it.user.id, { type: "assigned", e164: bought.e164, source: "carrier" });
      plan.numbers.added.push({
        e164: bought.e164,
        companyId: it.user.companyId,
        officeId: it.office?.officeId ?? null,
        userId: it.user.id,
      });
    } else if (wantsAny) fromPool.push(it);
    // A number bought for a need that is gone (deleted, suspended, no DID any more) joins the pool.
    const stillNeeded = it.kind === "activate" && (it.wantDid?.type === "pool" || it.failure !== null);
    for (const order of orders) {
      if (order.status !== "completed" || order.e164 === null) continue;
      if (order.key === key && stillNeeded) continue;
      plan.numbers.added.push({
        e164: order.e164,
        companyId: it.user.companyId,
        officeId: it.office?.officeId ?? it.user.officeId,
        userId: null,
      });
    }
    if (!it.failure && it.wantDid?.type === "request") {
      const { e164, officeId } = it.wantDid;
      const source = officeId === null ? "unboundPool" : "officePool";
      decisions.numbers.set(it.user.id, { type: "assigned", e164, source });
    }
  }
  const assignment = planNumberAssignments(
    fromPool.map((it) => ({ userId: it.user.id, officeId: it.office?.officeId ?? "" })),
    resources.numbers,
  );
  for (const a of assignment.assignments) {
    decisions.numbers.set(a.userId, {
      type: "assigned",
      e164: a.e164,
      source: a.source === "office_pool" ? "officePool" : "unboundPool",
    });
  }
  const byId = new Map(fromPool.map((it) => [it.user.id, it]));
  for (const userId of assignment.needCarrier) {
    const it = byId.get(userId);
    if (!it?.company) continue;
    const key = `did_${userId}_${it.didAllocations}`;
    decisions.numbers.set(userId, { type: "order", areaCode: it.company.defaultAreaCode, key });
    plan.carrierOrders.push({ key, companyId: it.user.companyId, userId, areaCode: it.company.defaultAreaCode });
  }
}
