import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { hostname } from "node:os";
import { createDb, passwordSealKey, webhookSealKeys } from "@scimline/db";
import pino from "pino";
import { SandboxCarrier } from "./carrier/sandbox.ts";
import { loadConfig } from "./config.ts";
import { createWorkerMetrics, serveMetrics } from "./metrics.ts";
import { createRuntime } from "./runtime.ts";

// The only place that touches the environment and signals.
for (const file of [".env", "../../.env"]) if (existsSync(file)) process.loadEnvFile(file);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  console.error(`scimline worker: ${(error as Error).message}`);
  process.exit(1);
}

const logger = pino({ level: config.LOG_LEVEL, base: { service: "worker" } }, pino.destination({ sync: false }));
// A batch transaction takes well under a second; one left pending by a lost connection is given
// up after 30 s and its jobs retried (createDb's deadline).
const database = createDb(config.DATABASE_URL, {
  max: config.WORKER_DB_POOL_MAX,
  applicationName: "scimline-worker",
  transactionTimeoutMs: 30_000,
});
const redisUrl = new URL(config.REDIS_URL);
const connection = {
  host: redisUrl.hostname,
  port: Number(redisUrl.port || 6379),
  ...(redisUrl.password ? { password: decodeURIComponent(redisUrl.password) } : {}),
  ...(redisUrl.username ? { username: decodeURIComponent(redisUrl.username) } : {}),
  ...(redisUrl.pathname.length > 1 ? { db: Number(redisUrl.pathname.slice(1)) } : {}),
  maxRetriesPerRequest: null,
};

const metrics = createWorkerMetrics();
const runtime = createRuntime({
  sql: database.sql,
  connection,
  prefix: config.QUEUE_PREFIX,
  carrier: new SandboxCarrier(database.sql, config.CARRIER_NUMBERS_PER_AREA_CODE),
  logger,
  clock: () => new Date(),
  passwordKey: passwordSealKey(
    config.PASSWORD_ENCRYPTION_KEY,
    config.ADMIN_API_KEY,
    config.PASSWORD_ENCRYPTION_KEYS_PREVIOUS,
  ),
  name: config.WORKER_NAME ?? `${hostname()}-${process.pid}`,
  concurrency: config.WORKER_CONCURRENCY,
  batchSize: config.BATCH_SIZE,
  batchConcurrency: config.BATCH_CONCURRENCY,
  attempts: config.JOB_ATTEMPTS,
  backoffMs: config.JOB_BACKOFF_MS,
  relayIntervalMs: config.RELAY_INTERVAL_MS,
  relayBatch: config.RELAY_BATCH,
  sweepIntervalMs: config.SWEEP_INTERVAL_MS,
  sweepGraceMs: config.SWEEP_GRACE_MS,
  onSweep: metrics.onSweep,
  lockDurationMs: config.JOB_LOCK_MS,
  stalledIntervalMs: config.STALLED_CHECK_MS,
  maxStalledCount: config.JOB_MAX_STALLS,
  onStep: metrics.onStep,
  onJob: metrics.onJob,
  webhooks: {
    keys: webhookSealKeys(config.WEBHOOK_SECRET_KEY, config.ADMIN_API_KEY, config.WEBHOOK_SECRET_KEYS_PREVIOUS),
    allowPrivateTargets: config.WEBHOOKS_ALLOW_PRIVATE_TARGETS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    pollMs: config.WEBHOOK_POLL_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retry: {
      baseMs: config.WEBHOOK_BACKOFF_BASE_MS,
      maxMs: config.WEBHOOK_BACKOFF_MAX_MS,
      attempts: config.WEBHOOK_MAX_ATTEMPTS,
    },
    onAttempt: metrics.onWebhookAttempt,
  },
});
let stopping = false;
let metricsServer: Server | null = null;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: finishing active jobs");
  const force = setTimeout(() => process.exit(1), 30_000);
  force.unref();
  await runtime.stop();
  await database.close();
  metricsServer?.close();
  metricsServer?.closeAllConnections();
  logger.info("stopped");
  logger.flush();
  clearTimeout(force);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

// Under `pnpm dev` the worker may start before the API has created and migrated the database.
for (let waited = false; !stopping; waited = true) {
  const ready = await database.sql`select to_regclass('outbox') is not null as ready`.then(
    ([row]) => row?.ready === true,
    () => false,
  );
  if (ready) break;
  if (!waited) logger.info("waiting for the database schema (the API migrates it at start)");
  await new Promise((r) => setTimeout(r, 500));
}
if (!stopping) {
  runtime.start();
  logger.info({ concurrency: config.WORKER_CONCURRENCY, batchSize: config.BATCH_SIZE }, "worker started");
  if (config.WORKER_METRICS_PORT > 0) {
    metricsServer = await serveMetrics(metrics, {
      port: config.WORKER_METRICS_PORT,
      host: config.WORKER_METRICS_HOST,
      logger,
      healthy: () => !stopping,
    });
  }
}
