import type { Runtime } from "@scimline/worker";
import { afterAll, describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { addDirectory, byUserName } from "./helpers/directories.ts";
import { useTestEnv } from "./helpers/env.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Hundreds of requests in seconds through one token: not what the per-token rate limit is tested with.
const env = useTestEnv({}, { SCIM_RATE_LIMIT_ENABLED: "false" });
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const N = 200;
let worker: Runtime | undefined;
afterAll(() => stopWorker(worker));

/** What Entra sends for a user it provisions (its default attribute mappings). */
const entraUser = (upn: string) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
  externalId: `entra-${upn.split("@")[0]}`,
  userName: upn,
  active: true,
  emails: [{ primary: true, type: "work", value: upn }],
  name: { givenName: "Moved", familyName: upn.split("@")[0] },
  [ENTERPRISE]: { department: "Sales" },
});

type Snapshot = { users: number; seats: number; charges: number; numbers: number; carrier: number };

async function snapshot(companyId: string): Promise<Snapshot> {
  const [row] = await env().database.sql<Snapshot[]>`
    select (select count(*)::int from users where company_id = ${companyId} and deleted_at is null) as users,
           (select coalesce(sum(purchased), 0)::int from seats where company_id = ${companyId}) as seats,
           (select count(*)::int from charges where company_id = ${companyId}) as charges,
           (select count(*)::int from numbers where company_id = ${companyId}) as numbers,
           (select count(*)::int from carrier_orders where company_id = ${companyId}) as carrier`;
  if (!row) throw new Error("no snapshot");
  return row;
}

describe("moving a company from Okta to Entra without duplicates", () => {
  test(`${N} users provisioned through directory A; B (Entra, adoption on) sends the same ${N}: ${N} users, no new seat or number, all in B`, async () => {
    worker ??= startWorker(env(), { carrierNumbers: 100 });
    const t = await createTenant(env(), {
      offices: [{ name: "HQ", country: "US", main: true, seats: { "Dialpad_Ai Voice": 120 } }],
    });
    // 120 owned seats, 80 bought; 150 pool numbers, 50 from the carrier.
    const pool = Array.from({ length: 150 }, (_, i) => `+1212555${String(1000 + i).padStart(4, "0")}`);
    await admin(env(), "POST", `/companies/${t.companyId}/numbers`, { numbers: pool });
    const names = Array.from({ length: N }, (_, i) => `person.${String(i).padStart(3, "0")}@acme.com`);
    for (let i = 0; i < N; i += 25) {
      await Promise.all(names.slice(i, i + 25).map((n) => scim(env(), t.token, "POST", "/Users", oktaUser(n))));
    }
    await eventually(
      async () => {
        const [row] = await env().database.sql<{ n: number }[]>`
          select count(*)::int as n from users where company_id = ${t.companyId} and status = 'active'`;
        return row?.n === N;
      },
      60_000,
      "all active through A",
    );
    const before = await snapshot(t.companyId);
    expect(before).toMatchObject({ users: N, seats: N, charges: 80, numbers: N });
    const provisioned = await env().database.sql<{ id: string; did: string; extension: number; office_id: string }[]>`
      select id, did, extension, office_id from users where company_id = ${t.companyId} order by id`;

    const entra = await addDirectory(env(), t.companyId, { name: "Entra", adoptExisting: true });
    // Entra looks each user up by userName; found, it updates with PATCH. Every fourth is POSTed straight away.
    for (let i = 0; i < N; i += 20) {
      await Promise.all(
        names.slice(i, i + 20).map(async (name, k) => {
          if ((i + k) % 4 === 0) {
            const created = await scim(env(), entra.token, "POST", "/Users", entraUser(name));
            expect(created.status).toBe(201);
            return;
          }
          const found = await scim(env(), entra.token, "GET", byUserName(name));
          const [user] = found.body.Resources as Array<{ id: string }>;
          expect(user).toBeDefined();
          const patched = await scim(env(), entra.token, "PATCH", `/Users/${user?.id}`, {
            schemas: [PATCH],
            Operations: [
              { op: "Replace", path: "externalId", value: entraUser(name).externalId },
              { op: "Add", path: `${ENTERPRISE}:department`, value: "Sales" },
            ],
          });
          expect(patched.status).toBe(200);
        }),
      );
    }

    const after = await snapshot(t.companyId);
    expect(after).toEqual({ ...before, users: N });
    const owners = await env().database.sql<{ directory_id: string; n: number }[]>`
      select directory_id, count(*)::int as n from users where company_id = ${t.companyId} group by directory_id`;
    expect(owners).toEqual([{ directory_id: entra.directoryId, n: N }]);
    const kept = await env().database.sql<{ id: string; did: string; extension: number; office_id: string }[]>`
      select id, did, extension, office_id from users where company_id = ${t.companyId} order by id`;
    expect(kept).toEqual(provisioned);
    const [adopted] = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from events where company_id = ${t.companyId} and type = 'user.adopted'`;
    expect(adopted?.n).toBe(N);
    // Nothing left for the worker to do, and it bought nothing afterwards either.
    await eventually(
      async () => {
        const [owed] = await env().database.sql<{ n: number }[]>`
          select count(*)::int as n from users where company_id = ${t.companyId} and applied_generation < generation`;
        return owed?.n === 0;
      },
      20_000,
      "nothing owed",
    );
    expect(await snapshot(t.companyId)).toEqual(after);
    expect((await scim(env(), t.token, "GET", "/Users")).body.totalResults).toBe(0);
    expect((await scim(env(), entra.token, "GET", "/Users?count=0")).body.totalResults).toBe(N);
  });
});
