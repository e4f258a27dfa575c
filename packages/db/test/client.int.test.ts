import postgres from "postgres";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { createDb, type Database } from "../src/client.ts";
import { createTestDatabase, type TestDatabase } from "../src/testing/database.ts";

let testDb: TestDatabase | undefined;
let database: Database | undefined;
beforeAll(async () => {
  testDb = await createTestDatabase(inject("templateDatabase"));
  database = createDb(testDb.url, { max: 4 });
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

test("transactions on a saturated pool never fail as unsafe, and every acknowledged autocommit write is committed", async () => {
  if (!database || !testDb) throw new Error("no database");
  const { sql } = database;
  await sql`create table probe (n int not null)`;
  const failures: string[] = [];
  let acknowledged = 0;
  // Twelve clients on four connections: transactions and single statements interleave on busy connections.
  await Promise.all(
    Array.from({ length: 12 }, async (_, k) => {
      for (let i = 0; i < 120; i++) {
        try {
          if (i % 3 === 0) await sql.begin(async (tx) => tx`select pg_sleep(0.001)`);
          else {
            await sql`insert into probe values (${k * 1000 + i})`;
            acknowledged++;
          }
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    }),
  );
  expect(failures).toEqual([]);
  // Seen from another session: nothing acknowledged is held back in a transaction left open.
  const other = postgres(testDb.url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await other<{ n: number; open: number }[]>`
      select (select count(*)::int from probe) as n,
             (select count(*)::int from pg_stat_activity
              where datname = current_database() and state like 'idle in transaction%') as open`;
    expect(row).toEqual({ n: acknowledged, open: 0 });
  } finally {
    await other.end({ timeout: 5 });
  }
});
