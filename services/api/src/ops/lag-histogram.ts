/** Buckets per tenfold: each bucket is 12% wider than the last, so a percentile is within ±6%. */
export const PER_DECADE = 20;
/** 1 ms up to 10^7 ms (2.8 h); slower lags land in the last bucket. */
export const BUCKETS = 7 * PER_DECADE + 1;

export const bucketOf = (ms: number): number =>
  ms <= 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log10(ms) * PER_DECADE));

/** The middle (geometric) of a bucket, in ms. */
const middleOf = (bucket: number): number => 10 ** ((bucket + 0.5) / PER_DECADE);

/**
 * Provisioning lags (ms) counted in logarithmic buckets: a second's histogram is a few numbers
 * whatever the burst, histograms merge by adding, and a percentile over many seconds is exact
 * up to the bucket width.
 */
export class LagHistogram {
  private readonly counts = new Map<number, number>();
  private total = 0;

  add(ms: number, times = 1): void {
    if (!Number.isFinite(ms) || ms < 0 || times <= 0) return;
    const bucket = bucketOf(ms);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + times);
    this.total += times;
  }

  merge(other: LagHistogram): void {
    for (const [bucket, n] of other.counts) this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
    this.total += other.total;
  }

  get count(): number {
    return this.total;
  }

  /** The q-quantile (0 < q ≤ 1) in ms, or null when empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket) ?? 0;
      if (seen >= rank) return bucket === 0 ? Math.min(1, middleOf(0)) : middleOf(bucket);
    }
    return null;
  }
}
