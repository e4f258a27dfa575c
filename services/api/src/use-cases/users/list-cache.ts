/**
 * What makes paging a 100k-user directory cheap (issue 8: an import page p99 ≤ 30 ms):
 * - the unfiltered total, cached for a moment per directory and dropped at once when
 *   this process creates or deletes one of its users (other API processes' writes show
 *   within `countTtlMs`);
 * - where each page ended, so the next page of a sequential import (Okta, Entra) starts
 *   from that id (keyset) instead of skipping `startIndex - 1` rows.
 */
export class ListCache {
  private readonly counts = new Map<string, { total: number; expires: number }>();
  private readonly boundaries = new Map<string, { id: string; expires: number }>();

  constructor(
    private readonly countTtlMs = 2000,
    private readonly boundaryTtlMs = 120_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  count(directoryId: string): number | undefined {
    const hit = this.counts.get(directoryId);
    return hit && hit.expires > this.now() ? hit.total : undefined;
  }

  rememberCount(directoryId: string, total: number): void {
    if (this.counts.size >= this.maxEntries) this.counts.clear();
    this.counts.set(directoryId, { total, expires: this.now() + this.countTtlMs });
  }

  /** The id of the last row before position `offset` (0-based), if a previous page ended there. */
  boundary(directoryId: string, offset: number): string | undefined {
    const hit = this.boundaries.get(`${directoryId}|${offset}`);
    return hit && hit.expires > this.now() ? hit.id : undefined;
  }

  rememberBoundary(directoryId: string, offset: number, id: string): void {
    if (this.boundaries.size >= this.maxEntries) this.boundaries.clear();
    this.boundaries.set(`${directoryId}|${offset}`, { id, expires: this.now() + this.boundaryTtlMs });
  }

  /** A user of the directory was created or deleted here: totals and page boundaries move. */
  changed(directoryId: string): void {
    this.counts.delete(directoryId);
    for (const key of this.boundaries.keys()) if (key.startsWith(`${directoryId}|`)) this.boundaries.delete(key);
  }
}
