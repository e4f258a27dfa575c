import { createDb, type Database, passwordSealKey } from "@scimline/db";
import { createTestDatabase, type TestDatabase, testQueuePrefix, testRedisUrl } from "@scimline/db/testing";
import { PROVISIONING_QUEUE, type ProvisioningJobData, WEBHOOK_QUEUE } from "@scimline/queue";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, inject } from "vitest";
import { createApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import type { AppDeps } from "../../src/deps.ts";
import { RequestLog } from "../../src/request-log/request-log.ts";
import { Tenancy } from "../../src/tenancy.ts";

export const ADMIN_KEY = "test-admin-key-0123456789";

export type TestEnv = {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  database: Database;
  testDb: TestDatabase;
  /** The env's own provisioning queue (deps.queues unless a test passed others). */
  queue: Queue<ProvisioningJobData>;
};

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ADMIN_API_KEY: ADMIN_KEY,
    AUTH_CACHE_TTL_MS: "0",
    LOG_LEVEL: "silent",
    NODE_ENV: "test",
    // Every test signs in from the same address within seconds; the files about these limits set their own.
    SIGN_IN_ADDRESS_MAX_PER_MINUTE: "100000",
    SIGN_IN_MAX_PER_SECOND: "100000",
    AUTH_FAILURES_PER_MINUTE: "100000",
    ...overrides,
  });
}

/** A database of its own (from the migrated template) and an app over it, for one test file. */
export async function startTestEnv(
  overrides: Partial<AppDeps> = {},
  env: Record<string, string> = {},
): Promise<TestEnv> {
  const testDb = await createTestDatabase(inject("templateDatabase"));
  const config = testConfig({
    DATABASE_URL: testDb.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: testQueuePrefix(),
    ...env,
  });
  const database = createDb(testDb.url, {
    max: 4,
    statementTimeoutMs: config.API_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.API_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  // As main.ts builds it, on the file's own prefix (QUEUE_PREFIX); a test may pass a worker's queue instead.
  const provisioning = new Queue<ProvisioningJobData>(PROVISIONING_QUEUE, {
    connection: { url: config.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
    prefix: config.QUEUE_PREFIX,
  });
  provisioning.on("error", () => {});
  const webhooks = new Queue(WEBHOOK_QUEUE, {
    connection: { url: config.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
    prefix: config.QUEUE_PREFIX,
  });
  webhooks.on("error", () => {});
  // The request log as main.ts runs it, flushed often so a test reads what it sent within moments.
  const requestLog = new RequestLog(database.sql, pino({ level: "silent" }), { flushMs: 50 });
  requestLog.start();
  const deps: AppDeps = {
    requestLog,
    config,
    database,
    tenancy: new Tenancy(database, config.AUTH_CACHE_TTL_MS),
    redis,
    queues: { provisioning, webhooks },
    logger: pino({ level: "silent" }),
    passwordKey: passwordSealKey(undefined, ADMIN_KEY),
    clock: () => new Date(),
    ...overrides,
  };
  return { app: createApp(deps), deps, database, testDb, queue: provisioning };
}

export async function stopTestEnv(env: TestEnv | undefined): Promise<void> {
  if (!env) return;
  await env.deps.requestLog?.stop();
  await env.database.close();
  await env.queue.obliterate({ force: true }).catch(() => {});
  await env.queue.close();
  await env.deps.queues.webhooks?.close();
  env.deps.redis.disconnect();
  await env.testDb.drop();
}

/** Registers beforeAll/afterAll for a file; the returned getter gives the env inside tests. */
export function useTestEnv(overrides: Partial<AppDeps> = {}, env: Record<string, string> = {}): () => TestEnv {
  let current: TestEnv | undefined;
  beforeAll(async () => {
    current = await startTestEnv(overrides, env);
  });
  afterAll(async () => {
    await stopTestEnv(current);
  });
  return () => {
    if (!current) throw new Error("test env not started");
    return current;
  };
}
