import { type Database, passwordSealKey } from "@scimline/db";
import { testQueuePrefix, testRedisConnection } from "@scimline/db/testing";
import pino from "pino";
import { SandboxCarrier } from "../../src/carrier/sandbox.ts";
import { createRuntime, type RuntimeOptions } from "../../src/runtime.ts";

export const redisConnection = testRedisConnection;

/** A worker runtime on its own queue prefix, as main.ts builds it, with small test-friendly knobs. */
export function testRuntime(database: Database, overrides: Partial<RuntimeOptions> & { carrierNumbers?: number } = {}) {
  const { carrierNumbers, ...rest } = overrides;
  return createRuntime({
    sql: database.sql,
    connection: redisConnection(),
    prefix: testQueuePrefix(),
    carrier: new SandboxCarrier(database.sql, carrierNumbers ?? 100),
    logger: pino({ level: "silent" }),
    clock: () => new Date("2026-11-29T12:00:00Z"),
    passwordKey: passwordSealKey(undefined, "test-admin-key-0123456789"),
    concurrency: 50,
    batchSize: 20,
    batchConcurrency: 2,
    attempts: 3,
    backoffMs: 50,
    relayIntervalMs: 10,
    relayBatch: 200,
    ...rest,
  });
}

/** Polls until `check` holds (or fails after `ms`): provisioning is asynchronous. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  ms = 20_000,
  label = "condition",
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
