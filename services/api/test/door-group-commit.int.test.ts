import { createDb } from "@scimline/db";
import { describe, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import type { ScimError } from "../src/scim/errors.ts";
import { UserInserter } from "../src/use-cases/users/user-inserter.ts";
import type { NewUser } from "../src/use-cases/users/user-store.ts";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { type TestEnv, useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();
const USERNAME_TAKEN = "A user with this userName already exists in this company";
const EXTERNAL_ID_TAKEN = "A user with this externalId already exists in this directory";

/** The app over an inserter of its own, so the test can count its statements. */
function appWith(e: TestEnv, inserter: UserInserter) {
  return { ...e, app: createApp({ ...e.deps, userInserter: inserter }) };
}

const principalOf = (t: Tenant) => ({
  tokenId: "unused",
  directoryId: t.directoryId,
  companyId: t.companyId,
  master: false,
  adoptExisting: false,
  domains: [],
  expiresAt: null,
});

/** A create as the door hands it to the inserter, with everything optional left empty. */
const newUser = (userName: string, licenseTypeId: string, extra: Partial<NewUser> = {}): NewUser => ({
  userName,
  externalId: null,
  displayName: null,
  email: null,
  active: true,
  document: { userName },
  passwordSealed: null,
  licenseTypeId,
  officeHints: {},
  ...extra,
});

async function firstLicenseType(companyId: string): Promise<string> {
  const [license] = await env().database.sql<{ id: string }[]>`
    select id from license_types where company_id = ${companyId} order by name limit 1`;
  return license?.id ?? "";
}

async function outboxRows(e: TestEnv, companyId: string) {
  return e.database.sql<{ user_id: string; n: number }[]>`
    select u.id as user_id, count(o.user_id)::int as n
    from users u left join outbox o on o.user_id = u.id
    where u.company_id = ${companyId} group by u.id`;
}

describe("the door commits concurrent creates together (issue: Okta burst benchmark)", () => {
  test("many concurrent creates over HTTP: each distinct user 201 once, of colliding creates exactly one wins and the others get 409 with the right detail, one outbox row each, fewer statements than creates", async () => {
    const inserter = new UserInserter(env().database, { maxSize: 64, maxConcurrent: 1 });
    const e = appWith(env(), inserter);
    const t = await createTenant(e);
    const distinct = Array.from({ length: 60 }, (_, i) => `burst.user${i}@example.com`);
    const bodies = distinct.map((userName) => ({ userName, body: oktaUser(userName) }));
    // Duplicates that arrive with the originals: the same userName, case variants, a reused externalId.
    const dupes = [
      { kind: "userName", body: oktaUser("burst.user0@example.com") },
      { kind: "userName", body: oktaUser("BURST.User1@Example.com") },
      { kind: "userName", body: oktaUser("Burst.User1@example.COM") },
      { kind: "externalId", body: oktaUser("burst.other@example.com", { externalId: bodies[2]?.body.externalId }) },
    ];
    const replies = await Promise.all(
      [...bodies.map((b) => b.body), ...dupes.map((d) => d.body)].map((body) =>
        scim(e, t.token, "POST", "/Users", body),
      ),
    );
    // Concurrent requests have no order: of each set of creates that collide, exactly one wins (whichever
    // reached the statement first) and every other gets the 409 naming the attribute it collided on.
    const dupeReplies = replies.slice(distinct.length);
    const collisions = [
      { replies: [replies[0], dupeReplies[0]], detail: USERNAME_TAKEN },
      { replies: [replies[1], dupeReplies[1], dupeReplies[2]], detail: USERNAME_TAKEN },
      { replies: [replies[2], dupeReplies[3]], detail: EXTERNAL_ID_TAKEN },
    ];
    for (const { replies: group, detail } of collisions) {
      expect(
        group.filter((r) => r?.status === 201),
        JSON.stringify(group.map((r) => r?.body)),
      ).toHaveLength(1);
      for (const r of group.filter((r) => r?.status !== 201)) {
        expect(r?.status, JSON.stringify(r?.body)).toBe(409);
        expect(r?.body).toMatchObject({ scimType: "uniqueness", detail });
      }
    }
    for (const r of replies.slice(3, distinct.length)) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const created = replies.filter((r) => r.status === 201);
    expect(created).toHaveLength(distinct.length);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(distinct.length);

    const rows = await outboxRows(e, t.companyId);
    expect(rows).toHaveLength(distinct.length);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set(created.map((r) => r.body.id)));
    // Batching happened: far fewer statements than creates (with maxSize 1 it would be one each).
    expect(inserter.statements).toBeLessThan(distinct.length / 2);
  });

  test("creates submitted in the same turn go as one statement; in-batch duplicates are answered one by one", async () => {
    const inserter = new UserInserter(env().database, { maxSize: 64 });
    const t = await createTenant(env());
    const principal = principalOf(t);
    const licenseTypeId = await firstLicenseType(t.companyId);
    const user = (userName: string, externalId: string | null) =>
      newUser(userName, licenseTypeId, { externalId, email: userName });
    const settled = await Promise.allSettled([
      inserter.insert(principal, user("same.turn@example.com", "ext-1")),
      inserter.insert(principal, user("SAME.TURN@example.com", "ext-2")),
      inserter.insert(principal, user("other.one@example.com", "ext-1")),
      inserter.insert(principal, user("third.one@example.com", null)),
      inserter.insert(principal, user("fourth.one@example.com", null)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled", "fulfilled"]);
    const reasons = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as ScimError] : []));
    expect(reasons.map((r) => [r.status, r.scimType, r.detail])).toEqual([
      [409, "uniqueness", USERNAME_TAKEN],
      [409, "uniqueness", EXTERNAL_ID_TAKEN],
    ]);
    expect(inserter.statements).toBe(1);
    const rows = await outboxRows(env(), t.companyId);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  test("a statement that fails as a whole fails every create of its batch with that error (503 at the door)", async () => {
    const t = await createTenant(env());
    const broken = createDb(env().testDb.url, { max: 1 });
    await broken.close();
    const inserter = new UserInserter(broken);
    const principal = principalOf(t);
    const user = (userName: string) => newUser(userName, "00000000-0000-0000-0000-000000000000");
    const settled = await Promise.allSettled(
      ["down.a@example.com", "down.b@example.com", "down.c@example.com"].map((n) =>
        inserter.insert(principal, user(n)),
      ),
    );
    expect(inserter.statements).toBe(1);
    const reasons = settled.map((s) => (s.status === "rejected" ? s.reason : null));
    expect(reasons[0]).toMatchObject({ code: "CONNECTION_ENDED" });
    expect(reasons.every((r) => r === reasons[0])).toBe(true);

    const e = appWith(env(), inserter);
    const reply = await scim(e, t.token, "POST", "/Users", oktaUser("down.d@example.com"));
    expect(reply.status).toBe(503);
    expect(reply.headers.get("retry-after")).toBe("5");
    expect(await outboxRows(env(), t.companyId)).toHaveLength(0);
  });

  test("a batch that does not settle by the pool's deadline is given up: its creates answer 503, the creates behind it go on", async () => {
    const t = await createTenant(env());
    const licenseTypeId = await firstLicenseType(t.companyId);
    const user = (userName: string) => newUser(userName, licenseTypeId);
    // The server ends the statement at 2 s; the client gives it up at 300 ms (as it would a statement
    // whose connection died unseen) so the batcher, one statement at a time, is not held meanwhile.
    const own = createDb(env().testDb.url, { max: 2, transactionTimeoutMs: 300, statementTimeoutMs: 2000 });
    const inserter = new UserInserter(own, { maxConcurrent: 1 });
    const other = createDb(env().testDb.url, { max: 1 });
    const tx = await other.sql.reserve();
    try {
      // Another writer holds stall@ uncommitted: the batch inserting it waits on that row's lock.
      await tx`begin`;
      await tx`
        insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints)
        values (gen_random_uuid(), ${t.companyId}, ${t.directoryId}, 'stall@example.com', true, '{}', ${licenseTypeId}, '{}')`;
      const started = Date.now();
      const stalled = inserter.insert(principalOf(t), user("stall@example.com")).then(
        () => null,
        (error: { code?: string }) => error,
      );
      const stalledError = await stalled;
      expect(stalledError).toMatchObject({ code: "TRANSACTION_TIMEOUT" });
      expect(Date.now() - started).toBeLessThan(1500);
      // The next batch goes while the first statement still waits in Postgres.
      const next = await inserter.insert(principalOf(t), user("next@example.com"));
      expect(next.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(inserter.statements).toBe(2);

      // Over HTTP the same give-up is a 503 with Retry-After, as for a lost connection.
      const e = appWith(env(), inserter);
      const reply = await scim(e, t.token, "POST", "/Users", oktaUser("stall@example.com"));
      expect(reply.status).toBe(503);
      expect(reply.headers.get("retry-after")).toBe("5");
      // The lock is held past the statement timeout: the server ends the statements given up on.
      // (Released earlier, a waiting insert would commit although answered 503: the IdP's retry then
      // meets 409 and looks the user up, as after any ambiguous failure.)
      await new Promise((r) => setTimeout(r, 2500));
    } finally {
      await tx`rollback`.catch(() => {});
      tx.release();
      await other.close();
      await own.close();
    }
    const names = await env().database.sql<{ user_name: string }[]>`
      select user_name from users where company_id = ${t.companyId} order by user_name`;
    expect(names.map((r) => r.user_name)).toEqual(["next@example.com"]);
  }, 20_000);

  test("a batch deadlocked by duplicates crossing another writer's answers each create on its own", async () => {
    const t = await createTenant(env());
    const inserter = new UserInserter(env().database, { maxSize: 64 });
    const principal = principalOf(t);
    const licenseTypeId = await firstLicenseType(t.companyId);
    const user = (userName: string) => newUser(userName, licenseTypeId);
    // Another writer (another API process, say) inserts y then x in one transaction while our batch inserts x then y.
    const other = createDb(env().testDb.url, { max: 1 });
    const tx = await other.sql.reserve();
    const insertOther = (userName: string) => tx`
      insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints)
      values (gen_random_uuid(), ${t.companyId}, ${t.directoryId}, ${userName}, true, '{}', ${licenseTypeId}, '{}')`;
    try {
      await tx`begin`;
      // The batch must be the one to detect the deadlock (it waits first).
      await tx`set local deadlock_timeout = '20s'`;
      await insertOther("cross.y@example.com");
      const batch = Promise.allSettled([
        inserter.insert(principal, user("cross.x@example.com")),
        inserter.insert(principal, user("cross.y@example.com")),
      ]);
      for (let waited = 0; ; waited += 20) {
        const [row] = await env().database.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query like '%on conflict do nothing%'`;
        if ((row?.n ?? 0) > 0) break;
        if (waited > 10_000) throw new Error("the batch never waited on the other writer");
        await new Promise((r) => setTimeout(r, 20));
      }
      // Returns once the batch is chosen as the deadlock victim. The batch then retries each create
      // alone, and its retry of x races this writer for x: either may win, and the loser is told so.
      // A savepoint keeps the other writer's y when it loses x.
      await tx`savepoint x`;
      const otherX = await insertOther("cross.x@example.com").then(
        () => "inserted",
        async (error: { code?: string }) => {
          if (error.code !== "23505") throw error;
          await tx`rollback to savepoint x`;
          return "taken";
        },
      );
      await tx`commit`;
      const [x, y] = await batch;
      expect(inserter.statements).toBe(1);
      const taken = (s: PromiseSettledResult<unknown> | undefined) =>
        expect(s?.status === "rejected" && (s.reason as ScimError)).toMatchObject({
          status: 409,
          scimType: "uniqueness",
          detail: USERNAME_TAKEN,
        });
      taken(y); // the other writer held y all along
      if (otherX === "inserted") taken(x);
      else expect(x?.status).toBe("fulfilled"); // the batch's retry won x
      const holders = await env().database.sql`
        select 1 from users where company_id = ${t.companyId} and user_name in ('cross.x@example.com', 'cross.y@example.com')`;
      expect(holders).toHaveLength(2); // one row each, whoever won
    } finally {
      tx.release();
      await other.close();
    }
  }, 20_000);
});
