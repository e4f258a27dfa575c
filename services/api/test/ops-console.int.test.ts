import type { Sql, TxSql } from "@scimline/db";
import { seedCompany, seedOffice, seedUser } from "@scimline/db/testing";
import { checkCapacity } from "@scimline/worker";
import pino from "pino";
import { describe, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import { LagHistogram } from "../src/ops/lag-histogram.ts";
import { LiveSampler } from "../src/ops/live-sampler.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";

// The console's routes and its live series, against the real Postgres (no browser: e2e-console has it).
const env = useTestEnv();
const basic = { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString("base64")}` };
const get = (path: string, headers: Record<string, string> = basic) => env().app.request(path, { headers });

/** A sampler over the test database; its clock can be moved forward to make recent seconds final. */
function sampler(offsetMs = { value: 0 }) {
  return new LiveSampler({
    sql: env().database.sql,
    queue: env().queue,
    logger: pino({ level: "silent" }),
    now: () => Date.now() + offsetMs.value,
  });
}
const insertEvent = (sql: Sql | TxSql = env().database.sql, type = "user.accepted", at = "now()") =>
  sql.unsafe(
    `insert into events (company_id, user_id, type, data, at) values (gen_random_uuid(), gen_random_uuid(), $1, '{}', ${at})`,
    [type],
  );

describe("the live series", () => {
  test("at start it fills the last 15 minutes from the events table; older events are left out", async () => {
    const { sql } = env().database;
    await insertEvent(sql, "user.accepted", "now() - interval '20 minutes'");
    for (let i = 0; i < 3; i++) await insertEvent(sql, "user.accepted", "now() - interval '5 minutes'");
    await insertEvent(sql, "user.failed", "now() - interval '4 minutes'");
    await insertEvent(sql, "seat.reused", "now() - interval '4 minutes'");
    const live = sampler();
    await live.tick();
    const view = live.view();
    expect(view.summary).toMatchObject({ accepted: 3, failed: 1, provisioned: 0 });
    expect(view.sampler.lastError).toBeNull();
    expect(view.summary.gauges).toMatchObject({ outboxRows: expect.any(Number), waiting: 0, active: 0, failedJobs: 0 });
  });

  test("every event is counted once, even one committed after later ones (out of seq order)", async () => {
    const { sql } = env().database;
    const clock = { value: 0 };
    const live = sampler(clock);
    await live.tick();
    const base = live.view().summary.accepted;
    // A transaction takes a seq and holds it while two later ones commit.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = sql.begin(async (tx) => {
      await insertEvent(tx);
      await held;
    });
    await new Promise((r) => setTimeout(r, 100));
    await insertEvent(sql);
    await insertEvent(sql);
    await live.tick();
    clock.value = 3000; // the seconds are final
    expect(live.view().summary.accepted).toBe(base + 2);
    release();
    await slow;
    await live.tick();
    await live.tick();
    expect(live.view().summary.accepted).toBe(base + 3);
  });

  test("a provisioned user's lag runs from its desired state to the event", async () => {
    const { sql } = env().database;
    const company = await seedCompany(sql);
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 1 } });
    const id = await seedUser(sql, company);
    const clock = { value: 0 };
    const live = sampler(clock);
    await live.tick();
    await sql`update users set desired_at = now() - interval '1500 milliseconds' where id = ${id}`;
    await sql`insert into events (company_id, user_id, type, data) values (${company.companyId}, ${id}, 'user.provisioned', '{}')`;
    await live.tick();
    clock.value = 3000;
    const view = live.view();
    expect(view.summary.provisioned).toBeGreaterThanOrEqual(1);
    expect(view.summary.lagP50).toBeGreaterThan(1.3);
    expect(view.summary.lagP50).toBeLessThan(1.8);
  });

  test("a reading after the start counts nothing twice (the start's seqs span 9 → 10, which text order would swap)", async () => {
    const { sql } = env().database;
    const [{ epoch } = { epoch: 0 }] = await sql<{ epoch: number }[]>`
      select extract(epoch from date_trunc('second', now()) - interval '6 minutes')::float8 as epoch`;
    for (let i = 0; i < 12; i++) await insertEvent(sql, "user.accepted", `to_timestamp(${epoch})`);
    const live = sampler();
    await live.tick();
    await live.tick();
    const view = live.view();
    expect(view.accepted[view.t.indexOf(epoch)]).toBe(12);
  });

  // Postgres sends a second's events already counted (per type and lag bucket), not a row each.
  test.each([
    ["at start (the window read from the table)", true],
    ["in a later reading", false],
  ])("counts and lag percentiles are those of every event, %s", async (_, before) => {
    const { sql } = env().database;
    const company = await seedCompany(sql);
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 1 } });
    const lags = [0.4, 3, 3.3, 47, 80, 85, 92, 400, 415, 433, 1200, 1350, 5000, 9100, 61_000, 3_600_000];
    const clock = { value: 0 };
    const live = sampler(clock);
    if (!before) await live.tick();
    // A second of its own (the other tests' events are at other times).
    const [{ at, epoch } = { at: "", epoch: 0 }] = await sql<{ at: string; epoch: number }[]>`
      select t::text as at, extract(epoch from t)::float8 as epoch
      from (select date_trunc('second', now()) - make_interval(secs => ${before ? 433 : 501}) as t) t`;
    for (const lag of [...lags, -250]) {
      const id = await seedUser(sql, company);
      await sql`update users set desired_at = ${at}::timestamptz - make_interval(secs => ${lag / 1000}) where id = ${id}`;
      await sql`insert into events (company_id, user_id, type, data, at)
        values (${company.companyId}, ${id}, 'user.provisioned', '{}', ${at}::timestamptz)`;
    }
    // An erased user's event has no lag; accepted and failed events are counted beside.
    for (const type of ["user.provisioned", "user.accepted", "user.accepted", "user.failed", "seat.reused"])
      await sql`insert into events (company_id, user_id, type, data, at)
        values (${company.companyId}, gen_random_uuid(), ${type}, '{}', ${at}::timestamptz)`;
    await live.tick();
    const expected = new LagHistogram();
    for (const lag of lags) expected.add(lag);
    const view = live.view();
    const i = view.t.indexOf(epoch);
    expect([view.provisioned[i], view.accepted[i], view.failed[i]]).toEqual([lags.length + 2, 2, 1]);
    expect([view.lagP50[i], view.lagP95[i]]).toEqual(
      [0.5, 0.95].map((q) => Number(((expected.quantile(q) ?? 0) / 1000).toFixed(3))),
    );
    expect(view.sampler.lastRows).toBeGreaterThanOrEqual(before ? lags.length + 5 : lags.length + 6);
  });
});

describe("the console's pages", () => {
  test("/admin: the figures, four charts fed by /admin/live.json, scripts and styles from this origin", async () => {
    const res = await get("/admin");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("<title>Scimline console</title>");
    expect([...page.matchAll(/data-chart="(\w+)"/g)].map((m) => m[1])).toEqual([
      "throughput",
      "lag",
      "outbox",
      "queue",
    ]);
    for (const tile of ["accepted", "provisioned", "outbox", "queue", "lag"])
      expect(page).toContain(`data-tile="${tile}"`);
    expect(page).toContain('data-live="/admin/live.json"');
    expect(page).not.toMatch(/<script(?![^>]*\bsrc="\/admin\/assets\/)/);
    expect(page).not.toMatch(/https?:\/\//);
    const live = await get("/admin/live.json");
    expect(live.status).toBe(200);
    const body = (await live.json()) as Record<string, unknown[]>;
    for (const key of [
      "t",
      "accepted",
      "provisioned",
      "failed",
      "lagP50",
      "lagP95",
      "outboxRows",
      "waiting",
      "failedJobs",
    ])
      expect(body[key], key).toHaveLength(900);
  });

  test("the assets: uPlot from the installed package and the console's own, each with its type, behind the credential", async () => {
    for (const [file, type] of [
      ["uPlot.iife.min.js", /^text\/javascript/],
      ["uPlot.min.css", /^text\/css/],
      ["console.js", /^text\/javascript/],
      ["console.css", /^text\/css/],
    ] as const) {
      const res = await get(`/admin/assets/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type")).toMatch(type);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      expect((await get(`/admin/assets/${file}`, {})).status).toBe(401);
    }
    expect((await get("/admin/assets/package.json")).status).toBe(404);
    expect((await get("/admin/assets/..%2Fpackage.json")).status).toBe(404);
    for (const path of ["/admin/live.json", "/admin/sections/capacity", "/admin/users/x"])
      expect((await get(path, {})).status, path).toBe(401);
  });

  test("capacity: bars per office and license type and per number pool, with the thresholds; low ones red", async () => {
    const { sql } = env().database;
    const company = await seedCompany(sql);
    await sql`update companies set name = 'Capacity Co', seats_low_threshold = 5, numbers_low_threshold = 2 where id = ${company.companyId}`;
    const office = await seedOffice(sql, company, { name: "Aveiro", main: true, seats: { "Dialpad_Ai Voice": 10 } });
    await sql`update seats set used = 7 where office_id = ${office} and purchased = 10`;
    await sql`insert into numbers (e164, company_id, office_id) values ('+14155550901', ${company.companyId}, ${office}),
              ('+14155550902', ${company.companyId}, null), ('+14155550903', ${company.companyId}, null)`;
    expect((await checkCapacity(sql)).crossed).toBe(2);
    // A fresh app: the shared one's figures are cached for a few seconds.
    const html = await (await createApp(env().deps).request("/admin/sections/capacity", { headers: basic })).text();
    const card = html.slice(html.indexOf(`id="capacity-${company.companyId}"`));
    expect(card).toContain("alert below: seats 5 · numbers 2");
    expect(card).toMatch(/bar-row low[^>]*title="3 free of 10; alert below 5 free"/);
    expect(card).toMatch(
      /<span class="bar-free" style="width:30\.0%"><\/span><span class="bar-mark" style="left:50\.0%">/,
    );
    expect(card).toMatch(/bar-row low[^>]*title="1 free of 1; alert below 2 free"/);
    expect(card).toMatch(/<div class="bar-row" title="2 free of 2; alert below 2 free"/);
    expect((await get("/admin/sections/nothing")).status).toBe(404);
  });

  test("a user's page: facts, the timeline and its company's invariants; an erased one keeps its timeline", async () => {
    const { sql } = env().database;
    const company = await seedCompany(sql, { autoPurchase: false });
    await sql`update companies set name = 'Timeline Co' where id = ${company.companyId}`;
    const id = await seedUser(sql, company, { userName: "<i>who</i>@example.com" });
    await sql`update users set status = 'failed', error_code = 'no_office' where id = ${id}`;
    await sql`insert into events (company_id, user_id, type, data) values
      (${company.companyId}, ${id}, 'user.accepted', ${JSON.stringify({ directoryId: company.directoryId, licenseType: "Dialpad_Ai Voice" })}::jsonb),
      (${company.companyId}, ${id}, 'user.failed', '{"code":"no_office"}')`;
    const res = await get(`/admin/users/${id}`);
    const page = await res.text();
    expect(res.status, page).toBe(200);
    expect(page.indexOf("user.accepted")).toBeGreaterThan(0);
    expect(page.indexOf("user.failed")).toBeGreaterThan(page.indexOf("user.accepted"));
    expect(page).toContain("licenseType: Dialpad_Ai Voice");
    expect(page).toContain("code: no_office");
    expect(page).toContain("create an office, then retry");
    expect(page).toContain("Invariants of Timeline Co");
    expect(page).toContain("&lt;i&gt;who&lt;/i&gt;@example.com");
    expect(page).toContain(`data-retry-user="${id}"`);

    await sql`delete from users where id = ${id}`;
    const erased = await (await get(`/admin/users/${id}`)).text();
    expect(erased).toContain("This user was erased");
    expect(erased).toContain("user.failed");
    expect((await get(`/admin/users/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await get("/admin/users/not-a-uuid")).status).toBe(404);
  });

  test("a fresh app starts its own sampler on the first view of the console", async () => {
    const app = createApp(env().deps);
    const res = await app.request("/admin/live.json", { headers: basic });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sampler: { ticks: number } }).sampler.ticks).toBeGreaterThanOrEqual(0);
  });
});
