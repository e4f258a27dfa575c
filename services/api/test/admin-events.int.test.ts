import { createDb } from "@scimline/db";
import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const clock = () => new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock });
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env(), { clock });
});
afterAll(() => stopWorker(worker));

type Event = { id: string; at: string; type: string; userId: string | null; data: Record<string, unknown> };
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const tenant = () =>
  createTenant(env(), {
    client,
    company: { billingDay: 1 },
    offices: [{ name: "Berlin", country: "DE", main: true, seats: { "Dialpad_Ai Voice": 0 } }],
  });
const timeline = async (t: Tenant, userId: string, query = "") => {
  const res = await api("GET", `/companies/${t.companyId}/users/${userId}/events${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { events: Event[]; nextCursor: string | null };
};
const feed = async (t: Tenant, query = "") => {
  const res = await api("GET", `/companies/${t.companyId}/events${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { events: Event[]; nextCursor: string };
};
const status = async (t: Tenant, id: string) =>
  (await api("GET", `/companies/${t.companyId}/users/${id}`)).body.status as string | undefined;

async function provisioned(t: Tenant, userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName, extra));
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  await eventually(async () => (await status(t, id)) === "active", 20_000, `${userName} active`);
  return id;
}

describe("GET /companies/{id}/users/{userId}/events: why a user is where it is", () => {
  test("each decision of a provisioning, then suspension and erasure; an erased user keeps ids only", async () => {
    const t = await tenant();
    await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+4930555001"], officeId: t.officeIds.Berlin });
    const id = await provisioned(t, "bob@example.com", { officeName: "Berlin" });

    const { events } = await timeline(t, id);
    expect(events.map((e) => e.type)).toEqual([
      "user.accepted",
      "user.office_matched",
      "seat.purchased",
      "extension.assigned",
      "number.assigned",
      "user.provisioned",
    ]);
    expect(events.every((e) => e.userId === id && typeof e.id === "string")).toBe(true);
    const [accepted, office, purchased, extension, number] = events;
    expect(accepted?.data).toEqual({ directoryId: t.directoryId, licenseType: "Dialpad_Ai Voice" });
    expect(office?.data).toEqual({
      officeId: t.officeIds.Berlin,
      officeName: "Berlin",
      matchedBy: "officeName",
      matchedValue: "Berlin",
    });
    // "Why were we charged?": the event names the charge the charges list shows.
    const [charge] = (await api("GET", `/companies/${t.companyId}/charges`)).body.charges as { id: string }[];
    expect(purchased?.data).toEqual({
      officeId: t.officeIds.Berlin,
      licenseType: "Dialpad_Ai Voice",
      chargeId: charge?.id,
      chargeCents: 100,
    });
    expect(extension?.data).toEqual({ extension: "100" });
    expect(number?.data).toEqual({ e164: "+4930555001", source: "officePool" });

    await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    const applied = async () => {
      const [row] = await env().database
        .sql`select applied_generation = generation as done from users where id = ${id}`;
      return row?.done === true;
    };
    await eventually(applied, 20_000, "the suspension applied");
    expect((await api("DELETE", `/companies/${t.companyId}/users/${id}`)).status).toBe(204);
    const after = await eventually(
      async () => {
        const page = await timeline(t, id);
        return page.events.at(-1)?.type === "user.deleted" ? page : undefined;
      },
      20_000,
      "erased",
    );
    expect(after.events.map((e) => e.type).slice(6)).toEqual([
      "seat.released",
      "user.suspended",
      "number.released",
      "extension.released",
      "user.deleted",
    ]);
    const text = JSON.stringify(after.events);
    expect(text).not.toContain("+4930555001");
    expect(text).not.toContain('"extension"');
    expect(text).not.toContain('"matchedValue"');
    expect(after.events.find((e) => e.type === "seat.purchased")?.data).toMatchObject({ chargeCents: 100 });
  });

  test("pages with cursor and limit; unknown users and other companies are 404", async () => {
    const t = await tenant();
    const other = await tenant();
    const id = await provisioned(t, "pages@example.com");
    const first = await timeline(t, id, "?limit=2");
    expect(first.events).toHaveLength(2);
    const second = await timeline(t, id, `?limit=2&cursor=${first.nextCursor}`);
    const rest = await timeline(t, id, `?limit=100&cursor=${second.nextCursor}`);
    const all = (await timeline(t, id)).events;
    expect([...first.events, ...second.events, ...rest.events]).toEqual(all);
    expect(rest.nextCursor).toBeNull();

    const foreign = await api("GET", `/companies/${other.companyId}/users/${id}/events`);
    expect(foreign.status).toBe(404);
    expect(code(foreign)).toBe("USER_NOT_FOUND");
    const bad = await api("GET", `/companies/${t.companyId}/users/${id}/events?cursor=nonsense`);
    expect(bad.status).toBe(400);
  });
});

