import { passwordSealKey, webhookSealKeys } from "@scimline/db";
import { testQueuePrefix, testRedisConnection } from "@scimline/db/testing";
import { createRuntime, type Runtime, SandboxCarrier, type WebhookOptions } from "@scimline/worker";
import pino from "pino";
import { ADMIN_KEY, type TestEnv } from "./env.ts";

/** A real worker (relay, BullMQ, reconcile) against the test env's database, on its own queue prefix. */
export function startWorker(
  env: TestEnv,
  options: {
    carrierNumbers?: number;
    clock?: () => Date;
    /** How often the sweep loop (lost jobs, retention, capacity alerts) runs; default 15 s. */
    sweepIntervalMs?: number;
    /** Deliver webhooks too (fast test schedule unless given); the keys are the API's. */
    webhooks?: Partial<WebhookOptions>;
    /** Share a queue prefix with another worker (several worker processes); default: one of its own. */
    prefix?: string;
    /** Not started: no relay, jobs or loops; the test calls its parts (runtime.sweep.sweepOnce()) itself. */
    idle?: boolean;
  } = {},
): Runtime {
  const runtime = createRuntime({
    sql: env.database.sql,
    connection: testRedisConnection(),
    prefix: options.prefix ?? testQueuePrefix(),
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
    ...(options.webhooks
      ? {
          webhooks: {
            keys: webhookSealKeys(env.deps.config.WEBHOOK_SECRET_KEY, ADMIN_KEY),
            allowPrivateTargets: env.deps.config.WEBHOOKS_ALLOW_PRIVATE_TARGETS,
            concurrency: 10,
            pollMs: 20,
            timeoutMs: 5000,
            retry: { baseMs: 50, maxMs: 400, attempts: 1000 },
            ...options.webhooks,
          },
        }
      : {}),
    ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
  });
  if (!options.idle) runtime.start();
  return runtime;
}

export async function stopWorker(runtime: Runtime | undefined): Promise<void> {
  if (!runtime) return;
  await runtime.queue.obliterate({ force: true });
  await runtime.webhooks?.queue.obliterate({ force: true });
  await runtime.stop();
}

/**
 * Waits until the worker's queue holds nothing left to run. A batch records a user that must wait
 * (`failed` with a code) and then hands it to a job of its own, which plans it once more: a test
 * that fixes the cause next (seats, the month, a number) must let those jobs end first, or one of
 * them may provision the user before the retry under test sees it.
 */
export async function jobsSettled(runtime: Runtime, ms = 20_000): Promise<void> {
  await eventually(
    async () => {
      const counts = await runtime.queue.getJobCounts(
        "waiting",
        "active",
        "delayed",
        "prioritized",
        "waiting-children",
      );
      return Object.values(counts).every((n) => n === 0);
    },
    ms,
    "the worker's queue settled",
  );
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
