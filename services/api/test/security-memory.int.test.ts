import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, test } from "vitest";
import { MAX_BODY_SHAPE } from "../src/http/json-shape.ts";
import { MAX_RESOURCE_TEXT, MAX_RESOURCE_VALUES } from "../src/scim/resource/canonical.ts";
import { MAX_MEMBER_DISPLAY } from "../src/use-cases/groups/group-store.ts";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { TestIdp } from "./helpers/sso-idp.ts";

// Requests within every other limit that made the API process allocate far more than they carried, or
// keep it after answering (README "Security"; bench/memory-by-request.ts measures each).
const env = useTestEnv();
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const MiB = 1024 * 1024;
let t: Tenant;
let userId = "";

beforeAll(async () => {
  t = await createTenant(env());
  userId = (await scim(env(), t.token, "POST", "/Users", oktaUser("whole@example.com"))).body.id as string;
});

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
/** ~1 MiB of text a user may keep: 62 strings of 16,000 characters. */
const filler = () => Array.from({ length: 62 }, (_, i) => `${i}`.padEnd(16_000, "x"));
const listOf = (n: number, item: string) => `[${Array(n).fill(item).join(",")}]`;

/** `n` users of the tenant's directory written straight to the database. */
async function seedUsers(n: number, prefix: string) {
  const { sql } = env().database;
  const [license] = await sql<{ id: string }[]>`
    select id from license_types where company_id = ${t.companyId} and name = 'Dialpad_Ai Voice'`;
  const names = Array.from({ length: n }, (_, i) => `${prefix}.${i}@example.com`);
  const rows = await sql<{ id: string }[]>`
    insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints)
    select gen_random_uuid(), ${t.companyId}, ${t.directoryId}, u.name, true, jsonb_build_object('userName', u.name),
           ${license?.id ?? ""}, '{}'
    from unnest(${sql.array(names)}::text[]) as u(name)
    returning id`;
  return rows.map((r) => r.id);
}

describe("SCIM bodies are counted before they are parsed", () => {
  test("1 MiB of nested arrays: 400 invalidValue naming the depth, nothing parsed", async () => {
    const body = `{"userName":"deep@example.com","x":${"[".repeat(500_000)}${"]".repeat(500_000)}}`;
    const res = await scim(env(), t.token, "POST", "/Users", body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: "invalidValue" });
    expect(res.body.detail).toContain(`deeper than ${MAX_BODY_SHAPE.depth} levels`);
  });

  test.each([
    ["POST /Users", "POST", () => "/Users", (v: string) => `{"userName":"wide@example.com","x":${v}}`],
    [
      "PATCH /Users",
      "PATCH",
      () => `/Users/${userId}`,
      (v: string) => JSON.stringify(patch({ op: "add", path: "x", value: 0 })).replace("0}]", `${v}}]`),
    ],
  ])("%s with 1 MiB of empty objects: 400 invalidValue naming the count", async (_, method, path, body) => {
    const res = await scim(env(), t.token, method, path(), body(listOf(340_000, "{}")));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: "invalidValue" });
    expect(res.body.detail).toContain(`more than ${MAX_BODY_SHAPE.values.toLocaleString("en")} JSON values`);
  });

  test("a group of 20,000 members in one body (~0.9 MiB) is still created", async () => {
    const ids = await seedUsers(20_000, "member");
    const res = await scim(env(), t.token, "POST", "/Groups", {
      displayName: "Twenty thousand",
      members: ids.map((value) => ({ value })),
    });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
    expect(res.body.members as unknown[]).toHaveLength(20_000);
  }, 60_000);
});

