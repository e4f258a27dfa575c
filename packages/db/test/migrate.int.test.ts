import postgres from "postgres";
import { afterAll, expect, inject, test } from "vitest";
import { createDb } from "../src/client.ts";
import { runMigrations } from "../src/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.ts";

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});

test("migrations are idempotent and safe to run from several processes at once", async () => {
  const db = await createTestDatabase(inject("templateDatabase"));
  databases.push(db);
  await Promise.all([runMigrations(db.url), runMigrations(db.url), runMigrations(db.url)]);
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  const applied = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
  await sql.end();
  expect(applied[0]?.n).toBeGreaterThan(0);
});

test("the database enforces the uniqueness that matters", async () => {
  const db = await createTestDatabase(inject("templateDatabase"));
  databases.push(db);
  const { sql, close } = createDb(db.url, { max: 1 });
  try {
    const c = "01900000-0000-7000-8000-000000000001";
    const d = "01900000-0000-7000-8000-000000000002";
    const l = "01900000-0000-7000-8000-000000000003";
    await sql`insert into companies (id, name, country, default_area_code) values (${c}, 'C', 'US', '415')`;
    await sql`insert into directories (id, company_id, name) values (${d}, ${c}, 'D')`;
    await sql`insert into license_types (id, company_id, name, monthly_price_cents, assigns_did) values (${l}, ${c}, 'L', 100, true)`;
    const user = (id: string, userName: string, externalId: string | null) =>
      sql`insert into users (id, company_id, directory_id, user_name, external_id, active, resource, license_type_id, office_hints)
          values (${id}, ${c}, ${d}, ${userName}, ${externalId}, true, '{}', ${l}, '{}')`;
    await user("01900000-0000-7000-8000-000000000010", "Ann@Example.com", "x1");
    await expect(user("01900000-0000-7000-8000-000000000011", "ann@example.COM", null)).rejects.toMatchObject({
      code: "23505",
      constraint_name: "users_company_username",
    });
    await expect(user("01900000-0000-7000-8000-000000000012", "other@example.com", "x1")).rejects.toMatchObject({
      code: "23505",
      constraint_name: "users_directory_external_id",
    });
    // Seats can never be over-used, whatever a bug would try.
    await sql`insert into offices (id, company_id, name, country) values ('01900000-0000-7000-8000-000000000020', ${c}, 'O', 'US')`;
    await expect(
      sql`insert into seats (office_id, license_type_id, company_id, purchased, used) values ('01900000-0000-7000-8000-000000000020', ${l}, ${c}, 1, 2)`,
    ).rejects.toMatchObject({ code: "23514" });
  } finally {
    await close();
  }
});
