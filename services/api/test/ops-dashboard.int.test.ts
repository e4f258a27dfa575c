import { requeueOwed } from "@scimline/db";
import { remedyOf } from "@scimline/domain";
import { reconcileJobId } from "@scimline/queue";
import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Two users wait in `failed` with no_license_available (auto-purchase turned off after the door
// accepted them, office without seats); ops read why and retry, once from the dashboard, once by API.
const env = useTestEnv();
let worker: Runtime | undefined;
let app: ReturnType<typeof createApp>;
let tenant: Tenant;
const userIds: string[] = [];

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const ADMIN_BASIC = basic("admin", ADMIN_KEY);
const get = (path: string, authorization?: string, method = "GET") =>
  app.request(path, { method, headers: authorization ? { Authorization: authorization } : {} });
const statusOf = async (id: string) =>
  (
    await env().database.sql<{ status: string; error_code: string | null }[]>`
    select status, error_code from users where id = ${id}`
  )[0];

beforeAll(async () => {
  tenant = await createTenant(env(), {
    offices: [{ name: "Lisbon", country: "PT", seats: { "Dialpad_Ai Voice": 0 } }],
  });
  for (const name of ["ana.silva@example.com", "rui.costa@example.com"]) {
    const res = await scim(env(), tenant.token, "POST", "/Users", oktaUser(name));
    expect(res.status).toBe(201);
    userIds.push(res.body.id as string);
  }
  const off = await admin(env(), "PUT", `/companies/${tenant.companyId}/settings`, { autoPurchaseLicenses: false });
  expect(off.status).toBe(200);
  worker = startWorker(env());
  // The app ops use: its queue is the worker's (same prefix), as QUEUE_PREFIX makes it in production.
  app = createApp({ ...env().deps, queues: { ...env().deps.queues, provisioning: worker.queue } });
  await eventually(async () => (await worker?.queue.getFailedCount()) === 2, 20_000, "two failed jobs");
});
afterAll(() => stopWorker(worker));

describe("the ops pages need the admin credential", () => {
  const paths = [
    "/admin",
    "/admin/",
    "/admin/queues",
    "/admin/queues/",
    "/admin/queues/queue/provisioning",
    "/admin/queues/api/queues",
    "/admin/queues/static/favicon-32x32.png",
  ];
  test.each(paths)("%s: 401 with a Basic challenge without credentials or with wrong ones", async (path) => {
    for (const authorization of [
      undefined,
      basic("admin", "wrong-key-0123456789"),
      basic("root", ADMIN_KEY),
      `Bearer ${tenant.token}`,
      "Basic !!!",
    ]) {
      const res = await get(path, authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm="scimline-admin"/);
    }
  });

  test("the dashboard answers with Basic admin:<key> (browsers) and with the Bearer key (scripts)", async () => {
    for (const authorization of [ADMIN_BASIC, `Bearer ${ADMIN_KEY}`]) {
      for (const path of ["/admin/queues", "/admin/queues/", "/admin/queues/queue/provisioning"]) {
        const res = await get(path, authorization);
        expect(res.status, path).toBe(200);
        expect(res.headers.get("content-type")).toMatch(/text\/html/);
        expect(await res.text()).toContain('<base href="/admin/queues/"');
      }
    }
  });
});

describe("Bull Board", () => {
  test("a write from another site's page is refused even with the browser's cached credentials", async () => {
    const path = "/admin/queues/api/queues/provisioning/pause";
    const attempts: Record<string, string>[] = [
      { "Sec-Fetch-Site": "cross-site" },
      { Origin: "https://evil.example", Host: "scim.example.com" },
    ];
    for (const headers of attempts) {
      const res = await app.request(path, { method: "PUT", headers: { Authorization: ADMIN_BASIC, ...headers } });
      expect(res.status).toBe(403);
    }
    expect(await worker?.queue.isPaused()).toBe(false);
  });

  test("lists every queue: provisioning, and webhook deliveries", async () => {
    const res = await get("/admin/queues/api/queues", ADMIN_BASIC);
    const body = (await res.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(["provisioning", "webhooks"]);
  });

  test("lists the provisioning queue with its failed jobs and their reason", async () => {
    const res = await get("/admin/queues/api/queues?activeQueue=provisioning&status=failed&page=1", ADMIN_BASIC);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      queues: { name: string; counts: Record<string, number>; jobs: { id: string; failedReason: string }[] }[];
    };
    const queue = body.queues.find((q) => q.name === "provisioning");
    expect(queue?.counts.failed).toBe(2);
    expect(queue?.jobs.map((j) => j.id).sort()).toEqual(userIds.map((id) => reconcileJobId(id, 1)).sort());
    for (const job of queue?.jobs ?? []) expect(job.failedReason).toMatch(/^no_license_available: .*add seats/);
  });

  test("Retry in the dashboard after adding a seat provisions the user", async () => {
    const [id] = userIds;
    if (!id) throw new Error("no user");
    await env().database
      .sql`update seats set purchased = purchased + 1 where office_id = ${tenant.officeIds.Lisbon ?? ""}`;
    const jobId = reconcileJobId(id, 1);
    const retry = await get(`/admin/queues/api/queues/provisioning/${jobId}/retry`, ADMIN_BASIC, "PUT");
    expect(retry.status).toBe(204);
    await eventually(async () => (await statusOf(id))?.status === "active", 20_000, "active after retry");
    expect(await statusOf(id)).toEqual({ status: "active", error_code: null });
  });
});

describe("POST /api/v1/jobs/{id}/retry", () => {
  test("404 for an unknown job, 400 for a malformed id", async () => {
    const unknown = await admin(env(), "POST", "/jobs/u_00000000-0000-7000-8000-000000000000_g1/retry");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "JOB_NOT_FOUND" } });
    const malformed = await admin(env(), "POST", "/jobs/a:b/retry");
    expect(malformed.status).toBe(400);
  });

  test("retries a failed job (202), then 409 once it is no longer failed", async () => {
    const id = userIds[1];
    if (!id) throw new Error("no user");
    const jobId = reconcileJobId(id, 1);
    const api = createApp({ ...env().deps, queues: { provisioning: worker?.queue ?? env().queue } });
    const call = () =>
      api.request(`/api/v1/jobs/${jobId}/retry`, { method: "POST", headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    const unauthorized = await api.request(`/api/v1/jobs/${jobId}/retry`, { method: "POST" });
    expect(unauthorized.status).toBe(401);

    await env().database
      .sql`update seats set purchased = purchased + 1 where office_id = ${tenant.officeIds.Lisbon ?? ""}`;
    const res = await call();
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      id: jobId,
      queue: "provisioning",
      state: "waiting",
      userId: id,
      userIds: [id],
      previousFailure: expect.stringMatching(/^no_license_available/),
    });
    await eventually(async () => (await statusOf(id))?.status === "active", 20_000, "active after retry");

    const again = await call();
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      error: { code: "JOB_NOT_FAILED", message: expect.stringContaining("completed") },
    });
  });
});

