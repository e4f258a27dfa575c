import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import {
  addRule,
  chargesOf,
  entraMembers,
  memberOf,
  oktaAddMembers,
  pushGroup,
  setHold,
  settled,
} from "./helpers/groups.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Okta creates users first and pushes their group memberships afterwards; Entra interleaves users and
// groups. New users of a company with rules wait (the directory's hold window, 300 s by default) for
// their memberships instead of landing, and buying a seat, in the default office.
const clock = () => new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock });
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env(), { clock });
});
afterAll(() => stopWorker(worker));

const SALES = "Dialpad_Ai Sales";
const VOICE = "Dialpad_Ai Voice";
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";

/** HQ (main) has no free seat; Berlin is where the "Sales EMEA" rule sends users, with Sales licenses. */
async function tenant(company: Record<string, unknown> = {}, berlinSales = 0): Promise<Tenant> {
  const t = await createTenant(env(), {
    company: { billingDay: 1, ...company },
    offices: [
      { name: "HQ", country: "US", main: true, seats: { [VOICE]: 0 } },
      { name: "Berlin", country: "DE", seats: { [SALES]: berlinSales } },
    ],
  });
  const numbers = Array.from({ length: 120 }, (_, i) => `+1415556${String(1000 + i)}`);
  await admin(env(), "POST", `/companies/${t.companyId}/numbers`, { numbers });
  await addRule(env(), t, {
    group: { displayName: "Sales EMEA" },
    officeId: t.officeIds.Berlin,
    licenseType: SALES,
    priority: 1,
  });
  return t;
}

async function create(t: Tenant, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName, extra));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const awaiting = async (t: Tenant) => {
  const [row] = await env().database.sql<{ n: number }[]>`
    select count(*)::int as n from users
    where company_id = ${t.companyId} and status = 'provisioning' and error_code = 'awaiting_group_rules'`;
  return row?.n ?? 0;
};
const officeCounts = async (t: Tenant) =>
  env().database.sql<{ office: string | null; license: string; n: number }[]>`
    select o.name as office, lt.name as license, count(*)::int as n
    from users u left join offices o on o.id = u.office_id join license_types lt on lt.id = u.license_type_id
    where u.company_id = ${t.companyId} and u.deleted_at is null group by 1, 2 order by 1, 2`;

