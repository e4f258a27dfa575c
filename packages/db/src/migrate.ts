import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

/** The committed drizzle-kit migrations, found through the package (works from a bundle too). */
export const migrationsFolder = (): string =>
  join(dirname(createRequire(import.meta.url).resolve("@scimline/db/package.json")), "drizzle");

/**
 * Applies pending migrations on one connection; a second run is a no-op. An advisory
 * lock lets N processes start at once against one database (README "Operations" scale-out).
 */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(727270)`;
    await migrate(drizzle(sql), { migrationsFolder: migrationsFolder() });
    await sql`select pg_advisory_unlock(727270)`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Creates the database named in `url` when it does not exist (the demo and fresh machines). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!name) throw new Error("DATABASE_URL names no database");
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length === 0) {
      await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`).catch((error: { code?: string }) => {
        if (error.code !== "42P04") throw error; // created concurrently
      });
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
