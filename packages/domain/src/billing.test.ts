import { describe, expect, test } from "vitest";
import {
  type BillingPeriod,
  computeBillingPeriod,
  computeSeatCharge,
  proratedChargeCents,
  remainingDays,
} from "./billing.ts";
import { daysInMonth, formatIsoDate, fromDayNumber, parseIsoDate, toDayNumber } from "./calendar.ts";

describe("computeBillingPeriod", () => {
  test.each([
    // billing day 1: calendar months of 28/29/30/31 days
    ["2024-03-15", 1, "2024-03-01", "2024-03-31", 31],
    ["2024-03-01", 1, "2024-03-01", "2024-03-31", 31],
    ["2024-03-31", 1, "2024-03-01", "2024-03-31", 31],
    ["2024-04-30", 1, "2024-04-01", "2024-04-30", 30],
    ["2024-02-10", 1, "2024-02-01", "2024-02-29", 29],
    ["2023-02-10", 1, "2023-02-01", "2023-02-28", 28],
    ["2100-02-15", 1, "2100-02-01", "2100-02-28", 28],
    ["2000-02-15", 1, "2000-02-01", "2000-02-29", 29],
    ["2024-12-31", 1, "2024-12-01", "2024-12-31", 31],
    ["2025-01-01", 1, "2025-01-01", "2025-01-31", 31],
    // billing day 15
    ["2024-03-15", 15, "2024-03-15", "2024-04-14", 31],
    ["2024-03-14", 15, "2024-02-15", "2024-03-14", 29],
    ["2023-03-14", 15, "2023-02-15", "2023-03-14", 28],
    ["2024-04-15", 15, "2024-04-15", "2024-05-14", 30],
    ["2024-12-20", 15, "2024-12-15", "2025-01-14", 31],
    ["2025-01-05", 15, "2024-12-15", "2025-01-14", 31],
    ["2025-01-14", 15, "2024-12-15", "2025-01-14", 31],
    ["2000-03-01", 15, "2000-02-15", "2000-03-14", 29],
    // billing day 28: never clamped
    ["2023-02-28", 28, "2023-02-28", "2023-03-27", 28],
    ["2023-02-27", 28, "2023-01-28", "2023-02-27", 31],
    ["2024-02-29", 28, "2024-02-28", "2024-03-27", 29],
    // billing day 29: clamped in February of common years
    ["2023-02-28", 29, "2023-02-28", "2023-03-28", 29],
    ["2023-02-27", 29, "2023-01-29", "2023-02-27", 30],
    ["2024-02-29", 29, "2024-02-29", "2024-03-28", 29],
    ["2024-02-28", 29, "2024-01-29", "2024-02-28", 31],
    ["2100-02-28", 29, "2100-02-28", "2100-03-28", 29],
    ["2000-02-29", 29, "2000-02-29", "2000-03-28", 29],
    // billing day 30
    ["2024-01-30", 30, "2024-01-30", "2024-02-28", 30],
    ["2024-02-29", 30, "2024-02-29", "2024-03-29", 30],
    ["2024-03-29", 30, "2024-02-29", "2024-03-29", 30],
    ["2024-03-30", 30, "2024-03-30", "2024-04-29", 31],
    ["2023-02-28", 30, "2023-02-28", "2023-03-29", 30],
    ["2024-04-30", 30, "2024-04-30", "2024-05-29", 30],
    // billing day 31: clamped in every short month
    ["2024-01-31", 31, "2024-01-31", "2024-02-28", 29],
    ["2024-02-29", 31, "2024-02-29", "2024-03-30", 31],
    ["2024-03-31", 31, "2024-03-31", "2024-04-29", 30],
    ["2024-04-30", 31, "2024-04-30", "2024-05-30", 31],
    ["2024-05-30", 31, "2024-04-30", "2024-05-30", 31],
    ["2024-05-31", 31, "2024-05-31", "2024-06-29", 30],
    ["2023-02-28", 31, "2023-02-28", "2023-03-30", 31],
    ["2023-02-27", 31, "2023-01-31", "2023-02-27", 28],
    ["2024-12-31", 31, "2024-12-31", "2025-01-30", 31],
    ["2025-01-30", 31, "2024-12-31", "2025-01-30", 31],
    ["2025-01-01", 31, "2024-12-31", "2025-01-30", 31],
  ])("today %s, billing day %i → %s..%s (%i days)", (today, billingDay, start, end, days) => {
    expect(computeBillingPeriod(today, billingDay)).toEqual({ start, end, days });
  });

  // Reference by definition: walk back to the latest anchor, forward to the next one.
  function reference(today: string, billingDay: number): BillingPeriod {
    const isAnchor = (n: number): boolean => {
      const d = fromDayNumber(n);
      return d.day === Math.min(billingDay, daysInMonth(d.year, d.month));
    };
    const t = toDayNumber(parseIsoDate(today));
    let start = t;
    while (!isAnchor(start)) start--;
    let next = t + 1;
    while (!isAnchor(next)) next++;
    return {
      start: formatIsoDate(fromDayNumber(start)),
      end: formatIsoDate(fromDayNumber(next - 1)),
      days: next - start,
    };
  }

  test.each([1999, 2023, 2024, 2100])("matches the definition on every day of %i for billing days 1-31", (year) => {
    const first = toDayNumber({ year, month: 1, day: 1 });
    const last = toDayNumber({ year, month: 12, day: 31 });
    for (let n = first; n <= last; n++) {
      const today = formatIsoDate(fromDayNumber(n));
      for (let billingDay = 1; billingDay <= 31; billingDay++) {
        const period = computeBillingPeriod(today, billingDay);
        expect(period).toEqual(reference(today, billingDay));
        expect(period.days).toBeGreaterThanOrEqual(28);
        expect(period.days).toBeLessThanOrEqual(31);
      }
    }
  });

  test.each([
    ["2024-03-15", 0],
    ["2024-03-15", 32],
    ["2024-03-15", -1],
    ["2024-03-15", 1.5],
    ["2024-03-15", Number.NaN],
    ["2024-02-30", 1],
    ["2023-02-29", 1],
    ["2024-13-01", 1],
    ["2024-3-15", 1],
    ["", 1],
    ["2024-03-15T10:00:00Z", 1],
  ])("today %j, billing day %s → RangeError", (today, billingDay) => {
    expect(() => computeBillingPeriod(today, billingDay)).toThrow(RangeError);
  });
});

