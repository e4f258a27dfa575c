import { afterAll, expect, test } from "vitest";
import { type Accepted, startBurst } from "./helpers/burst.ts";
import { oktaUser } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { BURST, burstCompany, verifyAfterFault } from "./helpers/fault.ts";
import { Fleet } from "./helpers/fleet.ts";

const env = useTestEnv();
let fleet: Fleet | undefined;
afterAll(async () => {
  await fleet?.stop();
});

const RACES = 50;

test("fault 4: two API and two worker processes at once give the same results as one of each", async () => {
  const { tenant, before } = await burstCompany(env());
  fleet = Fleet.of(env());
  const apis = await Promise.all([fleet.api("api-1"), fleet.api("api-2")]);
  const workers = await Promise.all([fleet.worker("worker-1"), fleet.worker("worker-2")]);

  const burst = startBurst({ bases: apis.map((a) => a.url), token: tenant.token, creates: BURST, tag: "scale" });
  // Meanwhile an IdP retry storm: the same create sent to both API processes at the same moment.
  const races = await Promise.all(
    Array.from({ length: RACES }, async (_, i) => {
      const body = JSON.stringify(oktaUser(`race.${i}@burst.example`, { password: undefined }));
      const answers = await Promise.all(
        apis.map((a) =>
          fetch(`${a.url}/scim/v2/Users`, {
            method: "POST",
            headers: { Authorization: `Bearer ${tenant.token}`, "Content-Type": "application/scim+json" },
            body,
          }).then(async (res) => ({ status: res.status, body: (await res.json()) as { id?: string } })),
        ),
      );
      return answers;
    }),
  );
  const result = await burst.done;
  const faultEndedAt = Date.now();

  expect(result.stats.byStatus).toEqual({ "201": BURST, "200": expect.any(Number), "204": expect.any(Number) });
  const winners: Accepted[] = [];
  for (const [i, answers] of races.entries()) {
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const id = answers.find((a) => a.status === 201)?.body.id ?? "";
    winners.push({ id, userName: `race.${i}@burst.example`, desired: "active", licenseType: "Dialpad_Ai Voice" });
  }
  const completed = await Promise.all(workers.map((w) => fleet?.jobs(w, "completed") ?? 0));
  for (const n of completed) expect(n).toBeGreaterThan(0); // both workers took part

  await verifyAfterFault(
    env(),
    fleet,
    tenant,
    before,
    { accepted: [...result.accepted, ...winners], stats: { ...result.stats, creates: BURST + RACES } },
    { fault: "2 API + 2 worker processes", jobsCompletedPerWorker: completed, createRaces: RACES, faultEndedAt },
  );
}, 180_000);
