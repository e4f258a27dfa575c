import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call } from "./helpers/openapi.ts";
import { signal } from "./helpers/signal.ts";
import { type Receiver, startReceiver, verifies } from "./helpers/webhook-receiver.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Development settings: the receiver listens on 127.0.0.1. A real worker runtime delivers, with a
// fast retry schedule (50 ms doubling to 400 ms).
const env = useTestEnv({}, { WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" });
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
let worker: Runtime | undefined;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  worker = startWorker(env(), { webhooks: {} });
});
afterAll(async () => {
  await stopWorker(worker);
  await receiver.close();
});

type Event = { id: string; at: string; type: string; userId: string | null; data: Record<string, unknown> };
type Delivery = {
  eventId: string;
  type: string;
  status: string;
  attempts: number;
  lastError: string | null;
  lastAttemptAt: string | null;
};

let paths = 0;
async function hook(t: Tenant, events?: string[]) {
  const path = `/hook-${++paths}`;
  const res = await api("POST", `/companies/${t.companyId}/webhooks`, {
    url: receiver.url(path),
    ...(events ? { events } : {}),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  receiver.expect(path, res.body.secret as string);
  return { id: res.body.id as string, path, secret: res.body.secret as string };
}

async function provision(t: Tenant, userName: string) {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName));
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  await eventually(
    async () => (await api("GET", `/companies/${t.companyId}/users/${id}`)).body.status === "active",
    20_000,
    `${userName} active`,
  );
  return id;
}

/** The company feed, as a poller reads it: the order webhooks must follow. */
async function feed(t: Tenant, types?: string[]): Promise<Event[]> {
  const query = types ? `?type=${types.join(",")}&limit=1000` : "?limit=1000";
  return (await api("GET", `/companies/${t.companyId}/events${query}`)).body.events as Event[];
}

async function deliveries(webhookId: string): Promise<Delivery[]> {
  const res = await api("GET", `/webhooks/${webhookId}/deliveries?limit=1000`);
  expect(res.status).toBe(200);
  return res.body.deliveries as Delivery[];
}

const arrived = (path: string, count: number) =>
  eventually(async () => receiver.at(path).length >= count && receiver.at(path), 20_000, `${count} at ${path}`);

const tenant = () => createTenant(env(), { client });

describe("signed deliveries", () => {
  test("a provisioning's events arrive in feed order, signed, as the envelope; deliveries show them delivered", async () => {
    const t = await tenant();
    const other = await tenant();
    const h = await hook(t);
    const theirs = await hook(other);
    const userId = await provision(t, "ada@example.com");

    const expected = await eventually(async () => {
      const events = await feed(t);
      return events.some((e) => e.type === "user.provisioned") && events;
    });
    const got = await arrived(h.path, expected.length);
    expect(got.map((r) => r.event)).toEqual(expected);
    expect(got.map((r) => r.event?.type)).toEqual([
      "user.accepted",
      "user.office_matched",
      "seat.reused",
      "extension.assigned",
      "number.assigned",
      "user.provisioned",
    ]);
    for (const r of got) {
      expect(r.headers["webhook-id"]).toBe(r.event?.id);
      expect(r.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(r.headers["content-type"]).toBe("application/json");
      expect(Math.abs(Number(r.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
      expect(r.event?.userId).toBe(userId);
      // Verification is real: the other company's secret does not verify it.
      expect(verifies(theirs.secret, r)).toBe(false);
    }

    // The receiver may answer before the worker records the answer.
    const list = await eventually(async () => {
      const rows = await deliveries(h.id);
      return rows.every((d) => d.status === "delivered") && rows;
    });
    expect(list.map((d) => d.eventId)).toEqual(expected.map((e) => e.id).reverse());
    expect(list.every((d) => d.status === "delivered" && d.attempts === 1 && d.lastError === null)).toBe(true);
    expect(list.every((d) => d.lastAttemptAt !== null)).toBe(true);
    // The other company's endpoint got nothing of this company.
    expect(receiver.received.filter((r) => r.path === theirs.path)).toEqual([]);
    expect(await deliveries(theirs.id)).toEqual([]);
  });

  test("only events committed after the webhook was created are sent, even while an older transaction runs", async () => {
    const t = await tenant();
    const held = signal();
    const open = signal();
    // Holds the feed (and the new webhook's cursor) before the early event.
    const older = env().database.sql.begin(async (tx) => {
      await tx`select pg_current_xact_id()`;
      open.fire();
      await held.fired;
    });
    await open.fired;
    let h: Awaited<ReturnType<typeof hook>>;
    try {
      await env().database.sql`
        insert into events (company_id, user_id, type, data)
        values (${t.companyId}, null, 'capacity.seats_low', ${JSON.stringify({ officeId: t.officeIds["San Francisco"], licenseType: "Dialpad_Ai Voice", free: 1, threshold: 2 })}::jsonb)`;
      h = await hook(t, ["capacity.seats_low", "capacity.numbers_low"]);
      await env().database.sql`
        insert into events (company_id, user_id, type, data)
        values (${t.companyId}, null, 'capacity.numbers_low', ${JSON.stringify({ officeId: null, free: 0, threshold: 2 })}::jsonb)`;
    } finally {
      held.fire();
      await older;
    }
    const [got] = await arrived(h.path, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at(h.path).map((r) => r.event?.type)).toEqual(["capacity.numbers_low"]);
    expect(got?.event?.data).toEqual({ officeId: null, free: 0, threshold: 2 });
  });

  test("capacity events (no user) are delivered too", async () => {
    const t = await tenant();
    const h = await hook(t, ["capacity.seats_low", "capacity.numbers_low"]);
    // The capacity emitters come with their own issue; the event as they will write it.
    await env().database.sql`
      insert into events (company_id, user_id, type, data) values
        (${t.companyId}, null, 'capacity.numbers_low', ${JSON.stringify({ officeId: null, free: 1, threshold: 5 })}::jsonb)`;
    const [got] = await arrived(h.path, 1);
    expect(got?.event).toMatchObject({ type: "capacity.numbers_low", userId: null, data: { free: 1, threshold: 5 } });
  });

  test("the event filter: only the types asked for", async () => {
    const t = await tenant();
    const filtered = await hook(t, ["user.provisioned", "seat.purchased"]);
    const all = await hook(t);
    await provision(t, "f1@example.com");
    await provision(t, "f2@example.com");
    // The feed shows an event once every older transaction (of any database) has ended.
    const expected = await eventually(async () => {
      const events = await feed(t, ["user.provisioned", "seat.purchased"]);
      return events.length === 2 && events;
    });
    expect(expected.map((e) => e.type)).toEqual(["user.provisioned", "user.provisioned"]);
    await arrived(all.path, 12);
    const got = await arrived(filtered.path, 2);
    expect(got.map((r) => r.event)).toEqual(expected);
    expect((await deliveries(filtered.id)).map((d) => d.type)).toEqual(["user.provisioned", "user.provisioned"]);
  });
});
