import { existsSync } from "node:fs";
import { serve } from "@hono/node-server";
import { createDb, ensureDatabase, passwordSealKey, runMigrations } from "@scimline/db";
import { Redis } from "ioredis";
import pino from "pino";
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { Tenancy } from "./tenancy.ts";

// The only place that touches the environment, ports and signals (STYLE §2).
for (const file of [".env", "../../.env"]) if (existsSync(file)) process.loadEnvFile(file);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  console.error(`scimline api: ${(error as Error).message}`);
  process.exit(1);
}

const logger = pino(
  { level: config.LOG_LEVEL, base: { service: "api" }, redact: ["req.headers.authorization", "*.password", "*.token"] },
  pino.destination({ sync: false }),
);
if (config.MIGRATE_ON_START) {
  await ensureDatabase(config.DATABASE_URL);
  await runMigrations(config.DATABASE_URL);
  logger.info("database migrated");
}
const database = createDb(config.DATABASE_URL, { max: config.API_DB_POOL_MAX, applicationName: "scimline-api" });
// Fail fast: the door never waits on Redis (offline queue off, one retry per command).
const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
redis.on("error", (error) => logger.warn({ err: { message: error.message } }, "redis error"));

const app = createApp({
  config,
  database,
  tenancy: new Tenancy(database, config.AUTH_CACHE_TTL_MS),
  redis,
  logger,
  passwordKey: passwordSealKey(config.PASSWORD_ENCRYPTION_KEY, config.ADMIN_API_KEY),
  clock: () => new Date(),
});

const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  logger.info({ port: info.port }, "listening");
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: no new connections, finishing in-flight requests");
  const force = setTimeout(() => process.exit(1), 25_000);
  force.unref();
  server.close(async () => {
    await database.close();
    redis.disconnect();
    logger.info("stopped");
    logger.flush();
    clearTimeout(force);
    process.exit(0);
  });
  // Idle keep-alive sockets would hold close() open.
  (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
