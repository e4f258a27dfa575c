import { createDb } from "@scimline/db";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import { useTestEnv } from "./helpers/env.ts";
import { OwnRedis } from "./helpers/redis-server.ts";

const env = useTestEnv();
let redisServer: OwnRedis;
let redis: Redis;

beforeAll(async () => {
  redisServer = await OwnRedis.start();
  // As main.ts connects: offline queue off, so a command fails at once while Redis is down.
  redis = new Redis(redisServer.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on("error", () => {});
  await redis.connect();
});
afterAll(async () => {
  redis?.disconnect();
  await redisServer?.stop();
});

const probe = async (app: ReturnType<typeof createApp>, path: string) => {
  const started = performance.now();
  const res = await app.request(path);
  return { status: res.status, body: await res.json(), ms: performance.now() - started };
};

describe("/healthz and /readyz", () => {
  test("/healthz answers while the process runs; /readyz when Postgres and Redis answer", async () => {
    expect(await probe(env().app, "/healthz")).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(await probe(env().app, "/readyz")).toMatchObject({
      status: 200,
      body: { status: "ready", postgres: "ok", redis: "ok" },
    });
  });

  test("Redis stopped: /readyz is 503 naming redis, /healthz stays 200; Redis back: ready again", async () => {
    const app = createApp({ ...env().deps, redis });
    expect((await probe(app, "/readyz")).status).toBe(200);

    await redisServer.stop();
    const down = await probe(app, "/readyz");
    expect(down).toMatchObject({ status: 503, body: { status: "unavailable", postgres: "ok", redis: "unreachable" } });
    expect(down.ms).toBeLessThan(2500);
    expect((await probe(app, "/healthz")).status).toBe(200);

    await redisServer.restart();
    const deadline = Date.now() + 15_000;
    let back = await probe(app, "/readyz");
    while (back.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      back = await probe(app, "/readyz");
    }
    expect(back).toMatchObject({ status: 200, body: { redis: "ok" } });
  });

  test("Postgres unreachable: /readyz is 503 naming postgres", async () => {
    const nowhere = createDb("postgres://postgres@127.0.0.1:1/scimline", { max: 1 });
    try {
      const app = createApp({ ...env().deps, database: nowhere });
      expect(await probe(app, "/readyz")).toMatchObject({
        status: 503,
        body: { status: "unavailable", postgres: "unreachable", redis: "ok" },
      });
      expect((await probe(app, "/healthz")).status).toBe(200);
    } finally {
      await nowhere.close();
    }
  });
});
