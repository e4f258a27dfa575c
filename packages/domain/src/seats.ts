import { type BillingPeriod, computeBillingPeriod, proratedChargeCents } from "./billing.ts";

export type SeatDecision =
  | { type: "use_free_seat" }
  | { type: "buy_seat"; chargeCents: number; period: BillingPeriod }
  | { type: "fail"; code: "no_license_available" | "spend_cap_reached" };

export type DecideSeatsInput = {
  purchased: number;
  used: number;
  /** Seats of this (office, license type) freed in the same batch; docs/RULES.md: reused before buying. */
  releases: number;
  requests: number;
  autoPurchase: boolean;
  monthlyPriceCents: number;
  today: string;
  billingDay: number;
  /** Seats the company's monthly spend cap still lets it buy (absent: no cap); beyond: spend_cap_reached. */
  maxPurchases?: number;
};

export type DecideSeatsResult = {
  /** One per request, in request order. */
  decisions: SeatDecision[];
  purchasedAfter: number;
  usedAfter: number;
  bought: number;
};

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/**
 * docs/RULES.md "License check with prorated billing" for a batch of users asking seats of one
 * (office, license type): free seats first (including seats freed in this batch), then, with
 * auto-purchase, one bought seat per remaining user at the prorated price; else they fail.
 */
export function decideSeats(input: DecideSeatsInput): DecideSeatsResult {
  const { purchased, used, releases, requests } = input;
  assertCount("purchased", purchased);
  assertCount("used", used);
  assertCount("releases", releases);
  assertCount("requests", requests);
  if (releases > used) throw new RangeError(`releases (${releases}) exceeds used (${used})`);
  // Validates today, billingDay and the price even when nothing is bought: a bad input is a bug either way.
  const period = computeBillingPeriod(input.today, input.billingDay);
  const chargeCents = proratedChargeCents(input.monthlyPriceCents, period, input.today);

  // An admin may have lowered `purchased` below `used`; that leaves no free seat, not a negative count.
  const free = Math.max(0, purchased - used + releases);
  const decisions: SeatDecision[] = [];
  let granted = 0;
  let bought = 0;
  for (let i = 0; i < requests; i++) {
    if (i < free) {
      decisions.push({ type: "use_free_seat" });
      granted++;
    } else if (input.autoPurchase && input.maxPurchases !== undefined && bought >= input.maxPurchases) {
      decisions.push({ type: "fail", code: "spend_cap_reached" });
    } else if (input.autoPurchase) {
      decisions.push({ type: "buy_seat", chargeCents, period: { ...period } });
      granted++;
      bought++;
    } else {
      decisions.push({ type: "fail", code: "no_license_available" });
    }
  }
  return { decisions, purchasedAfter: purchased + bought, usedAfter: used - releases + granted, bought };
}
