import type { Runtime } from "@scimline/worker";
import { afterAll, describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, code } from "./helpers/openapi.ts";
import { signIn } from "./helpers/sso-clients.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// The breaker's window runs on the API's clock: the tests move it.
let now = new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock: () => now });
const api = apiClient(env);
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const deactivate = { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] };
const reactivate = { schemas: [PATCH], Operations: [{ op: "replace", value: { active: true } }] };
let worker: Runtime | undefined;
afterAll(() => stopWorker(worker));

type Held = { id: string; userId: string; userName: string; kind: string; directoryId: string; at: string };
const statusOf = async (t: Tenant, id: string) =>
  ((await scim(env(), t.token, "GET", `/Users/${id}`)).body[TELEPHONY] as { status?: string } | undefined)?.status;
const held = async (t: Tenant) => (await api("GET", `/companies/${t.companyId}/held-changes`)).body.changes as Held[];

async function tenantWithUsers(n: number, breaker: { threshold: number; windowSeconds: number } | null) {
  const t = await createTenant(env(), {
    offices: [{ name: "HQ", country: "US", seats: { "Dialpad_Ai Voice": 50 } }],
    company: breaker ? { deactivationBreaker: breaker } : {},
  });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await scim(env(), t.token, "POST", "/Users", oktaUser(`user.${i}@acme.com`))).body.id as string);
  }
  return { t, ids };
}

