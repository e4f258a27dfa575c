import { randomUUID } from "node:crypto";
import { testRedisUrl } from "@scimline/db/testing";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import type { AppDeps } from "../src/deps.ts";
import { LeasedRedisStore } from "../src/middleware/rate-limit.ts";
import { createTenant, oktaUser, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, testConfig, useTestEnv } from "./helpers/env.ts";
import { OwnRedis } from "./helpers/redis-server.ts";

const LIMIT = 5;
const env = useTestEnv({}, { SCIM_RATE_LIMIT: String(LIMIT) });
const clients: Redis[] = [];
let redisServer: OwnRedis | undefined;

/** An API process of its own: its own Redis connection, as main.ts opens it. */
async function instance(url = testRedisUrl(), overrides: Partial<AppDeps> = {}) {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on("error", () => {});
  clients.push(redis);
  await redis.connect();
  return createApp({ ...env().deps, redis, ...overrides });
}

const list = (app: ReturnType<typeof createApp>, token: string) =>
  app.request("/scim/v2/Users?count=1", { headers: { Authorization: `Bearer ${token}` } });
const create = (app: ReturnType<typeof createApp>, token: string, userName: string) =>
  app.request("/scim/v2/Users", {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
    body: JSON.stringify(oktaUser(userName)),
  });

let tenant: Tenant;
let other: Tenant;
beforeAll(async () => {
  tenant = await createTenant(env());
  other = await createTenant(env(), { company: { name: "Other" } });
});
afterAll(async () => {
  for (const redis of clients) redis.disconnect();
  await redisServer?.stop();
});

