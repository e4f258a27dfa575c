// `node scripts/setup.mjs demo|test`, run by `pnpm start` (demo) and `pnpm test` / `pnpm test:int`
// (test): makes sure what they need is there, installing or starting what is missing.
//   demo: Postgres at DATABASE_URL and Redis at REDIS_URL (environment or .env).
//   test: Postgres at TEST_DATABASE_URL and Redis at TEST_REDIS_URL, plus the redis-server binary
//         (some tests start their own) and Chromium (the dashboard's browser test).
// For each: start it if it is installed; else install Debian's package with apt-get (as root, or
// with sudo); else, for Postgres and Redis, `docker compose up` when a Docker engine answers; else
// exit 1 with one line per missing piece saying what to install or start.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { endpoint, isLocal, probePostgres, probeRedis } from "./setup/probe.mjs";
import {
  aptInstall,
  asRoot,
  debianClusters,
  dockerEngine,
  has,
  log,
  pgCtlCluster,
  postgresInstalled,
  run,
  trustLocalConnections,
} from "./setup/system.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const mode = process.argv[2];
if (mode !== "demo" && mode !== "test") {
  console.error("usage: node scripts/setup.mjs demo|test");
  process.exit(2);
}
if (mode === "demo" && existsSync(join(root, ".env"))) process.loadEnvFile(join(root, ".env"));

const pgVar = mode === "demo" ? "DATABASE_URL" : "TEST_DATABASE_URL";
const redisVar = mode === "demo" ? "REDIS_URL" : "TEST_REDIS_URL";
const pgUrl = process.env[pgVar] ?? `postgres://postgres@127.0.0.1:5432/${mode === "demo" ? "scimline" : "postgres"}`;
const redisUrl = process.env[redisVar] ?? "redis://127.0.0.1:6379";
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const pg = endpoint(pgUrl, 5432);
const redis = endpoint(redisUrl, 6379);
const at = ({ host, port }) => `${host.includes(":") ? `[${host}]` : host}:${port}`;
const problems = [];
const acted = { postgres: false, redis: false }; // installed or started: wait for it to answer

async function waitFor(probe, url, seconds = 60) {
  let result = await probe(url);
  for (let i = 0; i < seconds * 4 && !result.ok && ["down", "starting"].includes(result.reason); i++) {
    await new Promise((r) => setTimeout(r, 250));
    result = await probe(url);
  }
  return result;
}

function startDebianCluster() {
  const cluster = debianClusters().find((c) => c.port === pg.port);
  if (!cluster || cluster.online || asRoot() === null) return false;
  log(`starting PostgreSQL ${cluster.version}/${cluster.name} (port ${cluster.port})`);
  acted.postgres = pgCtlCluster(cluster, "start");
  return acted.postgres;
}

function startRedis() {
  if (!has("redis-server")) return false;
  log(`starting redis-server on 127.0.0.1:${redis.port} (no persistence)`);
  const args = ["--daemonize", "yes", "--bind", "127.0.0.1", "--port", String(redis.port), "--save", ""];
  run(["redis-server", ...args, "--appendonly", "no"], "redis-server");
  acted.redis = true;
  return true;
}

let pgState = await probePostgres(pgUrl);
let redisState = await probeRedis(redisUrl);
const pgMissing = !pgState.ok && pgState.reason === "down" && isLocal(pg.host);
const redisMissing = !redisState.ok && redisState.reason === "down" && isLocal(redis.host);

