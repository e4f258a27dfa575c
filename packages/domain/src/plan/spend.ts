import { computeBillingPeriod, proratedChargeCents } from "../billing.ts";
import type { PlanCompany, PlanInput, PlanResources } from "./types.ts";

export type SpendBudget = {
  /** How many seats at this monthly price the budget still buys. */
  seatsFor: (monthlyPriceCents: number) => number;
  /** Seats bought at this price: the budget shrinks by their prorated charges. */
  spend: (monthlyPriceCents: number, seats: number) => void;
};

/**
 * What the company's monthly spend cap still allows this billing period: the cap less what its charges
 * already sum to, spent pair by pair as the batch buys (a seat bought at the prorated price). No cap: null.
 */
export function spendBudget(
  input: Pick<PlanInput, "today">,
  company: PlanCompany | undefined,
  resources: Pick<PlanResources, "chargedCents">,
): SpendBudget | null {
  const cap = company?.monthlySpendCapCents;
  if (!company || cap === undefined || cap === null) return null;
  const period = computeBillingPeriod(input.today, company.billingDay);
  let left = cap - (resources.chargedCents?.get(period.start) ?? 0);
  const charge = (price: number) => proratedChargeCents(price, period, input.today);
  return {
    seatsFor: (price: number) =>
      charge(price) === 0 ? Number.MAX_SAFE_INTEGER : Math.max(0, Math.floor(left / charge(price))),
    spend: (price: number, seats: number) => {
      left -= seats * charge(price);
    },
  };
}
