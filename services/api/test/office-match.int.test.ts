import type { Runtime } from "@scimline/worker";
import { afterAll, describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
let worker: Runtime | undefined;
afterAll(() => stopWorker(worker));

const OFFICES = [
  { name: "San Francisco", country: "US", main: true, seats: { "Dialpad_Ai Voice": 5 } },
  { name: "Berlin", country: "DE", seats: { "Dialpad_Ai Voice": 0 } },
  { name: "Bern", country: "CH", seats: { "Dialpad_Ai Voice": 1 } },
];

async function provision(t: Tenant, userName: string, enterprise: Record<string, string>) {
  const created = await scim(env(), t.token, "POST", "/Users", oktaUser(userName, { [ENTERPRISE]: enterprise }));
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  return eventually(
    async () => {
      const line = (await scim(env(), t.token, "GET", `/Users/${id}`)).body[TELEPHONY] as Record<string, unknown>;
      return line.status === "active" ? { id, line } : undefined;
    },
    20_000,
    `${userName} active`,
  );
}

describe("office matching an admin can trust: the matched value beside matchedBy", () => {
  test("auto-purchase on: the closest name wins even where a seat must be bought; placeholders go to the main office", async () => {
    worker ??= startWorker(env());
    const t = await createTenant(env(), { offices: OFFICES });
    const berlin = await provision(t, "b.office@example.com", { physicalDeliveryOfficeName: "Berlin Office" });
    expect(berlin.line).toMatchObject({
      office: { value: t.officeIds.Berlin, display: "Berlin" },
      matchedBy: "closestName",
      matchedValue: "Berlin Office",
    });
    const placeholder = await provision(t, "no.office@example.com", { physicalDeliveryOfficeName: "n/a" });
    expect(placeholder.line).toMatchObject({
      office: { value: t.officeIds["San Francisco"] },
      matchedBy: "mainOffice",
    });
    expect(placeholder.line).not.toHaveProperty("matchedValue");

    const team = (await admin(env(), "GET", `/companies/${t.companyId}/users`)).body.users as Array<
      Record<string, unknown>
    >;
    expect(team.find((u) => u.id === berlin.id)).toMatchObject({
      officeName: "Berlin",
      matchedBy: "closestName",
      matchedValue: "Berlin Office",
    });
    expect(team.find((u) => u.id === placeholder.id)).toMatchObject({ matchedBy: "mainOffice", matchedValue: null });
    // The filter reads the column too.
    const found = await scim(
      env(),
      t.token,
      "GET",
      `/Users?filter=${encodeURIComponent(`${TELEPHONY}:matchedValue eq "berlin office"`)}`,
    );
    expect((found.body.Resources as Array<{ id: string }>).map((r) => r.id)).toEqual([berlin.id]);
  });

  test("auto-purchase off: among close names, the office with a free seat", async () => {
    worker ??= startWorker(env());
    const t = await createTenant(env(), { offices: OFFICES, company: { autoPurchaseLicenses: false } });
    const typo = await provision(t, "typo@example.com", { officeName: "Berln" });
    expect(typo.line).toMatchObject({
      office: { value: t.officeIds.Bern, display: "Bern" },
      matchedBy: "closestName",
      matchedValue: "Berln",
    });
  });
});
