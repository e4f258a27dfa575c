import { afterAll, beforeAll, expect, test } from "vitest";
import { createTenant, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { type ApiProc, Fleet } from "./helpers/fleet.ts";

// Reads cut by the API's statement_timeout while their rows were arriving (six GETs of a group of 50,000
// members with 16,384-character names, as a memory review sent them). postgres.js 3.4.9 kept counting
// such a query's rows after its ErrorResponse: the next query on that connection, whoever sent it,
// resolved with that many holes before its own rows, and the next unrelated request answered 500
// (a TypeError on a hole) or 404 (its row was not at [0]). patches/postgres@3.4.9.patch resets the count.
const env = useTestEnv();
let fleet: Fleet | undefined;
let api: ApiProc;
let t: Tenant;
let groupId = "";
const MEMBERS = 50_000;
const TIMEOUT_MS = 400;

afterAll(async () => {
  await fleet?.stop();
});

beforeAll(async () => {
  t = await createTenant(env());
  const { sql } = env().database;
  const [license] = await sql<{ id: string }[]>`
    select id from license_types where company_id = ${t.companyId} and name = 'Dialpad_Ai Voice'`;
  await sql`
    insert into users (id, company_id, directory_id, user_name, display_name, active, resource, license_type_id, office_hints)
    select gen_random_uuid(), ${t.companyId}, ${t.directoryId}, 'member.' || i || '@example.com',
           repeat('L', 16384 - length(i::text)) || i, true,
           jsonb_build_object('userName', 'member.' || i || '@example.com'), ${license?.id ?? ""}, '{}'
    from generate_series(1, ${MEMBERS}) as i`;
  const [group] = await sql<{ id: string }[]>`
    insert into groups (id, company_id, directory_id, display_name)
    values (gen_random_uuid(), ${t.companyId}, ${t.directoryId}, 'Everyone') returning id`;
  groupId = group?.id ?? "";
  await sql`insert into group_members (group_id, user_id) select ${groupId}, id from users where directory_id = ${t.directoryId}`;
  await sql`analyze`;
  fleet = Fleet.of(env());
  // Two connections: six GETs pipeline on them, as on a busy pool.
  api = await fleet.api("api", { API_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS), API_DB_POOL_MAX: "2" });
}, 120_000);

const call = async (path: string, scim: boolean) => {
  const res = await fetch(`${api.url}${path}`, {
    headers: { Authorization: `Bearer ${scim ? t.token : ADMIN_KEY}` },
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text.slice(0, 200) };
  }
  return { path, status: res.status, body };
};

/** Until the API's backends are streaming a group's members (the GETs' statements are running). */
async function membersStreaming(): Promise<void> {
  const { sql } = env().database;
  for (const end = Date.now() + 10_000; Date.now() < end; ) {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = ${env().testDb.name} and application_name = 'scimline-api' and state = 'active'
        and query like '%group_members%'`;
    if ((row?.n ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("the GETs' member queries never ran");
}

test("GETs of a huge group cut by the statement timeout mid-stream: 503 (or 200), and every later request answers correctly, never 500", async () => {
  const gets: number[] = [];
  const wrong: unknown[] = [];
  for (let round = 0; round < 3; round++) {
    const pending = Promise.all(Array.from({ length: 6 }, () => call(`/scim/v2/Groups/${groupId}`, true)));
    // Frozen while its backends send the members: they fill the socket and wait, the timeout passes, and on
    // resuming each statement is cancelled after some of its rows have arrived, whatever the machine's speed.
    await membersStreaming();
    api.child.kill("SIGSTOP");
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 300));
    api.child.kill("SIGCONT");
    for (const res of await pending) {
      gets.push(res.status);
      if (res.status === 200) expect((res.body.members as unknown[]).length).toBe(MEMBERS);
      else if (res.status !== 503) wrong.push({ round, ...res });
    }
    // Unrelated requests, each on whichever connection the pool gives it.
    const checks: Array<[string, boolean, (b: Record<string, unknown>) => boolean]> = [
      [`/api/v1/companies/${t.companyId}`, false, (b) => b.id === t.companyId],
      [`/api/v1/directories/${t.directoryId}`, false, (b) => b.id === t.directoryId],
      [`/api/v1/companies/${t.companyId}/offices`, false, (b) => JSON.stringify(b).includes("San Francisco")],
      [`/scim/v2/Users?count=3`, true, (b) => b.totalResults === MEMBERS && (b.Resources as unknown[]).every(Boolean)],
      [`/scim/v2/Groups/${groupId}?excludedAttributes=members`, true, (b) => b.id === groupId],
      [`/scim/v2/Groups?excludedAttributes=members`, true, (b) => b.totalResults === 1],
      [`/api/v1/companies/${t.companyId}`, false, (b) => b.id === t.companyId],
    ];
    for (const [path, scim, ok] of checks) {
      const res = await call(path, scim);
      if (res.status !== 200 || !ok(res.body))
        wrong.push({ round, ...res, body: JSON.stringify(res.body).slice(0, 300) });
    }
  }
  expect(wrong).toEqual([]);
  // The cuts happened: at least one GET per round was answered 503 by the timeout.
  expect(gets.filter((s) => s === 503).length).toBeGreaterThanOrEqual(3);
  expect(fleet?.unhandled()).toEqual([]);
}, 120_000);
