import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";
import { pageThrough } from "./helpers/paging.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);

type PhoneNumber = { e164: string; officeId: string | null; assignedUserId: string | null; source: string };
const tenant = () => createTenant(env(), { client });
const list = async (t: Tenant, query = "") =>
  (await api("GET", `/companies/${t.companyId}/numbers${query}`)).body.numbers as PhoneNumber[];

describe("the number pool", () => {
  test("numbers are added (deduplicated, to an office or none) all or nothing, and listed", async () => {
    const t = await tenant();
    const res = await api("POST", `/companies/${t.companyId}/numbers`, {
      numbers: ["+14155550102", "+14155550101", "+14155550102"],
      officeId: t.officeIds["San Francisco"],
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      added: 2,
      numbers: [
        { e164: "+14155550102", officeId: t.officeIds["San Francisco"], assignedUserId: null, source: "pool" },
        { e164: "+14155550101", officeId: t.officeIds["San Francisco"], assignedUserId: null, source: "pool" },
      ],
    });
    const other = await tenant();
    const taken = await api("POST", `/companies/${other.companyId}/numbers`, {
      numbers: ["+14155550103", "+14155550101"],
    });
    expect([taken.status, code(taken)]).toEqual([409, "NUMBER_EXISTS"]);
    expect(message(taken)).toContain("+14155550101");
    expect(await list(other)).toEqual([]);
    expect((await list(t)).map((n) => n.e164)).toEqual(["+14155550101", "+14155550102"]);
    expect(await list(t, "?assigned=true")).toEqual([]);

    const foreignOffice = await api("POST", `/companies/${t.companyId}/numbers`, {
      numbers: ["+14155550104"],
      officeId: other.officeIds["San Francisco"],
    });
    expect(code(foreignOffice)).toBe("OFFICE_NOT_FOUND");
    const invalid = await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+1415555010x", "12"] });
    expect(code(invalid)).toBe("VALIDATION_FAILED");
    expect(message(invalid)).toContain("numbers.0");
    expect(message(invalid)).toContain("numbers.1");
    expect(code(await api("POST", `/companies/${t.companyId}/numbers`, { numbers: [] }))).toBe("VALIDATION_FAILED");
    expect(code(await api("GET", `/companies/${t.companyId}/numbers?assigned=maybe`))).toBe("VALIDATION_FAILED");
    expect(code(await api("GET", `/companies/${randomUUID()}/numbers`))).toBe("COMPANY_NOT_FOUND");
  });

  test("two uploads sharing numbers in opposite orders: one 201, one 409 NUMBER_EXISTS, never a deadlock's 500", async () => {
    const t = await tenant();
    for (let round = 0; round < 4; round++) {
      const numbers = Array.from({ length: 2000 }, (_, i) => `+1628${round}${String(i).padStart(6, "0")}`);
      const replies = await Promise.all(
        [numbers, [...numbers].reverse()].map((n) => api("POST", `/companies/${t.companyId}/numbers`, { numbers: n })),
      );
      expect(replies.map((r) => [r.status, r.status === 201 ? "" : code(r)]).sort()).toEqual([
        [201, ""],
        [409, "NUMBER_EXISTS"],
      ]);
    }
    const [stored] = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from numbers where company_id = ${t.companyId}`;
    expect(stored?.n).toBe(8000);
  });

  test("the list pages in E.164 order with ?limit= and nextCursor, filters included", async () => {
    const t = await tenant();
    const numbers = ["+442071838750", "+14155550109", "+14155550110", "+33142685300", "+1415555011"];
    expect((await api("POST", `/companies/${t.companyId}/numbers`, { numbers })).status).toBe(201);
    const expected = [...numbers].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const filter of ["", "&assigned=false"]) {
      const { items, pages } = await pageThrough(async (cursor) => {
        const query = `?limit=2${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const res = await api("GET", `/companies/${t.companyId}/numbers${query}`);
        expect(res.status).toBe(200);
        const items = (res.body.numbers as Array<{ e164: string }>).map((n) => n.e164);
        return { items, nextCursor: res.body.nextCursor as string | null };
      }, 10);
      expect(pages).toBe(3);
      expect(items).toEqual(expected);
    }
    const whole = await api("GET", `/companies/${t.companyId}/numbers`);
    expect(whole.body.nextCursor).toBeNull();
    expect(await list(t, "?assigned=true")).toEqual([]);
    expect(code(await api("GET", `/companies/${t.companyId}/numbers?cursor=nope`))).toBe("VALIDATION_FAILED");
    expect(code(await api("GET", `/companies/${t.companyId}/numbers?limit=0`))).toBe("VALIDATION_FAILED");
  });

  test("DELETE removes an unassigned number; assigned, unknown and other companies' numbers are refused", async () => {
    const t = await tenant();
    const other = await tenant();
    await api("POST", `/companies/${t.companyId}/numbers`, {
      numbers: ["+14155550201", "+14155550202", "+14155550203"],
    });
    await api("POST", `/companies/${other.companyId}/numbers`, { numbers: ["+14155550299"] });

    expect((await api("DELETE", `/companies/${t.companyId}/numbers/%2B14155550202`)).status).toBe(204);
    expect((await api("DELETE", `/companies/${t.companyId}/numbers/+14155550203`)).status).toBe(204);
    expect((await list(t)).map((n) => n.e164)).toEqual(["+14155550201"]);
    const again = await api("DELETE", `/companies/${t.companyId}/numbers/%2B14155550202`);
    expect([again.status, code(again)]).toEqual([404, "NUMBER_NOT_FOUND"]);
    const theirs = await api("DELETE", `/companies/${t.companyId}/numbers/%2B14155550299`);
    expect([theirs.status, code(theirs)]).toEqual([404, "NUMBER_NOT_FOUND"]);
    expect((await list(other)).map((n) => n.e164)).toEqual(["+14155550299"]);
    const invalid = await api("DELETE", `/companies/${t.companyId}/numbers/4155550201`);
    expect(code(invalid)).toBe("VALIDATION_FAILED");
    expect(message(invalid)).toContain("e164");
    expect(code(await api("DELETE", `/companies/${randomUUID()}/numbers/%2B14155550201`))).toBe("COMPANY_NOT_FOUND");

    const worker = startWorker(env());
    try {
      const res = await scim(env(), t.token, "POST", "/Users", oktaUser("ann@example.com"));
      await eventually(async () => (await list(t, "?assigned=true")).length === 1, 20_000, "assigned");
      const assigned = await api("DELETE", `/companies/${t.companyId}/numbers/%2B14155550201`);
      expect([assigned.status, code(assigned)]).toEqual([409, "NUMBER_ASSIGNED"]);
      expect(message(assigned)).toContain(res.body.id as string);
    } finally {
      await stopWorker(worker);
    }
  });

  test("numbers added resume users waiting for one (no_number_available)", async () => {
    const t = await tenant();
    // The pool is empty and the sandbox carrier has nothing to sell: the user ends up waiting.
    const worker = startWorker(env(), { carrierNumbers: 0 });
    try {
      const res = await scim(env(), t.token, "POST", "/Users", oktaUser("bo@example.com"));
      const id = res.body.id as string;
      const state = async () => {
        const users = (await api("GET", `/companies/${t.companyId}/users`)).body.users as Array<
          Record<string, unknown>
        >;
        return users.find((u) => u.id === id);
      };
      await eventually(async () => (await state())?.status === "failed", 20_000, "waiting for a number");
      expect((await state())?.error).toBe("no_number_available");
      await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550500"] });
      await eventually(async () => (await state())?.status === "active", 20_000, "resumed");
      expect((await state())?.did).toBe("+14155550500");

      // A number of another office does not serve a waiting user by itself; an admin can give it.
      const second = (await scim(env(), t.token, "POST", "/Users", oktaUser("cy@example.com"))).body.id as string;
      const stateOf = async (userId: string) =>
        ((await api("GET", `/companies/${t.companyId}/users`)).body.users as Array<Record<string, unknown>>).find(
          (u) => u.id === userId,
        );
      await eventually(async () => (await stateOf(second))?.status === "failed", 20_000, "second waits");
      const ny = await api("POST", `/companies/${t.companyId}/offices`, { name: "NY", country: "US" });
      await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+12125550100"], officeId: ny.body.id });
      expect((await stateOf(second))?.status).toBe("failed");
      const given = await api("PATCH", `/companies/${t.companyId}/users/${second}`, { did: "+12125550100" });
      // Applied at once by the same plan as the worker's: the user continues to active in the answer.
      expect(given.body).toMatchObject({ did: "+12125550100", status: "active" });
      expect((await stateOf(second))?.did).toBe("+12125550100");
    } finally {
      await stopWorker(worker);
    }
  });

  test("a bulk change of a pool refreshes its planner statistics, so the worker's claims walk the free-list index", async () => {
    // Stale statistics ("this company has no free extensions") made every claim of a burst read and
    // sort the company's whole free list: ~25 ms a batch at 100,000 extensions instead of under 1 ms.
    const { sql } = env().database;
    const planned = async (table: string) => {
      const [row] = await sql<{ planned: number; rows: number }[]>`
        select (select reltuples from pg_class where oid = ${table}::regclass)::int as planned,
               (select count(*) from ${sql(table)})::int as rows`;
      return row;
    };
    const t = await tenant();
    const afterCreate = await planned("extension_pool");
    expect(afterCreate?.rows).toBeGreaterThan(0);
    expect(afterCreate?.planned).toBe(afterCreate?.rows);

    const wider = await api("PATCH", `/companies/${t.companyId}`, { extensionRange: { start: 100, end: 19999 } });
    expect(wider.status).toBe(200);
    const afterRange = await planned("extension_pool");
    expect(afterRange?.rows).toBeGreaterThan(afterCreate?.rows ?? 0);
    expect(afterRange?.planned).toBe(afterRange?.rows);

    const numbers = Array.from({ length: 300 }, (_, i) => `+1415556${String(i).padStart(4, "0")}`);
    expect((await api("POST", `/companies/${t.companyId}/numbers`, { numbers })).status).toBe(201);
    const afterImport = await planned("numbers");
    expect(afterImport?.rows).toBeGreaterThanOrEqual(300);
    expect(afterImport?.planned).toBe(afterImport?.rows);

    // One number is left to autovacuum: sorting a handful of rows costs nothing, sampling the table does.
    expect((await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155569999"] })).status).toBe(201);
    const afterOne = await planned("numbers");
    expect(afterOne?.rows).toBe((afterImport?.rows ?? 0) + 1);
    expect(afterOne?.planned).toBe(afterImport?.planned);
  });
});

