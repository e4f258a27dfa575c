import pino from "pino";
import { describe, expect, test } from "vitest";
import { RequestLog } from "../src/request-log/request-log.ts";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, code } from "./helpers/openapi.ts";

// Token expiry is checked against the API's clock: the tests move it.
let offsetMs = 0;
const env = useTestEnv({ clock: () => new Date(Date.now() + offsetMs) });
const api = apiClient(env);
const HOUR = 3_600_000;

type Logged = {
  at: string;
  method: string;
  path: string;
  status: number;
  scimType: string | null;
  detail: string | null;
  userId: string | null;
  userName: string | null;
  durationMs: number;
};
const logOf = async (t: Tenant, query = "") => {
  await env().deps.requestLog?.flush();
  return (await api("GET", `/directories/${t.directoryId}/requests${query}`)).body as {
    requests: Logged[];
    nextCursor: string | null;
  };
};

describe("tokens: an expiry, and two at once for a rotation without downtime", () => {
  test("a token with expiresAt stops at that time; an expiry in the past is refused", async () => {
    const t = await createTenant(env());
    const past = await api("POST", `/directories/${t.directoryId}/tokens`, { expiresAt: "2020-01-01T00:00:00Z" });
    expect(code(past)).toBe("VALIDATION_FAILED");
    expect(code(await api("POST", `/directories/${t.directoryId}/tokens`, { expiresAt: "soon" }))).toBe(
      "VALIDATION_FAILED",
    );
    const expiresAt = new Date(Date.now() + 2 * HOUR).toISOString();
    const issued = await api("POST", `/directories/${t.directoryId}/tokens`, { expiresAt });
    expect(issued.status).toBe(201);
    expect(issued.body.expiresAt).toBe(expiresAt);
    const token = issued.body.token as string;
    expect((await scim(env(), token, "GET", "/Users")).status).toBe(200);
    offsetMs = 3 * HOUR;
    try {
      const expired = await scim(env(), token, "GET", "/Users");
      expect(expired.status).toBe(401);
      expect(String(expired.body.detail)).toContain("expired");
      // A token without an expiry is not affected.
      expect((await scim(env(), t.token, "GET", "/Users")).status).toBe(200);
    } finally {
      offsetMs = 0;
    }
  });

  test("two live tokens both work; revoking the old one leaves the new one working", async () => {
    const t = await createTenant(env());
    const next = (await api("POST", `/directories/${t.directoryId}/tokens`)).body;
    expect((await scim(env(), t.token, "GET", "/Users")).status).toBe(200);
    expect((await scim(env(), next.token as string, "GET", "/Users")).status).toBe(200);
    const tokens = (await api("GET", `/directories/${t.directoryId}/tokens`)).body.tokens as Array<{ id: string }>;
    const old = tokens.find((k) => k.id !== next.id);
    expect((await api("DELETE", `/directories/${t.directoryId}/tokens/${old?.id}`)).status).toBe(204);
    expect((await scim(env(), t.token, "GET", "/Users")).status).toBe(401);
    expect((await scim(env(), next.token as string, "GET", "/Users")).status).toBe(200);
  });
});

