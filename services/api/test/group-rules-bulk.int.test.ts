import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { admin, createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { addRule, chargesOf, oktaAddMembers, pushGroup, settled } from "./helpers/groups.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

// A group PATCH adding 5,000 members records the work (a generation and an outbox row per member, in
// one statement) and answers; the workers then move every member. The figures are printed, not asserted.
vi.setConfig({ testTimeout: 300_000 });
const clock = () => new Date("2026-11-29T10:00:00Z");
// The burst of creates that sets the scene would pass the per-token rate limit.
const env = useTestEnv({ clock }, { SCIM_RATE_LIMIT_ENABLED: "false" });
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env(), { clock });
});
afterAll(() => stopWorker(worker));

const N = 5000;
const SALES = "Dialpad_Ai Sales";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

test(`a group PATCH adding ${N.toLocaleString("en")} members is answered at once, and all of them converge`, async () => {
  const t = await createTenant(env(), {
    company: { billingDay: 1 },
    offices: [
      { name: "HQ", country: "US", main: true },
      { name: "Berlin", country: "DE", seats: { [SALES]: N } },
    ],
  });
  const ruleId = await addRule(env(), t, {
    group: { displayName: "Everyone" },
    officeId: t.officeIds.Berlin,
    licenseType: SALES,
    priority: 1,
  });
  const numbers = Array.from({ length: N }, (_, i) => `+1415557${String(i).padStart(4, "0")}`);
  for (let i = 0; i < N; i += 1000) {
    await admin(env(), "POST", `/companies/${t.companyId}/numbers`, { numbers: numbers.slice(i, i + 1000) });
  }
  const ids: string[] = [];
  for (let i = 0; i < N; i += 100) {
    const replies = await Promise.all(
      Array.from({ length: Math.min(100, N - i) }, (_, k) =>
        scim(env(), t.token, "POST", "/Users", oktaUser(`bulk.user${i + k}@acme.test`)),
      ),
    );
    for (const r of replies) ids.push(r.body.id as string);
  }
  expect(ids.filter(Boolean)).toHaveLength(N);
  await eventually(
    async () => {
      const [row] = await env().database.sql<{ n: number }[]>`
        select count(*)::int as n from users where company_id = ${t.companyId} and error_code = 'awaiting_group_rules'`;
      return row?.n === N;
    },
    120_000,
    "every user awaiting its groups",
  );

  // The door's usual latency for a group change, on this machine and moment: one member at a time
  // (a group no rule names, so these wait-listed users stay where they are).
  const small = await pushGroup(env(), t, "Small");
  const singles: number[] = [];
  for (const id of ids.slice(0, 20)) {
    const started = performance.now();
    await oktaAddMembers(env(), t, small, "Small", [id]);
    singles.push(performance.now() - started);
  }

  const everyone = await pushGroup(env(), t, "Everyone");
  const generations = async () =>
    new Map(
      (
        await env().database.sql<{ id: string; generation: number }[]>`
          select id, generation::int as generation from users where company_id = ${t.companyId}`
      ).map((r) => [r.id, r.generation]),
    );
  const before = await generations();
  const started = performance.now();
  const res = await oktaAddMembers(env(), t, everyone, "Everyone", ids);
  const bulkMs = performance.now() - started;
  expect(res.status).toBe(200);
  // The answer means every member's work is recorded: each one's desired generation moved. (Counting
  // the users still owed instead would race the worker, which starts on them at once.)
  const after = await generations();
  expect(ids.filter((id) => (after.get(id) ?? 0) > (before.get(id) ?? 0))).toHaveLength(N);

  const converging = performance.now();
  await eventually(() => settled(env(), t), 240_000, `all ${N} provisioned`);
  const convergeMs = performance.now() - converging;
  const [placed] = await env().database.sql<{ n: number }[]>`
    select count(*)::int as n from users u join license_types lt on lt.id = u.license_type_id
    where u.company_id = ${t.companyId} and u.office_id = ${t.officeIds.Berlin} and lt.name = ${SALES}
      and u.status = 'active' and u.did is not null and u.extension is not null`;
  expect(placed?.n).toBe(N);
  expect(await chargesOf(env(), t)).toEqual([]);

  // One more member of the big group (Okta pushes memberships one by one afterwards): a set difference
  // over 5,000 members, not a scan per member.
  const late = (await scim(env(), t.token, "POST", "/Users", oktaUser("late.joiner@acme.test"))).body.id as string;
  const oneMore = performance.now();
  await oktaAddMembers(env(), t, everyone, "Everyone", [late]);
  const oneMoreMs = performance.now() - oneMore;
  await eventually(() => settled(env(), t), 30_000, "the late joiner provisioned");

  // The preview of moving all of them to HQ: one plan over 5,001 users.
  const previewing = performance.now();
  const preview = await admin(env(), "POST", `/companies/${t.companyId}/group-rules/preview`, {
    action: "update",
    ruleId,
    rule: { officeId: t.officeIds.HQ },
  });
  const previewMs = performance.now() - previewing;
  expect(preview.body.totals).toMatchObject({ examined: N + 1, changing: N + 1 });
  console.log(
    `[group-figures] ${JSON.stringify({
      members: N,
      bulkPatchMs: Math.round(bulkMs),
      singleMemberPatchMedianMs: Math.round(median(singles)),
      singleMemberPatchMaxMs: Math.round(Math.max(...singles)),
      convergeMs: Math.round(convergeMs),
      addOneTo5000Ms: Math.round(oneMoreMs),
      previewMoveAllMs: Math.round(previewMs),
    })}`,
  );
});
