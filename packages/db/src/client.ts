import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.ts";

export type Sql = postgres.Sql;
export type Db = ReturnType<typeof createDrizzle>;
export type TxSql = postgres.TransactionSql;

export type DbOptions = {
  /** Pool size. Keep it small: extra backends only queue on hot rows (PERFORMANCE.md). */
  max?: number;
  /** Name shown in pg_stat_activity, so ops (and fault tests) can find a process's backends. */
  applicationName?: string;
};

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
    connection: { application_name: options.applicationName ?? "scimline" },
    transform: { undefined: null },
  };
  const sql = postgres(url, settings);
  const db = createDrizzle(sql);
  return {
    sql,
    db,
    close: () => sql.end({ timeout: 5 }),
  };
}

export type Database = ReturnType<typeof createDb>;
