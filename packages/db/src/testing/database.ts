import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { migrationsFolder, runMigrations } from "../migrate.ts";

/** Server the tests use; a database name in it is ignored. */
export const testServerUrl = (): string =>
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Name of the template for the current migrations: a change of schema gets a fresh template. */
function templateName(): string {
  const folder = migrationsFolder();
  const hash = createHash("sha256");
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(file).update(readFileSync(join(folder, file)));
  }
  return `scimline_tpl_${hash.digest("hex").slice(0, 12)}`;
}

/**
 * Migrates the template database once (vitest globalSetup). Serialised with an
 * advisory lock because turbo runs the packages' test suites in parallel. Templates of
 * other migration sets are left alone: another checkout's run may be using one.
 */
export async function prepareTemplateDatabase(): Promise<string> {
  const server = testServerUrl();
  const name = templateName();
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(727274)`;
    const exists = await admin`select 1 from pg_database where datname = ${name}`;
    if (exists.length === 0) await admin.unsafe(`create database ${quote(name)}`);
    await runMigrations(withDatabase(server, name));
    await admin`select pg_advisory_unlock(727274)`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  return name;
}

export type TestDatabase = { url: string; name: string; drop: () => Promise<void> };

/** A fresh database `t_<uuid>` copied from the migrated template; `drop()` removes it. */
export async function createTestDatabase(template: string): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `t_${randomUUID().replaceAll("-", "")}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${quote(name)} template ${quote(template)}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return {
    name,
    url: withDatabase(server, name),
    drop: async () => {
      if (!name.startsWith("t_")) throw new Error(`refusing to drop ${name}`);
      const sql = postgres(server, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`drop database if exists ${quote(name)} with (force)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}
