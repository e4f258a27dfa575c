import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { previewRuleChange } from "../src/admin/group-rule-preview.ts";
import { Slicer } from "../src/preview/slices.ts";
import { admin, createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { addRule, pushGroup, setHold, settled } from "./helpers/groups.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// The rule preview over a few hundred users, planned in slices with pauses between them: it still says
// exactly what saving the rule then does, user by user, and what the seats it buys cost.
vi.setConfig({ testTimeout: 180_000 });
// Billing day 1 and 2026-11-29: 2 of 30 days left; a Sales seat (3000/month) costs 200.
const clock = () => new Date("2026-11-29T10:00:00Z");
const env = useTestEnv({ clock }, { SCIM_RATE_LIMIT_ENABLED: "false" });
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env(), { clock });
});
afterAll(() => stopWorker(worker));

const N = 300;
const LEADS = 40;
const SALES = "Dialpad_Ai Sales";
const VOICE = "Dialpad_Ai Voice";

type Previewed = {
  userId: string;
  to: { officeId: string | null; licenseType: string };
  seat: string;
  rule: { id: string | null; groupName: string } | null;
};

test(`a rule moving ${N} users: the preview lists each one where saving the rule puts it, and the seats it buys`, async () => {
  const t = await createTenant(env(), {
    company: { billingDay: 1 },
    offices: [
      { name: "HQ", country: "US", main: true, seats: { [VOICE]: N } },
      { name: "Berlin", country: "DE", seats: { [SALES]: 50 } },
      { name: "London", country: "GB", seats: { [VOICE]: LEADS } },
    ],
  });
  await setHold(env(), t, 0);
  const numbers = Array.from({ length: N }, (_, i) => `+1415556${String(i).padStart(4, "0")}`);
  await admin(env(), "POST", `/companies/${t.companyId}/numbers`, { numbers });
  const ids: string[] = [];
  for (let i = 0; i < N; i += 50) {
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, k) =>
        scim(env(), t.token, "POST", "/Users", oktaUser(`many.user${i + k}@acme.test`)),
      ),
    );
    for (const r of replies) ids.push(r.body.id as string);
  }
  expect(ids.filter(Boolean)).toHaveLength(N);
  // Everyone is in Sales; the leads are also in Leads, whose rule places them in London.
  const leads = ids.slice(0, LEADS);
  await pushGroup(env(), t, "Sales", ids);
  await pushGroup(env(), t, "Leads", leads);
  await addRule(env(), t, { group: { displayName: "Leads" }, officeId: t.officeIds.London, priority: 5 });
  await eventually(() => settled(env(), t), 120_000, "provisioned, the leads in London");
  const chargesBefore = await chargesOf(t.companyId);

  // Sales to Berlin with Sales licenses: the leads keep London (a better rule places them) but take Sales
  // there. Berlin has 50 free Sales seats; the 210 others and the 40 leads' seats are bought.
  const rule = { group: { displayName: "sales" }, officeId: t.officeIds.Berlin, licenseType: SALES, priority: 1 };
  const res = await admin(env(), "POST", `/companies/${t.companyId}/group-rules/preview`, { action: "create", rule });
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  const users = res.body.users as Previewed[];
  expect(res.body.totals).toEqual({
    examined: N,
    changing: N,
    waiting: 0,
    seatsToBuy: expect.arrayContaining([
      {
        officeId: t.officeIds.Berlin,
        officeName: "Berlin",
        licenseType: SALES,
        count: N - LEADS - 50,
        chargeCents: 42_000,
      },
      { officeId: t.officeIds.London, officeName: "London", licenseType: SALES, count: LEADS, chargeCents: 8_000 },
    ]),
    chargeCents: 50_000,
  });
  expect((res.body.totals as { seatsToBuy: unknown[] }).seatsToBuy).toHaveLength(2);
  expect(users.map((u) => u.userId).sort()).toEqual([...ids].sort());
  expect(users.filter((u) => u.seat === "reuse")).toHaveLength(50);
  for (const u of users) {
    const lead = leads.includes(u.userId);
    expect(u, u.userId).toMatchObject({
      to: { officeId: lead ? t.officeIds.London : t.officeIds.Berlin, licenseType: SALES },
      rule: { id: null, groupName: "Sales" },
    });
  }

  // It plans and lists them in slices, letting other requests in between: a slicer that always yields
  // counts its pauses (each plan step of 64 users, each 16 users listed), and the answer is the same.
  let pauses = 0;
  class Counting extends Slicer {
    override async pause() {
      pauses++;
      await super.pause();
    }
  }
  const sliced = await previewRuleChange(
    env().database,
    t.companyId,
    { action: "create", rule: { ...rule, officeId: t.officeIds.Berlin ?? null } },
    "2026-11-29",
    new Counting(0),
  );
  expect(sliced).toEqual(res.body);
  expect(pauses).toBeGreaterThanOrEqual(Math.floor((5 * N) / 64) + Math.floor(N / 16));

  await addRule(env(), t, rule);
  await eventually(() => settled(env(), t), 120_000, "moved");
  const after = new Map(
    (
      await env().database.sql<{ id: string; office_id: string; license: string }[]>`
        select u.id, u.office_id, lt.name as license from users u join license_types lt on lt.id = u.license_type_id
        where u.company_id = ${t.companyId}`
    ).map((r) => [r.id, { officeId: r.office_id, licenseType: r.license }]),
  );
  for (const u of users) {
    expect(after.get(u.userId), u.userId).toEqual({ officeId: u.to.officeId, licenseType: u.to.licenseType });
  }
  const chargesAfter = await chargesOf(t.companyId);
  expect(chargesAfter.count - chargesBefore.count).toBe(N - 50);
  expect(chargesAfter.cents - chargesBefore.cents).toBe((res.body.totals as { chargeCents: number }).chargeCents);
});

async function chargesOf(companyId: string): Promise<{ count: number; cents: number }> {
  const [row] = await env().database.sql<{ count: number; cents: number }[]>`
    select count(*)::int as count, coalesce(sum(amount_cents), 0)::int as cents from charges where company_id = ${companyId}`;
  return row ?? { count: 0, cents: 0 };
}
