import { type Runtime, reconcileBatch } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { admin, createTenant, oktaUser, type Reply, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { addRule, pushGroup, setHold } from "./helpers/groups.ts";
import { startWorker, stopWorker } from "./helpers/worker.ts";

// Writes of many users at once, two at a time, against the real Postgres: a group write, a rule change,
// an admin's decision on held changes or a directory's new hold window on one side, a user delete, the
// retention sweep or a worker batch on the other. Postgres breaks a deadlock after deadlock_timeout (1 s)
// by rolling one side back (40P01): the API answers 503, the worker retries. Safe, but slow, and a poor
// answer to an admin. Each test runs its pair many times and counts the deadlocks: every writer of many
// users locks them in id order first, before any group_members row, and a rule change locks its company
// without blocking the worker's foreign key checks, so there are none.
vi.setConfig({ testTimeout: 180_000 });
// Hundreds of creates a round would pass the per-token rate limit.
const env = useTestEnv({}, { SCIM_RATE_LIMIT_ENABLED: "false" });
/** The worker's parts, idle: each test calls the sweep or a batch itself, at the moment it races. */
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env(), { idle: true });
});
afterAll(() => stopWorker(worker));

const ROUNDS = 20;
const DEADLOCK = "40P01";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SUPPORT = "Dialpad_Support";
const VOICE = "Dialpad_Ai Voice";
const deactivate = { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: false } }] };

type RuledTenant = Tenant & { ruleId: string; groupId: string };

/** A company whose "Leavers" group a rule names, and whose users suspended for 30 days are erased. */
async function tenant(): Promise<RuledTenant> {
  const t = await createTenant(env(), {
    offices: [{ name: "HQ", country: "US", main: true, seats: { [SUPPORT]: 0 } }],
  });
  await setHold(env(), t, 0);
  const retention = await admin(env(), "PATCH", `/companies/${t.companyId}`, { suspendedRetentionDays: 30 });
  expect(retention.status, JSON.stringify(retention.body)).toBe(200);
  const ruleId = await addRule(env(), t, { group: { displayName: "Leavers" }, licenseType: SUPPORT, priority: 1 });
  const groupId = await pushGroup(env(), t, "Leavers");
  return { ...t, ruleId, groupId };
}

/**
 * Named in the reverse of the order they are created in (by name, the newest user comes first), as a
 * directory's alphabetical order is not the order of its users' ids: a statement that visits the users
 * through the index on names does not visit them in id order.
 */
let n = 999_999;
async function createUsers(t: Tenant, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 50) {
    const replies = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () =>
        scim(env(), t.token, "POST", "/Users", oktaUser(`deadlock.user${n--}@acme.com`)),
      ),
    );
    for (const r of replies) {
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.id as string);
    }
  }
  return ids;
}

/** Entra's membership PATCH. */
const members = (t: RuledTenant, op: "Add" | "Remove", ids: string[]) =>
  scim(env(), t.token, "PATCH", `/Groups/${t.groupId}`, {
    schemas: [PATCH_OP],
    Operations: [{ op, path: "members", value: ids.map((value) => ({ value })) }],
  });

/** New members of the ruled group (the add is work owed to each: their rows are locked and written). */
async function joined(t: RuledTenant, count: number): Promise<string[]> {
  const ids = await createUsers(t, count);
  const added = await members(t, "Add", ids);
  expect(added.status, JSON.stringify(added.body).slice(0, 300)).toBe(200);
  return ids;
}

/**
 * Suspended 40 days ago, past the company's retention: the sweep erases them. One at a time, newest
 * first, as the worker's batches finish in any order: the rows then lie in the table in that order, not
 * in id order, as the rows of a busy table do.
 */
async function suspendLongAgo(ids: string[]): Promise<void> {
  // One statement a user, sent together (simple query protocol); the ids are UUIDs the API returned.
  const one = (id: string) => `
    update users set status = 'suspended', active = false, suspended_at = now() - interval '40 days',
      applied_generation = generation
    where id = '${id}';`;
  await env().database.sql.unsafe([...ids].sort().reverse().map(one).join(""));
}

/** The directory's PATCH of its hold window, which requeues the users waiting in it (reconsiderAwaiting). */
const holdWindow = (t: Tenant, seconds: number) =>
  admin(env(), "PATCH", `/directories/${t.directoryId}`, { groupRuleHoldSeconds: seconds });

/**
 * Their first batches, as the worker takes them (20 users a batch), newest first: no group a rule names
 * has them yet, so they wait for their memberships, and the rows those batches write lie in the table in
 * about the reverse of id order. Then the statistics autovacuum would gather, which tell the planner how
 * large the directory is (provisioned).
 */
