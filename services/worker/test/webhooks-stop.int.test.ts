import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateWebhookSecret, newId, sealWebhookSecret, webhookSealKeys } from "@scimline/db";
import { seedCompany } from "@scimline/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { useDatabase } from "./helpers/db.ts";
import { eventually, testRuntime } from "./helpers/runtime.ts";

const db = useDatabase();
const keys = webhookSealKeys(undefined, "test-admin-key-0123456789");
let server: Server;
let port = 0;
const arrivals: number[] = [];
const answered: number[] = [];
beforeAll(async () => {
  // A slow receiver: each answer takes 400 ms, so a stop always finds a delivery in flight.
  server = createServer((req, res) => {
    arrivals.push(Date.now());
    req.resume();
    setTimeout(() => {
      answered.push(Date.now());
      res.writeHead(204).end();
    }, 400);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test("stop() lets the delivery in flight finish and be recorded, and starts no other", async () => {
  const { sql } = db();
  const company = await seedCompany(sql);
  const webhookId = newId();
  await sql`
    insert into webhooks (id, company_id, url, secret_sealed, cursor_txid, cursor_seq)
    values (${webhookId}, ${company.companyId}, ${`http://127.0.0.1:${port}/slow`},
      ${sealWebhookSecret(keys, generateWebhookSecret())}, pg_snapshot_xmin(pg_current_snapshot()), 0)`;
  for (let i = 0; i < 5; i++) {
    await sql`insert into events (company_id, user_id, type, data)
      values (${company.companyId}, null, 'capacity.numbers_low', ${JSON.stringify({ officeId: null, free: i, threshold: 9 })}::jsonb)`;
  }
  const runtime = testRuntime(db(), {
    webhooks: {
      keys,
      allowPrivateTargets: true,
      concurrency: 5,
      pollMs: 20,
      timeoutMs: 5000,
      retry: { baseMs: 50, maxMs: 400, attempts: 100 },
    },
  });
  runtime.start();
  try {
    await eventually(async () => arrivals.length >= 1, 10_000, "a delivery in flight");
    await runtime.stop();
  } finally {
    await runtime.webhooks?.queue.obliterate({ force: true }).catch(() => {});
  }
  const stoppedAt = Date.now();
  // Every request that arrived was answered before stop() returned, and recorded as delivered.
  expect(answered.length).toBe(arrivals.length);
  expect(answered.every((t) => t <= stoppedAt)).toBe(true);
  const rows = await sql<{ status: string }[]>`
    select status from webhook_deliveries where webhook_id = ${webhookId} order by event_seq`;
  expect(rows.map((r) => r.status)).toEqual(arrivals.map(() => "delivered"));
  expect(arrivals.length).toBeLessThan(5);
  await new Promise((r) => setTimeout(r, 500));
  expect(arrivals.length).toBe(rows.length);
});
