import { randomUUID } from "node:crypto";
import pino from "pino";
import { expect, test } from "vitest";
import { RequestLog, type RequestLogEntry } from "../src/request-log/request-log.ts";
import { createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

// The request log's buffer on its own (the SCIM side of it: guard-connection.int.test.ts).
const env = useTestEnv();
const silent = pino({ level: "silent" });

/** Entries of one directory of their own, so each test reads back only its rows. */
function directory() {
  const ids = { companyId: randomUUID(), directoryId: randomUUID(), tokenId: randomUUID() };
  const entry = (over: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
    ...ids,
    at: new Date(),
    method: "GET",
    path: "/scim/v2/Users",
    status: 200,
    scimType: null,
    detail: null,
    userId: null,
    userName: null,
    durationMs: 1.5,
    ...over,
  });
  const rows = () => env().database.sql<
    { path: string; user_name: string | null; detail: string | null; status: number }[]
  >`
    select path, user_name, detail, status from scim_requests where directory_id = ${ids.directoryId} order by at, path`;
  return { ...ids, entry, rows };
}

/**
 * Until the returned drop(), Postgres refuses the scim_requests rows `condition` (SQL over `new`) picks:
 * a write of them fails as a lost connection would.
 */
async function refuseRows(name: string, condition: string): Promise<{ drop: () => Promise<void> }> {
  const sql = env().database.sql;
  await sql.unsafe(`
    create function ${name}() returns trigger language plpgsql as $$
    begin
      if ${condition} then raise exception 'refused for the test'; end if;
      return new;
    end $$`);
  await sql.unsafe(`create trigger ${name} before insert on scim_requests for each row execute function ${name}()`);
  return {
    drop: async () => {
      await sql.unsafe(`drop trigger ${name} on scim_requests`);
      await sql.unsafe(`drop function ${name}()`);
    },
  };
}

test("every field round-trips, non-ASCII text, quotes, a NUL and a lone surrogate (as U+FFFD) included, over several batches", async () => {
  const d = directory();
  const log = new RequestLog(env().database.sql, silent, { batchSize: 2 });
  const at = new Date("2026-12-07T01:02:03.456Z");
  const userId = randomUUID();
  log.record(
    d.entry({
      at,
      method: "POST",
      path: "/scim/v2/Users",
      status: 409,
      scimType: "uniqueness",
      // A NUL and a lone surrogate, which Postgres text cannot hold, and the text "\u0000", which it can.
      detail: 'userName "Zoë 😀 \\ \u0000 Ω \\u0000 \ud800" already exists',
      userId,
      durationMs: 12.25,
    }),
  );
  for (let i = 0; i < 4; i++) log.record(d.entry({ path: `/scim/v2/Users/${i}`, userName: `ünï${i}@example.com` }));
  await log.flush();
  const [first] = await env().database.sql<Record<string, unknown>[]>`
    select company_id, directory_id, token_id, at, method, path, status, scim_type, detail, user_id, user_name, duration_ms
    from scim_requests where directory_id = ${d.directoryId} and status = 409`;
  expect(first).toEqual({
    company_id: d.companyId,
    directory_id: d.directoryId,
    token_id: d.tokenId,
    at: expect.stringMatching(/^2026-12-07 01:02:03\.456/),
    method: "POST",
    path: "/scim/v2/Users",
    status: 409,
    scim_type: "uniqueness",
    detail: 'userName "Zoë 😀 \\ \ufffd Ω \\u0000 \ufffd" already exists',
    user_id: userId,
    user_name: null,
    duration_ms: 12.25,
  });
  expect((await d.rows()).filter((r) => r.status === 200).map((r) => r.user_name)).toEqual([
    "ünï0@example.com",
    "ünï1@example.com",
    "ünï2@example.com",
    "ünï3@example.com",
  ]);
});

test("entries recorded while a batch is being written are written too, none twice", async () => {
  const d = directory();
  const log = new RequestLog(env().database.sql, silent, { batchSize: 3 });
  for (let i = 0; i < 2; i++) log.record(d.entry({ path: `/a/${i}` }));
  const flushing = log.flush();
  // The first statement, of a batch with room for one more, is on its way: these go to a new batch.
  for (let i = 0; i < 5; i++) log.record(d.entry({ path: `/b/${i}` }));
  await flushing;
  await log.flush();
  const paths = (await d.rows()).map((r) => r.path).sort();
  expect(paths).toEqual([...[0, 1].map((i) => `/a/${i}`), ...[0, 1, 2, 3, 4].map((i) => `/b/${i}`)]);
});

