import { planNumberAssignments } from "../numbers.ts";
import type { Intent } from "./intend.ts";
import type { Decisions, Pacer } from "./plan-batch.ts";
import type { Plan, PlanResources } from "./types.ts";

/**
 * A number bought for this need is used first (it is paid for); then the office's pool, then numbers
 * bound to no office; the rest are ordered from the carrier in the company's default area code.
 */
export function* assignNumbers(
  intents: Intent[],
  resources: PlanResources,
  decisions: Decisions,
  plan: Plan,
  pacer: Pacer,
): Generator<void, void, void> {
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
    if (pacer.due()) yield;
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
