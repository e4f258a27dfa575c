import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AdminClient, createTenant, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call } from "./helpers/openapi.ts";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// The API allows private targets (so these endpoints can be created) but the worker does not: what
// a delivery meets when a host name resolves to a private address, or the setting changed since.
// A short schedule (6 attempts, 50 ms doubling to 200 ms) shows what happens when it is spent.
const env = useTestEnv({}, { WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" });
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
let worker: Runtime | undefined;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  worker = startWorker(env(), {
    webhooks: { allowPrivateTargets: false, retry: { baseMs: 50, maxMs: 200, attempts: 6 } },
  });
});
afterAll(async () => {
  await stopWorker(worker);
  await receiver.close();
});

type Delivery = { eventId: string; type: string; status: string; attempts: number; lastError: string | null };
const deliveries = async (id: string) =>
  (await api("GET", `/webhooks/${id}/deliveries?limit=1000`)).body.deliveries as Delivery[];

async function hook(t: Tenant, url: string) {
  const res = await api("POST", `/companies/${t.companyId}/webhooks`, { url, events: ["capacity.numbers_low"] });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
async function capacityEvent(t: Tenant, free: number) {
  await env().database.sql`
    insert into events (company_id, user_id, type, data)
    values (${t.companyId}, null, 'capacity.numbers_low', ${JSON.stringify({ officeId: null, free, threshold: 5 })}::jsonb)`;
}

describe("SSRF at delivery time", () => {
  test.each([
    [
      "a host name resolving to 127.0.0.1",
      "localhost",
      /^refused: localhost resolves to .*127\.0\.0\.1.*not a public address$/,
    ],
    ["an IP literal", "127.0.0.1", /^refused: 127\.0\.0\.1 is not a public address$/],
  ])("%s is refused, retried on the schedule, then failed; the endpoint moves on", async (_, host, reason) => {
    const t = await createTenant(env(), { client });
    const id = await hook(t, `http://${host}:${receiver.port}/ssrf`);
    await capacityEvent(t, 1);
    const failed = await eventually(
      async () => (await deliveries(id)).find((d) => d.status === "failed"),
      20_000,
      "the schedule spent",
    );
    expect(failed.attempts).toBe(6);
    expect(failed.lastError).toMatch(reason);
    // The next event gets its own turn (and its own refusals).
    await capacityEvent(t, 0);
    const next = await eventually(async () => {
      const list = await deliveries(id);
      return list.length === 2 && list[0]?.status !== "pending" && list;
    });
    expect(next[0]?.attempts).toBeGreaterThanOrEqual(1);
    expect(next[0]?.lastError).toMatch(reason);
    expect(receiver.received).toEqual([]);
  });
});
