import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Billing day 1 and 2026-11-29: 2 of 30 days left; a Voice seat (1500/month) costs 100.
const clock = () => new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock });
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env(), { clock });
});
afterAll(() => stopWorker(worker));

type Member = { id: string; status: string; officeId: string; did: string | null; extension: string | null };
type Seat = { officeId: string; licenseType: string; purchased: number; used: number };

const tenant = (company: Record<string, unknown> = {}) =>
  createTenant(env(), {
    client,
    company: { billingDay: 1, ...company },
    offices: [
      { name: "SF", country: "US", main: true, seats: { "Dialpad_Ai Voice": 1 } },
      { name: "Berlin", country: "DE", seats: { "Dialpad_Ai Voice": 0 } },
    ],
  });
const member = async (t: Tenant, id: string) =>
  (await api("GET", `/companies/${t.companyId}/users/${id}`)).body as unknown as Member;
const seatsOf = async (t: Tenant, office: string) =>
  ((await api("GET", `/companies/${t.companyId}/seats`)).body.seats as Seat[])
    .filter((s) => s.officeId === t.officeIds[office] && s.licenseType === "Dialpad_Ai Voice")
    .map((s) => ({ purchased: s.purchased, used: s.used }))[0];
async function activeUser(t: Tenant, userName: string): Promise<string> {
  await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550401"] });
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.id as string;
  await eventually(async () => (await member(t, id)).status === "active", 20_000, `${userName} active`);
  return id;
}
const move = (t: Tenant, id: string, office: string) =>
  api("PATCH", `/companies/${t.companyId}/users/${id}`, { officeId: t.officeIds[office] });

describe("PATCH /companies/{id}/users/{userId} officeId: an admin moves a user", () => {
  test("the seat moves (released in the old office, bought in the new), DID and extension stay, at once", async () => {
    const t = await tenant();
    const id = await activeUser(t, "mover@example.com");
    const before = await member(t, id);
    expect(await seatsOf(t, "SF")).toEqual({ purchased: 1, used: 1 });

    const res = await move(t, id, "Berlin");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id,
      status: "active",
      officeId: t.officeIds.Berlin,
      officeName: "Berlin",
      matchedBy: "admin",
      did: before.did,
      extension: before.extension,
    });
    expect(await seatsOf(t, "SF")).toEqual({ purchased: 1, used: 0 });
    expect(await seatsOf(t, "Berlin")).toEqual({ purchased: 1, used: 1 });
    const charges = (await api("GET", `/companies/${t.companyId}/charges`)).body.charges as Record<string, unknown>[];
    expect(charges).toEqual([expect.objectContaining({ officeId: t.officeIds.Berlin, userId: id, amountCents: 100 })]);

    // Moving back reuses the seat freed in SF: no new charge; the same office again is no change.
    expect((await move(t, id, "SF")).status).toBe(200);
    expect((await move(t, id, "SF")).status).toBe(200);
    expect(await seatsOf(t, "SF")).toEqual({ purchased: 1, used: 1 });
    expect(await seatsOf(t, "Berlin")).toEqual({ purchased: 1, used: 0 });
    expect((await api("GET", `/companies/${t.companyId}/charges`)).body.charges).toHaveLength(1);

    // The worker reconciling the user again keeps the admin's office.
    await api("POST", `/companies/${t.companyId}/users/${id}/retry`);
    await eventually(async () => {
      const [row] = await env().database
        .sql`select applied_generation = generation as done from users where id = ${id}`;
      return row?.done === true;
    });
    expect(await member(t, id)).toMatchObject({ officeId: t.officeIds.SF, status: "active" });
  });

  test("with auto-purchase off and no free seat in the target, the move is refused and nothing changes", async () => {
    const t = await tenant({ autoPurchaseLicenses: false });
    const id = await activeUser(t, "stuck@example.com");
    const res = await move(t, id, "Berlin");
    expect(res.status).toBe(409);
    expect(code(res)).toBe("NO_LICENSE_AVAILABLE");
    expect(message(res)).toContain('"Berlin"');
    expect(await member(t, id)).toMatchObject({ officeId: t.officeIds.SF, status: "active" });
    expect(await seatsOf(t, "SF")).toEqual({ purchased: 1, used: 1 });
  });

  test("a suspended user changes office only; its seat is taken there on reactivation", async () => {
    const t = await tenant();
    const id = await activeUser(t, "away@example.com");
    const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    await eventually(async () => (await member(t, id)).status === "suspended", 20_000, "suspended");
    expect((await move(t, id, "Berlin")).body).toMatchObject({ status: "suspended", officeId: t.officeIds.Berlin });
    expect(await seatsOf(t, "Berlin")).toEqual({ purchased: 0, used: 0 });

    await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", value: { active: true } }],
    });
    await eventually(async () => (await member(t, id)).status === "active", 20_000, "reactivated");
    expect(await member(t, id)).toMatchObject({ officeId: t.officeIds.Berlin });
    expect(await seatsOf(t, "Berlin")).toEqual({ purchased: 1, used: 1 });
  });

  test("an unknown office, or another company's, is 404 OFFICE_NOT_FOUND", async () => {
    const t = await tenant();
    const other = await tenant();
    const id = await activeUser(t, "stays@example.com");
    const foreign = await api("PATCH", `/companies/${t.companyId}/users/${id}`, { officeId: other.officeIds.SF });
    expect(foreign.status).toBe(404);
    expect(code(foreign)).toBe("OFFICE_NOT_FOUND");
    const unknown = await api("PATCH", `/companies/${t.companyId}/users/${id}`, {
      officeId: "019a6b1e-7c1d-7f3a-9a53-2b1c3d4e5f60",
    });
    expect(code(unknown)).toBe("OFFICE_NOT_FOUND");
    expect(await member(t, id)).toMatchObject({ officeId: t.officeIds.SF });
  });
});
