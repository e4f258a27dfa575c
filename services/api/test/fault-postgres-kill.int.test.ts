import { afterAll, expect, test } from "vitest";
import { startBurst, until } from "./helpers/burst.ts";
import { useTestEnv } from "./helpers/env.ts";
import { BURST, burstCompany, verifyAfterFault } from "./helpers/fault.ts";
import { Fleet } from "./helpers/fleet.ts";

const env = useTestEnv();
let fleet: Fleet | undefined;
afterAll(async () => {
  await fleet?.stop();
});

const KILL_MS = 4000;

// postgres.js 3.4.9 as released hangs or throws outside any caller when a backend is terminated
// (porsager/postgres#1154, #1208) and raises a dead backend's error again on the next connection:
// patches/postgres@3.4.9.patch (pnpm patchedDependencies) fixes the driver, and this test holds it.
test("fault 3: the app's Postgres connections killed mid-burst: 503 with Retry-After while the door cannot write, never a 500 or a lost write; both recover without a restart", async () => {
  const { tenant, before } = await burstCompany(env());
  const { sql } = env().database;
  fleet = Fleet.of(env());
  const api = await fleet.api("api");
  await fleet.worker("worker");

  const burst = startBurst({
    bases: [api.url],
    token: tenant.token,
    creates: BURST,
    tag: "pgkill",
    spike: 200,
    ratePerSecond: 100,
  });
  await until(() => burst.created >= 200, 60_000, "200 creates before the kills");
  // Only this test's database: other suites (and other checkouts) run the same application names.
  const killFrom = burst.elapsed();
  let killed = 0;
  for (const end = Date.now() + KILL_MS; Date.now() < end; ) {
    const rows = await sql`
      select pg_terminate_backend(pid) as ok from pg_stat_activity
      where datname = ${env().testDb.name} and application_name in ('scimline-api', 'scimline-worker')`;
    killed += rows.filter((r) => r.ok).length;
    await new Promise((r) => setTimeout(r, 50));
  }
  const killUntil = burst.elapsed();
  const faultEndedAt = Date.now();
  const result = await burst.done;
  const { stats } = result;

  expect(killed).toBeGreaterThan(20);
  expect(stats.byStatus["503"]).toBeGreaterThan(0); // some requests met a dead connection…
  expect(stats.bad503).toBe(0); // …and each got Retry-After and a SCIM error body
  expect(stats.first503).toBeGreaterThanOrEqual(killFrom - 100);
  // Recovered without a restart: no 503 later than moments after the kills stopped.
  expect(stats.last503 ?? 0).toBeLessThan(killUntil + 3000);
  // A create whose commit raced the kill may have been answered 503 although written: the
  // client's retry then meets 409 and looks the user up, as IdPs do (counted as ambiguous). A delete
  // likewise: its retry meets 404, the user already gone.
  expect(stats.unexpected).toEqual([]); // names the request, before the counts below
  const statuses = Object.keys(stats.byStatus).filter((s) => s !== "503" && s !== "409" && s !== "404");
  expect({ statuses: statuses.sort(), network: stats.network }).toEqual({
    statuses: ["200", "201", "204"],
    network: [],
  });
  expect(stats.byStatus["409"] ?? 0).toBe(stats.ambiguous);
  expect(stats.byStatus["404"] ?? 0).toBe(stats.ambiguousDeletes);
  await verifyAfterFault(env(), fleet, tenant, before, result, {
    fault: "pg_terminate_backend of API and worker backends",
    killWindowMs: KILL_MS,
    backendsKilled: killed,
    answers503: stats.byStatus["503"],
    last503AfterKillsMs: (stats.last503 ?? killUntil) - killUntil,
    faultEndedAt,
  });
}, 180_000);
