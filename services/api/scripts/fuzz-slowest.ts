// Hostile SCIM filters, PATCH paths and PATCH bodies against a real API over HTTP (loopback),
// one request at a time, timing each; prints the slowest. No single request may stall the
// service: on this 2-core machine the slowest should stay under 100 ms (README "Security").
// `pnpm --filter @scimline/api fuzz:slowest [-- --runs 3000 --users 2000 --seed 12]`
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { createDb, ensureDatabase, passwordSealKey, runMigrations } from "@scimline/db";
import { PROVISIONING_QUEUE } from "@scimline/queue";
import { Queue } from "bullmq";
import fc from "fast-check";
import { Redis } from "ioredis";
import pino from "pino";
import postgres from "postgres";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { Tenancy } from "../src/tenancy.ts";
import { hostileString } from "../test/helpers/fuzz-arbitraries.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    runs: { type: "string", default: "3000" },
    users: { type: "string", default: "2000" },
    seed: { type: "string", default: "12" },
    /** Writes the slowest requests (method, path, body) to this file, to replay or profile them. */
    dump: { type: "string" },
    server: { type: "string", default: process.env.FUZZ_DATABASE_SERVER ?? "postgres://postgres@127.0.0.1:5432" },
  },
});
const DB = `${values.server}/scimline_fuzz`;
const ADMIN = `fuzz-${randomBytes(24).toString("base64url")}`;

// A database of its own, fresh each run.
const root = postgres(`${values.server}/postgres`, { max: 1, onnotice: () => {} });
await root.unsafe("drop database if exists scimline_fuzz with (force)");
await root.end();
await ensureDatabase(DB);
await runMigrations(DB);

