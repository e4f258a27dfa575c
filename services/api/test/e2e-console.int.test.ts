import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { remedyOf } from "@scimline/domain";
import type { Runtime } from "@scimline/worker";
import pino from "pino";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import { LiveSampler } from "../src/ops/live-sampler.ts";
import { launchChromium } from "./helpers/browser.ts";
import { admin, createTenant, oktaUser, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { eventually, jobsSettled, startWorker, stopWorker } from "./helpers/worker.ts";

// Ops watch an onboarding burst in a real browser (Debian's chromium, driven by playwright-core):
// a burst of creates goes through the SCIM door over HTTP, a real worker provisions it, and the
// console's charts and figures move while it runs. Then they find the failed users of another
// company, read why, open one, fix the cause and retry them all with the page's button. The pages
// are saved as screenshots under test/artifacts/ (git-ignored) for people to look at.
const ARTIFACTS = join(import.meta.dirname, "artifacts");
const BURST = 1600;
const PORTO_EVERY = 4; // one user in four asks for Porto; the rest land in the main office, Lisbon
const GLOBEX_USERS = 6;

const env = useTestEnv();
let worker: Runtime | undefined;
let sampler: LiveSampler | undefined;
let server: ReturnType<typeof serve> | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
let base = "";
let acme: Tenant;
let globex: Tenant;

const numbers = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `+1415555${String(from + i).padStart(4, "0")}`);
const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
const inStatus = async (status: string, companyId?: string) => {
  const { sql } = env().database;
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from users where status = ${status} ${companyId ? sql`and company_id = ${companyId}` : sql``}`;
  return row?.n ?? 0;
};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  acme = await createTenant(env(), {
    offices: [
      { name: "Lisbon", country: "PT", main: true, seats: { "Dialpad_Ai Voice": 1300 } },
      { name: "Porto", country: "PT", seats: { "Dialpad_Ai Voice": 600 } },
    ],
    company: { seatsLowThreshold: 150, numbersLowThreshold: 150 },
  });
  const bound = await admin(env(), "POST", `/companies/${acme.companyId}/numbers`, {
    numbers: numbers(0, 1300),
    officeId: acme.officeIds.Lisbon,
  });
  expect(bound.status).toBe(201);
  expect(
    (await admin(env(), "POST", `/companies/${acme.companyId}/numbers`, { numbers: numbers(2000, 500) })).status,
  ).toBe(201);

  globex = await createTenant(env(), {
    company: { name: "Globex" },
    offices: [{ name: "Berlin", country: "DE", seats: { "Dialpad_Ai Voice": 0 } }],
  });
  for (let i = 1; i <= GLOBEX_USERS; i++) {
    const res = await env().app.request("/scim/v2/Users", {
      method: "POST",
      headers: { Authorization: `Bearer ${globex.token}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify(oktaUser(`g${i}.user@globex.example`)),
    });
    expect(res.status).toBe(201);
  }
  expect(
    (await admin(env(), "POST", `/companies/${globex.companyId}/numbers`, { numbers: numbers(3000, 6) })).status,
  ).toBe(201);
  // Accepted while auto-purchase was on; off now, so the worker leaves them waiting for a seat.
  await admin(env(), "PUT", `/companies/${globex.companyId}/settings`, { autoPurchaseLicenses: false });

  worker = startWorker(env(), { carrierNumbers: 0, sweepIntervalMs: 1000 });
  sampler = new LiveSampler({ sql: env().database.sql, queue: worker.queue, logger: pino({ level: "silent" }) });
  sampler.start();
  const app = createApp({ ...env().deps, queues: { provisioning: worker.queue }, liveSampler: sampler });
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => resolve(info.port));
  });
  base = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
  context = await browser.newContext({
    httpCredentials: { username: "admin", password: ADMIN_KEY },
    viewport: { width: 1440, height: 900 },
  });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await eventually(
    async () => (await inStatus("failed")) === GLOBEX_USERS,
    30_000,
    "Globex's users waiting for a seat",
  );
  await jobsSettled(worker);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await sampler?.stop();
  await stopWorker(worker);
});

