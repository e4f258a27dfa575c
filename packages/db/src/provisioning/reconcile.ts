import { type AdminRequest, type GiveUp, type Plan, type PlanResources, planBatch, planNeeds } from "@scimline/domain";
import type { TxSql } from "../client.ts";
import { newId } from "../ids.ts";
import { applyPlan } from "./apply.ts";
import { claimResources, lockSeats } from "./claims.ts";
import { loadCompanies, loadUserGroups, lockUsers } from "./load.ts";
import { lockSpend } from "./spend.ts";

export type ReconcileOptions = {
  /** The day charges are prorated on (ISO date). */
  today: string;
  /** Admin changes applied with the same rules (the caller locked any number or extension it names). */
  requests?: ReadonlyMap<string, AdminRequest>;
  /** Users whose job failed for good: they wait in `failed` with the code. */
  giveUp?: ReadonlyMap<string, GiveUp>;
};

/**
 * Brings users to their desired state inside the caller's transaction: lock the users and load
 * what the decision reads; plan once to learn what to claim; claim numbers and extensions (SKIP
 * LOCKED, one statement per company) and lock the hot seats rows last; plan with the claims; apply
 * the plan (the one writer). A batch of one company is five or six round trips whatever its size.
 * A rerun finds nothing owed; a crash before COMMIT leaves nothing behind.
 */
export async function reconcileUsers(tx: TxSql, userIds: readonly string[], options: ReconcileOptions): Promise<Plan> {
  const { users: locked, carrierOrders } = await lockUsers(tx, userIds);
  const companies = await loadCompanies(tx, [...new Set(locked.map((u) => u.companyId))]);
  const ruled = locked.filter((u) => (companies.get(u.companyId)?.groupRules?.length ?? 0) > 0);
  const groups = await loadUserGroups(
    tx,
    ruled.map((u) => u.id),
  );
  const users = locked.map((u) => (groups.has(u.id) ? { ...u, groups: groups.get(u.id) ?? [] } : u));
  const base = {
    today: options.today,
    companies,
    users,
    ...(options.requests ? { requests: options.requests } : {}),
    ...(options.giveUp ? { giveUp: options.giveUp } : {}),
    newId,
  };
  // Claims first (SKIP LOCKED: they never wait), then the seats rows of every company in one global
  // order, so two batches can never hold each other's seats.
  const needs = [...planNeeds(base)].sort(([a], [b]) => a.localeCompare(b));
  const resources = new Map<string, PlanResources>();
  for (const [companyId, need] of needs) {
    const claimed = await claimResources(tx, companyId, need.numbersPerOffice, need.extensions);
    resources.set(companyId, { ...claimed, seats: [], carrierOrders });
  }
  for (const [companyId, need] of needs) {
    const claimed = resources.get(companyId);
    if (!claimed) continue;
    // A company with a spend cap: its charges are read under its spend lock, just before its seats.
    const company = companies.get(companyId);
    if (company?.monthlySpendCapCents != null && need.seatPairs.length > 0) {
      const spend = await lockSpend(tx, companyId);
      companies.set(companyId, { ...company, monthlySpendCapCents: spend.capCents });
      claimed.chargedCents = spend.charged;
    }
    claimed.seats = await lockSeats(tx, companyId, need.seatPairs);
  }
  const plan = planBatch({ ...base, resources });
  await applyPlan(tx, plan);
  return plan;
}