const config = loadConfig({
  ADMIN_API_KEY: ADMIN,
  DATABASE_URL: DB,
  LOG_LEVEL: "silent",
  QUEUE_PREFIX: `{fuzz-${randomBytes(4).toString("hex")}}`,
  SCIM_RATE_LIMIT_ENABLED: "false",
  AUTH_FAILURES_PER_MINUTE: "1000000",
});
const database = createDb(DB, {
  max: config.API_DB_POOL_MAX,
  statementTimeoutMs: config.API_STATEMENT_TIMEOUT_MS,
  idleInTransactionTimeoutMs: config.API_IDLE_IN_TRANSACTION_TIMEOUT_MS,
});
const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
const provisioning = new Queue(PROVISIONING_QUEUE, {
  connection: { url: config.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  prefix: config.QUEUE_PREFIX,
});
const app = createApp({
  config,
  database,
  tenancy: new Tenancy(database, config.AUTH_CACHE_TTL_MS),
  redis,
  queues: { provisioning },
  logger: pino({ level: "silent" }),
  passwordKey: passwordSealKey(undefined, ADMIN),
  clock: () => new Date(),
});
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise((resolve) => server.once("listening", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** One request on a connection of its own (a 413 closes its connection mid-upload), timed to the last byte. */
function call(method: string, path: string, body: unknown, headers: Record<string, string>) {
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const started = performance.now();
  return new Promise<{ status: number; ms: number; text: string }>((resolve, reject) => {
    const req = httpRequest(
      `${base}${path}`,
      { method, agent: false, headers: { "Content-Type": "application/json", ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
const admin = async (method: string, path: string, body?: unknown) =>
  JSON.parse((await call(method, `/api/v1${path}`, body, { Authorization: `Bearer ${ADMIN}` })).text);

// A company with users and a large group, as an identity provider leaves it.
const company = await admin("POST", "/companies", { name: "Fuzz", country: "US", defaultAreaCode: "415" });
await admin("POST", `/companies/${company.id}/offices`, {
  name: "HQ",
  country: "US",
  seats: { "Dialpad_Ai Voice": 0 },
});
const directory = await admin("POST", `/companies/${company.id}/directories`, { name: "Okta" });
const { token } = await admin("POST", `/directories/${directory.id}/tokens`);
const scimHeaders = { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" };
const scim = (method: string, path: string, body?: unknown) => call(method, `/scim/v2${path}`, body, scimHeaders);
const userIds: string[] = [];
for (let i = 0; i < Number(values.users); i++) {
  const res = await scim("POST", "/Users", {
    userName: `user${i}@fuzz.example`,
    name: { givenName: `Given${i}`, familyName: `Family${i}` },
    emails: [{ value: `user${i}@fuzz.example`, type: "work", primary: true }],
    active: true,
  });
  userIds.push(JSON.parse(res.text).id);
}
const group = JSON.parse(
  (await scim("POST", "/Groups", { displayName: "Everyone", members: userIds.map((value) => ({ value })) })).text,
);
const target = userIds[0] ?? "";

// The grammar's pieces and what breaks it.
const attr = fc.constantFrom(
  "userName",
  "emails",
  "emails.value",
  "name.givenName",
  "displayName",
  "members.value",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
  "meta.lastModified",
  "active",
  "x",
);
const op = fc.constantFrom("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le");
const value = fc.oneof(
  hostileString.map((s) => JSON.stringify(s)),
  fc.constantFrom("true", "null", "5", '"a\\"b"'),
);
const leaf = fc.oneof(
  fc.tuple(attr, op, value).map(([a, o, v]) => `${a} ${o} ${v}`),
  attr.map((a) => `${a} pr`),
  fc.tuple(attr, attr, op, value).map(([a, s, o, v]) => `${a}[${s} ${o} ${v}]`),
);
const filter = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(leaf, { minLength: 1, maxLength: 6 })
      .chain((l) => fc.constantFrom(...["and", "or"]).map((j) => l.join(` ${j} `))),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map((d) => `${"(".repeat(d)}userName pr${")".repeat(d)}`) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 1000 })
      .map((n) => Array(n).fill('userName co "a"').join(" or ").slice(0, 4096)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }).map((n) => `userName eq "${"\n".repeat(n)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1300 }).map((n) => `x eq "${"a\\\n".repeat(n)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4000 }).map((n) => `userName co "${"%_".repeat(n).slice(0, n)}"`) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
);
const path = fc.oneof(
  attr,
  filter.map((f) => `emails[${f.slice(0, 900)}].value`),
  filter.map((f) => `members[${f.slice(0, 900)}]`),
);
const values_ = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ value: `v${i}@fuzz.example`, type: `t${i % 3}` }));
const patchOp = fc.oneof(
  fc.record({
    op: fc.constantFrom("add", "replace", "remove", "Add"),
    path,
    value: fc.oneof(value, fc.constant(null)),
  }),
  fc.integer({ min: 1, max: 150 }).map((n) => ({ op: "add", path: "emails", value: values_(n) })),
  fc
    .constantFrom(100, 5000, 20000)
    .map((n) => ({ op: "add", path: "members", value: Array.from({ length: n }, (_, i) => ({ display: `m${i}` })) })),
  fc.constant({ op: "remove", path: 'members[display eq "nobody"]' }),
  fc
    .integer({ min: 1, max: 8 })
    .map((d) => ({ op: "replace", value: JSON.parse(`${'{"a":'.repeat(d)}1${"}".repeat(d)}`) })),
);
const request = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom("/Users", "/Groups"), filter).map(([r, f]) => ({
      method: "GET",
      path: `${r}?filter=${encodeURIComponent(f)}&count=100`,
      body: undefined as unknown,
    })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(`/Users/${target}`, `/Groups/${group.id}`),
        fc.array(patchOp, { minLength: 1, maxLength: 20 }),
      )
      .map(([p, ops]) => ({
        method: "PATCH",
        path: p,
        body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: ops } as unknown,
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(`/Groups/${group.id}`, "/Groups?count=1000", "/Users?count=1000")
      .map((p) => ({ method: "GET", path: p, body: undefined as unknown })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 1000 }).map((n) => ({
      method: "PATCH",
      path: `/Groups/${group.id}`,
      body: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: Array.from({ length: n }, (_, i) => ({ op: "remove", path: `members[display eq "m${i}"]` })),
      } as unknown,
    })),
  },
);

const runs = Number(values.runs);
const samples = fc.sample(request, { numRuns: runs, seed: Number(values.seed) });
const timings: Array<{ ms: number; status: number; what: string; request: (typeof samples)[number] }> = [];
let failures = 0;
let resets = 0;
for (const r of samples) {
  const size = r.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(r.body));
  const what = `${r.method} ${r.path.slice(0, 120)}${size ? ` (${size} bytes)` : ""}`;
  const started = performance.now();
  try {
    const res = await scim(r.method, r.path, r.body);
    if (res.status >= 500) failures++;
    timings.push({ ms: res.ms, status: res.status, what, request: r });
  } catch (error) {
    // Over 1 MiB the server answers 413 and closes the connection while the body is still being sent.
    if (size <= 1024 * 1024) throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
    resets++;
    timings.push({ ms: performance.now() - started, status: 413, what, request: r });
  }
}
timings.sort((a, b) => b.ms - a.ms);
const q = (p: number) => timings[Math.floor(timings.length * (1 - p))]?.ms.toFixed(1);
console.log(
  `${runs} requests against ${values.users} users and a group of ${userIds.length}: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, 5xx ${failures}, bodies over 1 MiB cut off ${resets}`,
);
console.log("slowest:");
for (const t of timings.slice(0, 5)) console.log(`  ${t.ms.toFixed(1)} ms  ${t.status}  ${t.what}`);
if (values.dump) writeFileSync(values.dump, JSON.stringify(timings.slice(0, 5), null, 1));
console.log(`SLOWEST_MS=${timings[0]?.ms.toFixed(1)}`);

server.close();
await provisioning.obliterate({ force: true }).catch(() => {});
await provisioning.close();
redis.disconnect();
await database.close();
process.exit(failures > 0 ? 1 : 0);
