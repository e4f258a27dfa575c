import fc from "fast-check";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { ADMIN_ENDPOINTS, tableSnapshot } from "./helpers/fuzz-admin-shapes.ts";
import { fuzzOptions, hostileString } from "./helpers/fuzz-arbitraries.ts";
import { expectSane, printTally, rawRequest, serveApp } from "./helpers/fuzz-http.ts";

// Hundreds of requests per property: minutes, not seconds, when CI runs every suite at once on 2 cores.
vi.setConfig({ testTimeout: 180_000 });

// Property-based: the admin API with hostile bodies, ids, query parameters and credentials.
// Never a 5xx; a refused request leaves every table exactly as it was.
const env = useTestEnv();
let server: Awaited<ReturnType<typeof serveApp>> | undefined;
let t: Tenant;
let userId = "";
let licenseTypeId = "";
let tokenId = "";
let webhookId = "";
let ruleId = "";
beforeAll(async () => {
  t = await createTenant(env(), {
    offices: [{ name: "HQ", country: "US", main: true, seats: { "Dialpad_Ai Voice": 5 } }],
  });
  server = await serveApp(env());
  webhookId = (await admin(env(), "POST", `/companies/${t.companyId}/webhooks`, { url: "https://hooks.example.com/f" }))
    .body.id as string;
  const rule = await admin(env(), "POST", `/companies/${t.companyId}/group-rules`, {
    group: { displayName: "Sales" },
    licenseType: "Dialpad_Ai Sales",
    priority: 1,
  });
  ruleId = rule.body.id as string;
  await admin(env(), "POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550100", "+14155550101"] });
  userId = (await scim(env(), t.token, "POST", "/Users", oktaUser("admin.fuzz@x.io"))).body.id as string;
  licenseTypeId =
    (
      (await admin(env(), "GET", `/companies/${t.companyId}/license-types`)).body.licenseTypes as Array<{ id: string }>
    )[0]?.id ?? "";
  tokenId =
    ((await admin(env(), "GET", `/directories/${t.directoryId}/tokens`)).body.tokens as Array<{ id: string }>)[0]?.id ??
    "";
  // The request log records a token's last use a moment later: done before the tables are compared.
  await env().deps.requestLog?.flush();
});
afterAll(async () => {
  printTally("admin");
  await server?.close();
});

const id = fc.oneof(
  { weight: 6, arbitrary: fc.constant("VALID") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "00000000-0000-0000-0000-000000000000",
      "not-a-uuid",
      "' or 1=1 --",
      "%00",
      "%FF%FE",
      "1".repeat(300),
    ),
  },
  { weight: 1, arbitrary: hostileString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "?"))) },
);
function fill(path: string, pick: (k: string) => string): string {
  return path.replace(/\{(\w)\}/g, (_, k: string) => pick(k));
}

test("every admin endpoint with hostile ids and bodies: never a 5xx, and a refusal writes nothing", async () => {
  const valid: Record<string, () => string> = {
    c: () => t.companyId,
    l: () => licenseTypeId,
    o: () => t.officeIds.HQ ?? "",
    n: () => "%2B14155550101",
    d: () => t.directoryId,
    k: () => tokenId,
    u: () => userId,
    j: () => `u_${userId}_g1`,
    w: () => webhookId,
    r: () => ruleId,
  };
  const call = fc.nat({ max: ADMIN_ENDPOINTS.length - 1 }).chain((i) => {
    const [method, path, shape] = ADMIN_ENDPOINTS[i] ?? ["GET", "/", null];
    return fc.tuple(fc.constant(method), fc.constant(path), id, shape ?? fc.constant(undefined));
  });
  await fc.assert(
    fc.asyncProperty(call, async ([method, template, anId, body]) => {
      const path = fill(template, (k) => (anId === "VALID" ? (valid[k]?.() ?? "") : anId));
      const json = JSON.stringify(body)
        ?.replaceAll('"VALID_OFFICE"', JSON.stringify(t.officeIds.HQ ?? ""))
        .replaceAll('"VALID_DIRECTORY"', JSON.stringify(t.directoryId));
      const before = await tableSnapshot(env().database.sql);
      const reply = await rawRequest(server?.port ?? 0, {
        method,
        path: `/api/v1${path}`,
        headers: [
          ["Authorization", `Bearer ${ADMIN_KEY}`],
          ["Content-Type", "application/json"],
        ],
        ...(json === undefined ? {} : { body: Buffer.from(json) }),
      });
      expectSane(reply, `${method} /api/v1${template}`);
      if (reply.status >= 400) expect(await tableSnapshot(env().database.sql)).toBe(before);
    }),
    fuzzOptions(5301, 400),
  );
});

const pct = (s: string | Uint8Array) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

