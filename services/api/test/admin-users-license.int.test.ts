import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Billing day 1 and 2026-11-29: 2 of 30 days left. Sales (3000/month) costs 200, Voice (1500) 100.
// The admin API applies a change at once and the worker provisions: both on the same day.
const clock = () => new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock });
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env(), { clock });
});
afterAll(() => stopWorker(worker));

type Member = { id: string; userName: string; status: string; did: string | null; licenseType: string };
type Seat = { officeId: string; licenseType: string; purchased: number; used: number };
type User = { id: string; userName: string };

const tenant = (seats: Record<string, number>, company: Record<string, unknown> = {}) =>
  createTenant(env(), {
    client,
    company: { billingDay: 1, ...company },
    offices: [{ name: "SF", country: "US", seats }],
  });
const member = async (t: Tenant, u: User) => {
  const res = await api("GET", `/companies/${t.companyId}/users?q=${encodeURIComponent(u.userName)}`);
  return (res.body.users as Member[]).find((m) => m.id === u.id);
};
const reached = (t: Tenant, u: User, status: string) => async () => (await member(t, u))?.status === status;
async function activeUser(t: Tenant, userName: string): Promise<User> {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const user = { id: res.body.id as string, userName };
  await eventually(reached(t, user, "active"), 20_000, `${userName} active`);
  return user;
}
const seat = async (t: Tenant, licenseType: string) =>
  ((await api("GET", `/companies/${t.companyId}/seats`)).body.seats as Seat[]).find(
    (s) => s.licenseType === licenseType,
  );
const seatIs = (t: Tenant, licenseType: string, want: { purchased: number; used: number }) => async () => {
  const s = await seat(t, licenseType);
  return s?.purchased === want.purchased && s.used === want.used;
};
const charges = async (t: Tenant) =>
  (await api("GET", `/companies/${t.companyId}/charges`)).body.charges as Array<Record<string, unknown>>;
const numbers = async (t: Tenant) =>
  (await api("GET", `/companies/${t.companyId}/numbers`)).body.numbers as Array<Record<string, unknown>>;
const settled = async (u: User) => {
  const [row] = await env().database.sql<{ done: boolean }[]>`
    select applied_generation = generation as done from users where id = ${u.id}`;
  return row?.done === true;
};