/** What the page shows now: the tiles' words and how many points each chart draws. */
async function reading() {
  const text = async (key: string) =>
    (await page.locator(`[data-tile="${key}"] > div`).allTextContents())
      .map((t) => t.replace(/\s+/g, " ").trim())
      .join(" ");
  const points = async (key: string) =>
    Number((await page.locator(`[data-chart="${key}"]`).getAttribute("data-points")) ?? -1);
  return {
    accepted: await text("accepted"),
    provisioned: await text("provisioned"),
    outbox: await text("outbox"),
    queue: await text("queue"),
    throughputPoints: await points("throughput"),
    queuePoints: await points("queue"),
    canvases: await page.locator("[data-chart] canvas").count(),
  };
}

/** A burst of creates through the SCIM door over HTTP, as Okta would send it: `concurrency` at a time. */
async function burst(n: number, concurrency: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const one = async () => {
    while (next < n) {
      const i = next++;
      const office = i % PORTO_EVERY === 0 ? { officeName: "Porto" } : {};
      const body = JSON.stringify(oktaUser(`burst.user${i}@acme.example`, office));
      for (;;) {
        const res = await fetch(`${base}/scim/v2/Users`, {
          method: "POST",
          headers: { Authorization: `Bearer ${acme.token}`, "Content-Type": "application/scim+json" },
          body,
        });
        await res.arrayBuffer();
        // Over the token's rate limit: back off as Okta does, for the seconds Retry-After says.
        if (res.status === 429) {
          await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? 1)));
          continue;
        }
        statuses.push(res.status);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return statuses;
}

