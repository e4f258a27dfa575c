import { v7 } from "uuid";
import { randomBytesPooled } from "./random.ts";

let lastMs = Number.NEGATIVE_INFINITY;
let seq = 0;

/**
 * Time-ordered UUIDs (v7): stable list order and compact btree inserts. Monotonic
 * within a process (a counter within one millisecond, as RFC 9562 §6.2 method 1), so
 * ids follow creation order; the random bytes come from the pool.
 */
export function newId(): string {
  const random = randomBytesPooled(16);
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = (((random[6] ?? 0) & 0x7f) << 24) | ((random[7] ?? 0) << 16) | ((random[8] ?? 0) << 8) | (random[9] ?? 0);
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return v7({ random, msecs: lastMs, seq });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in any case (how clients may send an id back). */
export const isUuid = (id: string): boolean => UUID.test(id);

/**
 * An id as stored: a UUID in lower case (Postgres compares uuid values in any case, but JS maps and
 * sets keyed by id do not), anything else unchanged (it will not be found).
 */
export const canonicalId = (id: string): string => (isUuid(id) ? id.toLowerCase() : id);
