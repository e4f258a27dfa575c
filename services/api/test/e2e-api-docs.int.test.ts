import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";

// The API reference and the queue dashboard in a real browser (Debian's chromium) under their
// Content-Security-Policy: they render, nothing is refused, and nothing is fetched from elsewhere.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const env = useTestEnv();
let server: ReturnType<typeof serve> | undefined;
let browser: Browser | undefined;
let base = "";

beforeAll(async () => {
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: env().app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve(info.port),
    );
  });
  base = `http://127.0.0.1:${port}`;
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: \`pnpm test\` installs it (scripts/setup.mjs)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    timeout: 30_000,
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function visit(path: string, ready: string) {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ httpCredentials: { username: "admin", password: ADMIN_KEY } });
  const page = await context.newPage();
  const problems: string[] = [];
  const elsewhere: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || /Content.Security.Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("data:")) elsewhere.push(r.url());
  });
  // Offline: anything that is not this origin fails at once, as it would without a network.
  await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
  await page.goto(`${base}${path}`);
  await page.waitForSelector(ready, { timeout: 30_000 });
  const text = await page.textContent("body");
  await context.close();
  return { problems, elsewhere, text: text ?? "" };
}

test("the API reference renders every tag of the document, offline, with no script refused", async () => {
  const { problems, elsewhere, text } = await visit("/api/v1/docs", ".opblock-tag");
  expect(problems).toEqual([]);
  expect(elsewhere).toEqual([]);
  expect(text).toContain("Scimline admin API");
  expect(text).toContain("Companies");
});

test("the queue dashboard renders under the same policy (its web fonts are the only thing left out)", async () => {
  const { problems, elsewhere, text } = await visit("/admin/queues", "text=provisioning");
  expect(problems.filter((p) => !/fonts\.googleapis|net::ERR_FAILED/.test(p))).toEqual([]);
  expect(elsewhere.every((u) => u.startsWith("https://fonts.googleapis.com/"))).toBe(true);
  expect(text).toContain("provisioning");
});
