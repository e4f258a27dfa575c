import { afterEach, describe, expect, it, vi } from "vitest";
import { TtlCache } from "./ttl-cache.ts";

describe("TtlCache", () => {
  it("is bounded: a flood of new keys pushes out the oldest entries only, never everything", async () => {
    const now = 0;
    const cache = new TtlCache<string, number>(60_000, { now: () => now, maxEntries: 3 });
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
    const cache = new TtlCache<string, number>(100, { now: () => now });
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get("k", load), cache.get("k", load)])).toEqual([1, 1]);
    now = 99;
    expect(await cache.get("k", load)).toBe(1);
    now = 100;
    expect(cache.peek("k")).toBeUndefined();
    expect(await cache.get("k", load)).toBe(2);
  });

  describe("refreshed ahead of expiry", () => {
    /** A loader whose loads the test settles by hand, in order. */
    const manual = () => {
      const pending: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
      const load = () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
      return { load, pending };
    };
    const settle = () => new Promise((r) => setImmediate(r));
    /** A cache of 100 ms on a clock the test sets, its `keys` loaded (value 1) at time 0. */
    const primed = async (refreshAfterMs: number, keys = ["k"]) => {
      const clock = { now: 0 };
      const cache = new TtlCache<string, number>(100, { now: () => clock.now, refreshAfterMs });
      const { load, pending } = manual();
      for (const key of keys) {
        const value = cache.get(key, load);
        pending.at(-1)?.resolve(1);
        await value;
      }
      return { cache, load, pending, clock };
    };

    it("answers from the entry while ONE load runs in the background, then serves what it loaded", async () => {
      const { cache, load, pending, clock } = await primed(80);
      expect(await cache.peek("k")).toBe(1);
      clock.now = 79;
      expect(await cache.get("k", load)).toBe(1);
      expect(pending).toHaveLength(1);
      clock.now = 80;
      expect(await Promise.all([cache.get("k", load), cache.get("k", load), cache.get("k", load)])).toEqual([1, 1, 1]);
      expect(pending).toHaveLength(2);
      pending[1]?.resolve(2);
      await settle();
      clock.now = 150; // past the first load's time, inside the refresh's (80 + 100)
      expect(await cache.get("k", load)).toBe(2);
      expect(pending).toHaveLength(2);
      clock.now = 180;
      expect(cache.peek("k")).toBeUndefined();
    });

    it("never serves a value later than its time: a refresh that hangs does not extend it", async () => {
      const { cache, load, pending, clock } = await primed(80);
      clock.now = 90;
      expect(await cache.get("k", load)).toBe(1); // starts the refresh, which hangs
      clock.now = 100;
      const waiting = cache.get("k", load); // expired: a caller waits for a load of its own
      expect(pending).toHaveLength(3);
      pending[2]?.resolve(3);
      expect(await waiting).toBe(3);
      pending[1]?.resolve(2); // the late refresh does not replace the newer entry
      await settle();
      expect(await cache.peek("k")).toBe(3);
    });

    it("a delete or clear during a refresh wins: the refreshed value is not put back", async () => {
      const { cache, load, pending, clock } = await primed(50, ["a", "b"]);
      clock.now = 60;
      await cache.get("a", load);
      await cache.get("b", load);
      expect(pending).toHaveLength(4);
      cache.delete("a");
      cache.clear();
      pending[2]?.resolve(2);
      pending[3]?.resolve(2);
      await settle();
      expect(cache.peek("a")).toBeUndefined();
      expect(cache.peek("b")).toBeUndefined();
    });

    it("a failed refresh leaves the entry to serve out its time without a retry per hit, then a miss loads", async () => {
      const { cache, load, pending, clock } = await primed(50);
      clock.now = 60;
      expect(await cache.get("k", load)).toBe(1);
      pending[1]?.reject(new Error("database away"));
      await settle();
      clock.now = 99;
      expect(await cache.get("k", load)).toBe(1);
      expect(pending).toHaveLength(2);
      clock.now = 100;
      const again = cache.get("k", load);
      expect(pending).toHaveLength(3);
      pending[2]?.resolve(5);
      expect(await again).toBe(5);
    });

    it("a failed first load is forgotten, so the next caller loads again", async () => {
      const cache = new TtlCache<string, number>(100, { now: () => 0, refreshAfterMs: 50 });
      const { load, pending } = manual();
      const failing = cache.get("k", load);
      pending[0]?.reject(new Error("database away"));
      await expect(failing).rejects.toThrow("database away");
      await settle();
      const next = cache.get("k", load);
      expect(pending).toHaveLength(2);
      pending[1]?.resolve(7);
      expect(await next).toBe(7);
    });
  });

  describe("kept warm between bursts", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("an entry used within the window is reloaded on time with nobody asking, and stops a window after its last use", async () => {
      vi.useFakeTimers();
      const cache = new TtlCache<string, number>(5000, { refreshAfterMs: 4000, keepWarmMs: 10_000 });
      let loads = 0;
      const load = async () => ++loads;
      expect(await cache.get("k", load)).toBe(1);
      // Nobody asks for 9 s: the timer reloads it at 4 s and 8 s, so it never expires meanwhile.
      await vi.advanceTimersByTimeAsync(9000);
      expect(loads).toBe(3);
      expect(await cache.peek("k")).toBe(3);
      // Used at 9 s: kept warm until 19 s, then left to expire.
      expect(await cache.get("k", load)).toBe(3);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(loads).toBe(5);
      expect(cache.peek("k")).toBeUndefined();
    });

    it("a deleted or cleared entry is not kept warm", async () => {
      vi.useFakeTimers();
      const cache = new TtlCache<string, number>(5000, { refreshAfterMs: 4000, keepWarmMs: 60_000 });
      let loads = 0;
      const load = async () => ++loads;
      await cache.get("a", load);
      await cache.get("b", load);
      cache.delete("a");
      cache.clear();
      await vi.advanceTimersByTimeAsync(30_000);
      expect(loads).toBe(2);
    });

    it("one timer for the whole cache, whatever the churn; none once it is empty", async () => {
      vi.useFakeTimers();
      const cache = new TtlCache<string, number>(5000, { refreshAfterMs: 4000, keepWarmMs: 60_000 });
      for (let i = 0; i < 1000; i++) {
        await cache.get(`k${i}`, async () => i);
        cache.delete(`k${i}`); // as the token cache does with an unknown token's null
      }
      await cache.get("kept", async () => 1);
      expect(vi.getTimerCount()).toBe(1);
      cache.delete("kept");
      await vi.advanceTimersByTimeAsync(1000);
      expect(vi.getTimerCount()).toBe(0);
    });

    it("a loader that throws during a refresh leaves the entry to serve out its time", async () => {
      vi.useFakeTimers();
      const cache = new TtlCache<string, number>(5000, { refreshAfterMs: 4000, keepWarmMs: 60_000 });
      let calls = 0;
      const load = () => {
        calls++;
        if (calls > 1) throw new Error("no database");
        return Promise.resolve(1);
      };
      expect(await cache.get("k", load)).toBe(1);
      await vi.advanceTimersByTimeAsync(4500); // the timer's refresh throws
      expect(calls).toBe(2);
      expect(await cache.get("k", load)).toBe(1);
      await vi.advanceTimersByTimeAsync(1000);
      expect(cache.peek("k")).toBeUndefined();
    });

    it("a TTL of 0 caches nothing and refreshes nothing", async () => {
      vi.useFakeTimers();
      const cache = new TtlCache<string, number>(0, { refreshAfterMs: 0, keepWarmMs: 60_000 });
      let loads = 0;
      const load = async () => ++loads;
      expect(await cache.get("k", load)).toBe(1);
      expect(await cache.get("k", load)).toBe(2);
      await vi.advanceTimersByTimeAsync(1000);
      expect(loads).toBe(2);
    });
  });
});
