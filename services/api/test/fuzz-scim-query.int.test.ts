import fc from "fast-check";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { fuzzOptions, hostileString, plausibleUser } from "./helpers/fuzz-arbitraries.ts";
import { expectSane, printTally, rawRequest, serveApp } from "./helpers/fuzz-http.ts";
import { hostileFilter, hostilePatch } from "./helpers/fuzz-requests.ts";

// Hundreds of requests per property: minutes, not seconds, when CI runs every suite at once on 2 cores.
vi.setConfig({ testTimeout: 180_000 });

// Property-based: filters (SQL-looking values, deep nesting, overlong), query parameters and PATCH
// operations. Never a 5xx; a list shows only the caller's directory; a refused PATCH changes nothing.
const env = useTestEnv({}, { SCIM_RATE_LIMIT: "1000000" });
let server: Awaited<ReturnType<typeof serveApp>> | undefined;
let mine: Tenant;
let theirs: Tenant;
const theirIds = new Set<string>();
let userId = "";
let groupId = "";
beforeAll(async () => {
  [mine, theirs] = [await createTenant(env()), await createTenant(env())];
  server = await serveApp(env());
  for (const [i, name] of ["ann", "bob", "O'Brien", "100%_match", "robert'); drop table users; --"].entries()) {
    const body = oktaUser(`${name}@x.io`, { title: name, active: i % 2 === 0 });
    await scim(env(), mine.token, "POST", "/Users", body);
    theirIds.add((await scim(env(), theirs.token, "POST", "/Users", body)).body.id as string);
  }
  userId = (await scim(env(), mine.token, "POST", "/Users", oktaUser("patch.target@x.io"))).body.id as string;
  groupId = (await scim(env(), mine.token, "POST", "/Groups", { displayName: "G", members: [{ value: userId }] })).body
    .id as string;
  theirIds.add(
    (
      await scim(env(), theirs.token, "POST", "/Groups", {
        displayName: "G",
        members: [...theirIds].slice(0, 1).map((value) => ({ value })),
      })
    ).body.id as string,
  );
});
afterAll(async () => {
  printTally("scim-query");
  await server?.close();
});

/** Percent-encodes every byte, so any string (and any byte, valid UTF-8 or not) reaches the server as is. */
const pct = (bytes: Buffer | string) =>
  [...Buffer.from(bytes)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

const get = (path: string) =>
  rawRequest(server?.port ?? 0, { method: "GET", path, headers: [["Authorization", `Bearer ${mine.token}`]] });

const listed = (body: Record<string, unknown> | null) =>
  ((body?.Resources as Array<{ id: string }> | undefined) ?? []).map((r) => r.id);

test("hostile filters on Users and Groups: 200 with the caller's resources only, or 400 invalidFilter; never a 5xx", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("Users", "Groups"), hostileFilter, async (type, filter) => {
      const reply = await get(`/scim/v2/${type}?filter=${pct(filter)}`);
      const body = expectSane(reply, `GET /scim/v2/${type}?filter`);
      if (reply.status === 431) return; // a URL over Node's 16 KiB header limit, refused before the app
      if (reply.status === 400) expect(body?.scimType).toBe("invalidFilter");
      else expect(reply.status).toBe(200);
      for (const id of listed(body)) expect(theirIds.has(id)).toBe(false);
    }),
    fuzzOptions(5201, 400),
  );
});

const param = fc.oneof(
  hostileString.map(pct),
  fc.uint8Array({ maxLength: 12 }).map((b) => pct(Buffer.from(b))),
  fc.constantFrom(
    "1",
    "0",
    "-1",
    "1e400",
    "99999999999999999999",
    "0x10",
    "1.5",
    " 2",
    "%",
    "%zz",
    "userName",
    "emails.value",
    "name.givenName,emails",
    "desc",
    "DESCENDING",
  ),
);
const paramName = fc.constantFrom(
  "startIndex",
  "count",
  "attributes",
  "excludedAttributes",
  "sortBy",
  "sortOrder",
  "filter",
  "__proto__",
  "count[]",
);

test("hostile query parameters (paging, projection, sorting): never a 5xx, never another directory's data", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("Users", "Groups", `Users/${userId}`, `Groups/${groupId}`),
      fc.array(fc.tuple(paramName, param), { minLength: 1, maxLength: 4 }),
      async (path, params) => {
        const query = params.map(([k, v]) => `${k}=${v}`).join("&");
        const reply = await get(`/scim/v2/${path}?${query}`);
        const body = expectSane(reply, `GET /scim/v2/${path}?…`);
        for (const id of listed(body)) expect(theirIds.has(id)).toBe(false);
      },
    ),
    fuzzOptions(5202, 300),
  );
});

async function stored(table: "users" | "groups", id: string): Promise<string> {
  const rows =
    table === "users"
      ? await env().database
          .sql`select version, user_name, active, resource, generation, deleted_at from users where id = ${id}`
      : await env().database.sql`
          select version, display_name, external_id,
                 array(select user_id from group_members where group_id = ${id} order by 1) as members
          from groups g where id = ${id}`;
  return JSON.stringify(rows);
}

const patchBody = fc.oneof(
  { weight: 3, arbitrary: hostilePatch },
  {
    weight: 2,
    // Okta's no-path form with a plausible value: these get through and must apply whole.
    arbitrary: fc.tuple(plausibleUser, fc.constantFrom("replace", "add", "Replace")).map(([value, op]) => ({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op, value: { ...value, userName: undefined } }],
    })),
  },
);

test("hostile PATCH operations on a user and a group: all or nothing, never a 5xx", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("Users", "Groups"), patchBody, async (type, body) => {
      const [table, id] = type === "Users" ? (["users", userId] as const) : (["groups", groupId] as const);
      const before = await stored(table, id);
      const reply = await rawRequest(server?.port ?? 0, {
        method: "PATCH",
        path: `/scim/v2/${type}/${id}`,
        headers: [
          ["Authorization", `Bearer ${mine.token}`],
          ["Content-Type", "application/scim+json"],
        ],
        body: Buffer.from(JSON.stringify(body) ?? "null"),
      });
      expectSane(reply, `PATCH /scim/v2/${type}/{id}`);
      if (reply.status !== 200) expect(await stored(table, id)).toBe(before);
    }),
    fuzzOptions(5203, 400),
  );
});

test("the other directory is untouched by all of the above", async () => {
  const users = await scim(env(), theirs.token, "GET", "/Users");
  expect(users.body.totalResults).toBe(5);
  for (const r of users.body.Resources as Array<{ meta: { version: string } }>) expect(r.meta.version).toBe('W/"1"');
});
