import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { beforeAll, expect, test } from "vitest";
import type { AppEnv } from "../src/deps.ts";
import { handleError } from "../src/errors.ts";
import { useTestEnv } from "./helpers/env.ts";

// The safety net behind the input checks: a value Postgres itself refuses is the client's 400, not a 500.
const env = useTestEnv();
beforeAll(async () => {
  await env().database.sql`create table refused_wide (v text primary key)`;
});

const app = () => {
  const sql = env().database.sql;
  const hono = new Hono<AppEnv>();
  const refused = {
    nul: () => sql`select ${"a\u0000b"}::text`,
    date: () => sql`select ${"2024-02-30"}::timestamptz`,
    bigint: () => sql`select ${"9223372036854775808"}::bigint`,
    uuid: () => sql`select ${"not-a-uuid"}::uuid`,
    // Random text does not compress: over a btree entry's 2,704 bytes.
    index: () => sql`insert into refused_wide values (${randomBytes(3000).toString("base64")})`,
    other: () => sql`select * from no_such_table`,
    // A deadlock's victim: rolled back, nothing written; the client retries.
    deadlock: () => sql`do $$ begin raise exception using errcode = '40P01', message = 'deadlock detected'; end $$`,
  };
  for (const [name, run] of Object.entries(refused)) {
    hono.get(`/scim/v2/${name}`, async (c) => c.json(await run()));
    hono.get(`/api/v1/${name}`, async (c) => c.json(await run()));
  }
  hono.onError(handleError);
  return hono;
};

test.each(["nul", "date", "bigint", "uuid", "index"])(
  "%s: SCIM 400 invalidValue, admin 400 VALIDATION_FAILED",
  async (name) => {
    const scim = await app().request(`/scim/v2/${name}`);
    expect([scim.status, await scim.json()]).toEqual([
      400,
      expect.objectContaining({
        status: "400",
        scimType: "invalidValue",
        detail: "A value in the request cannot be stored",
      }),
    ]);
    const admin = await app().request(`/api/v1/${name}`);
    expect([admin.status, ((await admin.json()) as { error: { code: string } }).error.code]).toEqual([
      400,
      "VALIDATION_FAILED",
    ]);
  },
);

test("any other database error is still a 500", async () => {
  expect((await app().request("/scim/v2/other")).status).toBe(500);
  expect((await app().request("/api/v1/other")).status).toBe(500);
});

test("a deadlock's victim is 503 with Retry-After: retry, nothing was written", async () => {
  for (const path of ["/scim/v2/deadlock", "/api/v1/deadlock"]) {
    const res = await app().request(path);
    expect([res.status, res.headers.get("retry-after")]).toEqual([503, "5"]);
  }
});