try {
  // Debian packages first, in one apt-get run.
  const packages = [];
  if (pgMissing && !postgresInstalled()) packages.push("postgresql");
  if ((redisMissing || mode === "test") && !has("redis-server")) packages.push("redis-server");
  if (mode === "test" && !existsSync(chromium) && !process.env.CHROMIUM_PATH) packages.push("chromium");
  const installed = packages.length > 0 && aptInstall(packages);
  if (installed && packages.includes("redis-server")) acted.redis = true;
  if (installed && packages.includes("postgresql")) {
    acted.postgres = true;
    const cluster = debianClusters().find((c) => c.port === pg.port);
    if (cluster) trustLocalConnections(cluster);
  }

  // Then start what is installed but not running; Docker for what is neither.
  const docker = [];
  if (pgMissing && !(await probePostgres(pgUrl)).ok && !startDebianCluster() && !postgresInstalled())
    docker.push("postgres");
  if (redisMissing && !(await probeRedis(redisUrl)).ok && !startRedis()) docker.push("redis");
  if (docker.length > 0 && dockerEngine()) {
    log(`starting ${docker.join(" and ")} with docker compose`);
    for (const service of docker) acted[service] = true;
    run(
      ["docker", "compose", "-f", join(root, "docker-compose.yml"), "up", "-d", "--wait", ...docker],
      "docker compose",
    );
  }
} catch (error) {
  problems.push(error instanceof Error ? error.message : String(error));
}
if (pgMissing) pgState = await waitFor(probePostgres, pgUrl, acted.postgres ? 60 : 0);
if (redisMissing) redisState = await waitFor(probeRedis, redisUrl, acted.redis ? 60 : 0);

const noRoot = asRoot() === null ? " (not root, no usable sudo)" : "";
if (!pgState.ok) {
  const where = `PostgreSQL at ${at(pg)} (${pgVar})`;
  if (pgState.reason === "auth")
    problems.push(
      `${where} refuses user ${pgState.user}: ${pgState.detail}; put the password in ${pgVar}, or allow \`trust\` for 127.0.0.1 in its pg_hba.conf`,
    );
  else if (pgState.reason === "error") problems.push(`${where} answers with an error: ${pgState.detail}`);
  else if (!isLocal(pg.host))
    problems.push(`${where} does not answer (${pgState.detail}): start it, or point ${pgVar} at one that runs`);
  else if (postgresInstalled()) {
    const cluster = debianClusters().find((c) => c.port === pg.port);
    const how = cluster
      ? `\`sudo pg_ctlcluster ${cluster.version} ${cluster.name} start\``
      : `start PostgreSQL on port ${pg.port}`;
    problems.push(`${where} does not answer and could not be started${noRoot}: ${how}`);
  } else
    problems.push(
      `${where} does not answer and could not be installed${noRoot}: install PostgreSQL 15 with trust auth for 127.0.0.1 (Debian: \`sudo apt-get install postgresql\`), or start Docker for \`docker compose up -d\``,
    );
}
if (!redisState.ok) {
  const where = `Redis at ${at(redis)} (${redisVar})`;
  if (redisState.reason === "auth" || redisState.reason === "error")
    problems.push(`${where} refuses us: ${redisState.detail}; fix the password in ${redisVar}`);
  else if (!isLocal(redis.host))
    problems.push(`${where} does not answer (${redisState.detail}): start it, or point ${redisVar} at one that runs`);
  else
    problems.push(
      `${where} does not answer and could not be installed or started${noRoot}: install Redis 7 (Debian: \`sudo apt-get install redis-server\`), or start Docker for \`docker compose up -d\``,
    );
}
if (mode === "test" && !has("redis-server"))
  problems.push(
    `the tests start redis-servers of their own and there is none on the PATH${noRoot}: install Redis 7 (Debian: \`sudo apt-get install redis-server\`)`,
  );
if (mode === "test" && !existsSync(chromium))
  problems.push(
    process.env.CHROMIUM_PATH
      ? `CHROMIUM_PATH=${chromium} does not exist: point it at a Chromium or Chrome binary`
      : `the dashboard's browser test needs ${chromium}${noRoot}: install Chromium (Debian: \`sudo apt-get install chromium\`), or set CHROMIUM_PATH to a Chromium or Chrome binary`,
  );

if (problems.length > 0) {
  for (const problem of problems) console.error(`setup: ${problem}`);
  process.exit(1);
}
const parts = [`PostgreSQL ${pgState.version} at ${at(pg)}`, `Redis at ${at(redis)}`];
if (mode === "test") {
  const version = spawnSync(chromium, ["--version"], { encoding: "utf8", timeout: 20_000 }).stdout?.trim();
  parts.push(`${version || "Chromium"} at ${chromium}`);
}
log(`ready: ${parts.join(", ")}`);
