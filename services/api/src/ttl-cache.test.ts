import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache.ts";

describe("TtlCache", () => {
  it("is bounded: a flood of new keys pushes out the oldest entries only, never everything", async () => {
    const now = 0;
    const cache = new TtlCache<string, number>(60_000, () => now, 3);
    let loads = 0;
    const load = (v: number) => async () => {
      loads++;
      return v;
    };
    await cache.get("known", load(1));
    for (let i = 0; i < 2; i++) await cache.get(`flood-${i}`, load(i));
    expect(cache.peek("known")).toBeDefined();
    await cache.get("flood-2", load(2));
    expect(cache.peek("known")).toBeUndefined();
    expect(await cache.peek("flood-0")).toBe(0);
    expect(await cache.peek("flood-2")).toBe(2);
    expect(loads).toBe(4);
  });

  it("expires entries and shares the loader of concurrent misses", async () => {
    let now = 0;
    const cache = new TtlCache<string, number>(100, () => now);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get("k", load), cache.get("k", load)])).toEqual([1, 1]);
    now = 99;
    expect(await cache.get("k", load)).toBe(1);
    now = 100;
    expect(cache.peek("k")).toBeUndefined();
    expect(await cache.get("k", load)).toBe(2);
  });
});