async function waitForGroups(ids: string[], today: string): Promise<void> {
  const newestFirst = [...ids].sort().reverse();
  for (let i = 0; i < newestFirst.length; i += 20) {
    await reconcileBatch(env().database.sql, newestFirst.slice(i, i + 20), today);
  }
  await env().database.sql`analyze users`;
}

/**
 * Users of the directory provisioned long ago, written straight to the table (through SCIM they would take
 * minutes): most of the table's users, whichever tests ran before, as a large company's directory is. The
 * planner then reads the directory's waiting users by a scan of the table, in the table's order, not
 * through the (directory, id) index, which would visit them in id order.
 */
async function provisioned(t: Tenant, count: number): Promise<void> {
  await env().database.sql`
    insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints,
                       status, generation, applied_generation)
    select gen_random_uuid(), ${t.companyId}, ${t.directoryId}, 'provisioned.user' || g || '@acme.com', true,
           '{}'::jsonb, lt.id, '{}'::jsonb, 'active', 1, 1
    from generate_series(1, ${count}::int) g
    cross join (select id from license_types where company_id = ${t.companyId} and name = ${VOICE}) lt`;
}

const waitingIn = async (t: Tenant): Promise<number> => {
  const [row] = await env().database.sql<{ n: number }[]>`
    select count(*)::int as n from users
    where directory_id = ${t.directoryId} and status = 'provisioning' and error_code = 'awaiting_group_rules'
      and deleted_at is null`;
  return row?.n ?? 0;
};

const heldOf = async (ids: string[]): Promise<number> => {
  const [row] = await env().database.sql<{ n: number }[]>`
    select count(*)::int as n from held_changes where user_id = any(${ids}::uuid[])`;
  return row?.n ?? 0;
};

const changeRule = (t: RuledTenant, priority: number) =>
  admin(env(), "PATCH", `/companies/${t.companyId}/group-rules/${t.ruleId}`, { priority });

/**
 * The worker's side, started `ms` after the request (a different moment each round, so that some round
 * lands inside the request's transaction): "ok", or the Postgres code it failed with.
 */
const workerSide = (ms: number, work: () => Promise<unknown>): Promise<string> =>
  new Promise<void>((resolve) => setTimeout(resolve, ms)).then(work).then(
    () => "ok",
    (error: { code?: string; message?: string }) => error.code ?? error.message ?? "error",
  );

const sweep = () => {
  if (!worker) throw new Error("worker not started");
  return worker.sweep.sweepOnce();
};

/** A request's side: a 503 is a deadlock's victim (or Postgres away, which these tests do not cause). */
const victim = (reply: Reply) => (reply.status === 503 ? 1 : 0);

/** A company whose deactivation breaker holds every SCIM deactivation and delete after its first. */
const guardedTenant = () =>
  createTenant(env(), { company: { deactivationBreaker: { threshold: 1, windowSeconds: 600 } } });

/**
 * The breaker holds a deactivation of every other user and a delete of the others. Sent newest first,
 * 50 at a time: the held changes, and the rows their updates write, then lie in about the reverse of id
 * order, as the requests of an IdP's mass deactivation come in whatever order it sends them.
 */
async function holdChanges(t: Tenant, ids: string[]): Promise<void> {
  const newestFirst = [...ids].sort().reverse();
  for (let i = 0; i < newestFirst.length; i += 50) {
    const replies = await Promise.all(
      newestFirst
        .slice(i, i + 50)
        .map((id, j) =>
          (i + j) % 2 === 0
            ? scim(env(), t.token, "PATCH", `/Users/${id}`, deactivate)
            : scim(env(), t.token, "DELETE", `/Users/${id}`),
        ),
    );
    for (const r of replies) expect([200, 204], JSON.stringify(r.body)).toContain(r.status);
  }
}

