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
import { apiClient } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// Membership and rule changes after provisioning, through the real worker. The hold window is off
// here (0 s): these tests are about precedence and moves; group-rules-hold tests the wait.
const clock = () => new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock });
const api = apiClient(env);
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env(), { clock });
});
afterAll(() => stopWorker(worker));

const SALES = "Dialpad_Ai Sales";
const VOICE = "Dialpad_Ai Voice";

async function tenant(): Promise<Tenant> {
  const t = await createTenant(env(), {
    company: { billingDay: 1 },
    offices: [
      { name: "HQ", country: "US", main: true, seats: { [VOICE]: 20 } },
      { name: "Berlin", country: "DE", seats: { [SALES]: 20, [VOICE]: 20 } },
      { name: "London", country: "GB", seats: { [VOICE]: 20, [SALES]: 20 } },
    ],
  });
  await setHold(env(), t, 0);
  const numbers = Array.from({ length: 40 }, (_, i) => `+1415555${String(1000 + i)}`);
  await admin(env(), "POST", `/companies/${t.companyId}/numbers`, { numbers });
  return t;
}

async function createUsers(t: Tenant, names: string[], extra: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const res = await scim(env(), t.token, "POST", "/Users", oktaUser(`${name}@acme.test`, extra));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.push(res.body.id as string);
  }
  await eventually(() => settled(env(), t), 20_000, "users provisioned");
  return ids;
}

const until = (t: Tenant) => eventually(() => settled(env(), t), 20_000, "settled");
const seatsUsed = async (t: Tenant) =>
  (
    (await api("GET", `/companies/${t.companyId}/seats`)).body.seats as Array<{
      officeId: string;
      licenseType: string;
      used: number;
    }>
  )
    .filter((s) => s.used > 0)
    .map((s) => `${Object.entries(t.officeIds).find(([, id]) => id === s.officeId)?.[0]}/${s.licenseType}=${s.used}`)
    .sort();

