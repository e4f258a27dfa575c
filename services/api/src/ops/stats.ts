import type { Sql } from "@scimline/db";
import type { Queue } from "bullmq";

/** Every BullMQ state an operator may care about, in the dashboard's order. */
export const QUEUE_STATES = [
  "waiting",
  "prioritized",
  "waiting-children",
  "active",
  "delayed",
  "completed",
  "failed",
] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** Ops reads never hang a request or a scrape on a dependency that does not answer. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function queueDepths(queue: Queue, timeoutMs = 2000): Promise<Record<QueueState, number>> {
  const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), timeoutMs, "redis");
  return Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[s] ?? 0])) as Record<QueueState, number>;
}

export type OutboxLag = { rows: number; oldestAgeSeconds: number };

/** Rows not yet relayed to BullMQ and the age of the oldest; the oldest is found through the primary key. */
export async function outboxLag(sql: Sql): Promise<OutboxLag> {
  const [row] = await sql<{ rows: number; age: number | null }[]>`
    select (select count(*)::int from outbox) as rows,
           (select extract(epoch from now() - created_at)::float8 from outbox order by id limit 1) as age`;
  return { rows: row?.rows ?? 0, oldestAgeSeconds: Math.max(0, row?.age ?? 0) };
}

export type StatusCount = { status: string; users: number };
export type FailureCount = { errorCode: string; users: number };

export async function usersByStatus(sql: Sql): Promise<StatusCount[]> {
  return sql<StatusCount[]>`
    select case when held_kind is not null then 'held' else status end as status, count(*)::int as users
    from users where deleted_at is null or held_kind = 'delete' group by 1 order by 1`;
}

export async function failuresByCode(sql: Sql): Promise<FailureCount[]> {
  return sql<FailureCount[]>`
    select coalesce(error_code, 'unknown') as "errorCode", count(*)::int as users
    from users where status = 'failed' and deleted_at is null group by 1 order by 2 desc, 1`;
}

/** Runs `load` at most once per `ttlMs`; concurrent callers share the pending promise. */
export function cached<T>(load: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | null = null;
  return () => {
    const now = Date.now();
    if (value && now - value.at < ttlMs) return value.promise;
    const promise = load();
    const entry = { at: now, promise };
    value = entry;
    // A failure is not kept: the next call tries again.
    promise.catch(() => {
      if (value === entry) value = null;
    });
    return promise;
  };
}
