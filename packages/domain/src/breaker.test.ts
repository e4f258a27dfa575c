import { describe, expect, test } from "vitest";
import { breakerHolds, breakerWindowStart, type DeactivationBreaker } from "./breaker.ts";

describe("breakerHolds: the (threshold + 1)-th change within the window and later are held", () => {
  const b = (threshold: number, windowSeconds = 300): DeactivationBreaker => ({ threshold, windowSeconds });
  test.each<[string, DeactivationBreaker | null, number, boolean]>([
    ["off: never", null, 0, false],
    ["off: never, whatever the count", null, 1_000_000, false],
    ["first of a threshold of 1", b(1), 0, false],
    ["second of a threshold of 1", b(1), 1, true],
    ["the threshold-th is applied", b(10), 9, false],
    ["the (threshold + 1)-th is held", b(10), 10, true],
    ["far beyond: held", b(10), 500, true],
    ["threshold 0: everything held", b(0), 0, true],
  ])("%s", (_, breaker, counted, held) => {
    expect(breakerHolds(breaker, counted)).toBe(held);
  });
});

describe("breakerWindowStart", () => {
  test.each<[number, string, string]>([
    [300, "2026-11-29T10:05:00.000Z", "2026-11-29T10:00:00.000Z"],
    [1, "2026-11-29T10:00:00.500Z", "2026-11-29T09:59:59.500Z"],
    [86_400, "2026-11-29T00:00:00.000Z", "2026-11-28T00:00:00.000Z"],
  ])("%i s before %s is %s", (windowSeconds, now, start) => {
    expect(breakerWindowStart({ threshold: 1, windowSeconds }, new Date(now)).toISOString()).toBe(start);
  });
});
