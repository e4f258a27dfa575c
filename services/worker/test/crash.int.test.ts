import { seedCompany, seedNumbers, seedOffice, seedUser, testQueuePrefix, testRedisUrl } from "@scimline/db/testing";
import { Queue } from "bullmq";
import { afterAll, expect, test } from "vitest";
import { useDatabase } from "./helpers/db.ts";
import { exited, spawnWorker } from "./helpers/process.ts";
import { eventually, redisConnection } from "./helpers/runtime.ts";

const db = useDatabase();
const prefix = testQueuePrefix();
afterAll(async () => {
  const queue = new Queue("provisioning", { connection: redisConnection(), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
});

test("SIGKILL of the worker in the middle of 1,000 creates: after a restart every user is provisioned exactly once", async () => {
  const { sql } = db();
  const company = await seedCompany(sql, { extensionRange: { start: 1000, end: 2999 } });
  const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 500 } });
  await seedNumbers(
    sql,
    company,
    Array.from({ length: 1000 }, (_, i) => `+1415200${String(i).padStart(4, "0")}`),
    office,
  );
  for (let i = 0; i < 1000; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => seedUser(sql, company, { userName: `crash${i + j}@example.com` })),
    );
  }
  const env = {
    DATABASE_URL: db().url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    ADMIN_API_KEY: "test-admin-key-0123456789",
    BATCH_SIZE: "10",
    JOB_LOCK_MS: "2000",
    STALLED_CHECK_MS: "1000",
    JOB_BACKOFF_MS: "100",
  };
  const active = async () =>
    (await sql`select count(*)::int as n from users where status = 'active' and company_id = ${company.companyId}`)[0]
      ?.n as number;

  const first = spawnWorker(env);
  await eventually(async () => (await active()) >= 150, 60_000, "some users provisioned");
  first.kill("SIGKILL");
  await exited(first);
  const before = await active();
  expect(before).toBeLessThan(1000);

  const second = spawnWorker(env);
  try {
    await eventually(async () => (await active()) === 1000, 90_000, "all 1,000 users active");
  } finally {
    second.kill("SIGTERM");
    expect(await exited(second)).toBe(0);
  }

  const [check] = await sql`
    select count(distinct did)::int as dids, count(distinct extension)::int as extensions,
           count(*) filter (where seat_license_type_id is not null)::int as seated
    from users where company_id = ${company.companyId}`;
  expect(check).toEqual({ dids: 1000, extensions: 1000, seated: 1000 });
  const [seats] =
    await sql`select purchased, used from seats where office_id = ${office} and license_type_id = ${company.licenseTypes["Dialpad_Ai Voice"] ?? ""}`;
  expect(seats).toEqual({ purchased: 1000, used: 1000 });
  const [charges] =
    await sql`select count(*)::int as n, count(distinct user_id)::int as users from charges where company_id = ${company.companyId}`;
  expect(charges).toEqual({ n: 500, users: 500 });
  const [numbers] =
    await sql`select count(*)::int as n from numbers where company_id = ${company.companyId} and assigned_user_id is not null`;
  expect(numbers?.n).toBe(1000);
  const [pool] =
    await sql`select count(*)::int as n from extension_pool where company_id = ${company.companyId} and user_id is not null`;
  expect(pool?.n).toBe(1000);
}, 180_000);