describe("a user's resource is bounded as a whole", () => {
  test(`more than ${MAX_RESOURCE_VALUES.toLocaleString("en")} values (each list and object within its own limits): 400 invalidValue`, async () => {
    // Two attributes of 51 lists of 100 empty objects: 10,306 values in 31 KB.
    const x = listOf(51, listOf(100, "{}"));
    const res = await scim(env(), t.token, "POST", "/Users", `{"userName":"dense@example.com","x":${x},"y":${x}}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: "invalidValue" });
    expect(res.body.detail).toContain(`at most ${MAX_RESOURCE_VALUES.toLocaleString("en")}`);
    // Just within: accepted, and read back whole.
    const fits = listOf(95, listOf(100, "{}"));
    const ok = await scim(env(), t.token, "POST", "/Users", `{"userName":"dense.ok@example.com","x":${fits}}`);
    expect(ok.status).toBe(201);
    expect((ok.body.x as unknown[][]).flat()).toHaveLength(9_500);
  });

  test("PATCHes of 1 MiB each stop adding once the resource would pass its text limit; nothing is changed", async () => {
    const add = (path: string) =>
      scim(env(), t.token, "PATCH", `/Users/${userId}`, patch({ op: "add", path, value: filler() }));
    // 2 × 992,000 characters fit in 2 MiB; a third does not.
    expect((await add("g0")).status).toBe(200);
    expect((await add("g1")).status).toBe(200);
    const before = await scim(env(), t.token, "GET", `/Users/${userId}`);
    const third = await add("g2");
    expect(third.status).toBe(400);
    expect(third.body).toMatchObject({ scimType: "invalidValue" });
    expect(third.body.detail).toContain(`at most ${MAX_RESOURCE_TEXT.toLocaleString("en")}`);
    expect((await scim(env(), t.token, "GET", `/Users/${userId}`)).body).toEqual(before.body);
    // What it holds can still be changed.
    const smaller = await scim(env(), t.token, "PATCH", `/Users/${userId}`, patch({ op: "remove", path: "g1" }));
    expect(smaller.status).toBe(200);
    expect((await add("g2")).status).toBe(200);
  });

  test("a user stored larger than the limits (before them) can still be changed and deactivated, not grown", async () => {
    const { sql } = env().database;
    const created = await scim(env(), t.token, "POST", "/Users", oktaUser("legacy@example.com"));
    const id = created.body.id as string;
    // As PATCHes could grow it before: three times the text limit.
    await sql`
      update users set resource = resource || ${JSON.stringify({ g0: filler(), g1: filler(), g2: filler(), g3: filler(), g4: filler(), g5: filler() })}::jsonb
      where id = ${id}`;
    // The same number of values and characters: changed.
    const renamed = await scim(
      env(),
      t.token,
      "PATCH",
      `/Users/${id}`,
      patch({ op: "replace", path: "displayName", value: "Legacy Usr" }),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe("Legacy Usr");
    const off = await scim(
      env(),
      t.token,
      "PATCH",
      `/Users/${id}`,
      patch({ op: "replace", path: "active", value: false }),
    );
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    const grow = await scim(
      env(),
      t.token,
      "PATCH",
      `/Users/${id}`,
      patch({ op: "add", path: "title", value: "Lead" }),
    );
    expect(grow.status).toBe(400);
    expect(grow.body).toMatchObject({ scimType: "invalidValue" });
  });
});

test(`a group member's display is its user's displayName cut to ${MAX_MEMBER_DISPLAY} characters; the user keeps it whole`, async () => {
  const long = "L".repeat(16_384);
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser("long.name@example.com", { displayName: long }));
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  const group = await scim(env(), t.token, "POST", "/Groups", { displayName: "Long names", members: [{ value: id }] });
  expect(group.status).toBe(201);
  for (const read of [group, await scim(env(), t.token, "GET", `/Groups/${group.body.id}`)]) {
    const [member] = read.body.members as Array<{ value: string; display: string }>;
    expect(member?.value).toBe(id);
    expect(member?.display).toBe(long.slice(0, MAX_MEMBER_DISPLAY));
  }
  expect((await scim(env(), t.token, "GET", `/Users/${id}`)).body.displayName).toBe(long);
});

test("a list page of users holding many values each stops early; startIndex still walks them all", async () => {
  const dense = await createTenant(env());
  // ~9,900 values in 30 KB each: 60 of them are 2.3 MB of text, one page by its bytes alone.
  const x = listOf(98, listOf(100, "{}"));
  for (let i = 0; i < 60; i++) {
    const res = await scim(env(), dense.token, "POST", "/Users", `{"userName":"dense.${i}@example.com","x":${x}}`);
    expect(res.status).toBe(201);
  }
  const seen = new Set<string>();
  let pages = 0;
  for (let startIndex = 1; seen.size < 60 && pages < 20; pages++) {
    const res = await scim(env(), dense.token, "GET", `/Users?count=1000&startIndex=${startIndex}`);
    const page = res.body as { totalResults: number; itemsPerPage: number; Resources?: Array<{ id: string }> };
    expect(page.totalResults).toBe(60);
    expect(page.itemsPerPage).toBeGreaterThan(0);
    expect(page.itemsPerPage).toBeLessThan(60);
    for (const r of page.Resources ?? []) seen.add(r.id);
    startIndex += page.itemsPerPage;
  }
  expect(seen.size).toBe(60);
  expect(pages).toBeGreaterThan(1);
}, 60_000);

test("a page of 1,000 ordinary users still comes whole", async () => {
  const many = await createTenant(env());
  const { sql } = env().database;
  const [license] = await sql<{ id: string }[]>`
    select id from license_types where company_id = ${many.companyId} and name = 'Dialpad_Ai Voice'`;
  // Entra's users as the door keeps them (~1.2 KB, ~50 values each).
  const resource = (i: number) => ({
    userName: `page.${i}@example.com`,
    externalId: `9f1c2b7e-0000-4000-8000-${String(i).padStart(12, "0")}`,
    active: true,
    displayName: `Page User ${i}`,
    title: "Senior Software Engineer",
    preferredLanguage: "en-US",
    name: { formatted: `Page User ${i}`, givenName: "Page", familyName: `User ${i}` },
    emails: [{ value: `page.${i}@example.com`, type: "work", primary: true }],
    phoneNumbers: [
      { value: "+1 415 555 0100", type: "work" },
      { value: "+1 415 555 0199", type: "mobile" },
    ],
    addresses: [
      {
        type: "work",
        formatted: "1 Main St, San Francisco, CA 94105, US",
        streetAddress: "1 Main St",
        locality: "San Francisco",
        region: "CA",
        postalCode: "94105",
        country: "US",
        primary: true,
      },
    ],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
      employeeNumber: String(100_000 + i),
      department: "Engineering",
      costCenter: "R&D 4100",
      organization: "Example Corporation",
      division: "Platform",
      manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d", displayName: "Manager Name" },
    },
  });
  const resources = Array.from({ length: 1000 }, (_, i) => resource(i));
  await sql`
    insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints)
    select gen_random_uuid(), ${many.companyId}, ${many.directoryId}, r->>'userName', true, r, ${license?.id ?? ""}, '{}'
    from jsonb_array_elements(${JSON.stringify(resources)}::jsonb) as r`;
  const res = await scim(env(), many.token, "GET", "/Users?count=1000");
  expect(res.body).toMatchObject({ totalResults: 1000, itemsPerPage: 1000 });
});

describe("sign-in bodies (no credential needed)", () => {
  test("a password sign-in body over 64 KiB is 413 before it is parsed", async () => {
    const res = await env().app.request(`/auth/${t.companyId}/password`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: `{"userName":"a@example.com","password":"b","x":${listOf(30_000, "{}")}}`,
    });
    expect(res.status).toBe(413);
  });

  test("a SAML ACS form of thousands of fields is refused before it is parsed", async () => {
    const idp = await TestIdp.create();
    const { admin } = await import("./helpers/clients.ts");
    expect(
      (await admin(env(), "PUT", `/companies/${t.companyId}/sso/saml`, { metadataXml: idp.metadataXml() })).status,
    ).toBe(200);
    const res = await env().app.request(`/sso/${t.companyId}/saml/acs`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: Array(300_000).fill("a=").join("&"),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.message).toContain("more than 32 fields");
  });

  test("a multipart ACS form (the HTTP-POST binding is urlencoded) is refused before it is parsed", async () => {
    const form = new FormData();
    for (let i = 0; i < 5_000; i++) form.append("a", "");
    form.append("SAMLResponse", "PHNhbWxwOlJlc3BvbnNlLz4=");
    const res = await env().app.request(`/sso/${t.companyId}/saml/acs`, { method: "POST", body: form });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "VALIDATION_FAILED" });
    expect(body.error.message).toContain("application/x-www-form-urlencoded");
  });
});

test("an admin body read whatever its Content-Type (a token's expiry) is counted before it is parsed", async () => {
  const { admin } = await import("./helpers/clients.ts");
  const res = await env().app.request(`/api/v1/directories/${t.directoryId}/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": "text/plain" },
    body: `${"[".repeat(500_000)}${"]".repeat(500_000)}`,
  });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error).toMatchObject({ code: "VALIDATION_FAILED" });
  expect(body.error.message).toContain(`deeper than ${MAX_BODY_SHAPE.depth} levels`);
  // A small body of the same kind is still read (and refused by its schema, not its shape).
  const small = await admin(env(), "POST", `/directories/${t.directoryId}/tokens`, { expiresAt: "soon" });
  expect(small.status).toBe(400);
});

test("the request log keeps the start of a refused 1 MiB userName, not the whole of it", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const log = env().deps.requestLog;
  if (!log) throw new Error("the test env has a request log");
  // The buffer as Postgres slow or away would leave it: nothing written meanwhile.
  await log.stop();
  try {
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < 40; i++) {
      const userName = `${i}`.padEnd(MiB - 64, "u");
      const res = await scim(env(), t.token, "POST", "/Users", `{"userName":"${userName}"}`);
      expect(res.status).toBe(400);
    }
    gc();
    const after = process.memoryUsage();
    // 40 MiB when each line kept its request's userName whole (on the heap, or encoded outside it).
    expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * MiB);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(8 * MiB);
    const chunks = (log as unknown as { chunks: Array<{ bytes: Buffer; used: number }> }).chunks;
    const last = chunks.at(-1);
    const lines = JSON.parse(`${last?.bytes.subarray(0, last.used).toString("utf8")}]`) as { user_name: string }[];
    expect(lines.at(-1)?.user_name).toBe("39".padEnd(256, "u"));
  } finally {
    log.start();
  }
});
