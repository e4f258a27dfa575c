import type { Runtime } from "@scimline/worker";
import { afterAll, describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
// A fixed day keeps the prorated charge exact: billing day 1, 2026-11-29 → 2 of 30 days left.
const clock = () => new Date("2026-11-29T10:00:00Z");
let worker: Runtime | undefined;
afterAll(() => stopWorker(worker));

const telephony = async (t: Tenant, id: string) =>
  (await scim(env(), t.token, "GET", `/Users/${id}`)).body[TELEPHONY] as Record<string, unknown>;
const statusIs = (t: Tenant, id: string, status: string) => async () => (await telephony(t, id))?.status === status;
const seats = async (companyId: string) =>
  (await admin(env(), "GET", `/companies/${companyId}/offices`)).body.offices as Array<{
    name: string;
    seats: Record<string, { purchased: number; used: number }>;
  }>;

describe("the full lifecycle through the SCIM API with a real worker", () => {
  test("create → deactivate → reactivate → delete, with exact seats, charges and numbers", async () => {
    worker ??= startWorker(env(), { clock });
    const t = await createTenant(env(), {
      company: { billingDay: 1 },
      offices: [
        { name: "San Francisco", country: "US", main: true, seats: { "Dialpad_Ai Voice": 1 } },
        { name: "Berlin", country: "DE", seats: { "Dialpad_Ai Voice": 0 } },
      ],
    });
    await admin(env(), "POST", `/companies/${t.companyId}/numbers`, {
      numbers: ["+4930555000"],
      officeId: t.officeIds.Berlin,
    });
    await admin(env(), "POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550200"] });

    const berliner = (
      await scim(
        env(),
        t.token,
        "POST",
        "/Users",
        oktaUser("hans.muster@example.com", { [ENTERPRISE]: { officeName: "Berlin" } }),
      )
    ).body.id as string;
    const californian = (
      await scim(
        env(),
        t.token,
        "POST",
        "/Users",
        oktaUser("sam.sf@example.com", { addresses: [{ type: "work", country: "us" }] }),
      )
    ).body.id as string;

    await eventually(statusIs(t, berliner, "active"), 20_000, "berliner active");
    await eventually(statusIs(t, californian, "active"), 20_000, "californian active");
    const berlinerLine = await telephony(t, berliner);
    expect(berlinerLine).toEqual({
      status: "active",
      licenseType: "Dialpad_Ai Voice",
      office: { value: t.officeIds.Berlin, display: "Berlin" },
      matchedBy: "officeName",
      matchedValue: "Berlin",
      did: "+4930555000",
      extension: expect.stringMatching(/^10[01]$/),
    });
    const californianLine = await telephony(t, californian);
    expect(californianLine).toMatchObject({ matchedBy: "country", matchedValue: "us", did: "+14155550200" });
    // The two lowest extensions, one each, in whichever order the worker took them.
    expect([berlinerLine.extension, californianLine.extension].sort()).toEqual(["100", "101"]);
    // Berlin had no seat: one bought at 1500 × 2/30 = 100 cents. San Francisco used its free one.
    const charges = (await admin(env(), "GET", `/companies/${t.companyId}/charges`)).body.charges as Array<
      Record<string, unknown>
    >;
    expect(charges).toEqual([
      expect.objectContaining({
        officeId: t.officeIds.Berlin,
        licenseType: "Dialpad_Ai Voice",
        quantity: 1,
        amountCents: 100,
        periodStart: "2026-11-01",
        periodEnd: "2026-11-30",
      }),
    ]);

    // Deactivate: suspended, seat freed, DID and extension kept.
    await scim(env(), t.token, "PATCH", `/Users/${berliner}`, {
      schemas: [PATCH],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    await eventually(statusIs(t, berliner, "suspended"), 20_000, "suspended");
    expect(await telephony(t, berliner)).toMatchObject({ did: "+4930555000", extension: berlinerLine.extension });
    expect((await seats(t.companyId)).find((o) => o.name === "Berlin")?.seats["Dialpad_Ai Voice"]).toEqual({
      purchased: 1,
      used: 0,
    });

    // Reactivate: the freed seat is reused, no new charge.
    await scim(env(), t.token, "PATCH", `/Users/${berliner}`, {
      schemas: [PATCH],
      Operations: [{ op: "replace", value: { active: true } }],
    });
    await eventually(statusIs(t, berliner, "active"), 20_000, "reactivated");
    expect((await admin(env(), "GET", `/companies/${t.companyId}/charges`)).body.charges).toHaveLength(1);

    // Delete: gone; seat freed; DID back to Berlin's pool; extension free for the next user.
    expect((await scim(env(), t.token, "DELETE", `/Users/${berliner}`)).status).toBe(204);
    await eventually(
      async () => (await env().database.sql`select 1 from users where id = ${berliner}`).length === 0,
      20_000,
      "erased",
    );
    expect((await seats(t.companyId)).find((o) => o.name === "Berlin")?.seats["Dialpad_Ai Voice"]).toEqual({
      purchased: 1,
      used: 0,
    });
    const numbers = (await admin(env(), "GET", `/companies/${t.companyId}/numbers?assigned=false`)).body
      .numbers as Array<{ e164: string; officeId: string }>;
    expect(numbers).toEqual([expect.objectContaining({ e164: "+4930555000", officeId: t.officeIds.Berlin })]);
    const next = (
      await scim(
        env(),
        t.token,
        "POST",
        "/Users",
        oktaUser("next.one@example.com", { [ENTERPRISE]: { officeName: "Berlin" } }),
      )
    ).body.id as string;
    await eventually(statusIs(t, next, "active"), 20_000, "next active");
    expect(await telephony(t, next)).toMatchObject({ did: "+4930555000", extension: berlinerLine.extension });
    expect((await admin(env(), "GET", `/companies/${t.companyId}/charges`)).body.charges).toHaveLength(1);
  });

  test("with auto-purchase off, a create into a full office is refused at the door naming the office and license type", async () => {
    const t = await createTenant(env(), {
      company: { autoPurchaseLicenses: false },
      offices: [{ name: "Austin", country: "US", seats: { "Dialpad_Ai Voice": 0, Dialpad_Support: 1 } }],
    });
    const refused = await scim(env(), t.token, "POST", "/Users", oktaUser("full.office@example.com"));
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/Austin/);
    expect(refused.body.detail).toMatch(/Dialpad_Ai Voice/);
    const list = await scim(env(), t.token, "GET", "/Users");
    expect(list.body.totalResults).toBe(0);
    const ok = await scim(
      env(),
      t.token,
      "POST",
      "/Users",
      oktaUser("support.agent@example.com", { licenseType: "Dialpad_Support" }),
    );
    expect(ok.status).toBe(201);
  });
});
