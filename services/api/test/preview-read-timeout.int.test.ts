import { expect, test } from "vitest";
import { createTenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { addRule, pushGroup } from "./helpers/groups.ts";

// A preview's answer is streamed as the client reads it. A client that keeps the connection but stops
// reading held its place among the running previews (two per process for onboarding, one for rules,
// shared by every company) for as long as it liked; past PREVIEW_READ_TIMEOUT_MS its answer is cut off
// and the place freed. Here the answers are Responses the test does not read: their streams are pulled
// no further than a client that stopped reading.
const READ_WITHIN_MS = 2_000;
const env = useTestEnv({}, { PREVIEW_READ_TIMEOUT_MS: String(READ_WITHIN_MS) });

const post = (path: string, body: string, type: string) =>
  env().app.request(`/api/v1${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": type },
    body,
  });

test("previews left unread are cut off after PREVIEW_READ_TIMEOUT_MS, and their places are free again", async () => {
  const t = await createTenant(env());
  const csv = "login,firstName\na@example.com,A\nb@example.com,B";
  const onboarding = () => post(`/companies/${t.companyId}/provisioning/preview`, csv, "text/csv");
  await pushGroup(env(), t, "Sales");
  await addRule(env(), t, { group: { displayName: "Sales" }, licenseType: "Dialpad_Support", priority: 1 });
  const rule = () =>
    post(
      `/companies/${t.companyId}/group-rules/preview`,
      JSON.stringify({
        action: "create",
        rule: { group: { displayName: "sales" }, licenseType: "Dialpad_Ai Voice", priority: 2 },
      }),
      "application/json",
    );

  const opened = Date.now();
  const unread = [await onboarding(), await onboarding(), await rule()];
  expect(unread.map((r) => r.status)).toEqual([200, 200, 200]);
  // While they are open, every place is taken.
  const busy = [await onboarding(), await rule()];
  expect(busy.map((r) => r.status)).toEqual([429, 429]);
  for (const r of busy) expect(((await r.json()) as { error: { code: string } }).error.code).toBe("PREVIEW_BUSY");

  // Past the deadline each place is free again (polled: a loaded machine runs the timers late).
  const again: Response[] = [];
  for (const next of [onboarding, onboarding, rule]) {
    for (let reply = await next(); ; reply = await next()) {
      if (reply.status === 200) {
        // Not before the deadline: the unread answers held their places until then.
        if (again.length === 0) expect(Date.now() - opened).toBeGreaterThanOrEqual(READ_WITHIN_MS);
        again.push(reply);
        break;
      }
      expect(reply.status).toBe(429);
      expect(Date.now() - opened, "still busy long after the deadline").toBeLessThan(READ_WITHIN_MS + 10_000);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Read at once, an answer is whole; the ones cut off end in an error, never a JSON document.
  for (const r of again) expect(await r.json()).toHaveProperty("totals");
  for (const r of unread) await expect(r.text()).rejects.toThrow();
});
