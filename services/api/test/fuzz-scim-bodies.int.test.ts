import fc from "fast-check";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { fuzzOptions, hostileJson, hostileString, hostileUser, plausibleUser } from "./helpers/fuzz-arbitraries.ts";
import { expectSane, printTally, rawRequest, serveApp } from "./helpers/fuzz-http.ts";
import { hostileBody } from "./helpers/fuzz-requests.ts";

// Hundreds of requests per property: minutes, not seconds, when CI runs every suite at once on 2 cores.
vi.setConfig({ testTimeout: 180_000 });

// Property-based: hostile SCIM bodies, headers and paths over a real socket. Never a 5xx or a
// crash, and never a partial write: a refused request leaves the directory exactly as it was.
const env = useTestEnv({}, { SCIM_RATE_LIMIT: "1000000" });
let server: Awaited<ReturnType<typeof serveApp>> | undefined;
let tenant: Tenant;
let userId = "";
beforeAll(async () => {
  tenant = await createTenant(env());
  server = await serveApp(env());
  userId = (await scim(env(), tenant.token, "POST", "/Users", oktaUser("fuzz.target@example.com"))).body.id as string;
});
afterAll(async () => {
  printTally("scim-bodies");
  await server?.close();
});

const send = (method: string, path: string, body?: Buffer, headers: Array<[string, string | Buffer]> = []) =>
  rawRequest(server?.port ?? 0, {
    method,
    path,
    headers: [["Authorization", `Bearer ${tenant.token}`], ["Content-Type", "application/scim+json"], ...headers],
    ...(body ? { body } : {}),
  });

/** The directory's stored state: every user's id, version and document (and its groups). */
async function snapshot(): Promise<string> {
  const rows = await env().database.sql`
    select id, version, user_name, active, resource, generation from users
    where directory_id = ${tenant.directoryId} order by id`;
  const groups = await env().database.sql`
    select g.id, g.version, g.display_name, array(select user_id from group_members m where m.group_id = g.id order by 1) as members
    from groups g where directory_id = ${tenant.directoryId} order by id`;
  return JSON.stringify([rows, groups]);
}

test("POST /Users with hostile bytes: never a 5xx; a refusal writes nothing, a 201 writes exactly that user", async () => {
  await fc.assert(
    fc.asyncProperty(hostileBody, async (body) => {
      const before = await snapshot();
      const reply = await send("POST", "/scim/v2/Users", body);
      const created = expectSane(reply, "POST /scim/v2/Users");
      if (reply.status !== 201) {
        expect(await snapshot()).toBe(before);
        return;
      }
      const read = await send("GET", `/scim/v2/Users/${created?.id}`);
      expect(read.status).toBe(200);
      expect(JSON.parse(read.text).userName).toBe(created?.userName);
    }),
    fuzzOptions(5101, 300),
  );
});

test("PUT /Users/{id} with hostile bodies: never a 5xx; a refusal changes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(plausibleUser, plausibleUser, hostileUser, hostileJson), async (body) => {
      const before = await snapshot();
      const reply = await send("PUT", `/scim/v2/Users/${userId}`, Buffer.from(JSON.stringify(body) ?? "null"));
      expectSane(reply, "PUT /scim/v2/Users/{id}");
      if (reply.status !== 200) expect(await snapshot()).toBe(before);
    }),
    fuzzOptions(5102, 200),
  );
});

test("POST /Groups with hostile bodies: never a 5xx; a refusal writes nothing", async () => {
  const member = fc.record({ value: fc.oneof(fc.constant(userId), hostileString), display: hostileString });
  const group = fc.oneof(
    fc.record(
      {
        displayName: fc.oneof(hostileString, hostileJson),
        members: fc.oneof(fc.array(member, { maxLength: 5 }), hostileJson),
      },
      { requiredKeys: [] },
    ),
    hostileJson,
  );
  await fc.assert(
    fc.asyncProperty(group, async (body) => {
      const before = await snapshot();
      const reply = await send("POST", "/scim/v2/Groups", Buffer.from(JSON.stringify(body) ?? "null"));
      expectSane(reply, "POST /scim/v2/Groups");
      if (reply.status !== 201) expect(await snapshot()).toBe(before);
    }),
    fuzzOptions(5103, 200),
  );
});

const headerValue = fc.oneof(
  hostileString.map((s) => Buffer.from(s.replace(/[\r\n]/g, ""))),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b.filter((x) => x !== 13 && x !== 10))),
  fc
    .constantFrom("*", 'W/"1"', '"1", W/"2"', "Bearer", "Bearer  ", "Basic Zm9vOmJhcg==", "bearer x y")
    .map((s) => Buffer.from(s)),
  fc.integer({ min: 4_000, max: 20_000 }).map((n) => Buffer.from("a".repeat(n))),
);
const headerName = fc.constantFrom(
  "Authorization",
  "If-Match",
  "If-None-Match",
  "Content-Type",
  "Content-Length",
  "Transfer-Encoding",
  "X-Request-Id",
  "Accept",
  "Accept-Encoding",
  "Origin",
);

test("hostile headers on every SCIM method: never a 5xx, and a refused write changes nothing", async () => {
  const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE");
  await fc.assert(
    fc.asyncProperty(
      method,
      fc.array(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 3 }),
      async (m, headers) => {
        const before = await snapshot();
        const path = m === "POST" ? "/scim/v2/Users" : `/scim/v2/Users/${userId}`;
        const body =
          m === "PATCH"
            ? {
                schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                Operations: [{ op: "replace", value: { title: "t" } }],
              }
            : oktaUser(`h.${Date.now()}@x.io`);
        // A header given twice is sent twice: the server must pick or refuse, not fail.
        const reply = await rawRequest(server?.port ?? 0, {
          method: m,
          path,
          headers: [["Authorization", `Bearer ${tenant.token}`], ...headers],
          ...(m === "GET" || m === "DELETE" ? {} : { body: Buffer.from(JSON.stringify(body)) }),
        });
        expectSane(reply, `${m} /scim/v2/Users`);
        if (reply.status >= 400) expect(await snapshot()).toBe(before);
      },
    ),
    fuzzOptions(5104, 250),
  );
  // The target survived every refusal (a 2xx DELETE above would have removed it: recreate for the next check).
  const found = await send("GET", `/scim/v2/Users/${userId}`);
  if (found.status === 404)
    userId = JSON.parse(
      (await send("POST", "/scim/v2/Users", Buffer.from(JSON.stringify(oktaUser("fuzz.again@example.com"))))).text,
    ).id;
});

test("hostile ids and paths: 404 or 400, never a 5xx, on users and groups alike", async () => {
  const segment = fc
    .oneof(
      hostileString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ""))),
      fc
        .uint8Array({ minLength: 1, maxLength: 20 })
        .map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, "0")}`).join("")),
      fc.constantFrom("%", "%E0%A4%A", "%2e%2e%2f", "00000000-0000-0000-0000-000000000000", "a".repeat(5000)),
    )
    .filter((s) => s !== "" && s !== "." && s !== ".."); // those name the collection itself
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("GET", "PUT", "PATCH", "DELETE"),
      fc.constantFrom("Users", "Groups"),
      segment,
      async (m, type, id) => {
        const reply = await send(
          m,
          `/scim/v2/${type}/${id}`,
          m === "PUT" || m === "PATCH" ? Buffer.from("{}") : undefined,
        );
        expectSane(reply, `${m} /scim/v2/${type}/{id}`);
        expect(reply.status).not.toBe(200);
      },
    ),
    fuzzOptions(5105, 200),
  );
});