describe("GET /companies/{id}/events: the company feed", () => {
  test("a poller catches up page by page, filters by type, and sees nothing of other companies", async () => {
    const t = await tenant();
    const other = await tenant();
    const ids = [await provisioned(t, "a@example.com"), await provisioned(t, "b@example.com")];
    await provisioned(other, "c@example.com");
    // Events reach the feed once every older transaction on the server has ended (other test files'
    // included): wait for them, then page.
    await eventually(async () => (await feed(t, "?type=user.provisioned")).events.length === 2);

    const seen: Event[] = [];
    let cursor = "";
    for (;;) {
      const page = await feed(t, `?limit=3${cursor ? `&after=${cursor}` : ""}`);
      seen.push(...page.events);
      if (page.events.length === 0) {
        expect(page.nextCursor).toBe(cursor); // nothing new: the same cursor comes back
        break;
      }
      cursor = page.nextCursor;
    }
    expect(new Set(seen.map((e) => e.userId))).toEqual(new Set(ids));
    expect(seen.filter((e) => e.type === "user.provisioned")).toHaveLength(2);

    const provisionedOnly = await feed(t, "?type=user.provisioned,user.failed");
    expect(provisionedOnly.events.map((e) => e.type)).toEqual(["user.provisioned", "user.provisioned"]);
    const unknownType = await api("GET", `/companies/${t.companyId}/events?type=user.exploded`);
    expect(unknownType.status).toBe(400);
    const missing = await api("GET", "/companies/019a6b1e-7c1d-7f3a-9a53-2b1c3d4e5f60/events");
    expect(missing.status).toBe(404);
  });

  test("an event committed later never appears before a cursor already handed out", async () => {
    const t = await tenant();
    const start = (await feed(t)).nextCursor;
    const low = (free: number) => JSON.stringify({ officeId: null, free, threshold: 5 });
    const slow = createDb(env().testDb.url, { max: 1 });
    try {
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let written: () => void = () => {};
      const insertedSlow = new Promise<void>((r) => {
        written = r;
      });
      // Transaction A writes an event first and commits last.
      const slowTx = slow.sql.begin(async (tx) => {
        await tx`insert into events (company_id, type, data) values (${t.companyId}, 'capacity.numbers_low', ${low(1)})`;
        written();
        await held;
      });
      await insertedSlow;
      await env().database
        .sql`insert into events (company_id, type, data) values (${t.companyId}, 'capacity.numbers_low', ${low(2)})`;

      const during = await feed(t, `?after=${start}`);
      expect(during.events).toEqual([]); // B is committed, but A (older) is still running
      expect(during.nextCursor).toBe(start);

      release();
      await slowTx;
      // Both, in commit-safe order, once no older transaction runs (other databases' ones count too).
      const after = await eventually(async () => {
        const page = await feed(t, `?after=${during.nextCursor}`);
        return page.events.length === 2 ? page : undefined;
      });
      expect(after.events.map((e) => e.data.free)).toEqual([1, 2]); // A, then B
    } finally {
      await slow.close();
    }
  });
});
