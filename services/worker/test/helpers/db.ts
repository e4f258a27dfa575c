import { createDb, type Database, type Sql } from "@scimline/db";
import { createTestDatabase, type TestDatabase } from "@scimline/db/testing";
import { afterAll, beforeAll, inject } from "vitest";

/**
 * Makes every write of an outcome (a status change) of the users whose userName is LIKE `userNames`
 * fail with `message`, as a constraint, a corrupt row or Postgres refusing would: every transaction
 * carrying one rolls back. Returns what lifts it.
 */
export async function refuseOutcomeWrites(sql: Sql, userNames: string, message: string): Promise<() => Promise<void>> {
  await sql.unsafe(`
    create function refuse_outcome_writes() returns trigger language plpgsql as $$
    begin
      if new.user_name like ${literal(userNames)} and new.status <> old.status then raise exception ${literal(message)}; end if;
      return new;
    end $$;
    create trigger refuse_outcome_writes before update on users for each row execute function refuse_outcome_writes();`);
  return async () => {
    await sql.unsafe("drop trigger refuse_outcome_writes on users; drop function refuse_outcome_writes()");
  };
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** A database of its own for a test file; each test seeds its own company. */
export function useDatabase(): () => Database & { url: string } {
  let testDb: TestDatabase | undefined;
  let database: Database | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase(inject("templateDatabase"));
    database = createDb(testDb.url, { max: 6 });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });
  return () => {
    if (!database || !testDb) throw new Error("database not ready");
    return Object.assign(database, { url: testDb.url });
  };
}

export type UserState = {
  status: string;
  error_code: string | null;
  office_id: string | null;
  matched_by: string | null;
  matched_value: string | null;
  seat_license_type_id: string | null;
  did: string | null;
  extension: number | null;
};

export async function userState(database: Database, id: string): Promise<UserState | undefined> {
  const [row] = await database.sql<UserState[]>`
    select status, error_code, office_id, matched_by, matched_value, seat_license_type_id, did, extension from users where id = ${id}`;
  return row;
}

export async function seatsOf(database: Database, officeId: string, licenseTypeId: string) {
  const [row] = await database.sql<{ purchased: number; used: number }[]>`
    select purchased, used from seats where office_id = ${officeId} and license_type_id = ${licenseTypeId}`;
  return row;
}

export async function chargesOf(database: Database, companyId: string) {
  return database.sql<
    { user_id: string; amount_cents: number; quantity: number; period_start: string; period_end: string }[]
  >`
    select user_id, amount_cents, quantity, period_start::text, period_end::text from charges where company_id = ${companyId} order by created_at`;
}