describe("joining ruled groups after provisioning", () => {
  test("a user moves office and license: seat released and reused there, DID and extension kept, recorded", async () => {
    const t = await tenant();
    const [id = ""] = await createUsers(t, ["mia.move"]);
    const before = await memberOf(env(), t, id);
    expect(before).toMatchObject({ officeName: "HQ", matchedBy: "mainOffice", licenseType: VOICE });

    const ruleId = await addRule(env(), t, {
      group: { displayName: "sales emea" },
      officeId: t.officeIds.Berlin,
      licenseType: SALES,
      priority: 1,
    });
    const groupId = await pushGroup(env(), t, "Sales EMEA");
    await oktaAddMembers(env(), t, groupId, "Sales EMEA", [id]);
    await until(t);

    const after = await memberOf(env(), t, id);
    expect(after).toMatchObject({
      status: "active",
      officeName: "Berlin",
      matchedBy: "groupRule",
      matchedValue: "Sales EMEA",
      matchedRuleId: ruleId,
      pinned: false,
      licenseType: SALES,
      did: before.did,
      extension: before.extension,
    });
    expect(await seatsUsed(t)).toEqual(["Berlin/Dialpad_Ai Sales=1"]);
    expect(await chargesOf(env(), t)).toEqual([]);

    const scimUser = await scim(env(), t.token, "GET", `/Users/${id}`);
    expect(scimUser.body["urn:scimline:params:scim:schemas:extension:telephony:2.0:User"]).toMatchObject({
      office: { value: t.officeIds.Berlin, display: "Berlin" },
      matchedBy: "groupRule",
      matchedValue: "Sales EMEA",
      matchedRuleId: ruleId,
      licenseType: SALES,
    });
    const timeline = (await api("GET", `/companies/${t.companyId}/users/${id}/events`)).body.events as Array<{
      type: string;
      data: Record<string, unknown>;
    }>;
    const ref = { ruleId, groupId, groupName: "Sales EMEA" };
    expect(timeline.find((e) => e.type === "user.office_changed")?.data).toEqual({
      fromOfficeId: t.officeIds.HQ,
      toOfficeId: t.officeIds.Berlin,
      cause: "groupRule",
      ...ref,
    });
    expect(timeline.find((e) => e.type === "user.license_changed")?.data).toEqual({
      from: VOICE,
      to: SALES,
      cause: "groupRule",
      ...ref,
    });
  });

  test("a user in two ruled groups follows the higher priority; on a tie the older rule; leaving the last stays", async () => {
    const t = await tenant();
    const [id = ""] = await createUsers(t, ["two.groups"]);
    const berlin = await addRule(env(), t, {
      group: { displayName: "Berlin" },
      officeId: t.officeIds.Berlin,
      priority: 5,
    });
    const london = await addRule(env(), t, {
      group: { displayName: "London" },
      officeId: t.officeIds.London,
      priority: 5,
    });
    const berlinGroup = await pushGroup(env(), t, "Berlin", [id]);
    const londonGroup = await pushGroup(env(), t, "London", [id]);
    await until(t);
    // A tie: the rule created first (Berlin).
    expect(await memberOf(env(), t, id)).toMatchObject({ officeName: "Berlin", matchedRuleId: berlin });

    await api("PATCH", `/companies/${t.companyId}/group-rules/${london}`, { priority: 9 });
    await until(t);
    expect(await memberOf(env(), t, id)).toMatchObject({ officeName: "London", matchedRuleId: london });

    // Leaving the higher one: the remaining rule decides. Leaving the last: the user stays.
    await entraMembers(env(), t, londonGroup, "Remove", [id]);
    await until(t);
    expect(await memberOf(env(), t, id)).toMatchObject({ officeName: "Berlin", matchedRuleId: berlin });
    await entraMembers(env(), t, berlinGroup, "Remove", [id]);
    await until(t);
    expect(await memberOf(env(), t, id)).toMatchObject({ officeName: "Berlin", status: "active", licenseType: VOICE });
    expect(await seatsUsed(t)).toEqual(["Berlin/Dialpad_Ai Voice=1"]);
  });

  test("creating a rule moves the group's members; deleting it moves nobody", async () => {
    const t = await tenant();
    const ids = await createUsers(t, ["r.one", "r.two", "r.three"]);
    await pushGroup(env(), t, "Field Sales", ids);
    await until(t);
    expect((await memberOf(env(), t, ids[0] ?? "")).officeName).toBe("HQ");

    const ruleId = await addRule(env(), t, {
      group: { displayName: "Field Sales" },
      officeId: t.officeIds.London,
      licenseType: SALES,
      priority: 0,
    });
    await until(t);
    for (const id of ids) {
      expect(await memberOf(env(), t, id)).toMatchObject({ officeName: "London", licenseType: SALES });
    }
    const seats = await seatsUsed(t);
    const [events] = await env().database.sql<
      { n: number }[]
    >`select count(*)::int as n from events where company_id = ${t.companyId}`;

    expect((await api("DELETE", `/companies/${t.companyId}/group-rules/${ruleId}`)).status).toBe(204);
    await until(t);
    for (const id of ids) {
      expect(await memberOf(env(), t, id)).toMatchObject({
        officeName: "London",
        licenseType: SALES,
        status: "active",
      });
    }
    expect(await seatsUsed(t)).toEqual(seats);
    const [after] = await env().database.sql<
      { n: number }[]
    >`select count(*)::int as n from events where company_id = ${t.companyId}`;
    expect(after?.n).toBe(events?.n);
  });
});

describe("group names as the rules compare them", () => {
  // As a name pasted from a web page arrives: no-break spaces, a tab (a space-only trim, SQL's btrim without
  // its second argument, left them). And a Greek name in capitals: JavaScript lower-cases its last Σ to a
  // final ς, libc's lower() to σ (ICU's root locale, which SQL now uses, agrees with JavaScript).
  test.each([
    ["white space around it", "\u00a0Field Sales\t\u00a0", "field sales", "FIELD SALES", "blank"],
    ["a final sigma", "ΠΩΛΗΣΕΙΣ", "Πωλησεις", "πωλησεις", "sigma"],
  ])(
    "a pushed name with %s matches a rule naming it otherwise, in every path",
    async (_, pushed, ruled, previewed, who) => {
      const t = await tenant();
      const ids = await createUsers(t, [`${who}.one`, `${who}.two`, `${who}.three`]);
      const [first = "", second = "", third = ""] = ids;
      const groupId = await pushGroup(env(), t, pushed, [first]);
      await until(t);
      // The rule's creation requeues the group's members (read in SQL by name).
      await addRule(env(), t, { group: { displayName: ruled }, officeId: t.officeIds.London, priority: 0 });
      await until(t);
      expect(await memberOf(env(), t, first)).toMatchObject({ officeName: "London", matchedBy: "groupRule" });
      // A membership added afterwards makes its user work (the group is ruled) and the plan reads the group.
      await oktaAddMembers(env(), t, groupId, pushed, [second]);
      await until(t);
      expect(await memberOf(env(), t, second)).toMatchObject({ officeName: "London", matchedBy: "groupRule" });
      // A preview of a rule for the same name, not saved, reads the members and their groups the same way.
      const preview = await api("POST", `/companies/${t.companyId}/group-rules/preview`, {
        action: "create",
        rule: { group: { displayName: previewed }, officeId: t.officeIds.Berlin, priority: 5 },
      });
      expect(preview.status, JSON.stringify(preview.body).slice(0, 300)).toBe(200);
      const body = preview.body as { totals: { examined: number; changing: number }; users: { userName: string }[] };
      expect(body.totals).toMatchObject({ examined: 2, changing: 2 });
      expect(body.users.map((u) => u.userName).sort()).toEqual([`${who}.one@acme.test`, `${who}.two@acme.test`]);
      expect(await memberOf(env(), t, third)).toMatchObject({ officeName: "HQ" });
    },
  );
});