describe("the ops console in a real browser", () => {
  test("during a burst the charts fill with points and the figures move; capacity drops below its thresholds", async () => {
    await page.goto(`${base}/admin`, { waitUntil: "load" });
    expect(await page.title()).toBe("Scimline console");
    await eventually(async () => (await reading()).canvases === 4, 15_000, "the four charts drawn");
    const before = await reading();

    const readings: Awaited<ReturnType<typeof reading>>[] = [];
    let done = false;
    let midShot = false;
    const watch = (async () => {
      while (!done) {
        readings.push(await reading());
        // Half-way, the last minute (the zoom button) as ops would watch it.
        if (!midShot && (await inStatus("active", acme.companyId)) >= BURST / 2) {
          midShot = true;
          await page.getByRole("button", { name: "1 min" }).click();
          await page.waitForTimeout(2500);
          await page.screenshot({ path: join(ARTIFACTS, "console-during-burst.png") });
          await page.getByRole("button", { name: "15 min" }).click();
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const started = Date.now();
    try {
      const statuses = await burst(BURST, 16);
      expect(statuses.filter((s) => s === 201)).toHaveLength(BURST);
      await eventually(
        async () => (await inStatus("active", acme.companyId)) === BURST,
        120_000,
        "every burst user active",
      );
      // Two more seconds: the last provisioned seconds become final on the charts.
      await new Promise((r) => setTimeout(r, 2500 + 2000));
    } finally {
      done = true;
      await watch;
    }
    expect(midShot).toBe(true);
    const after = await reading();
    console.info(
      `burst of ${BURST}: all active after ${Date.now() - started} ms; ${readings.length} readings of the page`,
    );

    // The charts got points during the burst, and the figures changed while it ran.
    expect(readings.some((r) => r.throughputPoints > 0)).toBe(true);
    expect(readings.some((r) => r.queuePoints > 0)).toBe(true);
    const seen = new Set(readings.map((r) => r.provisioned));
    expect(seen.size, [...seen].join(" | ")).toBeGreaterThanOrEqual(3);
    expect(new Set(readings.map((r) => r.accepted)).size).toBeGreaterThanOrEqual(2);
    expect(after.throughputPoints).toBeGreaterThan(before.throughputPoints);
    const live = (await (await page.request.get(`${base}/admin/live.json`)).json()) as {
      summary: { accepted: number; provisioned: number; lagP95: number | null };
      sampler: { avgTickMs: number; maxTickMs: number; avgRows: number; lastError: string | null };
    };
    expect(live.summary.accepted).toBeGreaterThanOrEqual(BURST);
    expect(live.summary.provisioned).toBeGreaterThanOrEqual(BURST);
    expect(live.sampler.lastError).toBeNull();
    console.info(`live view: ${JSON.stringify(live.sampler)}`);
    expect(after.provisioned).toMatch(
      new RegExp(`^Users provisioned [\\d.]+ /s ${(live.summary.provisioned).toLocaleString("en-US")} in 15 min`),
    );

    // The worker's capacity check saw Lisbon's seats and numbers, and the unbound numbers, go low.
    await eventually(
      async () => {
        const res = await admin(
          env(),
          "GET",
          `/companies/${acme.companyId}/events?type=capacity.seats_low,capacity.numbers_low`,
        );
        return (res.body.events as unknown[]).length === 3 ? res.body.events : undefined;
      },
      15_000,
      "three capacity events",
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^scimline_capacity_low\{resource="numbers"\} 2$/m);
    expect(metrics).toMatch(/^scimline_capacity_low\{resource="seats"\} 1$/m);
    // The console's figures may be up to 5 s old (its overview is cached): reload until they settle.
    const lowRows = page.locator(`#capacity-${acme.companyId} .bar-row.low`);
    const settledLow = /Dialpad_Ai Voice\s*100 free of 1300/;
    const lowNow = async () => {
      await page.reload({ waitUntil: "load" });
      const count = await lowRows.count();
      return { count, first: count > 0 ? await lowRows.first().textContent() : null };
    };
    let low = await lowNow();
    for (const end = Date.now() + 10_000; !settledLow.test(low.first ?? "") && Date.now() < end; ) {
      await page.waitForTimeout(500);
      low = await lowNow();
    }
    expect(low.count).toBe(3);
    expect(low.first).toMatch(settledLow);
    await eventually(async () => (await reading()).canvases === 4, 15_000, "the charts drawn again");
    await page.waitForTimeout(2500);
    await page.screenshot({ path: join(ARTIFACTS, "console-top.png") });
    await shot(page, "console-after-burst.png");
  }, 240_000);

  test("failed users by code with the remedy; a user's page; the fix and one click retry them all", async () => {
    const group = page.locator(".failure", { hasText: "no_license_available" });
    expect(await group.textContent()).toContain(remedyOf("no_license_available"));
    const button = group.locator(`button[data-retry-company="${globex.companyId}"]`);
    expect(await button.textContent()).toBe(`Retry ${GLOBEX_USERS}`);

    // One of them, on its own page: the timeline says what happened, and its company's invariants hold.
    await page.getByRole("link", { name: "g1.user@globex.example" }).click();
    await page.waitForURL(/\/admin\/users\//);
    const body = (await page.textContent("main")) ?? "";
    for (const words of [
      "user.accepted",
      "user.failed",
      "code: no_license_available",
      remedyOf("no_license_available"),
    ])
      expect(body).toContain(words);
    expect(await page.locator("h2", { hasText: "Invariants of Globex" }).textContent()).toContain("all 5 hold");
    await shot(page, "user-page.png");
    await page.goBack({ waitUntil: "load" });

    // The fix (seats for Berlin, written as a billing import would: the admin API's PATCH would resume
    // the waiting users by itself), then the page's button; its confirmation is accepted.
    await env().database
      .sql`update seats set purchased = ${GLOBEX_USERS} where office_id = ${globex.officeIds.Berlin ?? ""}`;
    page.once("dialog", (dialog) => void dialog.accept());
    const answer = page.waitForResponse((res) => res.url().endsWith(`/companies/${globex.companyId}/users/retry`));
    await page.locator(`.failure button[data-retry-company="${globex.companyId}"]`).click();
    const retried = await answer;
    expect(retried.status(), await retried.text()).toBe(202);
    await page.locator("#notice", { hasText: `Retried ${GLOBEX_USERS} users.` }).waitFor();
    await eventually(
      async () => (await inStatus("active", globex.companyId)) === GLOBEX_USERS,
      30_000,
      "Globex's users active after the retry",
    );
    // The page catches up by itself (sections every 10 s): nobody failed any more.
    await page.getByText("No failed users.").waitFor({ timeout: 20_000 });
  }, 90_000);
});
