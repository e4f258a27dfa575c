type Waiter<R> = { resolve: (value: R) => void; reject: (error: unknown) => void };

/**
 * Folds concurrent requests into micro-batches (docs/decisions/0006-micro-batched-reconcile.md: up to 50 users per
 * transaction was the worker's fastest shape; the API's door commits its creates the
 * same way). Keys are compared as Map keys. At most `maxConcurrent` batches run at once;
 * requests arriving meanwhile wait and form the next batch. A failed batch is retried
 * one key at a time, so one bad key cannot fail its neighbours.
 */
export class Batcher<K, R> {
  private pending = new Map<K, Waiter<R>[]>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (keys: K[]) => Promise<Map<K, R>>,
    private readonly options: { maxSize: number; maxConcurrent: number },
  ) {}

  submit(key: K): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  /** Requests waiting or running, for metrics and shutdown. */
  get load(): { pending: number; inFlight: number } {
    return { pending: this.pending.size, inFlight: this.inFlight };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Let the requests of this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.options.maxConcurrent && this.pending.size > 0) {
      let batch: Map<K, Waiter<R>[]>;
      if (this.pending.size <= this.options.maxSize) {
        // The whole map goes, and a fresh one takes the next requests. Deleting its keys instead made V8
        // rehash the long-lived map's table batch after batch, and a table promoted to the old generation
        // and then dropped kept every request it had pointed to alive through young collections: they were
        // promoted too, and the old generation filled towards the next mark-compact (docs/PERFORMANCE-LOG.md).
        batch = this.pending;
        this.pending = new Map();
      } else {
        batch = new Map();
        for (const [key, waiters] of this.pending) {
          if (batch.size >= this.options.maxSize) break;
          batch.set(key, waiters);
        }
        for (const key of batch.keys()) this.pending.delete(key);
      }
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async execute(batch: Map<K, Waiter<R>[]>): Promise<void> {
    try {
      const results = await this.run([...batch.keys()]);
      for (const [key, waiters] of batch) this.settle(waiters, results, key);
    } catch (error) {
      if (batch.size === 1) {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
        return;
      }
      for (const [key, waiters] of batch) await this.execute(new Map([[key, waiters]]));
    }
  }

  private settle(waiters: Waiter<R>[], results: Map<K, R>, key: K): void {
    const result = results.get(key);
    for (const w of waiters) {
      if (result === undefined) w.reject(new Error(`batch returned no result for ${String(key)}`));
      else w.resolve(result);
    }
  }
}
