import { describe, expect, test } from "vitest";
import { bucketOf, LagHistogram } from "./lag-histogram.ts";

const within = (actual: number | null, expected: number, tolerance = 0.07) => {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual ?? 0) - expected) / expected).toBeLessThanOrEqual(tolerance);
};

describe("LagHistogram", () => {
  test.each([
    [0, 0],
    [0.5, 0],
    [1, 0],
    [1.2, 1],
    [10, 20],
    [100, 40],
    [999, 59],
    [1000, 60],
    [60_000, 95],
    [1e7, 140],
    [1e9, 140],
  ])("bucket of %d ms is %d", (ms, bucket) => {
    expect(bucketOf(ms)).toBe(bucket);
  });

  test("empty: no quantile", () => {
    expect(new LagHistogram().quantile(0.5)).toBeNull();
    expect(new LagHistogram().count).toBe(0);
  });

  test("negative, infinite and NaN lags are ignored", () => {
    const h = new LagHistogram();
    for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) h.add(ms);
    expect(h.count).toBe(0);
  });

  test.each([
    ["one value", [250], 0.5, 250],
    ["one value, p95", [250], 0.95, 250],
    ["uniform 1..1000, p50", Array.from({ length: 1000 }, (_, i) => i + 1), 0.5, 500],
    ["uniform 1..1000, p95", Array.from({ length: 1000 }, (_, i) => i + 1), 0.95, 950],
    ["mostly fast with a slow tail, p50", [...Array(95).fill(40), ...Array(5).fill(9000)], 0.5, 40],
    ["mostly fast with a slow tail, p95", [...Array(95).fill(40), ...Array(5).fill(9000)], 0.95, 40],
    ["mostly fast with a slow tail, p99", [...Array(95).fill(40), ...Array(5).fill(9000)], 0.99, 9000],
    ["seconds", [1500, 2500, 3500], 0.5, 2500],
  ])("%s: quantile within a bucket's width", (_, values, q, expected) => {
    const h = new LagHistogram();
    for (const v of values) h.add(v);
    within(h.quantile(q), expected);
  });

  test("sub-millisecond lags read as at most 1 ms", () => {
    const h = new LagHistogram();
    h.add(0.2);
    expect(h.quantile(0.5)).toBeLessThanOrEqual(1);
  });

  test("merging equals adding everything to one", () => {
    const a = new LagHistogram();
    const b = new LagHistogram();
    const all = new LagHistogram();
    for (let i = 1; i <= 500; i++) {
      (i % 2 ? a : b).add(i * 3);
      all.add(i * 3);
    }
    a.merge(b);
    expect(a.count).toBe(500);
    for (const q of [0.1, 0.5, 0.95, 1]) expect(a.quantile(q)).toBe(all.quantile(q));
  });

  test("add with a count weighs the value", () => {
    const h = new LagHistogram();
    h.add(10, 99);
    h.add(10_000);
    within(h.quantile(0.99), 10);
    within(h.quantile(1), 10_000);
  });
});
