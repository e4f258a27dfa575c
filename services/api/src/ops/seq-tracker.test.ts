import { describe, expect, test } from "vitest";
import { SeqTracker } from "./seq-tracker.ts";

/** Simulates a table whose rows become visible out of order, read through the tracker. */
function readAll(visibleAt: Map<number, number>, reads: number[], limit = Number.POSITIVE_INFINITY) {
  const tracker = new SeqTracker(0, 1_000_000);
  const seen: number[] = [];
  for (const now of reads) {
    const { lo, hi } = tracker.ranges();
    const rows = [...visibleAt.entries()]
      .filter(([seq, at]) => at <= now && lo.some((l, i) => seq >= l && seq <= (hi[i] ?? l)))
      .map(([seq]) => seq)
      .sort((a, b) => a - b);
    const page = rows.slice(0, limit);
    seen.push(...page);
    tracker.observe(page, now, rows.length > page.length);
  }
  return { seen: seen.sort((a, b) => a - b), tracker };
}

describe("SeqTracker", () => {
  test("in order: the cursor follows, no gaps", () => {
    const t = new SeqTracker(0);
    t.observe([1, 2, 3], 0);
    expect(t.cursor).toBe(3);
    expect(t.ranges()).toEqual({ lo: [4], hi: [Number.MAX_SAFE_INTEGER] });
  });

  test("a seq committed late is read once, when it appears", () => {
    const t = new SeqTracker(0);
    t.observe([1, 2, 4, 5], 0);
    expect(t.cursor).toBe(5);
    expect(t.ranges()).toEqual({ lo: [3, 6], hi: [3, Number.MAX_SAFE_INTEGER] });
    t.observe([3, 6], 10);
    expect(t.openGaps).toBe(0);
    expect(t.cursor).toBe(6);
  });

  test("a wide gap is split by the rows that appear inside it", () => {
    const t = new SeqTracker(10);
    t.observe([11, 20], 0);
    t.observe([13, 15], 5);
    expect(t.ranges().lo).toEqual([12, 14, 16, 21]);
    expect(t.ranges().hi.slice(0, 3)).toEqual([12, 14, 19]);
  });

  test("gaps expire: a rolled-back transaction's seqs are not asked for forever", () => {
    const t = new SeqTracker(0, 1000);
    t.observe([1, 5], 0);
    expect(t.openGaps).toBe(1);
    t.observe([], 999);
    expect(t.openGaps).toBe(1);
    t.observe([], 1000);
    expect(t.openGaps).toBe(0);
  });

  test("a read cut by its limit learns only up to its last row", () => {
    const t = new SeqTracker(0);
    t.observe([1, 2, 3], 0, true);
    expect(t.cursor).toBe(3);
    expect(t.openGaps).toBe(0);
    // A gap whose rows exceed the limit keeps what lies above the last row returned.
    const g = new SeqTracker(0);
    g.observe([100], 0);
    g.observe([2, 4], 1, true);
    expect(g.ranges().lo).toEqual([1, 3, 5, 101]);
    expect(g.ranges().hi.slice(0, 3)).toEqual([1, 3, 99]);
  });

  test.each([
    ["in order", 1, Number.POSITIVE_INFINITY],
    ["shuffled commits", 7, Number.POSITIVE_INFINITY],
    ["shuffled commits, small pages", 13, 5],
    ["shuffled commits, pages of one", 29, 1],
  ])("every row is read exactly once: %s", (_, seed, limit) => {
    // 200 rows, each visible at a pseudo-random time after its seq was taken; some never (rolled back).
    const visibleAt = new Map<number, number>();
    let x = seed;
    for (let seq = 1; seq <= 200; seq++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      if (x % 17 === 0) continue; // rolled back
      visibleAt.set(seq, seq + (x % 40));
    }
    const reads = Array.from({ length: 400 }, (_, i) => i);
    const { seen } = readAll(visibleAt, reads, limit);
    expect(seen).toEqual([...visibleAt.keys()].sort((a, b) => a - b));
  });
});
