import { describe, expect, test } from "vitest";
import { paceHeap } from "./heap.ts";

const run = (percent: number, execArgv: string[] = [], nodeOptions = "") => {
  const applied: string[] = [];
  const result = paceHeap(percent, execArgv, nodeOptions, (flags) => applied.push(flags));
  return { result, applied };
};

describe("paceHeap", () => {
  test("sets V8's heap growing factor from the setting", () => {
    expect(run(50)).toEqual({
      result: { heapGrowingPercent: 50, reason: "API_HEAP_GROWING_PERCENT" },
      applied: ["--heap-growing-percent=50"],
    });
  });

  test("0 leaves V8's own policy", () => {
    expect(run(0).applied).toEqual([]);
    expect(run(0).result.heapGrowingPercent).toBeNull();
  });

  test.each([
    [["--max-old-space-size=256"], ""],
    [["--max-semi-space-size=8"], ""],
    [["--heap-growing-percent=30"], ""],
    [[], "--max-old-space-size=512"],
    [[], "--enable-source-maps --max-heap-size=300"],
  ])("an operator's heap flags win: execArgv %j, NODE_OPTIONS %j", (execArgv, nodeOptions) => {
    const { result, applied } = run(50, execArgv, nodeOptions);
    expect(applied).toEqual([]);
    expect(result).toEqual({ heapGrowingPercent: null, reason: "the heap is sized by node's own flags" });
  });

  test("unrelated flags do not count as sizing the heap", () => {
    expect(run(40, ["--enable-source-maps", "--cpu-prof"], "--trace-warnings").applied).toEqual([
      "--heap-growing-percent=40",
    ]);
  });
});