describe("connection health and the request log", () => {
  test("health: the last request, requests and errors in 24 h, live tokens with their last use", async () => {
    const t = await createTenant(env());
    const empty = (await api("GET", `/directories/${t.directoryId}/health`)).body;
    expect(empty).toMatchObject({ lastRequestAt: null, requests24h: 0, errors24h: 0 });
    await scim(env(), t.token, "POST", "/Users", oktaUser("hal@acme.com"));
    await scim(env(), t.token, "GET", "/Users/00000000-0000-4000-8000-000000000000");
    await scim(env(), t.token, "POST", "/Users", oktaUser("kim@acme.com", { licenseType: "Nope" }));
    await env().deps.requestLog?.flush();
    const health = (await api("GET", `/directories/${t.directoryId}/health`)).body as {
      lastRequestAt: string;
      requests24h: number;
      errors24h: number;
      tokens: Array<{ lastUsedAt: string | null; expiresAt: string | null }>;
    };
    expect(health.requests24h).toBe(3);
    expect(health.errors24h).toBe(2);
    expect(Date.now() - Date.parse(health.lastRequestAt)).toBeLessThan(60_000);
    expect(health.tokens).toHaveLength(1);
    expect(health.tokens[0]?.lastUsedAt).toEqual(expect.any(String));
    expect(health.tokens[0]?.expiresAt).toBeNull();
  });

  test("each request: method, path, status, scimType, detail, userName, duration; nothing secret; paged", async () => {
    const t = await createTenant(env());
    const created = await scim(env(), t.token, "POST", "/Users", oktaUser("ivy@acme.com"));
    const id = created.body.id as string;
    await scim(env(), t.token, "POST", "/Users", oktaUser("ivy@acme.com"));
    await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent('userName eq "nobody@acme.com"')}`);
    await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent('userName eq "ivy@acme.com"')}`);
    await scim(env(), t.token, "PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { password: "NewS3cret!pass" } }],
    });
    const { requests } = await logOf(t);
    expect(requests.map((r) => [r.method, r.path, r.status, r.scimType, r.userName])).toEqual([
      ["PATCH", `/scim/v2/Users/${id}`, 200, null, "ivy@acme.com"],
      ["GET", "/scim/v2/Users", 200, null, "ivy@acme.com"],
      ["GET", "/scim/v2/Users", 200, null, "nobody@acme.com"],
      ["POST", "/scim/v2/Users", 409, "uniqueness", "ivy@acme.com"],
      ["POST", "/scim/v2/Users", 201, null, "ivy@acme.com"],
    ]);
    expect(requests[3]?.detail).toContain("already exists");
    expect(requests.every((r) => r.durationMs >= 0)).toBe(true);
    const stored = await env().database.sql`select * from scim_requests where directory_id = ${t.directoryId}`;
    const text = JSON.stringify(stored);
    for (const secret of ["tempP@ss123!", "NewS3cret!pass", t.token, "filter"]) expect(text).not.toContain(secret);

    const first = await logOf(t, "?limit=2");
    expect(first.requests).toHaveLength(2);
    const second = await logOf(t, `?limit=2&cursor=${first.nextCursor}`);
    const third = await logOf(t, `?limit=2&cursor=${second.nextCursor}`);
    expect([...first.requests, ...second.requests, ...third.requests]).toEqual(requests);
    expect(third.nextCursor).toBeNull();
    expect(code(await api("GET", `/directories/${t.directoryId}/requests?cursor=bogus`))).toBe("VALIDATION_FAILED");
  });

  test("an erased user's entries lose its userName, linked or only named", async () => {
    const t = await createTenant(env());
    await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent('userName eq "Jo@acme.com"')}`);
    const id = (await scim(env(), t.token, "POST", "/Users", oktaUser("jo@acme.com"))).body.id as string;
    await scim(env(), t.token, "GET", `/Users/${id}`);
    // A look-up still in this process's buffer when the user is deleted forgets the name too.
    await env().deps.requestLog?.flush();
    await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent('userName eq "JO@acme.com"')}`);
    expect((await scim(env(), t.token, "DELETE", `/Users/${id}`)).status).toBe(204);
    const { requests } = await logOf(t);
    expect(requests).toHaveLength(5);
    expect(requests.map((r) => r.userName)).toEqual([null, null, null, null, null]);
    const [row] = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from scim_requests where lower(user_name) = 'jo@acme.com'`;
    expect(row?.n).toBe(0);
  });

  test("rows older than 7 days are removed", async () => {
    const t = await createTenant(env());
    await scim(env(), t.token, "GET", "/Users");
    await env().deps.requestLog?.flush();
    await env().database.sql`
      insert into scim_requests (company_id, directory_id, token_id, at, method, path, status, duration_ms)
      select company_id, directory_id, token_id, now() - interval '8 days', 'GET', '/scim/v2/Users', 200, 1
      from scim_requests where directory_id = ${t.directoryId} limit 1`;
    await new RequestLog(env().database.sql, pino({ level: "silent" }), { pruneEveryMs: 0 }).flush();
    const { requests } = await logOf(t);
    expect(requests).toHaveLength(1);
  });

  test("/metrics: silent directories and tokens expiring within 14 days", async () => {
    const t = await createTenant(env());
    await api("POST", `/directories/${t.directoryId}/tokens`, {
      expiresAt: new Date(Date.now() + 3 * 24 * HOUR).toISOString(),
    });
    await env().database.sql`update directories set created_at = now() - interval '3 days' where id = ${t.directoryId}`;
    const metrics = await (await env().app.request("/metrics")).text();
    expect(metrics).toMatch(/^scimline_directories_silent [1-9]\d*$/m);
    expect(metrics).toMatch(/^scimline_scim_tokens_expiring [1-9]\d*$/m);
    expect(metrics).toMatch(/^scimline_request_log_dropped 0$/m);
  });
});
