/**
 * Runs the work given for one key one call at a time in this process, in the order the calls came;
 * other keys run alongside. Writes to one SCIM resource read its version, change it and write it back
 * only if the version is unchanged: concurrent writes each read the same version, one wins, the others
 * read again, and past the retry limit answer 409 though nobody sent If-Match. Queued per resource, the
 * writes of one process no longer race each other (other processes' still do, and are retried).
 * Work must not wait on another call for the same key (it would wait on itself).
 */
export class OneAtATime {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