describe("Okta's order: the users first, their group push afterwards", () => {
  test("100 users wait, one push of all 100: all in Berlin with Sales seats, no seat bought in HQ", async () => {
    const t = await tenant();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await create(t, `okta.user${i}@acme.test`));
    await eventually(async () => (await awaiting(t)) === 100, 30_000, "100 users awaiting their groups");

    const waiting = await memberOf(env(), t, ids[0] ?? "");
    expect(waiting).toMatchObject({ status: "provisioning", error: "awaiting_group_rules", officeId: null });
    const scimView = await scim(env(), t.token, "GET", `/Users/${ids[0]}`);
    expect(scimView.body[TELEPHONY]).toMatchObject({ status: "provisioning", error: "awaiting_group_rules" });

    // Okta's group push: the group, then its members in one PATCH.
    const groupId = await pushGroup(env(), t, "Sales EMEA");
    await oktaAddMembers(env(), t, groupId, "Sales EMEA", ids);
    await eventually(() => settled(env(), t), 60_000, "all 100 provisioned");

    expect(await officeCounts(t)).toEqual([{ office: "Berlin", license: SALES, n: 100 }]);
    const charges = await chargesOf(env(), t);
    expect(charges).toHaveLength(100);
    expect(charges.every((c) => c.officeId === t.officeIds.Berlin && c.licenseType === SALES)).toBe(true);
    expect(charges.filter((c) => c.officeId === t.officeIds.HQ)).toEqual([]);
    const [moves] = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from events where company_id = ${t.companyId} and type = 'user.office_changed'`;
    expect(moves?.n).toBe(0);
  });

  test("with auto-purchase off the door does not refuse them on HQ's behalf; Berlin's seats take them", async () => {
    const t = await tenant({ autoPurchaseLicenses: false }, 10);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await create(t, `no.buy${i}@acme.test`));
    await eventually(async () => (await awaiting(t)) === 10, 30_000, "10 users awaiting their groups");
    const groupId = await pushGroup(env(), t, "Sales EMEA");
    await oktaAddMembers(env(), t, groupId, "Sales EMEA", ids);
    await eventually(() => settled(env(), t), 30_000, "all 10 provisioned");
    expect(await officeCounts(t)).toEqual([{ office: "Berlin", license: SALES, n: 10 }]);
    expect(await chargesOf(env(), t)).toEqual([]);

    // A user whose office and license are its own is still checked: HQ has no free Voice seat.
    const own = await scim(
      env(),
      t.token,
      "POST",
      "/Users",
      oktaUser("own@acme.test", { officeName: "HQ", licenseType: VOICE }),
    );
    expect(own.status).toBe(400);
    expect(own.body.detail).toContain('office "HQ"');
  });
});

describe("Entra's order: users and group memberships interleaved", () => {
  test("each user lands in Berlin directly, whether its membership comes before or after its first reconcile", async () => {
    const t = await tenant();
    const groupId = await pushGroup(env(), t, "sales emea");
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await create(t, `entra.user${i}@acme.test`);
      ids.push(id);
      // Every other membership is sent at once; the rest after the user already waits.
      if (i % 2 === 0) await entraMembers(env(), t, groupId, "Add", [id]);
    }
    await eventually(async () => (await awaiting(t)) === 3, 30_000, "three users awaiting");
    await entraMembers(
      env(),
      t,
      groupId,
      "Add",
      ids.filter((_, i) => i % 2 === 1),
    );
    await eventually(() => settled(env(), t), 30_000, "all provisioned");
    expect(await officeCounts(t)).toEqual([{ office: "Berlin", license: SALES, n: 6 }]);
    for (const id of ids) {
      expect(await memberOf(env(), t, id)).toMatchObject({ matchedBy: "groupRule", matchedValue: "sales emea" });
    }
    expect((await chargesOf(env(), t)).every((c) => c.officeId === t.officeIds.Berlin)).toBe(true);
  });
});

describe("the hold window ends", () => {
  test("a user in no ruled group is provisioned by the fallback once its directory's window has passed", async () => {
    const t = await tenant();
    await setHold(env(), t, 2);
    const id = await create(t, "nobody@acme.test");
    await eventually(async () => (await awaiting(t)) === 1, 10_000, "awaiting");
    await eventually(() => settled(env(), t), 20_000, "provisioned after the window");
    expect(await memberOf(env(), t, id)).toMatchObject({
      status: "active",
      error: null,
      officeName: "HQ",
      matchedBy: "mainOffice",
      licenseType: VOICE,
    });
  });

  test("a shorter window applies to the users already waiting", async () => {
    const t = await tenant();
    const id = await create(t, "waiting@acme.test");
    await eventually(async () => (await awaiting(t)) === 1, 10_000, "awaiting");
    await setHold(env(), t, 0);
    await eventually(() => settled(env(), t), 20_000, "provisioned at once");
    expect(await memberOf(env(), t, id)).toMatchObject({ status: "active", officeName: "HQ" });
  });

  test("an office attribute that names an office, or a company without rules: no wait", async () => {
    const t = await tenant();
    const named = await create(t, "named@acme.test", { officeName: "Berlin", licenseType: SALES });
    const plain = await createTenant(env(), { offices: [{ name: "HQ", country: "US", main: true }] });
    await admin(env(), "POST", `/companies/${plain.companyId}/numbers`, { numbers: ["+14155569999"] });
    const other = await scim(env(), plain.token, "POST", "/Users", oktaUser("plain@acme.test"));
    await eventually(() => settled(env(), t), 20_000, "named provisioned");
    await eventually(() => settled(env(), plain), 20_000, "plain provisioned");
    expect(await memberOf(env(), t, named)).toMatchObject({ status: "active", officeName: "Berlin" });
    expect(await memberOf(env(), plain, other.body.id as string)).toMatchObject({ status: "active" });
  });
});
