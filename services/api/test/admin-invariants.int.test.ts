import { requeueOwed } from "@scimline/db";
import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env());
});
afterAll(() => stopWorker(worker));

type Report = { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
const report = async (t: Tenant) => {
  const res = await api("GET", `/companies/${t.companyId}/invariants`);
  expect(res.status).toBe(200);
  return res.body as unknown as Report;
};
const broken = async (t: Tenant) => (await report(t)).checks.filter((c) => !c.ok).map((c) => c.name);

async function provisionedTenant(): Promise<{ t: Tenant; ids: string[] }> {
  const t = await createTenant(env(), {
    client,
    offices: [{ name: "HQ", country: "US", seats: { "Dialpad_Ai Voice": 5 } }],
  });
  await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550801", "+14155550802"] });
  const ids: string[] = [];
  for (const name of ["ann@example.com", "ben@example.com"]) {
    ids.push((await scim(env(), t.token, "POST", "/Users", oktaUser(name))).body.id as string);
  }
  await eventually(async () => {
    const rows = await env().database.sql`select 1 from users where company_id = ${t.companyId} and status = 'active'`;
    return rows.length === 2;
  });
  return { t, ids };
}

describe("GET /companies/{id}/invariants", () => {
  test("a healthy company passes every check, each named with what it found", async () => {
    const { t } = await provisionedTenant();
    const r = await report(t);
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual([
      "seats_used_equal_holders",
      "dids_agree",
      "extensions_agree",
      "no_stale_work",
      "outbox_drained",
    ]);
  });

  test("each broken invariant is reported by its check, and only for its company", async () => {
    const { t, ids } = await provisionedTenant();
    const other = await provisionedTenant();
    const { sql } = env().database;
    const [ann = "", ben = ""] = ids;

    await sql`update seats set used = used - 1 where company_id = ${t.companyId} and used > 0`;
    expect(await broken(t)).toEqual(["seats_used_equal_holders"]);
    expect((await report(t)).checks[0]?.detail).toMatch(/used 1, holders 2/);
    await sql`update seats set used = used + 1 where company_id = ${t.companyId} and used > 0`;

    await sql`update numbers set assigned_user_id = null where assigned_user_id = ${ann}`;
    expect(await broken(t)).toEqual(["dids_agree"]);
    await sql`update numbers set assigned_user_id = ${ann} where e164 = (select did from users where id = ${ann})`;

    await sql`update extension_pool set user_id = null where user_id = ${ben}`;
    expect(await broken(t)).toEqual(["extensions_agree"]);
    await sql`update extension_pool set user_id = ${ben} where extension = (select extension from users where id = ${ben}) and company_id = ${t.companyId}`;

    // Work owed for 10 minutes is stale; a user waiting for an admin is not.
    await sql`update users set generation = generation + 1, desired_at = now() - interval '10 minutes' where id = ${ann}`;
    await sql`update users set generation = generation + 1, desired_at = now() - interval '10 minutes',
                status = 'failed', error_code = 'no_license_available' where id = ${ben}`;
    expect(await broken(t)).toEqual(["no_stale_work"]);
    expect((await report(t)).checks.find((c) => c.name === "no_stale_work")?.detail).toMatch(/^1 user\(s\) owed work/);
    await sql`update users set applied_generation = generation where id = ${ann}`;

    await worker?.relay.stop(); // the row below must stay
    await requeueOwed(sql, sql`id = ${ann}`);
    await sql`update outbox set created_at = now() - interval '1 hour' where user_id = ${ann}`;
    expect(await broken(t)).toEqual(["outbox_drained"]);
    await sql`delete from outbox where company_id = ${t.companyId}`;

    expect((await report(t)).ok).toBe(true);
    expect((await report(other.t)).ok).toBe(true);
  });

  test("an unknown company is 404; /metrics has a gauge per check and /admin a line", async () => {
    const res = await api("GET", "/companies/019a6b1e-7c1d-7f3a-9a53-2b1c3d4e5f60/invariants");
    expect(res.status).toBe(404);
    expect(code(res)).toBe("COMPANY_NOT_FOUND");
    const app = createApp(env().deps);
    const metrics = await (await app.request("/metrics")).text();
    expect(metrics).toMatch(/^scimline_invariant_ok\{check="dids_agree"\} [01]$/m);
    const page = await (await app.request("/admin", { headers: { Authorization: `Bearer ${ADMIN_KEY}` } })).text();
    expect(page).toMatch(/Invariants: (all 5 hold|\d broken)/);
  });
});
