import { existsSync } from "node:fs";
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import { serve } from "@hono/node-server";
import { createDb, ensureDatabase, passwordSealKey, runMigrations } from "@scimline/db";
import { PROVISIONING_QUEUE, type ProvisioningJobData, WEBHOOK_QUEUE } from "@scimline/queue";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { paceHeap } from "./heap.ts";
import { bufferedStdout, createLogger } from "./logger.ts";
import { LiveSampler } from "./ops/live-sampler.ts";
import { RequestLog } from "./request-log/request-log.ts";
import { Tenancy } from "./tenancy.ts";

// The only place that touches the environment, ports and signals.
for (const file of [".env", "../../.env"]) if (existsSync(file)) process.loadEnvFile(file);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  console.error(`scimline api: ${(error as Error).message}`);
  process.exit(1);
}

// Before the first allocation of any size: the heap's growth policy applies from here on.
const heap = paceHeap(config.API_HEAP_GROWING_PERCENT);
const stdout = bufferedStdout();
const logger = createLogger(config.LOG_LEVEL, stdout);
/** Writes what the buffered destination still holds, before process.exit (which would drop it). */
const flushLogs = () => {
  try {
    stdout.flushSync();
  } catch {
    // Not open yet or already closed: nothing more can be written.
  }
};
if (config.MIGRATE_ON_START) {
  await ensureDatabase(config.DATABASE_URL);
  await runMigrations(config.DATABASE_URL);
  logger.info("database migrated");
}
/** `promise` settled (its failure ignored), or `ms` passed: start-up and shutdown steps never hang the process. */
const settle = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);
const database = createDb(config.DATABASE_URL, {
  max: config.API_DB_POOL_MAX,
  applicationName: "scimline-api",
  statementTimeoutMs: config.API_STATEMENT_TIMEOUT_MS,
  idleInTransactionTimeoutMs: config.API_IDLE_IN_TRANSACTION_TIMEOUT_MS,
});
// Before the first request: a request arriving with the start (a restart under an IdP's load) could
// otherwise build an array parameter before the pool knows the array types, and fail. Bounded: with
// Postgres away the API still starts, and /readyz says so.
await settle(database.ready(), 5000);
// Fail fast: the door never waits on Redis (offline queue off, one retry per command).
// Auto-pipelining: the rate limiter's commands of one event-loop turn go out in one write.
const redis = new Redis(config.REDIS_URL, {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  lazyConnect: false,
  enableAutoPipelining: true,
});
redis.on("error", (error) => logger.warn({ err: { message: error.message } }, "redis error"));
// The dashboard's, the job retry's and the metrics' producer: fails fast too; never used by the door.
const provisioning = new Queue<ProvisioningJobData>(PROVISIONING_QUEUE, {
  connection: { url: config.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  prefix: config.QUEUE_PREFIX,
});
provisioning.on("error", (error) => logger.warn({ err: { message: error.message } }, "queue redis error"));
const webhooks = new Queue(WEBHOOK_QUEUE, {
  connection: { url: config.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  prefix: config.QUEUE_PREFIX,
});
webhooks.on("error", (error) => logger.warn({ err: { message: error.message } }, "queue redis error"));
// The ops console's series: read every second for as long as the process runs (docs: Operations).
const liveSampler = new LiveSampler({ sql: database.sql, queue: provisioning, logger });
liveSampler.start();
// The SCIM request log: requests append to a buffer; this writes it in batches (README: Request log).
const requestLog = config.REQUEST_LOG_ENABLED
  ? new RequestLog(database.sql, logger, { flushMs: config.REQUEST_LOG_FLUSH_MS })
  : undefined;
requestLog?.start();
const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const app = createApp({
  config,
  database,
  tenancy: new Tenancy(database, config.AUTH_CACHE_TTL_MS),
  redis,
  queues: { provisioning, webhooks },
  logger,
  passwordKey: passwordSealKey(
    config.PASSWORD_ENCRYPTION_KEY,
    config.ADMIN_API_KEY,
    config.PASSWORD_ENCRYPTION_KEYS_PREVIOUS,
  ),
  clock: () => new Date(),
  metricsRegistry,
  liveSampler,
  ...(requestLog ? { requestLog } : {}),
});

const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  logger.info({ port: info.port, heapGrowingPercent: heap.heapGrowingPercent }, "listening");
});

// Responses not yet started when SIGTERM arrives, and every later one, say `Connection: close`,
// so keep-alive clients move to another process instead of holding this one open. What is in flight is
// found through the connections (few, long-lived), each holding its latest response. Not a set that every
// response joins and leaves: with one, each young-generation collection promoted twice the bytes (~2 MB
// instead of ~1) and the door's API spent ~15% more CPU per create (README "Performance").
const LATEST = Symbol("latest response");
type Connection = Socket & { [LATEST]?: ServerResponse };
const connections = new Set<Connection>();
server.on("connection", (socket: Connection) => {
  connections.add(socket);
  socket.once("close", () => connections.delete(socket));
});
let stopping = false;
server.on("request", (req: IncomingMessage, res: ServerResponse) => {
  if (stopping) res.setHeader("Connection", "close");
  else (req.socket as Connection)[LATEST] = res;
});
/** Responses begun and not yet ended. */
const inFlight = () =>
  [...connections].flatMap((socket) => {
    const res = socket[LATEST];
    return res && !res.writableEnded ? [res] : [];
  });

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const unanswered = inFlight();
  logger.info(
    { signal, inFlight: unanswered.length },
    "shutting down: no new connections, finishing in-flight requests",
  );
  const force = setTimeout(() => {
    logger.error("in-flight requests did not finish in 25 s; exiting");
    flushLogs();
    process.exit(1);
  }, 25_000);
  force.unref();
  for (const res of unanswered) if (!res.headersSent) res.setHeader("Connection", "close");
  // net's close stops accepting without http's instant cut of idle keep-alive sockets (a request on
  // its way there would be reset): each gets one more answer, with Connection: close, or is closed
  // once idle for 0.5 s. The callback runs when every connection is gone.
  setInterval(() => (server as HttpServer).closeIdleConnections(), 500).unref();
  NetServer.prototype.close.call(server, async () => {
    await settle(liveSampler.stop(), 2000);
    if (requestLog) await settle(requestLog.stop(), 3000);
    await settle(database.close(), 5000);
    await settle(provisioning.close(), 2000);
    await settle(webhooks.close(), 2000);
    redis.disconnect();
    logger.info("stopped");
    flushLogs();
    clearTimeout(force);
    process.exit(0);
  });
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
