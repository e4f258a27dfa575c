import { passwordSealKey } from "@scimline/db";
import { testQueuePrefix, testRedisConnection } from "@scimline/db/testing";
import { createRuntime, type Runtime, SandboxCarrier } from "@scimline/worker";
import pino from "pino";
import { ADMIN_KEY, type TestEnv } from "./env.ts";

/** A real worker (relay, BullMQ, reconcile) against the test env's database, on its own queue prefix. */
export function startWorker(env: TestEnv, options: { carrierNumbers?: number; clock?: () => Date } = {}): Runtime {
  const runtime = createRuntime({
    sql: env.database.sql,
    connection: testRedisConnection(),
    prefix: testQueuePrefix(),
    carrier: new SandboxCarrier(env.database.sql, options.carrierNumbers ?? 100),
    logger: pino({ level: "silent" }),
    clock: options.clock ?? (() => new Date()),
    passwordKey: passwordSealKey(undefined, ADMIN_KEY),
    concurrency: 50,
    batchSize: 20,
    batchConcurrency: 2,
    attempts: 3,
    backoffMs: 50,
    relayIntervalMs: 10,
    relayBatch: 200,
  });
  runtime.start();
  return runtime;
}

export async function stopWorker(runtime: Runtime | undefined): Promise<void> {
  if (!runtime) return;
  await runtime.queue.obliterate({ force: true });
  await runtime.stop();
}

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
