import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";
import { eventually } from "./helpers/worker.ts";

// Private targets refused (the default): what a production deployment answers.
const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
const tenant = () => createTenant(env(), { client });

type Webhook = { id: string; url: string; events: string[] | null; createdAt: string; secret?: string };
type Delivery = { eventId: string; type: string; status: string; attempts: number; lastError: string | null };

async function createWebhook(companyId: string, body: Record<string, unknown>) {
  const res = await api("POST", `/companies/${companyId}/webhooks`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as unknown as Webhook & { secret: string };
}

describe("POST /companies/{id}/webhooks", () => {
  test("201 with the secret shown once; the list never shows it, and the database holds it only sealed", async () => {
    const t = await tenant();
    const created = await createWebhook(t.companyId, { url: "https://hooks.example.com/scimline" });
    expect(created).toEqual({
      id: expect.any(String),
      url: "https://hooks.example.com/scimline",
      events: null,
      createdAt: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const filtered = await createWebhook(t.companyId, {
      url: "https://8.8.8.8/hook",
      events: ["user.provisioned", "user.failed", "user.provisioned"],
    });
    expect(filtered.events).toEqual(["user.provisioned", "user.failed"]);
    expect(filtered.secret).not.toBe(created.secret);

    const list = await api("GET", `/companies/${t.companyId}/webhooks`);
    expect(list.status).toBe(200);
    const { secret: _a, ...first } = created;
    const { secret: _b, ...second } = filtered;
    expect(list.body).toEqual({ webhooks: [first, second] });
    expect(list.text).not.toContain("whsec_");

    const [row] = await env().database.sql<{ secret_sealed: string }[]>`
      select secret_sealed from webhooks where id = ${created.id}`;
    expect(row?.secret_sealed).toMatch(/^w1\.[A-Za-z0-9_-]{8}\./);
    expect(row?.secret_sealed).not.toContain(created.secret.slice(6, 30));
  });

  test.each([
    [{ url: "http://hooks.example.com/x" }, /url: must be an https URL/],
    [{ url: "https://127.0.0.1:8443/x" }, /url: must not target a private, loopback or link-local/],
    [{ url: "https://[::1]/x" }, /private, loopback or link-local/],
    [{ url: "https://169.254.169.254/latest/meta-data" }, /private, loopback or link-local/],
    [{ url: "https://10.0.0.8/x" }, /private, loopback or link-local/],
    [{ url: "https://localhost/x" }, /public host/],
    [{ url: "https://user:pw@hooks.example.com/" }, /user name or password/],
    [{ url: "not a url" }, /absolute URL/],
    [{ url: "https://hooks.example.com/", events: ["user.nope"] }, /events\.0/],
    [{ url: "https://hooks.example.com/", events: [] }, /events: must name at least one event type/],
    [{ url: "https://hooks.example.com/", event: ["user.failed"] }, /event/],
    [{ events: ["user.failed"] }, /url/],
    [{ url: 42 }, /url/],
  ])("%j is 400 VALIDATION_FAILED naming the field", async (body, reason) => {
    const t = await tenant();
    const res = await api("POST", `/companies/${t.companyId}/webhooks`, body);
    expect(res.status).toBe(400);
    expect(code(res)).toBe("VALIDATION_FAILED");
    expect(message(res)).toMatch(reason);
    const [row] = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from webhooks where company_id = ${t.companyId}`;
    expect(row?.n).toBe(0);
  });

  test("a url over 2,048 characters is 400 VALIDATION_FAILED", async () => {
    const t = await tenant();
    const url = `https://hooks.example.com/${"a".repeat(2048 - 26 + 1)}`;
    const res = await api("POST", `/companies/${t.companyId}/webhooks`, { url });
    expect(res.status).toBe(400);
    expect(message(res)).toMatch(/^url: /);
    const fits = await api("POST", `/companies/${t.companyId}/webhooks`, { url: url.slice(0, 2048) });
    expect(fits.status).toBe(201);
  });

  test("an unknown company is 404; a company has at most 20 webhooks", async () => {
    const missing = await api("POST", `/companies/${randomUUID()}/webhooks`, { url: "https://hooks.example.com/" });
    expect(missing.status).toBe(404);
    expect(code(missing)).toBe("COMPANY_NOT_FOUND");
    expect((await api("GET", `/companies/${randomUUID()}/webhooks`)).status).toBe(404);

    const t = await tenant();
    const made = await Promise.all(
      Array.from({ length: 22 }, (_, i) =>
        api("POST", `/companies/${t.companyId}/webhooks`, { url: `https://hooks.example.com/${i}` }),
      ),
    );
    expect(made.filter((r) => r.status === 201)).toHaveLength(20);
    expect(made.filter((r) => r.status === 409).map(code)).toEqual(["WEBHOOK_LIMIT_REACHED", "WEBHOOK_LIMIT_REACHED"]);
  });
});

describe("DELETE /webhooks/{id}, POST /webhooks/{id}/rotate-secret", () => {
  test("rotation answers a new secret and keeps the old one sealed for the grace period; delete is 204 then 404", async () => {
    const t = await tenant();
    const hook = await createWebhook(t.companyId, { url: "https://hooks.example.com/r" });
    const rotated = await api("POST", `/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.body.secret).not.toBe(hook.secret);
    const [row] = await env().database.sql<{ previous: string | null; grace: number }[]>`
      select previous_secret_sealed as previous,
        extract(epoch from previous_secret_until - now())::int as grace
      from webhooks where id = ${hook.id}`;
    expect(row?.previous).toMatch(/^w1\./);
    expect(row?.grace).toBeGreaterThan(86_300);
    expect(row?.grace).toBeLessThanOrEqual(86_400);

    expect((await api("DELETE", `/webhooks/${hook.id}`)).status).toBe(204);
    for (const [method, path] of [
      ["DELETE", `/webhooks/${hook.id}`],
      ["POST", `/webhooks/${hook.id}/rotate-secret`],
      ["GET", `/webhooks/${hook.id}/deliveries`],
    ] as const) {
      const res = await api(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(code(res)).toBe("WEBHOOK_NOT_FOUND");
    }
    expect((await api("GET", `/companies/${t.companyId}/webhooks`)).body).toEqual({ webhooks: [] });
  });
});

describe("GET /webhooks/{id}/deliveries", () => {
  test("events after creation are listed pending, newest first, paged; earlier events and other companies' are not", async () => {
    const t = await tenant();
    const other = await tenant();
    await scim(env(), t.token, "POST", "/Users", oktaUser("before@example.com"));
    const hook = await createWebhook(t.companyId, { url: "https://hooks.example.com/d" });
    const provisionedOnly = await createWebhook(t.companyId, {
      url: "https://hooks.example.com/p",
      events: ["user.provisioned"],
    });
    const ids: string[] = [];
    for (const name of ["a", "b", "c"]) {
      const res = await scim(env(), t.token, "POST", "/Users", oktaUser(`${name}@example.com`));
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    await scim(env(), other.token, "POST", "/Users", oktaUser("theirs@example.com"));

    // An event is listed once every older transaction (of any database) has ended, as in the feed.
    await eventually(
      async () => ((await api("GET", `/webhooks/${hook.id}/deliveries`)).body.deliveries as unknown[]).length === 3,
      20_000,
      "the three users' events listed",
    );
    const first = await api("GET", `/webhooks/${hook.id}/deliveries?limit=2`);
    expect(first.status).toBe(200);
    const page1 = first.body as { deliveries: Delivery[]; nextCursor: string | null };
    expect(page1.deliveries.map((d) => d.status)).toEqual(["pending", "pending"]);
    expect(page1.deliveries[0]).toEqual({
      eventId: expect.any(String),
      type: "user.accepted",
      status: "pending",
      attempts: 0,
      lastError: null,
      lastAttemptAt: null,
    });
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await api("GET", `/webhooks/${hook.id}/deliveries?limit=2&cursor=${page1.nextCursor}`);
    const page2 = second.body as { deliveries: Delivery[]; nextCursor: string | null };
    expect(page2.deliveries).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    const all = [...page1.deliveries, ...page2.deliveries].map((d) => d.eventId);
    const events = await env().database.sql<{ id: string }[]>`
      select id from events where user_id = any(${env().database.sql.array(ids)}::uuid[]) order by seq desc`;
    expect(all).toEqual(events.map((e) => e.id));

    // The user.provisioned subscriber sees none of the accepted events.
    const filtered = await api("GET", `/webhooks/${provisionedOnly.id}/deliveries`);
    expect(filtered.body).toEqual({ deliveries: [], nextCursor: null });
  });

  test("an event committed just before the webhook is never listed, even while an older transaction runs", async () => {
    const t = await tenant();
    // An older transaction still running: the feed (and a new webhook's cursor) cannot pass it.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const open = new Promise<void>((resolve) => {
      started = resolve;
    });
    const older = env().database.sql.begin(async (tx) => {
      await tx`select pg_current_xact_id()`;
      started();
      await held;
    });
    await open;
    try {
      const early = await scim(env(), t.token, "POST", "/Users", oktaUser("early@example.com"));
      expect(early.status).toBe(201);
      const hook = await createWebhook(t.companyId, { url: "https://hooks.example.com/s" });
      const late = await scim(env(), t.token, "POST", "/Users", oktaUser("late@example.com"));
      expect(late.status).toBe(201);
      release();
      await older;
      const [lateEvent] = await env().database.sql<{ id: string }[]>`
        select id from events where user_id = ${late.body.id as string}`;
      const listed = await eventually(async () => {
        const rows = (await api("GET", `/webhooks/${hook.id}/deliveries`)).body.deliveries as Delivery[];
        return rows.length > 0 && rows;
      });
      expect(listed.map((d) => d.eventId)).toEqual([lateEvent?.id]);
    } finally {
      release();
      await older;
    }
  });

  test.each(["not-a-cursor", Buffer.from("1:2:3").toString("base64url"), "%00"])(
    "a bad cursor %j is 400; a bad limit too",
    async (cursor) => {
      const t = await tenant();
      const hook = await createWebhook(t.companyId, { url: "https://hooks.example.com/c" });
      const res = await api("GET", `/webhooks/${hook.id}/deliveries?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(code(res)).toBe("VALIDATION_FAILED");
      expect((await api("GET", `/webhooks/${hook.id}/deliveries?limit=0`)).status).toBe(400);
    },
  );
});
