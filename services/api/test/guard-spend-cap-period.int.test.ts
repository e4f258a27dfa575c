import { computeBillingPeriod } from "@scimline/domain";
import type { Runtime } from "@scimline/worker";
import { afterAll, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient } from "./helpers/openapi.ts";
import { eventually, jobsSettled, startWorker, stopWorker } from "./helpers/worker.ts";

// The worker's clock moves to the next billing period while Postgres's stays today.
let ahead = 0;
const clock = () => new Date(Date.now() + ahead);
const env = useTestEnv({ clock });
const api = apiClient(env);
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";
let worker: Runtime | undefined;
afterAll(() => stopWorker(worker));

const status = async (t: Tenant, id: string) => {
  const tel = ((await scim(env(), t.token, "GET", `/Users/${id}`)).body[TELEPHONY] ?? {}) as {
    status?: string;
    error?: string;
  };
  return tel.status === "failed" ? `failed:${tel.error}` : tel.status;
};
const charges = async (t: Tenant) =>
  (
    (await api("GET", `/companies/${t.companyId}/charges`)).body.charges as Array<{
      amountCents: number;
      periodStart: string;
    }>
  ).map((c) => [c.periodStart, c.amountCents]);

test("a new billing period: users waiting for the spend cap continue by themselves", async () => {
  // Billing day = today: today starts a period, so a Voice seat costs its whole month (1500 cents)
  // and a cap of 1500 buys exactly one seat a period.
  const today = new Date().toISOString().slice(0, 10);
  const billingDay = Number(today.slice(8, 10));
  const period = computeBillingPeriod(today, billingDay);
  // The worker prices at noon of that day, so a test crossing midnight still buys at the whole month's price.
  ahead = Date.parse(`${today}T12:00:00Z`) - Date.now();
  worker = startWorker(env(), { clock, sweepIntervalMs: 200 });
  const t = await createTenant(env(), {
    company: { billingDay, monthlySpendCapCents: 1500 },
    offices: [{ name: "HQ", country: "US", seats: { "Dialpad_Ai Voice": 0 } }],
  });
  await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550160", "+14155550161"] });
  const first = (await scim(env(), t.token, "POST", "/Users", oktaUser("first@acme.com"))).body.id as string;
  await eventually(async () => (await status(t, first)) === "active", 20_000, "the first buys");
  const second = (await scim(env(), t.token, "POST", "/Users", oktaUser("second@acme.com"))).body.id as string;
  await eventually(async () => (await status(t, second)) === "failed:spend_cap_reached", 20_000, "the second waits");
  await jobsSettled(worker);
  expect(await charges(t)).toEqual([[period.start, 1500]]);

  // The month turns (an hour into the next period): the sweep retries the waiting user, which buys
  // its seat under the new period's budget. Nobody touched the cap.
  const [y, m, d] = period.end.split("-").map(Number) as [number, number, number];
  const nextStart = new Date(Date.UTC(y, m - 1, d + 1, 1));
  ahead = nextStart.getTime() - Date.now();
  await eventually(async () => (await status(t, second)) === "active", 20_000, "the second buys next period");
  const next = nextStart.toISOString().slice(0, 10);
  expect(await charges(t)).toEqual([
    [period.start, 1500],
    [next, 1500],
  ]);
  const events = (await api("GET", `/companies/${t.companyId}/users/${second}/events`)).body.events as Array<{
    type: string;
    data: Record<string, unknown>;
  }>;
  expect(events.filter((e) => e.type === "user.retried").map((e) => e.data)).toEqual([
    { previousCode: "spend_cap_reached" },
  ]);
  // The first user, active all along, was never retried.
  const firstEvents = (await api("GET", `/companies/${t.companyId}/users/${first}/events`)).body.events as Array<{
    type: string;
  }>;
  expect(firstEvents.some((e) => e.type === "user.retried")).toBe(false);
});
