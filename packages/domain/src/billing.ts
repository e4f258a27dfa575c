import { type CivilDate, daysInMonth, formatIsoDate, fromDayNumber, parseIsoDate, toDayNumber } from "./calendar.ts";

/** A billing period; `start` and `end` are inclusive ISO dates, `days` counts both. */
export type BillingPeriod = { start: string; end: string; days: number };

function assertBillingDay(billingDay: number): void {
  if (!Number.isInteger(billingDay) || billingDay < 1 || billingDay > 31) {
    throw new RangeError(`billingDay must be an integer 1-31, got ${billingDay}`);
  }
}

/** The day of `month` the period starts on: a billing day of 29-31 falls back to the month's last day. */
function anchorOf(year: number, month: number, billingDay: number): CivilDate {
  return { year, month, day: Math.min(billingDay, daysInMonth(year, month)) };
}

function shiftMonth(year: number, month: number, delta: number): { year: number; month: number } {
  const index = year * 12 + (month - 1) + delta;
  return { year: Math.floor(index / 12), month: (((index % 12) + 12) % 12) + 1 };
}

/**
 * docs/RULES.md "Tenancy": the company's current billing period, anchored on its billing day. It starts on
 * the latest anchor on or before `today` and ends the day before the next anchor.
 */
export function computeBillingPeriod(today: string, billingDay: number): BillingPeriod {
  assertBillingDay(billingDay);
  const date = parseIsoDate(today);
  const thisAnchor = anchorOf(date.year, date.month, billingDay);
  const startMonth = date.day >= thisAnchor.day ? date : shiftMonth(date.year, date.month, -1);
  const start = anchorOf(startMonth.year, startMonth.month, billingDay);
  const nextMonth = shiftMonth(start.year, start.month, 1);
  const next = anchorOf(nextMonth.year, nextMonth.month, billingDay);
  const startDay = toDayNumber(start);
  const endDay = toDayNumber(next) - 1;
  return { start: formatIsoDate(start), end: formatIsoDate(fromDayNumber(endDay)), days: endDay - startDay + 1 };
}

function assertPeriod(period: BillingPeriod): { startDay: number; endDay: number } {
  const startDay = toDayNumber(parseIsoDate(period.start));
  const endDay = toDayNumber(parseIsoDate(period.end));
  if (endDay < startDay || period.days !== endDay - startDay + 1) {
    throw new RangeError(`Inconsistent billing period ${JSON.stringify(period)}`);
  }
  return { startDay, endDay };
}

/** docs/RULES.md: remaining days of the period, today included; `today` must lie inside it. */
export function remainingDays(period: BillingPeriod, today: string): number {
  const { startDay, endDay } = assertPeriod(period);
  const day = toDayNumber(parseIsoDate(today));
  if (day < startDay || day > endDay) {
    throw new RangeError(`${today} is outside the billing period ${period.start}..${period.end}`);
  }
  return endDay - day + 1;
}

/**
 * docs/RULES.md: price × remaining days ÷ days in the period, integer cents, rounded half up.
 * Integer arithmetic only: floor((2·p·r + d) / 2d) is round-half-up of p·r/d for p, r, d ≥ 0.
 */
export function proratedChargeCents(monthlyPriceCents: number, period: BillingPeriod, today: string): number {
  if (!Number.isSafeInteger(monthlyPriceCents) || monthlyPriceCents < 0) {
    throw new RangeError(`monthlyPriceCents must be a non-negative integer, got ${monthlyPriceCents}`);
  }
  const remaining = remainingDays(period, today);
  const numerator = 2 * monthlyPriceCents * remaining + period.days;
  if (!Number.isSafeInteger(numerator)) throw new RangeError(`monthlyPriceCents too large: ${monthlyPriceCents}`);
  const divisor = 2 * period.days;
  // Subtract the remainder first so the division is exact even for huge prices.
  return (numerator - (numerator % divisor)) / divisor;
}

/** The charge for buying a seat today, with the period it covers (recorded on the charge). */
export function computeSeatCharge(
  monthlyPriceCents: number,
  today: string,
  billingDay: number,
): { chargeCents: number; period: BillingPeriod } {
  const period = computeBillingPeriod(today, billingDay);
  return { chargeCents: proratedChargeCents(monthlyPriceCents, period, today), period };
}