describe("per-token rate limit at the SCIM door", () => {
  test("shared by two API instances through Redis: over the limit, 429 with an integer Retry-After and a SCIM error", async () => {
    const [a, b] = [await instance(), await instance()];
    await list(a, other.token); // warm up (first request compiles routes) on another token
    // A burst, alternating between the instances, well inside one window: started at a second's
    // beginning (the windows are wall-clock seconds), so a slow machine cannot split it over two.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const replies = await Promise.all(
      Array.from({ length: LIMIT + 3 }, (_, i) => list(i % 2 === 0 ? a : b, tenant.token)),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const limited = replies.find((r) => r.status === 429);
    if (!limited) throw new Error("never limited");
    expect(limited.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(limited.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(await limited.json()).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "429",
      detail: expect.stringContaining(`at most ${LIMIT} per second`),
    });
    // The directory's request log has every one of them, the refused ones with their status.
    await env().deps.requestLog?.flush();
    const logged = await env().database.sql<{ status: number; n: number }[]>`
      select status, count(*)::int as n from scim_requests where directory_id = ${tenant.directoryId}
      group by status order by status`;
    expect(logged).toEqual([
      { status: 200, n: LIMIT },
      { status: 429, n: 3 },
    ]);

    // Another token (another directory) is not affected; the limit clears with its window.
    expect((await list(b, other.token)).status).toBe(200);
    const wait = Number(limited.headers.get("retry-after"));
    await new Promise((r) => setTimeout(r, wait * 1000 + 50));
    expect((await list(a, tenant.token)).status).toBe(200);
  });

  test("discovery endpoints (no token) and the admin API are not limited", async () => {
    const app = await instance();
    for (let i = 0; i < LIMIT + 2; i++) {
      expect((await app.request("/scim/v2/ServiceProviderConfig")).status).toBe(200);
      expect(
        (
          await app.request(`/api/v1/companies/${tenant.companyId}`, {
            headers: { Authorization: `Bearer ${ADMIN_KEY}` },
          })
        ).status,
      ).toBe(200);
    }
  });

  test("SCIM_RATE_LIMIT_ENABLED=false turns it off", async () => {
    const app = await instance(testRedisUrl(), {
      config: testConfig({ DATABASE_URL: env().testDb.url, SCIM_RATE_LIMIT: "1", SCIM_RATE_LIMIT_ENABLED: "false" }),
    });
    for (let i = 0; i < 4; i++) expect((await list(app, other.token)).status).toBe(200);
  });

  test("Redis down: the limiter fails open and every create is accepted and recorded; Redis back: limits again", async () => {
    redisServer = await OwnRedis.start();
    const app = await instance(redisServer.url);
    const fresh = await createTenant(env(), { company: { name: "Burst" } });
    await redisServer.stop();

    const names = Array.from({ length: LIMIT * 2 }, (_, i) => `burst.${i}@example.com`);
    const statuses: number[] = [];
    for (const name of names) statuses.push((await create(app, fresh.token, name)).status);
    expect(statuses).toEqual(names.map(() => 201));
    const [row] = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from users where company_id = ${fresh.companyId}`;
    expect(row?.n).toBe(names.length);

    await redisServer.restart();
    const deadline = Date.now() + 15_000;
    let limited = false;
    while (!limited && Date.now() < deadline) {
      const res = await list(app, fresh.token);
      await res.arrayBuffer();
      limited = res.status === 429;
      if (!limited) await new Promise((r) => setTimeout(r, 20));
    }
    expect(limited).toBe(true);
  });
});

describe("configuration", () => {
  test("defaults: 200 per second per token, enabled", () => {
    const config = loadConfig({ ADMIN_API_KEY: ADMIN_KEY });
    expect(config.SCIM_RATE_LIMIT).toBe(200);
    expect(config.SCIM_RATE_LIMIT_ENABLED).toBe(true);
  });

  test("invalid values stop the start naming the keys, never the values", () => {
    expect(() =>
      loadConfig({ ADMIN_API_KEY: ADMIN_KEY, SCIM_RATE_LIMIT: "lots", SCIM_RATE_LIMIT_ENABLED: "maybe" }),
    ).toThrow(/SCIM_RATE_LIMIT:[\s\S]*SCIM_RATE_LIMIT_ENABLED:/);
    expect(() => loadConfig({ ADMIN_API_KEY: ADMIN_KEY, SCIM_RATE_LIMIT: "0" })).toThrow(/SCIM_RATE_LIMIT/);
  });
});

/** A connection of its own that counts the Redis round trips the store makes (each lease is one EVAL). */
async function countingRedis(): Promise<{ redis: Redis; trips: () => number }> {
  const redis = new Redis(testRedisUrl(), { lazyConnect: true });
  clients.push(redis);
  await redis.connect();
  let trips = 0;
  const counted = new Proxy(redis, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "eval" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        trips++;
        return value.apply(target, args);
      };
    },
  });
  return { redis: counted, trips: () => trips };
}

describe("the leased count behind the limit", () => {
  const silent = pino({ level: "silent" });
  // A fixed clock: every hit falls in one window, however slow the machine.
  const window = () => 1_000_000_000_000;

  test("three processes, 600 hits at once, limit 150: exactly 150 let through, with a few dozen round trips", async () => {
    const prefix = `test:rl:${randomUUID()}:`;
    const processes = await Promise.all([countingRedis(), countingRedis(), countingRedis()]);
    const stores = processes.map((p) => new LeasedRedisStore(p.redis, silent, 150, prefix, window));
    const hits = await Promise.all(
      Array.from({ length: 600 }, (_, i) => stores[i % stores.length]?.increment("token-a")),
    );
    const allowed = hits.filter((h) => h && h.totalHits <= 150);
    expect(allowed).toHaveLength(150);
    // Every allowed hit holds its own position in the shared count.
    expect(new Set(allowed.map((h) => h?.totalHits)).size).toBe(150);
    const trips = processes.reduce((n, p) => n + p.trips(), 0);
    expect(trips).toBeGreaterThan(0);
    expect(trips).toBeLessThan(60);
    expect(
      Number(await processes[0]?.redis.get(`${prefix}token-a:${Math.floor(window() / 1000)}`)),
    ).toBeLessThanOrEqual(600);
  });

  test("one busy process at the default limit: 200 allowed, the 201st refused without asking Redis again", async () => {
    const prefix = `test:rl:${randomUUID()}:`;
    const { redis, trips } = await countingRedis();
    const store = new LeasedRedisStore(redis, silent, 200, prefix, window);
    const seen: number[] = [];
    for (let i = 0; i < 200; i++) seen.push((await store.increment("token-b")).totalHits);
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const before = trips();
    expect(before).toBeLessThan(50);
    const refused = await store.increment("token-b");
    expect(refused.totalHits).toBeGreaterThan(200);
    expect((await store.increment("token-b")).totalHits).toBeGreaterThan(200);
    // The count was known to be used up: no further round trip.
    expect(trips() - before).toBeLessThanOrEqual(1);
    // Another key has its own count.
    expect((await store.increment("token-c")).totalHits).toBe(1);
  });

  test("a new window starts a new count", async () => {
    const prefix = `test:rl:${randomUUID()}:`;
    const { redis } = await countingRedis();
    let now = 2_000_000_000_000;
    const store = new LeasedRedisStore(redis, silent, 2, prefix, () => now);
    const first = [await store.increment("t"), await store.increment("t"), await store.increment("t")];
    expect(first.map((h) => h.totalHits <= 2)).toEqual([true, true, false]);
    expect(first[0]?.resetTime.getTime()).toBe(now + 1000);
    now += 1000;
    const second = [await store.increment("t"), await store.increment("t"), await store.increment("t")];
    expect(second.map((h) => h.totalHits <= 2)).toEqual([true, true, false]);
  });

  test("a key in use at its window's end leases the next window's first permits ahead: the new window starts without a round trip", async () => {
    const prefix = `test:rl:${randomUUID()}:`;
    const { redis, trips } = await countingRedis();
    const start = 3_000_000_000_000;
    let now = start + 500;
    const store = new LeasedRedisStore(redis, silent, 200, prefix, () => now);
    // Mid-window: nothing is leased ahead.
    for (let i = 0; i < 9; i++) await store.increment("t");
    const midWindow = trips();
    // The first hit of the window's last 100 ms leases the next window's first permits: 9 hits in
    // 950 ms make 10 a window.
    now = start + 950;
    await store.increment("t");
    await new Promise((r) => setTimeout(r, 50)); // the lease ahead, in the background
    const atTurn = trips();
    expect(atTurn).toBe(midWindow + 1);
    // Positions 1–10 of the next window's count.
    expect(Number(await redis.get(`${prefix}t:${start / 1000 + 1}`))).toBe(10);
    now = start + 1000;
    const next = [];
    for (let i = 0; i < 10; i++) next.push((await store.increment("t")).totalHits);
    expect(next).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(trips()).toBe(atTurn);
    // Past them, leases as before; the count stays exact.
    expect((await store.increment("t")).totalHits).toBe(11);
    expect(trips()).toBe(atTurn + 1);
  });

  test("leased ahead or not, one process at the limit lets exactly the limit through in the next window", async () => {
    const prefix = `test:rl:${randomUUID()}:`;
    const { redis } = await countingRedis();
    const start = 4_000_000_000_000;
    let now = start + 990;
    const store = new LeasedRedisStore(redis, silent, 20, prefix, () => now);
    for (let i = 0; i < 30; i++) await store.increment("t");
    await new Promise((r) => setTimeout(r, 50));
    now = start + 1500;
    const hits = [];
    for (let i = 0; i < 30; i++) hits.push((await store.increment("t")).totalHits);
    expect(hits.filter((h) => h <= 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // An unused key is never leased ahead.
    expect(await redis.get(`${prefix}quiet:${start / 1000 + 1}`)).toBeNull();
  });
});
