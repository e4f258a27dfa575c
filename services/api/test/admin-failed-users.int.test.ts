import { remedyOf } from "@scimline/domain";
import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { apiClient, code } from "./helpers/openapi.ts";
import { eventually, jobsSettled, startWorker, stopWorker } from "./helpers/worker.ts";

// Three users wait for a seat (auto-purchase turned off after the door accepted them); the admin
// reads the failures by code, adds seats, and retries them all with one call.
const env = useTestEnv();
const api = apiClient(env);
let worker: Runtime | undefined;
let tenant: Tenant;
const ids: string[] = [];

const statuses = async () =>
  (
    await env().database.sql<{ status: string }[]>`
      select status from users where id = any(${env().database.sql.array(ids)}::uuid[]) order by id`
  ).map((r) => r.status);

beforeAll(async () => {
  tenant = await createTenant(env(), { offices: [{ name: "Braga", country: "PT", seats: { "Dialpad_Ai Voice": 0 } }] });
  for (const name of ["a.one@example.com", "b.two@example.com", "c.three@example.com"]) {
    const created = await scim(env(), tenant.token, "POST", "/Users", oktaUser(name));
    expect(created.status).toBe(201);
    ids.push(created.body.id as string);
  }
  await admin(env(), "PUT", `/companies/${tenant.companyId}/settings`, { autoPurchaseLicenses: false });
  worker = startWorker(env());
  await eventually(async () => (await statuses()).every((s) => s === "failed"), 20_000, "three failed users");
  await jobsSettled(worker);
});
afterAll(() => stopWorker(worker));

describe("failed users by code, and the retry of them all", () => {
  test("GET …/failures counts them by code with the remedy in plain words", async () => {
    const res = await api("GET", `/companies/${tenant.companyId}/failures`);
    expect(res.status).toBe(200);
    expect(res.body.failures).toEqual([
      { code: "no_license_available", users: 3, remedy: remedyOf("no_license_available") },
    ]);
  });

  test("bad codes and unknown companies are refused; a code nobody has retries nobody", async () => {
    const path = `/companies/${tenant.companyId}/users/retry`;
    for (const body of [{}, { code: "no_such_code" }, { code: "no_office", extra: 1 }, { code: 3 }]) {
      const res = await api("POST", path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(code(res)).toBe("VALIDATION_FAILED");
    }
    const other = await api("POST", `/companies/${crypto.randomUUID()}/users/retry`, { code: "no_office" });
    expect(other.status).toBe(404);
    expect(code(other)).toBe("COMPANY_NOT_FOUND");
    expect((await api("POST", path, { code: "no_office" })).body).toEqual({ retried: 0 });
    expect(await statuses()).toEqual(["failed", "failed", "failed"]);
  });

  test("the ops console's Basic credential works on its routes, but not for a write sent by another site", async () => {
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString("base64")}`;
    const path = `/api/v1/companies/${tenant.companyId}/users/retry`;
    const send = (headers: Record<string, string>) =>
      env().app.request(path, {
        method: "POST",
        headers: { Authorization: basic, "Content-Type": "application/json", ...headers },
        body: JSON.stringify({ code: "no_office" }),
      });
    const crossSite: Record<string, string>[] = [
      { "Sec-Fetch-Site": "cross-site" },
      { Origin: "https://evil.example" },
    ];
    for (const headers of crossSite) {
      const res = await send(headers);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("CROSS_SITE_REQUEST");
    }
    expect((await send({ "Sec-Fetch-Site": "same-origin" })).status).toBe(202);
    const read = await env().app.request(`/api/v1/companies/${tenant.companyId}/failures`, {
      headers: { Authorization: basic, "Sec-Fetch-Site": "cross-site" },
    });
    expect(read.status).toBe(200);
    const wrong = await env().app.request(path, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from("admin:nope-0123456789").toString("base64")}` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('Basic realm="scimline-admin"');
    // The rest of the admin API takes the Bearer key only.
    const elsewhere = await env().app.request(`/api/v1/companies/${tenant.companyId}`, {
      headers: { Authorization: basic },
    });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get("www-authenticate")).toBe('Bearer realm="scimline-admin"');
  });

  test("after seats are added, one call retries all three and they become active", async () => {
    const office = tenant.officeIds.Braga ?? "";
    await env().database.sql`update seats set purchased = 3 where office_id = ${office}`;
    const res = await api("POST", `/companies/${tenant.companyId}/users/retry`, { code: "no_license_available" });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ retried: 3 });
    await eventually(async () => (await statuses()).every((s) => s === "active"), 20_000, "three active users");
    const retried = await env().database.sql<{ n: number }[]>`
      select count(*)::int as n from events where type = 'user.retried' and company_id = ${tenant.companyId}`;
    expect(retried[0]?.n).toBe(3);
    expect((await api("GET", `/companies/${tenant.companyId}/failures`)).body.failures).toEqual([]);
  });
});