const MARCH: BillingPeriod = { start: "2024-03-01", end: "2024-03-31", days: 31 };
const WINTER: BillingPeriod = { start: "2024-12-15", end: "2025-01-14", days: 31 };
const THREE: BillingPeriod = { start: "2024-03-01", end: "2024-03-03", days: 3 };
const TWO: BillingPeriod = { start: "2024-03-01", end: "2024-03-02", days: 2 };
const FEB_COMMON: BillingPeriod = { start: "2023-02-01", end: "2023-02-28", days: 28 };
const FEB_LEAP: BillingPeriod = { start: "2024-02-01", end: "2024-02-29", days: 29 };
const APRIL: BillingPeriod = { start: "2024-04-01", end: "2024-04-30", days: 30 };

describe("remainingDays", () => {
  test.each([
    [MARCH, "2024-03-01", 31],
    [MARCH, "2024-03-15", 17],
    [MARCH, "2024-03-31", 1],
    [WINTER, "2024-12-15", 31],
    [WINTER, "2024-12-31", 15],
    [WINTER, "2025-01-01", 14],
    [WINTER, "2025-01-14", 1],
    [FEB_LEAP, "2024-02-29", 1],
    [FEB_COMMON, "2023-02-28", 1],
  ])("%j on %s → %i", (period, today, expected) => {
    expect(remainingDays(period, today)).toBe(expected);
  });

  test.each([
    [MARCH, "2024-02-29"],
    [MARCH, "2024-04-01"],
    [WINTER, "2024-12-14"],
    [WINTER, "2025-01-15"],
    [{ start: "2024-03-01", end: "2024-03-31", days: 30 }, "2024-03-10"],
    [{ start: "2024-03-31", end: "2024-03-01", days: 0 }, "2024-03-10"],
    [{ start: "2024-03-01", end: "bad", days: 31 }, "2024-03-10"],
    [MARCH, "2024-03-32"],
  ])("%j on %s → RangeError", (period, today) => {
    expect(() => remainingDays(period, today)).toThrow(RangeError);
  });
});