test("the team list with hostile search, status, limit and cursor: never a 5xx, never another company's user", async () => {
  const other = await createTenant(env());
  const theirs = (await scim(env(), other.token, "POST", "/Users", oktaUser("admin.fuzz@x.io"))).body.id as string;
  const value = fc.oneof(
    hostileString.map(pct),
    fc.uint8Array({ maxLength: 10 }).map(pct),
    fc.constantFrom("suspended", "active", "0", "1001", "-1", "1e400", userId, "%", "%25"),
  );
  const name = fc.constantFrom("q", "status", "limit", "cursor", "__proto__");
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 4 }), async (params) => {
      const query = params.map(([k, v]) => `${k}=${v}`).join("&");
      const reply = await rawRequest(server?.port ?? 0, {
        method: "GET",
        path: `/api/v1/companies/${t.companyId}/users?${query}`,
        headers: [["Authorization", `Bearer ${ADMIN_KEY}`]],
      });
      const body = expectSane(reply, "GET /api/v1/companies/{id}/users");
      const ids = ((body?.users as Array<{ id: string }> | undefined) ?? []).map((u) => u.id);
      expect(ids).not.toContain(theirs);
    }),
    fuzzOptions(5302, 300),
  );
});

test("the snapshot the fuzz cases compare sees any one row changed, added or removed", async () => {
  const sql = env().database.sql;
  const before = await tableSnapshot(sql);
  const seen = async (change: (tx: typeof sql) => Promise<unknown>) => {
    let after = before;
    await sql
      .begin(async (tx) => {
        await change(tx as unknown as typeof sql);
        after = await tableSnapshot(tx as unknown as typeof sql);
        throw new Error("roll back");
      })
      .catch(() => {});
    return after !== before;
  };
  // One row's assignment flipped: an assigned row freed if there is one (the fuzz cases may have given the
  // user an extension, and a user holds one at most), else a free row given to the user.
  const flip = `(select ctid from extension_pool where company_id = '${t.companyId}' order by user_id is null limit 1)`;
  const flipped = `case when user_id is null then '${userId}'::uuid end`;
  expect(await seen((tx) => tx.unsafe(`update extension_pool set user_id = ${flipped} where ctid = ${flip}`))).toBe(
    true,
  );
  const one = `(select ctid from extension_pool where company_id = '${t.companyId}' and user_id is null limit 1)`;
  expect(
    await seen((tx) => tx.unsafe(`update extension_pool set extension = extension + 50000 where ctid = ${one}`)),
  ).toBe(true);
  expect(await seen((tx) => tx.unsafe(`delete from extension_pool where ctid = ${one}`))).toBe(true);
  expect(await seen((tx) => tx`update offices set name = name || '.' where company_id = ${t.companyId}`)).toBe(true);
  expect(await seen((tx) => tx`update users set display_name = 'x' where id = ${userId}`)).toBe(true);
  expect(await tableSnapshot(sql)).toBe(before);
});

test("hostile credentials on the admin API: 401 for anything but the key, and nothing written", async () => {
  const credential = fc.oneof(
    hostileString.map((s) => Buffer.from(s.replace(/[\r\n]/g, ""))),
    fc
      .constantFrom(
        `Bearer ${ADMIN_KEY.slice(0, -1)}`,
        `Bearer ${ADMIN_KEY}x`,
        `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString("base64")}`,
        `bearer  ${ADMIN_KEY} extra`,
        `Bearer ${ADMIN_KEY.toUpperCase()}`,
      )
      .map((s) => Buffer.from(s)),
  );
  await fc.assert(
    fc.asyncProperty(credential, async (authorization) => {
      const before = await tableSnapshot(env().database.sql);
      const reply = await rawRequest(server?.port ?? 0, {
        method: "POST",
        path: "/api/v1/companies",
        headers: [
          ["Authorization", authorization],
          ["Content-Type", "application/json"],
        ],
        body: Buffer.from(JSON.stringify({ name: "Intruder", country: "US", defaultAreaCode: "415" })),
      });
      const body = expectSane(reply, "POST /api/v1/companies");
      if (reply.headers["x-request-id"] !== undefined) expect(reply.status).toBe(401);
      expect(JSON.stringify(body)).not.toContain(ADMIN_KEY);
      expect(await tableSnapshot(env().database.sql)).toBe(before);
    }),
    fuzzOptions(5303, 150),
  );
});

test("found by fuzzing: NUL or a lone surrogate in any admin or sign-in text is 400 naming the field, not a 500", async () => {
  const c = t.companyId;
  const cases: Array<[string, string, unknown]> = [
    ["POST", "/api/v1/companies", { name: "a\u0000b", country: "US", defaultAreaCode: "415" }],
    ["POST", "/api/v1/companies", { name: "a\ud800b", country: "US", defaultAreaCode: "415" }],
    ["PATCH", `/api/v1/companies/${c}`, { name: "x\u0000" }],
    ["POST", `/api/v1/companies/${c}/offices`, { name: "a\u0000b", country: "US" }],
    ["POST", `/api/v1/companies/${c}/directories`, { name: "a\u0000" }],
    ["POST", `/api/v1/companies/${c}/license-types`, { name: "x\u0000", monthlyPriceCents: 1, assignsDid: true }],
    ["PATCH", `/api/v1/companies/${c}/users/${userId}`, { licenseType: "x\u0000" }],
    ["GET", `/api/v1/companies/${c}/users?q=a%00`, undefined],
    ["POST", `/auth/${c}/password`, { userName: "a\u0000b", password: "x" }],
  ];
  for (const [method, path, body] of cases) {
    const before = await tableSnapshot(env().database.sql);
    const res = await env().app.request(path, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect([res.status, error.code], `${method} ${path}`).toEqual([400, "VALIDATION_FAILED"]);
    expect(error.message).toMatch(/NUL character or invalid Unicode/);
    expect(await tableSnapshot(env().database.sql)).toBe(before);
  }
});