describe("multi-user writes racing each other do not deadlock", () => {
  test(`Okta removes members of a ruled group while deleting them (${ROUNDS} rounds)`, async () => {
    const t = await tenant();
    let deadlocks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ids = await joined(t, 3);
      const [removed, ...deletes] = await Promise.all([
        members(t, "Remove", ids),
        ...ids.map((id) => scim(env(), t.token, "DELETE", `/Users/${id}`)),
      ]);
      if (!removed) throw new Error("no answer");
      deadlocks += victim(removed) + deletes.reduce((sum, d) => sum + victim(d), 0);
      expect([200, 503], JSON.stringify(removed.body)).toContain(removed.status);
      for (const d of deletes) expect([204, 503], JSON.stringify(d.body)).toContain(d.status);
    }
    expect(deadlocks).toBe(0);
    const [left] = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from group_members where group_id = ${t.groupId}`;
    expect(left?.n).toBe(0);
  });

  test(`Entra removes suspended members of a ruled group while the retention sweep erases them (${ROUNDS} rounds)`, async () => {
    const t = await tenant();
    let deadlocks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ids = await joined(t, 300);
      await suspendLongAgo(ids);
      const [removed, swept] = await Promise.all([members(t, "Remove", ids), workerSide((round % 10) * 3, sweep)]);
      deadlocks += victim(removed) + (swept === DEADLOCK ? 1 : 0);
      expect([200, 503], JSON.stringify(removed.body)).toContain(removed.status);
      expect(["ok", DEADLOCK]).toContain(swept);
    }
    expect(deadlocks).toBe(0);
  });

  test(`a rule change while the retention sweep erases the rule's members (${ROUNDS} rounds)`, async () => {
    const t = await tenant();
    let deadlocks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ids = await joined(t, 300);
      await suspendLongAgo(ids);
      const [changed, swept] = await Promise.all([changeRule(t, round + 2), workerSide((round % 10) * 3, sweep)]);
      deadlocks += victim(changed) + (swept === DEADLOCK ? 1 : 0);
      expect([200, 503], JSON.stringify(changed.body)).toContain(changed.status);
      expect(["ok", DEADLOCK]).toContain(swept);
    }
    expect(deadlocks).toBe(0);
  });

  test(`a rule change while a worker batch provisions the rule's members, buying their seats (${ROUNDS} rounds)`, async () => {
    const t = await tenant();
    const today = new Date().toISOString().slice(0, 10);
    let deadlocks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ids = await joined(t, 10);
      const [changed, batch] = await Promise.all([
        changeRule(t, round + 2),
        workerSide(round % 5, () => reconcileBatch(env().database.sql, ids, today)),
      ]);
      deadlocks += victim(changed) + (batch === DEADLOCK ? 1 : 0);
      expect([200, 503], JSON.stringify(changed.body)).toContain(changed.status);
      expect(["ok", DEADLOCK]).toContain(batch);
    }
    expect(deadlocks).toBe(0);
    // The batches bought the seats their users needed (the charges referencing the company).
    const [charged] = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from charges where company_id = ${t.companyId}`;
    expect(charged?.n).toBeGreaterThan(0);
  });

  test(`an admin confirms or rejects held changes while a worker batch provisions their users (${ROUNDS} rounds)`, async () => {
    const today = new Date().toISOString().slice(0, 10);
    const decidedIds: string[] = [];
    let deadlocks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // A company a round: the breaker counts a company's changes, and ever more of them take ever longer.
      const t = await guardedTenant();
      const ids = await createUsers(t, 300);
      await holdChanges(t, ids);
      // All but the company's first deactivation, which the breaker let through.
      expect(await heldOf(ids)).toBe(299);
      const verb = round % 2 === 0 ? "confirm" : "reject";
      const [decided, batch] = await Promise.all([
        admin(env(), "POST", `/companies/${t.companyId}/held-changes/${verb}`),
        workerSide((round % 10) * 3, () => reconcileBatch(env().database.sql, ids, today)),
      ]);
      deadlocks += victim(decided) + (batch === DEADLOCK ? 1 : 0);
      expect([200, 503], JSON.stringify(decided.body)).toContain(decided.status);
      expect(["ok", DEADLOCK]).toContain(batch);
      decidedIds.push(...ids);
    }
    expect(deadlocks).toBe(0);
    expect(await heldOf(decidedIds)).toBe(0);
  });

  test(`a new hold window requeues the users waiting for group rules while a worker batch holds them (${ROUNDS} rounds)`, async () => {
    const t = await tenant();
    await provisioned(t, 40_000);
    const today = new Date().toISOString().slice(0, 10);
    let deadlocks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await setHold(env(), t, 3600);
      const ids = await createUsers(t, 300);
      await waitForGroups(ids, today);
      expect(await waitingIn(t)).toBe(300);
      const [held, batch] = await Promise.all([
        holdWindow(t, 3600 + round),
        // Later than in the tests above: the request saves the directory first, then scans the table.
        workerSide(10 + (round % 10) * 3, () => reconcileBatch(env().database.sql, ids, today)),
      ]);
      deadlocks += victim(held) + (batch === DEADLOCK ? 1 : 0);
      expect([200, 503], JSON.stringify(held.body)).toContain(held.status);
      expect(["ok", DEADLOCK]).toContain(batch);
      // The window closes and a batch reconciles them without groups: the next round's users are the
      // only ones of the directory waiting.
      await setHold(env(), t, 0);
      await reconcileBatch(env().database.sql, ids, today);
      expect(await waitingIn(t)).toBe(0);
    }
    expect(deadlocks).toBe(0);
  });
});