describe("proratedChargeCents", () => {
  test.each([
    // rounding half up, exact cases
    [1000, THREE, "2024-03-03", 333], // 333.33
    [1000, THREE, "2024-03-02", 667], // 666.67
    [1000, THREE, "2024-03-01", 1000],
    [1, TWO, "2024-03-02", 1], // 0.5 → 1
    [1, THREE, "2024-03-03", 0], // 0.33
    [1, THREE, "2024-03-02", 1], // 0.67
    [3, TWO, "2024-03-02", 2], // 1.5
    [5, TWO, "2024-03-02", 3], // 2.5
    [1, APRIL, "2024-04-17", 0], // 14/30 = 0.47
    [1, APRIL, "2024-04-16", 1], // 15/30 = 0.5 → 1
    [3, APRIL, "2024-04-26", 1], // 3·5/30 = 0.5 → 1
    [45, APRIL, "2024-04-30", 2], // 1.5 → 2
    [1, FEB_COMMON, "2023-02-15", 1], // 14/28 = 0.5 → 1
    // price 0
    [0, MARCH, "2024-03-01", 0],
    [0, THREE, "2024-03-03", 0],
    // real catalogue prices
    [1500, MARCH, "2024-03-01", 1500],
    [1500, MARCH, "2024-03-31", 48], // 48.39
    [1500, MARCH, "2024-03-02", 1452], // 1451.61
    [2500, APRIL, "2024-04-16", 1250],
    [2500, APRIL, "2024-04-30", 83], // 83.33
    [3000, FEB_COMMON, "2023-02-28", 107], // 107.14
    [3000, FEB_COMMON, "2023-02-15", 1500],
    [1500, FEB_LEAP, "2024-02-29", 52], // 51.72
    [1500, WINTER, "2025-01-01", 677], // 14/31 → 677.42
    [3000, WINTER, "2024-12-31", 1452], // 15/31 → 1451.61
    // large prices stay exact
    [100_000_000_000_000, THREE, "2024-03-03", 33_333_333_333_333],
    [100_000_000_000_000, THREE, "2024-03-02", 66_666_666_666_667],
  ])("%i cents, %j, today %s → %i", (price, period, today, expected) => {
    expect(proratedChargeCents(price, period, today)).toBe(expected);
  });

  test("half-up holds for every price 0-200 and day of a 30-day period", () => {
    for (let price = 0; price <= 200; price++) {
      for (let remaining = 1; remaining <= 30; remaining++) {
        const today = formatIsoDate(fromDayNumber(toDayNumber(parseIsoDate(APRIL.end)) - remaining + 1));
        const exact = (price * remaining) / 30;
        const frac = (price * remaining) % 30;
        const expected = frac * 2 >= 30 ? Math.ceil(exact) : Math.floor(exact);
        expect(proratedChargeCents(price, APRIL, today)).toBe(expected);
      }
    }
  });

  test.each([
    [-1, MARCH, "2024-03-01"],
    [10.5, MARCH, "2024-03-01"],
    [Number.NaN, MARCH, "2024-03-01"],
    [1500, MARCH, "2024-04-01"],
    [1500, MARCH, "nope"],
    [200_000_000_000_000, MARCH, "2024-03-01"], // 2·p·r would not be a safe integer
  ])("%s cents, %j, today %s → RangeError", (price, period, today) => {
    expect(() => proratedChargeCents(price, period, today)).toThrow(RangeError);
  });
});

describe("computeSeatCharge", () => {
  test.each([
    [1500, "2024-03-01", 1, 1500, "2024-03-01", "2024-03-31"],
    [1500, "2024-03-31", 1, 48, "2024-03-01", "2024-03-31"],
    [3000, "2024-02-29", 31, 3000, "2024-02-29", "2024-03-30"],
    [2500, "2025-01-14", 15, 81, "2024-12-15", "2025-01-14"], // 2500/31 = 80.65
  ])("%i cents on %s (billing day %i) → %i for %s..%s", (price, today, billingDay, cents, start, end) => {
    const { chargeCents, period } = computeSeatCharge(price, today, billingDay);
    expect(chargeCents).toBe(cents);
    expect(period.start).toBe(start);
    expect(period.end).toBe(end);
  });
});
