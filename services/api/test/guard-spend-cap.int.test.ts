import type { Runtime } from "@scimline/worker";
import { afterAll, describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, code } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Billing day 1 and 2026-11-29: a Voice seat (1500/month) bought now costs 2/30 of it, 100 cents.
const clock = () => new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock });
const api = apiClient(env);
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";
let worker: Runtime | undefined;
afterAll(() => stopWorker(worker));

type Telephony = { status?: string; error?: string };
const telephony = async (t: Tenant, id: string) =>
  ((await scim(env(), t.token, "GET", `/Users/${id}`)).body[TELEPHONY] ?? {}) as Telephony;
const charges = async (t: Tenant) =>
  ((await api("GET", `/companies/${t.companyId}/charges`)).body.charges as Array<{ amountCents: number }>).map(
    (c) => c.amountCents,
  );
const statuses = async (t: Tenant, ids: string[]) =>
  Promise.all(
    ids.map(async (id) => {
      const tel = await telephony(t, id);
      return tel.status === "failed" ? `failed:${tel.error}` : tel.status;
    }),
  );
const settled = (t: Tenant, ids: string[], expected: (s: (string | undefined)[]) => boolean, label: string) =>
  eventually(async () => expected(await statuses(t, ids)), 20_000, label);

describe("the monthly spend cap", () => {
  test("a purchase that would pass it waits in failed/spend_cap_reached until the cap is raised or seats added", async () => {
    worker ??= startWorker(env(), { clock });
    const t = await createTenant(env(), {
      company: { billingDay: 1, monthlySpendCapCents: 250 },
      offices: [{ name: "HQ", country: "US", seats: { "Dialpad_Ai Voice": 0 } }],
    });
    await api("POST", `/companies/${t.companyId}/numbers`, {
      numbers: ["+14155550150", "+14155550151", "+14155550152", "+14155550153", "+14155550154"],
    });
    expect((await api("GET", `/companies/${t.companyId}`)).body.settings).toMatchObject({ monthlySpendCapCents: 250 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await scim(env(), t.token, "POST", "/Users", oktaUser(`buyer.${i}@acme.com`))).body.id as string);
    }
    const count = (s: (string | undefined)[], status: string) => s.filter((x) => x === status).length;
    await settled(t, ids, (s) => count(s, "active") === 2 && count(s, "failed:spend_cap_reached") === 2, "two wait");
    expect(await charges(t)).toEqual([100, 100]);
    const team = (await api("GET", `/companies/${t.companyId}/users?status=failed`)).body.users as Array<{
      error: string;
    }>;
    expect(team.map((u) => u.error)).toEqual(["spend_cap_reached", "spend_cap_reached"]);

    // An admin's license change that must buy past the cap is refused rather than left waiting.
    const active = (await statuses(t, ids)).indexOf("active");
    const change = await api("PATCH", `/companies/${t.companyId}/users/${ids[active]}`, {
      licenseType: "Dialpad_Ai Sales",
    });
    expect(code(change)).toBe("SPEND_CAP_REACHED");

    // Raising the cap by one seat's worth: one of the two continues by itself.
    await api("PUT", `/companies/${t.companyId}/settings`, { monthlySpendCapCents: 300 });
    await settled(t, ids, (s) => count(s, "active") === 3, "a third bought");
    expect(await charges(t)).toEqual([100, 100, 100]);
    // Seats the admin adds cost nothing: the last one takes it, no charge.
    const office = t.officeIds.HQ ?? "";
    const seats = (await api("GET", `/companies/${t.companyId}/offices/${office}`)).body.seats as Record<
      string,
      { purchased: number }
    >;
    const purchased = seats["Dialpad_Ai Voice"]?.purchased ?? 0;
    expect(purchased).toBe(3);
    const added = await api("PATCH", `/companies/${t.companyId}/offices/${office}`, {
      seats: { "Dialpad_Ai Voice": purchased + 1 },
    });
    expect(added.status).toBe(200);
    await settled(t, ids, (s) => count(s, "active") === 4, "all active");
    expect(await charges(t)).toEqual([100, 100, 100]);

    // A new user past the cap waits; removing the cap lets it buy.
    const late = (await scim(env(), t.token, "POST", "/Users", oktaUser("late@acme.com"))).body.id as string;
    await settled(t, [late], (s) => s[0] === "failed:spend_cap_reached", "late waits");
    await api("PATCH", `/companies/${t.companyId}`, { monthlySpendCapCents: null });
    await settled(t, [late], (s) => s[0] === "active", "late bought");
    expect(await charges(t)).toEqual([100, 100, 100, 100]);
    const events = (await api("GET", `/companies/${t.companyId}/users/${late}/events`)).body.events as Array<{
      type: string;
      data: Record<string, unknown>;
    }>;
    expect(events.find((e) => e.type === "user.failed")?.data).toEqual({ code: "spend_cap_reached" });
  });

  test("concurrent batches buying in different offices never pass the cap together", async () => {
    worker ??= startWorker(env(), { clock });
    const t = await createTenant(env(), {
      company: { billingDay: 1, monthlySpendCapCents: 1000 },
      offices: [
        { name: "Alpha", country: "US", main: true, seats: { Dialpad_Support: 0 } },
        { name: "Beta", country: "US", seats: { Dialpad_Support: 0 } },
      ],
    });
    const ids = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const body = oktaUser(`s${i}@acme.com`, {
          officeName: i % 2 ? "Beta" : "Alpha",
          licenseType: "Dialpad_Support",
        });
        return (await scim(env(), t.token, "POST", "/Users", body)).body.id as string;
      }),
    );
    // Support costs 167 cents for the two days left: five seats fit under 1000, a sixth would not.
    await settled(t, ids, (s) => s.every((x) => x === "active" || x === "failed:spend_cap_reached"), "all decided");
    const spent = (await charges(t)).reduce((a, b) => a + b, 0);
    expect(await charges(t)).toHaveLength(5);
    expect(spent).toBeLessThanOrEqual(1000);
  });

  test("settings: a negative or fractional cap is refused; the preview reports what would wait", async () => {
    const t = await createTenant(env(), {
      company: { billingDay: 1, monthlySpendCapCents: 100 },
      offices: [{ name: "HQ", country: "US", seats: { "Dialpad_Ai Voice": 0 } }],
    });
    for (const bad of [-1, 1.5, "100"]) {
      expect(code(await api("PUT", `/companies/${t.companyId}/settings`, { monthlySpendCapCents: bad }))).toBe(
        "VALIDATION_FAILED",
      );
    }
    const preview = await api("POST", `/companies/${t.companyId}/provisioning/preview`, {
      users: [oktaUser("p1@acme.com"), oktaUser("p2@acme.com")],
    });
    const users = preview.body.users as Array<{ seat: string; refusal: { code: string } | null }>;
    expect(users.map((u) => u.refusal?.code ?? u.seat)).toEqual(["buy", "spend_cap_reached"]);
  });
});
