type Entry<V> = {
  value: Promise<V>;
  /** When the load of `value` began: it is served until `started + ttlMs`, never later. */
  started: number;
  /** The last time a caller asked for it (the keep-warm window runs from here). */
  lastUsed: number;
  /** How to load it again, for a refresh. */
  load: () => Promise<V>;
  /** A refresh is in flight, or failed (then the entry simply expires). */
  refreshing: boolean;
};

export type TtlCacheOptions = {
  now?: () => number;
  maxEntries?: number;
  /** From this age on, an entry is reloaded in the background while it keeps being served. */
  refreshAfterMs?: number;
  /**
   * An entry asked for within this window is refreshed on time even when nobody asks for it then (one
   * timer per cache looks over the entries while it holds any), so a key in bursty use is still fresh
   * when the next burst begins.
   */
  keepWarmMs?: number;
};

/**
 * A small in-process cache with expiry; loaders of concurrent misses are shared. Bounded: when
 * full, the oldest entry goes (a flood of new keys cannot empty it of everything else at once).
 *
 * With `refreshAfterMs`, an entry that old is reloaded by ONE background load (started by the first
 * hit, or by the cache's timer within `keepWarmMs` of its last use) while callers are answered from the entry:
 * a key in use never makes its callers wait for a load (at the door: no wave of requests held behind a
 * token look-up). A value is still never served later than `ttlMs` after its load began, and a delete or
 * clear wins over a refresh in flight.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly refreshAfterMs: number;
  private readonly keepWarmMs: number;
  private keeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly ttlMs: number,
    options: TtlCacheOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
    // A refresh must land before the entry expires to be of use (a TTL of 0 caches nothing).
    const refreshAfterMs = options.refreshAfterMs ?? Number.POSITIVE_INFINITY;
    this.refreshAfterMs = refreshAfterMs < ttlMs ? refreshAfterMs : Number.POSITIVE_INFINITY;
    this.keepWarmMs = options.keepWarmMs ?? 0;
  }

  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    const now = this.now();
    if (hit && this.live(hit, now)) {
      hit.lastUsed = now;
      if (!hit.refreshing && now - hit.started >= this.refreshAfterMs) this.refresh(key, hit, now);
      return hit.value;
    }
    if (hit) this.entries.delete(key);
    const value = load();
    this.put(key, { value, started: now, lastUsed: now, load, refreshing: false });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** A live entry's value, without loading. */
  peek(key: K): Promise<V> | undefined {
    const hit = this.entries.get(key);
    return hit && this.live(hit, this.now()) ? hit.value : undefined;
  }

  private live(entry: Entry<V>, now: number): boolean {
    return entry.started + this.ttlMs > now;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private put(key: K, entry: Entry<V>): void {
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, entry);
    if (this.keeper === null && this.keepWarmMs > 0 && Number.isFinite(this.refreshAfterMs)) {
      // Half the time between an entry's refresh and its expiry: a refresh starts early enough to land.
      const everyMs = Math.max(50, (this.ttlMs - this.refreshAfterMs) / 2);
      this.keeper = setInterval(() => this.keepWarm(), everyMs);
      this.keeper.unref();
    }
  }

  /**
   * The timer's round: refreshes the entries due and used within the window, drops the expired ones,
   * and stops once the cache is empty. One timer whatever the churn (a flood of new keys arms no more).
   */
  private keepWarm(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (!this.live(entry, now)) this.entries.delete(key);
      else if (
        !entry.refreshing &&
        now - entry.started >= this.refreshAfterMs &&
        now - entry.lastUsed <= this.keepWarmMs
      ) {
        this.refresh(key, entry, now);
      }
    }
    if (this.entries.size === 0 && this.keeper !== null) {
      clearInterval(this.keeper);
      this.keeper = null;
    }
  }

  private refresh(key: K, stale: Entry<V>, started: number): void {
    stale.refreshing = true;
    // A loader that throws instead of rejecting fails the refresh, not the caller or the timer.
    new Promise<V>((resolve) => resolve(stale.load())).then(
      (fresh) => {
        // Deleted, cleared, expired and reloaded meanwhile: what replaced it is newer.
        if (this.entries.get(key) !== stale) return;
        this.entries.delete(key);
        this.put(key, {
          ...stale,
          value: Promise.resolve(fresh),
          started,
          refreshing: false,
        });
      },
      // The entry serves out its time (`refreshing` stays set: no retry per hit); then a miss loads.
      () => {},
    );
  }
}
