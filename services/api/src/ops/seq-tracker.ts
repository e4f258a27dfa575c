type Gap = { lo: number; hi: number; since: number };

/** A missing seq older than this belonged to a transaction that rolled back (or never ends). */
const GAP_EXPIRY_MS = 120_000;
const MAX_GAPS = 2000;

/**
 * Reads a bigserial-keyed table (events) incrementally without ever missing or repeating a row,
 * although rows commit out of seq order: a transaction that took seq 10 may commit after one that
 * took seq 11. Every seq up to `cursor` has been seen or is a tracked gap; the next read asks for
 * the gaps and everything above the cursor, and a gap's rows are counted when they appear.
 */
export class SeqTracker {
  private gaps: Gap[] = [];

  constructor(
    private cursorSeq: number,
    private readonly expiryMs = GAP_EXPIRY_MS,
  ) {}

  get cursor(): number {
    return this.cursorSeq;
  }

  /** The open gaps as [lo, hi] ranges (inclusive), then the cursor's open range. */
  ranges(): { lo: number[]; hi: number[] } {
    return {
      lo: [...this.gaps.map((g) => g.lo), this.cursorSeq + 1],
      hi: [...this.gaps.map((g) => g.hi), Number.MAX_SAFE_INTEGER],
    };
  }

  get openGaps(): number {
    return this.gaps.length;
  }

  /**
   * The seqs a read of `ranges()` returned, ascending. `cut`: the read stopped at its row limit,
   * so nothing above the last seq returned is known yet.
   */
  observe(seqs: readonly number[], nowMs: number, cut = false): void {
    const last = seqs.at(-1);
    const known = cut && last !== undefined ? last : Number.POSITIVE_INFINITY;
    const next: Gap[] = [];
    let i = 0;
    for (const gap of this.gaps) {
      while (i < seqs.length && (seqs[i] ?? 0) < gap.lo) i++;
      let lo = gap.lo;
      const top = Math.min(gap.hi, known);
      while (i < seqs.length && (seqs[i] ?? 0) <= top) {
        const seq = seqs[i] ?? 0;
        if (seq > lo) next.push({ lo, hi: seq - 1, since: gap.since });
        lo = seq + 1;
        i++;
      }
      if (lo <= gap.hi) next.push({ lo, hi: gap.hi, since: gap.since });
    }
    let expected = this.cursorSeq + 1;
    for (const seq of seqs) {
      if (seq <= this.cursorSeq) continue;
      if (seq > expected) next.push({ lo: expected, hi: seq - 1, since: nowMs });
      expected = seq + 1;
    }
    this.cursorSeq = expected - 1;
    this.gaps = next.filter((g) => nowMs - g.since < this.expiryMs).slice(-MAX_GAPS);
  }
}
