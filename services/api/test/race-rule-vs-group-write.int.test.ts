import postgres from "postgres";
import { afterAll, describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { pushGroup, setHold } from "./helpers/groups.ts";
import { signal } from "./helpers/signal.ts";

// A group write decides first whether a rule names its group (isRuled), then waits for its members' rows,
// which a worker batch may hold. A rule for that group created meanwhile reads the group's members: had it
// not waited for the write, it would have read them before the new member was committed, the write would
// still have believed no rule named its group, and the member would never have been requeued (its rule
// never applied). gateRuleChanges orders the two: the rule change waits, then requeues the member.
const env = useTestEnv({}, { SCIM_RATE_LIMIT_ENABLED: "false" });
const SUPPORT = "Dialpad_Support";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/** A connection of its own, as a worker batch holds its users (lockUsers: FOR UPDATE) on one. */
let batchConnection: postgres.Sql | undefined;
afterAll(() => batchConnection?.end());

const generation = async (id: string) =>
  (await env().database.sql<{ generation: number }[]>`select generation from users where id = ${id}`)[0]?.generation;

/** Until `count` other backends of the test database wait for a lock. */
async function waiting(count: number, what: string): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end; ) {
    const [row] = await env().database.sql<{ n: number }[]>`
      select count(distinct l.pid)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where not l.granted and a.datname = ${env().testDb.name}`;
    if ((row?.n ?? 0) >= count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} never waited`);
}

describe("a rule created while a group write waits for its member", () => {
  for (const kind of ["POST /Groups", "PATCH /Groups add member"] as const) {
    test(`${kind}: the rule waits for the write, then requeues the new member`, async () => {
      const t = await createTenant(env(), {
        offices: [{ name: "HQ", country: "US", main: true, seats: { [SUPPORT]: 5, "Dialpad_Ai Voice": 5 } }],
      });
      await setHold(env(), t, 0);
      const created = await scim(env(), t.token, "POST", "/Users", oktaUser(`race.${kind.length}@acme.com`));
      expect(created.status).toBe(201);
      const userId = created.body.id as string;
      const groupId = kind === "PATCH /Groups add member" ? await pushGroup(env(), t, "Sales") : null;
      const before = (await generation(userId)) ?? 0;

      const released = signal();
      const held = signal();
      batchConnection ??= postgres(env().testDb.url, { max: 1, onnotice: () => {} });
      const batch = batchConnection.begin(async (tx) => {
        await tx`select id from users where id = ${userId} for update`;
        held.fire();
        await released.fired;
      });
      await held.fired;

      const write =
        groupId === null
          ? scim(env(), t.token, "POST", "/Groups", {
              schemas: [GROUP],
              displayName: "Sales",
              members: [{ value: userId }],
            })
          : scim(env(), t.token, "PATCH", `/Groups/${groupId}`, {
              schemas: [PATCH_OP],
              Operations: [{ op: "add", path: "members", value: [{ value: userId }] }],
            });
      await waiting(1, "the group write");
      const rule = admin(env(), "POST", `/companies/${t.companyId}/group-rules`, {
        group: { displayName: "Sales" },
        licenseType: SUPPORT,
        priority: 1,
      });
      // The rule change waits for the group write (which waits for the batch); one that did not would be
      // answered meanwhile, having read the members without the new one.
      await Promise.race([rule, waiting(2, "the rule change")]);

      released.fire();
      await batch;
      const [wrote, ruled] = await Promise.all([write, rule]);
      expect(wrote.status, JSON.stringify(wrote.body)).toBeLessThan(300);
      expect(ruled.status, JSON.stringify(ruled.body)).toBe(201);
      // The member of a group a rule now names is owed work: a new generation.
      expect(await generation(userId)).toBeGreaterThan(before);
    });
  }
});
