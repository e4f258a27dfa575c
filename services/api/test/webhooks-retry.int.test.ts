import { testQueuePrefix } from "@scimline/db/testing";
import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call } from "./helpers/openapi.ts";
import { type Receiver, startReceiver, verifies } from "./helpers/webhook-receiver.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Two worker runtimes on one queue, as two worker processes would run: each endpoint is still
// delivered once at a time, in order. Retry schedule: 50 ms doubling to 400 ms.
const env = useTestEnv({}, { WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" });
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
const workers: Runtime[] = [];
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  const prefix = testQueuePrefix();
  workers.push(startWorker(env(), { webhooks: {}, prefix }), startWorker(env(), { webhooks: {}, prefix }));
});
afterAll(async () => {
  await stopWorker(workers[0]);
  await workers[1]?.stop();
  await receiver.close();
});

type Event = { id: string; type: string };
type Delivery = { eventId: string; type: string; status: string; attempts: number; lastError: string | null };

let paths = 0;
async function hook(t: Tenant) {
  const path = `/retry-${++paths}`;
  const res = await api("POST", `/companies/${t.companyId}/webhooks`, { url: receiver.url(path) });
  expect(res.status).toBe(201);
  receiver.expect(path, res.body.secret as string);
  return { id: res.body.id as string, path, secret: res.body.secret as string };
}
const create = async (t: Tenant, userName: string) => {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName));
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const deliveries = async (id: string) =>
  (await api("GET", `/webhooks/${id}/deliveries?limit=1000`)).body.deliveries as Delivery[];
const feed = async (t: Tenant) =>
  (await api("GET", `/companies/${t.companyId}/events?limit=1000`)).body.events as Event[];
const head = async (id: string, check: (d: Delivery) => boolean, label: string) =>
  eventually(async () => (await deliveries(id)).find((d) => d.status === "retrying" && check(d)), 20_000, label);

describe("retries", () => {
  test("receiver refusing connections, then answering 500, then up: everything arrives once, in order", async () => {
    const t = await createTenant(env(), { client });
    const h = await hook(t);
    await receiver.down();
    try {
      for (const name of ["r1", "r2", "r3"]) await create(t, `${name}@example.com`);
      const refused = await head(h.id, (d) => d.attempts >= 3, "3 refused attempts");
      expect(refused.lastError).toMatch(/ECONNREFUSED/);
      expect(receiver.at(h.path)).toEqual([]);
      // Only the oldest event is tried; the others wait their turn.
      const waiting = await deliveries(h.id);
      expect(waiting.filter((d) => d.status === "retrying")).toHaveLength(1);
      expect(waiting.at(-1)?.eventId).toBe(refused.eventId);
      expect(waiting.slice(0, -1).every((d) => d.status === "pending" && d.attempts === 0)).toBe(true);

      receiver.setMode("error");
      await receiver.up();
      const failing = await head(h.id, (d) => (d.lastError ?? "").startsWith("HTTP 500"), "a 500 recorded");
      expect(failing.lastError).toBe("HTTP 500: receiver is having a bad day boom");
      expect(failing.eventId).toBe(refused.eventId);
    } finally {
      receiver.setMode("ok");
      await receiver.up().catch(() => {});
    }

    const expected = await eventually(async () => {
      const events = await feed(t);
      return events.filter((e) => e.type === "user.provisioned").length === 3 && events;
    });
    const got = await eventually(
      async () => receiver.at(h.path).length >= expected.length && receiver.at(h.path),
      20_000,
      "everything delivered",
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at(h.path).map((r) => r.event?.id)).toEqual(expected.map((e) => e.id));
    expect(got.every((r) => r.verified)).toBe(true);
    const list = await eventually(async () => {
      const rows = await deliveries(h.id);
      return rows.length === expected.length && rows.every((d) => d.status === "delivered") && rows;
    });
    const first = list.at(-1);
    expect(first?.attempts).toBeGreaterThanOrEqual(5);
    expect(first?.lastError).toBeNull();
    expect(list.slice(0, -1).every((d) => d.attempts === 1)).toBe(true);
  });
});

describe("rotate-secret and delete", () => {
  test("after a rotation deliveries verify with the new secret, and with the old one only during the grace period", async () => {
    const t = await createTenant(env(), { client });
    const h = await hook(t);
    /** Every event of the company so far (users provisioned) has reached the receiver. */
    const settled = async (users: number) =>
      eventually(
        async () => {
          const events = await feed(t);
          const done = events.filter((e) => e.type === "user.provisioned").length === users;
          return done && receiver.at(h.path).length === events.length;
        },
        20_000,
        `${users} users' events delivered`,
      );
    await create(t, "before@example.com");
    await settled(1);

    const rotated = await api("POST", `/webhooks/${h.id}/rotate-secret`);
    const secret = rotated.body.secret as string;
    receiver.expect(h.path, secret);
    const mark = receiver.received.length;
    await create(t, "after@example.com");
    await settled(2);
    const during = receiver.received.slice(mark).filter((r) => r.path === h.path);
    expect(during.length).toBeGreaterThan(0);
    for (const r of during) {
      expect(r.verified).toBe(true);
      expect(String(r.headers["webhook-signature"]).split(" ")).toHaveLength(2);
      expect(verifies(secret, r)).toBe(true);
      expect(verifies(h.secret, r)).toBe(true);
    }

    // The grace period over: the old secret no longer signs.
    await env().database
      .sql`update webhooks set previous_secret_until = now() - interval '1 second' where id = ${h.id}`;
    const mark2 = receiver.received.length;
    await create(t, "later@example.com");
    await settled(3);
    const after = receiver.received.slice(mark2).filter((r) => r.path === h.path);
    expect(after.length).toBeGreaterThan(0);
    for (const r of after) {
      expect(String(r.headers["webhook-signature"]).split(" ")).toHaveLength(1);
      expect(verifies(secret, r)).toBe(true);
      expect(verifies(h.secret, r)).toBe(false);
    }
  });

  test("a deleted webhook receives nothing more, while another of the company still does", async () => {
    const t = await createTenant(env(), { client });
    const gone = await hook(t);
    const kept = await hook(t);
    await create(t, "first@example.com");
    await eventually(
      async () => receiver.at(gone.path).some((r) => r.event?.type === "user.provisioned"),
      20_000,
      "deliveries before the delete",
    );
    const before = receiver.received.filter((r) => r.path === gone.path).length;
    expect((await api("DELETE", `/webhooks/${gone.id}`)).status).toBe(204);
    await create(t, "second@example.com");
    await eventually(
      async () => receiver.at(kept.path).filter((r) => r.event?.type === "user.provisioned").length === 2,
      20_000,
      "the kept webhook's deliveries",
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received.filter((r) => r.path === gone.path)).toHaveLength(before);
    const [row] = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from webhook_deliveries where webhook_id = ${gone.id}`;
    expect(row?.n).toBe(0);
  });
});