describe("the mass-deactivation breaker", () => {
  test("is a company setting, off by default; null turns it off; bad values are refused", async () => {
    const { t, ids } = await tenantWithUsers(4, null);
    expect((await api("GET", `/companies/${t.companyId}`)).body.settings).toMatchObject({ deactivationBreaker: null });
    for (const id of ids)
      expect((await scim(env(), t.token, "PATCH", `/Users/${id}`, deactivate)).body.active).toBe(false);
    expect(await held(t)).toEqual([]);
    const on = await api("PUT", `/companies/${t.companyId}/settings`, {
      deactivationBreaker: { threshold: 2, windowSeconds: 60 },
    });
    expect(on.status).toBe(200);
    expect((await api("GET", `/companies/${t.companyId}`)).body.settings).toMatchObject({
      deactivationBreaker: { threshold: 2, windowSeconds: 60 },
    });
    for (const bad of [
      { threshold: 0, windowSeconds: 60 },
      { threshold: 2 },
      { threshold: 2, windowSeconds: 60, x: 1 },
    ]) {
      expect(code(await api("PUT", `/companies/${t.companyId}/settings`, { deactivationBreaker: bad }))).toBe(
        "VALIDATION_FAILED",
      );
    }
    await api("PATCH", `/companies/${t.companyId}`, { deactivationBreaker: null });
    expect((await api("GET", `/companies/${t.companyId}`)).body.settings).toMatchObject({ deactivationBreaker: null });
  });

  test("beyond the threshold, deactivations and deletes are accepted but held: SCIM shows them, the work does not", async () => {
    worker ??= startWorker(env());
    const { t, ids } = await tenantWithUsers(6, { threshold: 3, windowSeconds: 300 });
    await eventually(async () => (await statusOf(t, ids[5] ?? "")) === "active", 20_000, "provisioned");
    const [a, b, c, d, e, f] = ids as [string, string, string, string, string, string];
    for (const id of [a, b, c, d]) {
      const res = await scim(env(), t.token, "PATCH", `/Users/${id}`, deactivate);
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(false);
    }
    expect((await scim(env(), t.token, "DELETE", `/Users/${e}`)).status).toBe(204);
    // The first three took effect; the fourth deactivation and the delete are held.
    await eventually(async () => (await statusOf(t, c)) === "suspended", 20_000, "suspended");
    expect(await statusOf(t, d)).toBe("held");
    expect((await scim(env(), t.token, "GET", `/Users/${e}`)).status).toBe(404);
    const filter = encodeURIComponent(`${TELEPHONY}:status eq "held"`);
    expect((await scim(env(), t.token, "GET", `/Users?filter=${filter}`)).body.totalResults).toBe(1);
    const changes = await held(t);
    expect(changes.map((h) => [h.userId, h.kind, h.userName, h.directoryId])).toEqual([
      [d, "deactivate", "user.3@acme.com", t.directoryId],
      [e, "delete", "user.4@acme.com", t.directoryId],
    ]);
    const team = async (id: string) => (await api("GET", `/companies/${t.companyId}/users/${id}`)).body;
    expect((await team(d)).status).toBe("held");
    expect((await team(e)).status).toBe("held");
    // Held users keep everything they hold (the worker never saw the change), and cannot sign in.
    expect(await team(d)).toMatchObject({ did: expect.any(String), extension: expect.any(String) });
    const signedIn = await signIn(env(), t.companyId, "password", {
      userName: "user.3@acme.com",
      password: "tempP@ss123!",
    });
    expect(signedIn.status).toBe(403);
    const events = (await api("GET", `/companies/${t.companyId}/users/${d}/events`)).body.events as Array<{
      type: string;
      data: unknown;
    }>;
    expect(events.find((x) => x.type === "user.held")?.data).toEqual({
      kind: "deactivate",
      directoryId: t.directoryId,
    });
    // The admin API's delete is not counted by the breaker.
    expect((await api("DELETE", `/companies/${t.companyId}/users/${f}`)).status).toBe(204);
    const metrics = await (await env().app.request("/metrics")).text();
    expect(metrics).toMatch(/scimline_breaker_held_total\{kind="deactivate"\} [1-9]/);
    expect(metrics).toMatch(/scimline_held_changes\{kind="delete"\} [1-9]/);

    // Reject the deactivation: active again. Confirm the delete: gone.
    expect(
      (await api("POST", `/companies/${t.companyId}/held-changes/reject`, { ids: [changes[0]?.id] })).body,
    ).toEqual({
      rejected: 1,
    });
    const back = await scim(env(), t.token, "GET", `/Users/${d}`);
    expect(back.body.active).toBe(true);
    expect((back.body[TELEPHONY] as { status: string }).status).toBe("active");
    expect((await api("POST", `/companies/${t.companyId}/held-changes/confirm`, {})).body).toEqual({ confirmed: 1 });
    expect(await held(t)).toEqual([]);
    await eventually(
      async () => (await api("GET", `/companies/${t.companyId}/users/${e}`)).status === 404,
      20_000,
      "erased",
    );
    const types = async (id: string) =>
      ((await api("GET", `/companies/${t.companyId}/users/${id}/events`)).body.events as Array<{ type: string }>).map(
        (x) => x.type,
      );
    expect(await types(d)).toContain("user.held_rejected");
    expect(await types(d)).not.toContain("user.suspended");
  });

  test("a confirmed deactivation suspends; a rejected delete comes back; the IdP's reactivation withdraws a hold", async () => {
    worker ??= startWorker(env());
    const { t, ids } = await tenantWithUsers(4, { threshold: 1, windowSeconds: 300 });
    const [a, b, c, d] = ids as [string, string, string, string];
    await eventually(async () => (await statusOf(t, d)) === "active", 20_000, "provisioned");
    await scim(env(), t.token, "PATCH", `/Users/${a}`, deactivate);
    await scim(env(), t.token, "PATCH", `/Users/${b}`, deactivate);
    await scim(env(), t.token, "DELETE", `/Users/${c}`);
    await scim(env(), t.token, "PATCH", `/Users/${d}`, deactivate);
    expect((await held(t)).map((h) => h.userId)).toEqual([b, c, d]);
    // Okta re-sends the deactivation: no change, still held; then the IdP reactivates: the hold is withdrawn.
    expect((await scim(env(), t.token, "PATCH", `/Users/${d}`, deactivate)).status).toBe(200);
    expect((await scim(env(), t.token, "PATCH", `/Users/${d}`, reactivate)).body.active).toBe(true);
    expect(await statusOf(t, d)).toBe("active");
    const [hb, hc] = await held(t);
    expect(
      (await api("POST", `/companies/${t.companyId}/held-changes/confirm`, { ids: [hb?.id] })).body.confirmed,
    ).toBe(1);
    await eventually(async () => (await statusOf(t, b)) === "suspended", 20_000, "suspended after confirm");
    expect((await api("POST", `/companies/${t.companyId}/held-changes/reject`, { ids: [hc?.id] })).body.rejected).toBe(
      1,
    );
    expect((await scim(env(), t.token, "GET", `/Users/${c}`)).body.active).toBe(true);
    expect(await held(t)).toEqual([]);
    // Nothing left to decide: zero, not an error.
    const none = await api("POST", `/companies/${t.companyId}/held-changes/confirm`);
    expect(none.body).toEqual({ confirmed: 0 });
  });

  test("the window slides: once it passes, deactivations apply again", async () => {
    const { t, ids } = await tenantWithUsers(4, { threshold: 2, windowSeconds: 60 });
    now = new Date("2026-11-29T11:00:00Z");
    for (const id of ids.slice(0, 3)) await scim(env(), t.token, "PATCH", `/Users/${id}`, deactivate);
    expect((await held(t)).map((h) => h.userId)).toEqual([ids[2]]);
    now = new Date("2026-11-29T11:01:01Z");
    await scim(env(), t.token, "PATCH", `/Users/${ids[3]}`, deactivate);
    expect((await held(t)).map((h) => h.userId)).toEqual([ids[2]]);
  });

  test("counts exactly under concurrency: 30 deactivations at once, threshold 10 → 10 applied, 20 held", async () => {
    const { t, ids } = await tenantWithUsers(30, { threshold: 10, windowSeconds: 3600 });
    const replies = await Promise.all(ids.map((id) => scim(env(), t.token, "PATCH", `/Users/${id}`, deactivate)));
    expect(replies.map((r) => r.status)).toEqual(ids.map(() => 200));
    expect(await held(t)).toHaveLength(20);
    const [row] = await env().database.sql<{ held: number; applied: number }[]>`
      select count(*) filter (where held_kind is not null)::int as held,
             count(*) filter (where held_kind is null and not active)::int as applied
      from users where company_id = ${t.companyId}`;
    expect(row).toEqual({ held: 20, applied: 10 });
  });

  test("held changes are a company's own: another company's ids decide nothing", async () => {
    const { t, ids } = await tenantWithUsers(2, { threshold: 1, windowSeconds: 300 });
    for (const id of ids) await scim(env(), t.token, "PATCH", `/Users/${id}`, deactivate);
    const [mine] = await held(t);
    const other = await createTenant(env());
    expect((await admin(env(), "GET", `/companies/${other.companyId}/held-changes`)).body.changes).toEqual([]);
    for (const verb of ["confirm", "reject"]) {
      const reply = await api("POST", `/companies/${other.companyId}/held-changes/${verb}`, { ids: [mine?.id] });
      expect(Object.values(reply.body)).toEqual([0]);
    }
    expect(await held(t)).toHaveLength(1);
    expect(code(await api("GET", "/companies/00000000-0000-4000-8000-000000000000/held-changes"))).toBe(
      "COMPANY_NOT_FOUND",
    );
    expect(code(await api("POST", `/companies/${t.companyId}/held-changes/reject`, { ids: ["x"] }))).toBe(
      "VALIDATION_FAILED",
    );
  });
});
