import { describe, expect, test } from "vitest";
import type { BillingPeriod } from "./billing.ts";
import { type DecideSeatsInput, decideSeats, type SeatDecision } from "./seats.ts";

const BASE: DecideSeatsInput = {
  purchased: 0,
  used: 0,
  releases: 0,
  requests: 1,
  autoPurchase: true,
  monthlyPriceCents: 1500,
  today: "2024-03-31",
  billingDay: 1,
};
const MARCH: BillingPeriod = { start: "2024-03-01", end: "2024-03-31", days: 31 };

const FREE: SeatDecision = { type: "use_free_seat" };
const BUY: SeatDecision = { type: "buy_seat", chargeCents: 48, period: MARCH }; // 1500 × 1/31
const FAIL: SeatDecision = { type: "fail", code: "no_license_available" };

type Row = [
  string,
  Partial<DecideSeatsInput>,
  SeatDecision[],
  { purchasedAfter: number; usedAfter: number; bought: number },
];

describe("decideSeats", () => {
  test.each<Row>([
    ["one free seat", { purchased: 3, used: 2 }, [FREE], { purchasedAfter: 3, usedAfter: 3, bought: 0 }],
    [
      "no seat, auto-purchase buys one",
      { purchased: 2, used: 2 },
      [BUY],
      { purchasedAfter: 3, usedAfter: 3, bought: 1 },
    ],
    [
      "no seat, auto-purchase off fails",
      { purchased: 2, used: 2, autoPurchase: false },
      [FAIL],
      { purchasedAfter: 2, usedAfter: 2, bought: 0 },
    ],
    ["empty office buys", {}, [BUY], { purchasedAfter: 1, usedAfter: 1, bought: 1 }],
    [
      "empty office without auto-purchase",
      { autoPurchase: false },
      [FAIL],
      { purchasedAfter: 0, usedAfter: 0, bought: 0 },
    ],
    [
      "free seats first, then buy",
      { purchased: 5, used: 3, requests: 4 },
      [FREE, FREE, BUY, BUY],
      { purchasedAfter: 7, usedAfter: 7, bought: 2 },
    ],
    [
      "free seats first, then fail",
      { purchased: 5, used: 3, requests: 4, autoPurchase: false },
      [FREE, FREE, FAIL, FAIL],
      { purchasedAfter: 5, usedAfter: 5, bought: 0 },
    ],
    [
      "exactly enough free seats",
      { purchased: 5, used: 2, requests: 3 },
      [FREE, FREE, FREE],
      { purchasedAfter: 5, usedAfter: 5, bought: 0 },
    ],
    [
      "more free seats than requests",
      { purchased: 10, used: 0, requests: 2 },
      [FREE, FREE],
      { purchasedAfter: 10, usedAfter: 2, bought: 0 },
    ],
    [
      "released seats reused before buying",
      { purchased: 2, used: 2, releases: 1, requests: 2 },
      [FREE, BUY],
      { purchasedAfter: 3, usedAfter: 3, bought: 1 },
    ],
    [
      "releases cover all requests",
      { purchased: 4, used: 4, releases: 3, requests: 3 },
      [FREE, FREE, FREE],
      { purchasedAfter: 4, usedAfter: 4, bought: 0 },
    ],
    [
      "releases and free seats add up",
      { purchased: 4, used: 3, releases: 2, requests: 4, autoPurchase: false },
      [FREE, FREE, FREE, FAIL],
      { purchasedAfter: 4, usedAfter: 4, bought: 0 },
    ],
    [
      "releases only (no requests)",
      { purchased: 4, used: 4, releases: 2, requests: 0 },
      [],
      { purchasedAfter: 4, usedAfter: 2, bought: 0 },
    ],
    [
      "no requests, nothing changes",
      { purchased: 3, used: 1, requests: 0 },
      [],
      { purchasedAfter: 3, usedAfter: 1, bought: 0 },
    ],
    [
      "over-used office: no free seat, never negative",
      { purchased: 1, used: 3, requests: 2 },
      [BUY, BUY],
      { purchasedAfter: 3, usedAfter: 5, bought: 2 },
    ],
    [
      "over-used office, releases still short",
      { purchased: 1, used: 3, releases: 1, requests: 1, autoPurchase: false },
      [FAIL],
      { purchasedAfter: 1, usedAfter: 2, bought: 0 },
    ],
    [
      "over-used office, releases enough",
      { purchased: 1, used: 3, releases: 3, requests: 1 },
      [FREE],
      { purchasedAfter: 1, usedAfter: 1, bought: 0 },
    ],
    [
      "a burst buys one seat per user",
      { purchased: 0, used: 0, requests: 5 },
      [BUY, BUY, BUY, BUY, BUY],
      { purchasedAfter: 5, usedAfter: 5, bought: 5 },
    ],
  ])("%s", (_name, overrides, decisions, after) => {
    expect(decideSeats({ ...BASE, ...overrides })).toEqual({ decisions, ...after });
  });

  test.each([
    // the charge follows the billing rules of docs/RULES.md
    [{ today: "2024-03-01" }, 1500, MARCH],
    [{ today: "2024-03-16" }, 774, MARCH], // 1500 × 16/31 = 774.19
    [
      { monthlyPriceCents: 3000, today: "2024-02-29", billingDay: 29 },
      3000,
      { start: "2024-02-29", end: "2024-03-28", days: 29 },
    ],
    [
      { monthlyPriceCents: 2500, today: "2025-01-14", billingDay: 15 },
      81,
      { start: "2024-12-15", end: "2025-01-14", days: 31 },
    ],
    [{ monthlyPriceCents: 0 }, 0, MARCH],
  ])("buy_seat charge %j → %i", (overrides, chargeCents, period) => {
    const { decisions } = decideSeats({ ...BASE, ...overrides });
    expect(decisions).toEqual([{ type: "buy_seat", chargeCents, period }]);
  });

  test.each<[string, Partial<DecideSeatsInput>]>([
    ["negative purchased", { purchased: -1 }],
    ["negative used", { used: -1 }],
    ["negative releases", { releases: -1 }],
    ["negative requests", { requests: -1 }],
    ["fractional requests", { requests: 1.5 }],
    ["NaN used", { used: Number.NaN }],
    ["releases above used", { purchased: 3, used: 1, releases: 2 }],
    ["bad billing day", { billingDay: 0 }],
    ["bad date", { today: "2024-02-30" }],
    ["negative price", { monthlyPriceCents: -5 }],
  ])("%s → RangeError", (_name, overrides) => {
    expect(() => decideSeats({ ...BASE, ...overrides })).toThrow(RangeError);
  });

  test("each buy_seat carries its own period object", () => {
    const { decisions } = decideSeats({ ...BASE, requests: 2 });
    const [a, b] = decisions;
    expect(a?.type === "buy_seat" && b?.type === "buy_seat" && a.period !== b.period).toBe(true);
  });
});
