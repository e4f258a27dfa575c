import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { reconcileJobId } from "@scimline/queue";
import type { Runtime } from "@scimline/worker";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import { launchChromium } from "./helpers/browser.ts";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// An on-call engineer in a real browser (Debian's chromium, driven by playwright-core): logs in to
// the dashboard, finds the failed job and its reason, fixes the cause, clicks Retry, sees it complete.
const env = useTestEnv();
let worker: Runtime | undefined;
let server: ReturnType<typeof serve> | undefined;
let browser: Browser | undefined;
let base = "";
let tenant: Tenant;
let userId = "";

beforeAll(async () => {
  tenant = await createTenant(env(), { offices: [{ name: "Porto", country: "PT", seats: { "Dialpad_Ai Voice": 0 } }] });
  const created = await scim(env(), tenant.token, "POST", "/Users", oktaUser("joana.reis@example.com"));
  expect(created.status).toBe(201);
  userId = created.body.id as string;
  // Accepted at the door while auto-purchase was on; off now, so the worker waits for a seat.
  await admin(env(), "PUT", `/companies/${tenant.companyId}/settings`, { autoPurchaseLicenses: false });
  worker = startWorker(env());
  const app = createApp({ ...env().deps, queues: { provisioning: worker.queue } });
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => resolve(info.port));
  });
  base = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await stopWorker(worker);
});

const statusOf = async () =>
  (await env().database.sql<{ status: string }[]>`select status from users where id = ${userId}`)[0]?.status;

test("log in, see the provisioning queue, open the failed job, read why, retry after the fix, see it complete", async () => {
  if (!browser) throw new Error("no browser");
  await eventually(async () => (await worker?.queue.getFailedCount()) === 1, 20_000, "the failed job");
  const jobId = reconcileJobId(userId, 1);

  const context = await browser.newContext({ httpCredentials: { username: "admin", password: ADMIN_KEY } });
  // Offline by design: the board's web fonts are the only outside request.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  try {
    await page.goto(`${base}/admin/queues`, { waitUntil: "domcontentloaded" });
    await page
      .getByRole("link", { name: /provisioning/i })
      .first()
      .click();
    await page.waitForURL(/\/admin\/queues\/queue\/provisioning/);
    // The queue's own "failed" tab (the board's header also links to failed jobs of all queues).
    await page.locator('a[href*="/queue/provisioning"][href$="status=failed"]').click();
    await page.waitForURL(/status=failed/);
    await page.getByRole("link", { name: jobId }).click();
    await page.waitForURL((url) => url.pathname.endsWith(`/queue/provisioning/${jobId}`));
    await expect.poll(() => page.getByText(/no_license_available: no free seat/).count()).toBeGreaterThan(0);

    // The fix (an admin adds a seat), then the dashboard's Retry: the job's icon whose tooltip says so.
    await env().database
      .sql`update seats set purchased = purchased + 1 where office_id = ${tenant.officeIds.Porto ?? ""}`;
    const retry = page.locator("[data-base-ui-tooltip-trigger] button").first();
    await retry.hover();
    await page.getByText("Retry", { exact: true }).waitFor({ state: "visible" });
    await retry.click();
    const confirm = page.getByRole("button", { name: "Confirm" });
    await confirm.waitFor({ state: "visible", timeout: 2000 }).then(
      () => confirm.click(),
      () => undefined,
    );

    await eventually(async () => (await statusOf()) === "active", 20_000, "the user active after the retry");
    await page.goto(`${base}/admin/queues/queue/provisioning?status=completed`, { waitUntil: "domcontentloaded" });
    await expect.poll(() => page.getByText(jobId).count()).toBeGreaterThan(0);
    expect(await worker?.queue.getFailedCount()).toBe(0);
  } catch (error) {
    console.error(await page.content());
    throw error;
  } finally {
    await context.close();
  }

  // The console shows its figures without JavaScript too, and links to the dashboard.
  const plain = await browser.newContext({
    httpCredentials: { username: "admin", password: ADMIN_KEY },
    javaScriptEnabled: false,
  });
  const overview = await plain.newPage();
  await overview.goto(`${base}/admin`);
  expect(await overview.title()).toBe("Scimline console");
  expect(await overview.getByRole("link", { name: "Queue dashboard" }).getAttribute("href")).toBe("/admin/queues");
  expect(await overview.getByText("Porto").count()).toBeGreaterThan(0);
  await plain.close();

  // A wrong password never gets the board: the browser ends on the 401 page.
  const intruder = await browser.newContext({
    httpCredentials: { username: "admin", password: "not-the-key-0123456789" },
  });
  const denied = await (await intruder.newPage()).goto(`${base}/admin/queues`);
  expect(denied?.status()).toBe(401);
  expect(await denied?.text()).not.toContain("Scimline queues");
  await intruder.close();
}, 90_000);