describe("/admin: the ops console", () => {
  test("users per status, queue depths linking to the dashboard, the outbox backlog, capacity per office", async () => {
    await worker?.relay.stop(); // else it would relay the row below at once
    // Work owed again for a user, as the desired-state writer records it; its row has waited 90 s.
    const { sql } = env().database;
    await requeueOwed(sql, sql`id = ${userIds[0] ?? ""}`);
    await sql`update outbox set created_at = now() - interval '90 seconds' where user_id = ${userIds[0] ?? ""}`;
    try {
      // A fresh app: its console reads everything anew (an app shares one reading for a few seconds).
      const res = await createApp({ ...env().deps, queues: { provisioning: worker?.queue ?? env().queue } }).request(
        "/admin",
        { headers: { Authorization: ADMIN_BASIC } },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      const page = await res.text();
      expect(page).toContain('href="/admin/queues"');
      expect(page).toMatch(
        /<div class="tile card bad" data-tile="outbox">\s*<div class="tile-label">Outbox backlog<\/div><div class="tile-value">1<\/div><div class="tile-sub">oldest 9\d\.\d s<\/div>/,
      );
      expect(page).toContain('href="/admin/queues/queue/provisioning?status=failed"');
      expect(page).toMatch(/<strong[^>]*>\d+<\/strong> active/);
      expect(page).toContain("<h4>Lisbon</h4>");
      expect(page).toContain('title="0 free of 2; no alert threshold"');
      expect(page).toContain("Acme");
      expect(page).not.toMatch(/<script(?![^>]*\bsrc="\/admin\/assets\/)/);
    } finally {
      await env().database.sql`delete from outbox where generation = 99`;
    }
  });

  test("a failed user shows with its code, its remedy, a retry button, and links to its page and its job", async () => {
    const res = await admin(env(), "POST", "/companies", { name: "Waiting Co", country: "US", defaultAreaCode: "415" });
    const companyId = res.body.id as string;
    const [lt] = await env().database.sql<{ id: string }[]>`
      select id from license_types where company_id = ${companyId} limit 1`;
    const [user] = await env().database.sql<{ id: string }[]>`
      insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints, status, error_code)
      values (gen_random_uuid(), ${companyId}, gen_random_uuid(), ${"<b>x</b>@example.com"}, true, '{}', ${lt?.id ?? ""}, '{}',
              'failed', 'no_office')
      returning id`;
    const page = await (
      await createApp(env().deps).request("/admin", { headers: { Authorization: ADMIN_BASIC } })
    ).text();
    expect(page).toContain("<code>no_office</code>");
    expect(page).toContain(remedyOf("no_office").replaceAll("'", "&#39;"));
    expect(page).toContain(`data-retry-company="${companyId}" data-retry-code="no_office"`);
    expect(page).toContain(`href="/admin/users/${user?.id}"`);
    expect(page).toContain(`href="/admin/queues/queue/provisioning/u_${user?.id}_g1"`);
    expect(page).toContain("&lt;b&gt;x&lt;/b&gt;@example.com");
    expect(page).not.toContain("<b>x</b>");
  });
});
