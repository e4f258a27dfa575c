import { RECONCILE_JOB, reconcileJobId } from "@scimline/queue";
import { describe, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import { createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { ADMIN_KEY, testConfig, useTestEnv } from "./helpers/env.ts";

// No worker here: what the door accepts stays in the outbox and jobs stay waiting.
const env = useTestEnv({}, { SCIM_RATE_LIMIT: "2" });

const scrape = async (app = env().app, headers: Record<string, string> = {}) => {
  const res = await app.request("/metrics", { headers });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};
const sample = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("/metrics (API)", () => {
  test("request latency by route pattern, method and status; never a raw path", async () => {
    const tenant = await createTenant(env());
    // The limit counts per wall-clock second: start at the beginning of one, so the four SCIM requests
    // below share it however slow the machine (they crossed a second's boundary now and then).
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
    const created = await scim(env(), tenant.token, "POST", "/Users", oktaUser("lat.ency@example.com"));
    const id = created.body.id as string;
    expect((await scim(env(), tenant.token, "GET", `/Users/${id}`)).status).toBe(200);
    expect((await scim(env(), tenant.token, "GET", `/Users/${id}`)).status).toBe(429);
    expect((await scim(env(), tenant.token, "GET", "/Users/0000-not-a-user")).status).toBe(429);
    await env().app.request("/no/such/path/12345");
    await env().app.request("/healthz", { method: "PURGE" });

    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(
      sample(text, 'http_request_duration_seconds_count{route="/scim/v2/Users/:id",method="GET",status="200"}'),
    ).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count{route="/scim/v2/Users",method="POST",status="201"}')).toBe(
      1,
    );
    expect(
      sample(text, 'http_request_duration_seconds_count{route="/api/v1/companies",method="POST",status="201"}'),
    ).toBe(1);
    expect(text).toMatch(/http_request_duration_seconds_count\{route="[^"]*\*",method="GET",status="429"\} 2/);
    expect(text).toMatch(/route="[^"]*",method="OTHER",status="404"/);
    expect(text).not.toContain(id);
    expect(text).not.toContain("12345");
    expect(text).not.toContain("not-a-user");
  });

  test("queue depth per state, outbox lag and rows, users per status and failures per code, read at scrape time", async () => {
    const tenant = await createTenant(env(), { company: { name: "Gauges" } });
    const ids: string[] = [];
    for (const name of ["g.one@example.com", "g.two@example.com", "g.three@example.com"]) {
      ids.push((await scim(env(), tenant.token, "POST", "/Users", oktaUser(name))).body.id as string);
    }
    const { sql } = env().database;
    await sql`update outbox set created_at = created_at - interval '42 seconds'`;
    await sql`update users set status = 'failed', error_code = 'no_license_available' where id = ${ids[1] ?? ""}`;
    for (const id of ids.slice(0, 2)) {
      await env().queue.add(
        RECONCILE_JOB,
        { userId: id, companyId: tenant.companyId, generation: 1 },
        { jobId: reconcileJobId(id, 1) },
      );
    }
    // A fresh app: the scrape-time readings of the shared one are cached for 5 s.
    const { text } = await scrape(createApp(env().deps));
    expect(sample(text, 'scimline_queue_jobs{queue="provisioning",state="waiting"}')).toBe(2);
    expect(sample(text, 'scimline_queue_jobs{queue="provisioning",state="failed"}')).toBe(0);
    expect(sample(text, 'scimline_queue_jobs{queue="provisioning",state="active"}')).toBe(0);
    expect(sample(text, "scimline_outbox_rows")).toBeGreaterThanOrEqual(3);
    expect(sample(text, "scimline_outbox_lag_seconds")).toBeGreaterThanOrEqual(42);
    expect(sample(text, 'scimline_users{status="failed"}')).toBe(1);
    expect(sample(text, 'scimline_users{status="provisioning"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'scimline_users{status="suspended"}')).toBe(0);
    expect(sample(text, 'scimline_users_failed{error_code="no_license_available"}')).toBe(1);
    expect(sample(text, 'scimline_metrics_source_up{source="redis"}')).toBe(1);
    expect(sample(text, 'scimline_metrics_source_up{source="postgres"}')).toBe(1);
  });

  test("readings are cached for a few seconds: scrapes in a burst cost one set of queries", async () => {
    const app = createApp(env().deps);
    const before = sample((await scrape(app)).text, "scimline_outbox_rows");
    const tenant = await createTenant(env());
    await scim(env(), tenant.token, "POST", "/Users", oktaUser("one-more@example.com")); // one more outbox row
    expect(sample((await scrape(app)).text, "scimline_outbox_rows")).toBe(before);
    expect(sample((await scrape(createApp(env().deps))).text, "scimline_outbox_rows")).toBe((before ?? 0) + 1);
  });

  test("open by default; with METRICS_TOKEN set it needs that bearer token (not the admin key)", async () => {
    const token = "metrics-token-0123456789";
    const app = createApp({
      ...env().deps,
      config: testConfig({ DATABASE_URL: env().testDb.url, METRICS_TOKEN: token }),
    });
    expect((await scrape(app)).status).toBe(401);
    expect((await scrape(app, { Authorization: `Bearer ${ADMIN_KEY}` })).status).toBe(401);
    const ok = await scrape(app, { Authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("scimline_users");
  });
});