test.each([2000, 1, 2])(
  "a forgotten userName is dropped from the entries before the forget, whatever its case, and only those (batches of %i)",
  async (batchSize) => {
    const d = directory();
    const other = directory();
    const log = new RequestLog(env().database.sql, silent, { batchSize });
    log.record(d.entry({ path: "/1", userName: "Jo@Acme.com" }));
    log.record(other.entry({ path: "/1", userName: "jo@acme.com" }));
    log.record(d.entry({ path: "/2", userName: "someone@acme.com" }));
    log.forget(d.companyId, "JO@acme.com");
    log.record(d.entry({ path: "/3", userName: "jo@acme.com" }));
    await log.flush();
    expect((await d.rows()).map((r) => [r.path, r.user_name])).toEqual([
      ["/1", null],
      ["/2", "someone@acme.com"],
      ["/3", "jo@acme.com"],
    ]);
    expect((await other.rows()).map((r) => r.user_name)).toEqual(["jo@acme.com"]);
  },
);

test("a full buffer drops new lines (counted) rather than hold up the door", async () => {
  const d = directory();
  const log = new RequestLog(env().database.sql, silent, { maxBuffered: 2 });
  for (let i = 0; i < 5; i++) log.record(d.entry({ userName: "a@b.c" }));
  expect(log.dropped).toBe(3);
  await log.flush();
  expect(await d.rows()).toHaveLength(2);
});

test("a batch the database refuses is kept and written by a later flush", async () => {
  const d = directory();
  const sql = env().database.sql;
  // Refuses this directory's rows until dropped.
  const refused = await refuseRows("refuse_log_rows", `new.directory_id = '${d.directoryId}'`);
  const log = new RequestLog(sql, silent, { batchSize: 2 });
  try {
    for (let i = 0; i < 3; i++) log.record(d.entry({ path: `/${i}` }));
    await log.flush();
    expect(await d.rows()).toEqual([]);
  } finally {
    await refused.drop();
  }
  log.record(d.entry({ path: "/3" }));
  await log.flush();
  expect((await d.rows()).map((r) => r.path).sort()).toEqual(["/0", "/1", "/2", "/3"]);
  expect(log.dropped).toBe(0);
});

test("a client naming a NUL or a lone surrogate gets its 400, and the log goes on for everyone", async () => {
  const t = await createTenant(env());
  const lookUp = (name: string) =>
    scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(name)}`)}`);
  // Spelled as escapes, they pass the filter's own control-character check.
  for (const name of ["a\u0000b", "\ud800"]) {
    const reply = await lookUp(name);
    expect([reply.status, reply.body.scimType]).toEqual([400, "invalidFilter"]);
  }
  const refused = await scim(env(), t.token, "POST", "/Users", oktaUser("x\u0000y@acme.com"));
  expect([refused.status, refused.body.scimType]).toEqual([400, "invalidValue"]);
  expect((await lookUp("fine@acme.com")).status).toBe(200);
  await env().deps.requestLog?.flush();
  const rows = await env().database.sql<{ status: number; user_name: string | null }[]>`
    select status, user_name from scim_requests where directory_id = ${t.directoryId} order by id`;
  expect(rows.map((r) => [r.status, r.user_name])).toEqual([
    [400, null],
    [400, null],
    [400, "x\ufffdy@acme.com"],
    [200, "fine@acme.com"],
  ]);
});

test("a batch that keeps failing is dropped (counted) once the buffer is full, and the lines after it are written", async () => {
  const d = directory();
  const sql = env().database.sql;
  const refused = await refuseRows(
    "refuse_poison_rows",
    `new.directory_id = '${d.directoryId}' and new.path = '/poison'`,
  );
  try {
    const log = new RequestLog(sql, silent, { batchSize: 2, maxBuffered: 4 });
    log.record(d.entry({ path: "/poison" }));
    log.record(d.entry({ path: "/a" }));
    await log.flush();
    expect(log.dropped).toBe(0);
    for (const path of ["/b", "/c", "/d"]) log.record(d.entry({ path }));
    expect(log.dropped).toBe(1);
    await log.flush();
    expect(log.dropped).toBe(3);
    await log.flush();
    expect((await d.rows()).map((r) => r.path)).toEqual(["/b", "/c"]);
  } finally {
    await refused.drop();
  }
});
