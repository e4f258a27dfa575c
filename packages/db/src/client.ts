import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.ts";

export type Sql = postgres.Sql;
export type Db = ReturnType<typeof createDrizzle>;
export type TxSql = postgres.TransactionSql;

export type DbOptions = {
  /** Pool size. Keep it small: extra backends only queue on hot rows (docs/decisions/0006-micro-batched-reconcile.md). */
  max?: number;
  /** Name shown in pg_stat_activity, so ops (and fault tests) can find a process's backends. */
  applicationName?: string;
  /** A transaction (or a statement passed to `settleWithin`) not settled by then is given up; default 60 s. */
  transactionTimeoutMs?: number;
  /** Postgres cancels a statement running longer (statement_timeout); unset: no limit. */
  statementTimeoutMs?: number;
  /** Postgres ends a session idle inside a transaction this long (idle_in_transaction_session_timeout). */
  idleInTransactionTimeoutMs?: number;
};

/** The error a transaction given up on rejects with: like a lost connection, nothing is known to be written. */
export class TransactionTimeoutError extends Error {
  readonly code = "TRANSACTION_TIMEOUT";
  constructor(ms: number) {
    super(`the transaction did not settle within ${ms} ms; its connection was presumably lost`);
    this.name = "TransactionTimeoutError";
  }
}

/**
 * `work`, or TransactionTimeoutError if it has not settled within `ms`. A defence, not a fix:
 * postgres.js 3.4.9 as released left queries pending for ever when their backend was killed
 * (patches/postgres@3.4.9.patch settles them; test/client.int.test.ts holds it), and a statement
 * that never settles must not hold what waits behind it (a transaction's caller, the door's batcher).
 * The server has rolled back whatever it had not committed; the caller only needs to be told: a job is
 * then retried, a request answers 503.
 */
export function settleWithin<T>(work: PromiseLike<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransactionTimeoutError(ms)), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Every `sql.begin` (and drizzle's transactions, which call it) settles within `ms`. */
function bounded(sql: postgres.Sql, ms: number): void {
  const begin = sql.begin.bind(sql) as (...args: unknown[]) => Promise<unknown>;
  (sql as { begin: unknown }).begin = (...args: unknown[]) => settleWithin(begin(...args), ms);
}

function createDrizzle(sql: postgres.Sql) {
  return drizzle(sql, { schema, casing: "snake_case" });
}

/**
 * Opens a pool. No module singleton: each process (and each test) owns its pool.
 * drizzle switches the client's date and json (de)serialisers to pass-through, so raw
 * `sql` queries send JSON as JSON.stringify(...) and dates as ISO strings, and get
 * timestamps back as strings (new Date(value) parses them).
 */
export function createDb(url: string, options: DbOptions = {}) {
  const settings: postgres.Options<Record<string, never>> = {
    max: options.max ?? 4,
    // Not max_pipeline: 1. postgres.js still pipelines one query behind a busy one, and a BEGIN
    // sent that way fails (UNSAFE_TRANSACTION) and leaves its connection inside a transaction that
    // swallows later autocommit writes (test/client.int.test.ts).
    onnotice: () => {},
    // Startup parameters: every connection of the pool runs with them, whatever the query.
    connection: {
      application_name: options.applicationName ?? "scimline",
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      ...(options.idleInTransactionTimeoutMs
        ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs }
        : {}),
    },
    transform: { undefined: null },
  };
  const sql = postgres(url, settings);
  const deadlineMs = options.transactionTimeoutMs ?? 60_000;
  bounded(sql, deadlineMs);
  const db = createDrizzle(sql);
  return {
    sql,
    db,
    /** `work` (a statement outside `sql.begin`) given the pool's transaction deadline (settleWithin). */
    settleWithin: <T>(work: PromiseLike<T>) => settleWithin(work, deadlineMs),
    /**
     * Resolves once a connection has read the server's array types. postgres.js serialises an array
     * parameter when the query is built: one built before the pool's first connection has read them is
     * sent as text (`a,b`) and refused (`malformed array literal`; postgres.js issue 789). Statements
     * inside `sql.begin` are built after BEGIN and are safe; a process that serves requests at once
     * awaits this first.
     */
    ready: () => sql`select 1`.then(() => undefined),
    close: () => sql.end({ timeout: 5 }),
  };
}

export type Database = ReturnType<typeof createDb>;