describe("directories and SCIM tokens", () => {
  test("a directory is created once per name; tokens are shown once, listed by hint, revoked", async () => {
    const t = await tenant();
    const dir = await api("POST", `/companies/${t.companyId}/directories`, { name: "Entra" });
    expect(dir.status).toBe(201);
    expect(dir.body).toMatchObject({
      companyId: t.companyId,
      name: "Entra",
      scimBaseUrl: expect.stringMatching(/\/scim\/v2$/),
    });
    const dup = await api("POST", `/companies/${t.companyId}/directories`, { name: "entra" });
    expect([dup.status, code(dup)]).toEqual([409, "DIRECTORY_EXISTS"]);
    expect(message(await api("POST", `/companies/${t.companyId}/directories`, { name: " " }))).toContain("name");
    expect(code(await api("POST", `/companies/${randomUUID()}/directories`, { name: "X" }))).toBe("COMPANY_NOT_FOUND");
    const dirs = (await api("GET", `/companies/${t.companyId}/directories`)).body.directories as Array<{
      name: string;
    }>;
    expect(dirs.map((d) => d.name)).toEqual(["Okta", "Entra"]);

    const token = await api("POST", `/directories/${dir.body.id}/tokens`);
    expect(token.status).toBe(201);
    expect(String(token.body.token).startsWith(String(token.body.hint))).toBe(true);
    expect((await scim(env(), String(token.body.token), "GET", "/Users")).status).toBe(200);
    const tokens = (await api("GET", `/directories/${dir.body.id}/tokens`)).body.tokens as Array<
      Record<string, unknown>
    >;
    expect(tokens).toEqual([expect.objectContaining({ id: token.body.id, hint: token.body.hint, revokedAt: null })]);
    expect(JSON.stringify(tokens)).not.toContain(String(token.body.token));

    const wrongDir = await api("DELETE", `/directories/${t.directoryId}/tokens/${token.body.id}`);
    expect([wrongDir.status, code(wrongDir)]).toEqual([404, "TOKEN_NOT_FOUND"]);
    expect((await api("DELETE", `/directories/${dir.body.id}/tokens/${token.body.id}`)).status).toBe(204);
    expect(code(await api("DELETE", `/directories/${dir.body.id}/tokens/${token.body.id}`))).toBe("TOKEN_NOT_FOUND");
    expect((await scim(env(), String(token.body.token), "GET", "/Users")).status).toBe(401);
    expect(code(await api("POST", `/directories/${randomUUID()}/tokens`))).toBe("DIRECTORY_NOT_FOUND");
    expect(code(await api("GET", `/directories/${randomUUID()}/tokens`))).toBe("DIRECTORY_NOT_FOUND");
  });
});
