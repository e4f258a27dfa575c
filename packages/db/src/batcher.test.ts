import { describe, expect, test } from "vitest";
import { Batcher } from "./batcher.ts";

/** A run that records its batches and can be held open, to observe what waits meanwhile. */
function recorder(fail: (keys: string[]) => boolean = () => false) {
  const batches: string[][] = [];
  const gates: Array<() => void> = [];
  const run = async (keys: string[]) => {
    batches.push(keys);
    await new Promise<void>((release) => gates.push(release));
    if (fail(keys)) throw new Error(`failed ${keys.join(",")}`);
    return new Map(keys.map((k) => [k, k.toUpperCase()]));
  };
  const releaseAll = async () => {
    while (gates.length > 0 || batches.length === 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { batches, gates, run, releaseAll };
}

describe("Batcher", () => {
  test("requests of the same turn form one batch; a key asked twice runs once and answers both", async () => {
    const r = recorder();
    const b = new Batcher(r.run, { maxSize: 10, maxConcurrent: 1 });
    const answers = Promise.all(["a", "b", "a", "c"].map((k) => b.submit(k)));
    await r.releaseAll();
    expect(await answers).toEqual(["A", "B", "A", "C"]);
    expect(r.batches).toEqual([["a", "b", "c"]]);
  });

  test("batches hold at most maxSize keys; requests arriving while maxConcurrent batches run wait for the next", async () => {
    const r = recorder();
    const b = new Batcher(r.run, { maxSize: 2, maxConcurrent: 1 });
    const first = Promise.all(["a", "b", "c"].map((k) => b.submit(k)));
    await new Promise((res) => setImmediate(res));
    expect(r.batches).toEqual([["a", "b"]]);
    expect(b.load).toEqual({ pending: 1, inFlight: 1 });
    const late = b.submit("d");
    await new Promise((res) => setImmediate(res));
    expect(r.batches).toHaveLength(1);
    await r.releaseAll();
    await r.releaseAll();
    expect(await first).toEqual(["A", "B", "C"]);
    expect(await late).toBe("D");
    expect(r.batches).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    expect(b.load).toEqual({ pending: 0, inFlight: 0 });
  });

  test("a failed batch is retried one key at a time, so one bad key fails only its own requests", async () => {
    const r = recorder((keys) => keys.includes("bad"));
    const b = new Batcher(r.run, { maxSize: 10, maxConcurrent: 2 });
    const settled = Promise.allSettled(["a", "bad", "c"].map((k) => b.submit(k)));
    await r.releaseAll();
    const results = await settled;
    expect(results.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(r.batches).toEqual([["a", "bad", "c"], ["a"], ["bad"], ["c"]]);
  });

  test("a key missing from the batch's results is rejected, not left waiting", async () => {
    const b = new Batcher(async (keys: string[]) => new Map(keys.filter((k) => k !== "lost").map((k) => [k, 1])), {
      maxSize: 10,
      maxConcurrent: 1,
    });
    const [ok, lost] = await Promise.allSettled([b.submit("kept"), b.submit("lost")]);
    expect(ok).toEqual({ status: "fulfilled", value: 1 });
    expect(lost.status).toBe("rejected");
  });
});