describe("an admin's change pins the user", () => {
  test("rules leave a pinned user alone; pinned: false lets them decide at once", async () => {
    const t = await tenant();
    const [id = ""] = await createUsers(t, ["pinned.pat"]);
    const moved = await api("PATCH", `/companies/${t.companyId}/users/${id}`, { officeId: t.officeIds.London });
    expect(moved.body).toMatchObject({ officeName: "London", matchedBy: "admin", pinned: true });

    await addRule(env(), t, {
      group: { displayName: "Berlin" },
      officeId: t.officeIds.Berlin,
      licenseType: SALES,
      priority: 1,
    });
    await pushGroup(env(), t, "Berlin", [id]);
    await until(t);
    expect(await memberOf(env(), t, id)).toMatchObject({ officeName: "London", licenseType: VOICE, pinned: true });

    const unpinned = await api("PATCH", `/companies/${t.companyId}/users/${id}`, { pinned: false });
    expect(unpinned.status).toBe(200);
    expect(unpinned.body).toMatchObject({
      officeName: "Berlin",
      matchedBy: "groupRule",
      licenseType: SALES,
      pinned: false,
      status: "active",
    });
    // A DID or extension change does not pin.
    const ext = await api("PATCH", `/companies/${t.companyId}/users/${id}`, { extension: 777 });
    expect(ext.body).toMatchObject({ extension: "777", pinned: false });
    // A license change does; pinned: true pins without changing anything else.
    const lic = await api("PATCH", `/companies/${t.companyId}/users/${id}`, { licenseType: VOICE });
    expect(lic.body).toMatchObject({ licenseType: VOICE, officeName: "Berlin", pinned: true });
    await until(t);
    expect(await memberOf(env(), t, id)).toMatchObject({ licenseType: VOICE, officeName: "Berlin" });
  });
});

describe("the precedence at creation", () => {
  test("an office attribute that names an office and an IdP licenseType win; one that names none does not", async () => {
    const t = await tenant();
    await addRule(env(), t, {
      group: { displayName: "Sales" },
      officeId: t.officeIds.Berlin,
      licenseType: SALES,
      priority: 1,
    });
    const groupId = await pushGroup(env(), t, "Sales");
    const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const named = await scim(
      env(),
      t.token,
      "POST",
      "/Users",
      oktaUser("named@acme.test", { [enterprise]: { officeName: "London" } }),
    );
    const unnamed = await scim(
      env(),
      t.token,
      "POST",
      "/Users",
      oktaUser("dept@acme.test", { [enterprise]: { department: "Field" } }),
    );
    const licensed = await scim(env(), t.token, "POST", "/Users", oktaUser("lic@acme.test", { licenseType: VOICE }));
    const ids = [named, unnamed, licensed].map((r) => r.body.id as string);
    await entraMembers(env(), t, groupId, "Add", ids);
    await until(t);
    const [n, u, l] = await Promise.all(ids.map((id) => memberOf(env(), t, id)));
    expect(n).toMatchObject({ officeName: "London", matchedBy: "officeName", licenseType: SALES });
    expect(u).toMatchObject({ officeName: "Berlin", matchedBy: "groupRule", licenseType: SALES });
    expect(l).toMatchObject({ officeName: "Berlin", matchedBy: "groupRule", licenseType: VOICE });
  });
});