describe("PATCH /companies/{id}/users/{userId} licenseType, applied by a real worker", () => {
  test("moves the seat, charges exactly the prorated price, releases and allocates the DID as the type requires", async () => {
    const t = await tenant({ "Dialpad_Ai Voice": 1, Dialpad_Support: 1 });
    await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550201"] });
    const ann = await activeUser(t, "ann@example.com");
    expect(await member(t, ann)).toMatchObject({ did: "+14155550201", licenseType: "Dialpad_Ai Voice" });

    // Voice → Sales: the Voice seat goes back, a Sales seat is bought (none free) for 3000 × 2/30.
    const toSales = await api("PATCH", `/companies/${t.companyId}/users/${ann.id}`, {
      licenseType: "Dialpad_Ai Sales",
    });
    expect(toSales.status).toBe(200);
    expect(toSales.body).toMatchObject({ id: ann.id, licenseType: "Dialpad_Ai Sales", status: "active" });
    await eventually(seatIs(t, "Dialpad_Ai Sales", { purchased: 1, used: 1 }), 20_000, "sales seat");
    expect(await seat(t, "Dialpad_Ai Voice")).toMatchObject({ purchased: 1, used: 0 });
    expect(await charges(t)).toEqual([
      expect.objectContaining({
        officeId: t.officeIds.SF,
        licenseType: "Dialpad_Ai Sales",
        userId: ann.id,
        quantity: 1,
        unitPriceCents: 3000,
        amountCents: 200,
        periodStart: "2026-11-01",
        periodEnd: "2026-11-30",
      }),
    ]);
    expect((await member(t, ann))?.did).toBe("+14155550201");

    // Sales → Support (no DID): a free Support seat, no charge; the DID goes back to the office's pool.
    await api("PATCH", `/companies/${t.companyId}/users/${ann.id}`, { licenseType: "dialpad_support" });
    await eventually(async () => (await member(t, ann))?.did === null, 20_000, "DID released");
    await eventually(() => settled(ann), 20_000, "settled");
    expect(await member(t, ann)).toMatchObject({ status: "active", licenseType: "Dialpad_Support" });
    expect(await seat(t, "Dialpad_Support")).toMatchObject({ purchased: 1, used: 1 });
    expect(await seat(t, "Dialpad_Ai Sales")).toMatchObject({ purchased: 1, used: 0 });
    expect(await numbers(t)).toEqual([
      expect.objectContaining({ e164: "+14155550201", assignedUserId: null, officeId: t.officeIds.SF }),
    ]);

    // Support → Sales again: the freed Sales seat is reused (no new charge) and a DID is allocated.
    await api("PATCH", `/companies/${t.companyId}/users/${ann.id}`, { licenseType: "Dialpad_Ai Sales" });
    await eventually(async () => (await member(t, ann))?.did === "+14155550201", 20_000, "DID allocated");
    await eventually(() => settled(ann), 20_000, "settled");
    expect(await seat(t, "Dialpad_Ai Sales")).toMatchObject({ purchased: 1, used: 1 });
    expect(await seat(t, "Dialpad_Support")).toMatchObject({ purchased: 1, used: 0 });
    expect(await charges(t)).toHaveLength(1);
  });

  test("the same license type again is a no-op; an unknown one is 400 listing the company's", async () => {
    const t = await tenant({ "Dialpad_Ai Voice": 1 });
    const bob = await activeUser(t, "bob@example.com");
    const [before] = await env().database.sql<
      { generation: number }[]
    >`select generation from users where id = ${bob.id}`;
    const same = await api("PATCH", `/companies/${t.companyId}/users/${bob.id}`, { licenseType: "Dialpad_Ai Voice" });
    expect(same.status).toBe(200);
    const [after] = await env().database.sql<
      { generation: number }[]
    >`select generation from users where id = ${bob.id}`;
    expect(after?.generation).toBe(before?.generation);
    const unknown = await api("PATCH", `/companies/${t.companyId}/users/${bob.id}`, { licenseType: "Gold" });
    expect(unknown.status).toBe(400);
    expect(code(unknown)).toBe("UNKNOWN_LICENSE_TYPE");
    expect(message(unknown)).toContain('"Dialpad_Ai Voice", "Dialpad_Support", "Dialpad_Ai Sales"');
  });

  test("with auto-purchase off and no free seat of the new type, the change is refused and nothing moves", async () => {
    const t = await tenant({ "Dialpad_Ai Voice": 1 }, { autoPurchaseLicenses: false });
    const cy = await activeUser(t, "cy@example.com");
    const res = await api("PATCH", `/companies/${t.companyId}/users/${cy.id}`, { licenseType: "Dialpad_Ai Sales" });
    expect(res.status).toBe(409);
    expect(code(res)).toBe("NO_LICENSE_AVAILABLE");
    expect(message(res)).toContain('"Dialpad_Ai Sales" seat in office "SF"');
    expect(await member(t, cy)).toMatchObject({ status: "active", licenseType: "Dialpad_Ai Voice" });
    // With a seat added, the same change goes through without a charge.
    await api("PATCH", `/companies/${t.companyId}/offices/${t.officeIds.SF}`, { seats: { "Dialpad_Ai Sales": 1 } });
    await api("PATCH", `/companies/${t.companyId}/users/${cy.id}`, { licenseType: "Dialpad_Ai Sales" });
    await eventually(seatIs(t, "Dialpad_Ai Sales", { purchased: 1, used: 1 }), 20_000, "sales seat");
    expect(await seat(t, "Dialpad_Ai Voice")).toMatchObject({ purchased: 1, used: 0 });
    expect(await charges(t)).toEqual([]);
  });

  test("a suspended user's new license takes effect on reactivation", async () => {
    const t = await tenant({ "Dialpad_Ai Voice": 1 });
    const dee = await activeUser(t, "dee@example.com");
    const active = (value: boolean) =>
      scim(env(), t.token, "PATCH", `/Users/${dee.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "replace", value: { active: value } }],
      });
    await active(false);
    await eventually(seatIs(t, "Dialpad_Ai Voice", { purchased: 1, used: 0 }), 20_000, "seat freed");

    const res = await api("PATCH", `/companies/${t.companyId}/users/${dee.id}`, { licenseType: "Dialpad_Ai Sales" });
    expect(res.body).toMatchObject({ status: "suspended", licenseType: "Dialpad_Ai Sales" });
    await eventually(() => settled(dee), 20_000, "settled while suspended");
    expect(await seat(t, "Dialpad_Ai Sales")).toMatchObject({ purchased: 0, used: 0 });
    expect(await charges(t)).toEqual([]);

    await active(true);
    await eventually(seatIs(t, "Dialpad_Ai Sales", { purchased: 1, used: 1 }), 20_000, "sales seat on reactivation");
    expect(await seat(t, "Dialpad_Ai Voice")).toMatchObject({ purchased: 1, used: 0 });
    expect(await charges(t)).toEqual([expect.objectContaining({ licenseType: "Dialpad_Ai Sales", amountCents: 200 })]);
    await eventually(reached(t, dee, "active"), 20_000, "active again");
  });

  test("a retry re-runs the reconcile without a second seat or charge; another company's user is 404", async () => {
    const t = await tenant({ "Dialpad_Ai Voice": 0 });
    const eve = await activeUser(t, "eve@example.com");
    const retry = await api("POST", `/companies/${t.companyId}/users/${eve.id}/retry`);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ id: eve.id, status: "active" });
    await eventually(() => settled(eve), 20_000, "settled");
    expect(await seat(t, "Dialpad_Ai Voice")).toMatchObject({ purchased: 1, used: 1 });
    expect(await charges(t)).toHaveLength(1);
    const other = await tenant({ "Dialpad_Ai Voice": 1 });
    expect(code(await api("POST", `/companies/${other.companyId}/users/${eve.id}/retry`))).toBe("USER_NOT_FOUND");
  });
});
