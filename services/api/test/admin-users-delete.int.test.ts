import type { Runtime } from "@scimline/worker";
import { afterAll, describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
let worker: Runtime | undefined;
afterAll(() => stopWorker(worker));

const create = async (t: Tenant, userName: string) => {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName));
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const line = async (t: Tenant, id: string) =>
  (await scim(env(), t.token, "GET", `/Users/${id}`)).body[TELEPHONY] as Record<string, unknown> | undefined;
const statusIs = (t: Tenant, id: string, status: string) => async () => (await line(t, id))?.status === status;
const seat = async (t: Tenant) => {
  const offices = (await api("GET", `/companies/${t.companyId}/offices`)).body.offices as Array<{
    seats: Record<string, { purchased: number; used: number }>;
  }>;
  return offices[0]?.seats["Dialpad_Ai Voice"];
};
const erased = (id: string) => async () =>
  (await env().database.sql`select 1 from users where id = ${id}`).length === 0;
const teamNames = async (t: Tenant, query = "") =>
  ((await api("GET", `/companies/${t.companyId}/users${query}`)).body.users as Array<{ userName: string }>).map(
    (u) => u.userName,
  );

describe("DELETE /companies/{id}/users/{userId}: the SCIM DELETE that Okta never sends", () => {
  test("an active and a suspended user are erased by the worker: seat, DID and extension freed, audit kept", async () => {
    worker ??= startWorker(env());
    const t = await createTenant(env(), {
      client,
      offices: [{ name: "San Francisco", country: "US", main: true, seats: { "Dialpad_Ai Voice": 2 } }],
    });
    await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550100", "+14155550101"] });
    const ann = await create(t, "ann.active@example.com");
    const sue = await create(t, "sue.leaver@example.com");
    await eventually(statusIs(t, ann, "active"), 20_000, "ann active");
    await eventually(statusIs(t, sue, "active"), 20_000, "sue active");
    expect([(await line(t, ann))?.extension, (await line(t, sue))?.extension].sort()).toEqual(["100", "101"]);
    // Okta deactivates (PATCH active:false): suspended, seat freed, DID and extension kept.
    await scim(env(), t.token, "PATCH", `/Users/${sue}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    await eventually(statusIs(t, sue, "suspended"), 20_000, "sue suspended");
    expect(await seat(t)).toEqual({ purchased: 2, used: 1 });

    for (const id of [ann, sue]) {
      const res = await api("DELETE", `/companies/${t.companyId}/users/${id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe("");
      // Gone at once: SCIM, the filter Okta looks users up with, the team list, search, the user read.
      expect((await scim(env(), t.token, "GET", `/Users/${id}`)).status).toBe(404);
      expect((await api("GET", `/companies/${t.companyId}/users/${id}`)).status).toBe(404);
    }
    const lookup = await scim(
      env(),
      t.token,
      "GET",
      `/Users?filter=${encodeURIComponent('userName eq "sue.leaver@example.com"')}`,
    );
    expect(lookup.body.totalResults).toBe(0);
    expect(await teamNames(t)).toEqual([]);
    expect(await teamNames(t, "?q=example.com")).toEqual([]);
    expect(await teamNames(t, "?status=suspended")).toEqual([]);

    await eventually(erased(ann), 20_000, "ann erased");
    await eventually(erased(sue), 20_000, "sue erased");
    expect(await seat(t)).toEqual({ purchased: 2, used: 0 });
    const free = (await api("GET", `/companies/${t.companyId}/numbers?assigned=false`)).body.numbers as Array<{
      e164: string;
      officeId: string | null;
    }>;
    expect(free.map((n) => n.e164).sort()).toEqual(["+14155550100", "+14155550101"]);
    expect(free.every((n) => n.officeId === t.officeIds["San Francisco"])).toBe(true);
    const audit = await env().database.sql<{ subject_id: string }[]>`
      select subject_id from audit_events where company_id = ${t.companyId} and kind = 'user.deleted'`;
    expect(audit.map((a) => a.subject_id).sort()).toEqual([ann, sue].sort());
    // The userName is free again, and the next user gets sue's extension back.
    const again = await create(t, "sue.leaver@example.com");
    await eventually(statusIs(t, again, "active"), 20_000, "re-created");
    // Both extensions (100, 101) were freed: the lowest comes back.
    expect(await line(t, again)).toMatchObject({ extension: "100", did: expect.stringMatching(/^\+1415555010[01]$/) });
    expect(await seat(t)).toEqual({ purchased: 2, used: 1 });
  });

  test("another company's user, an unknown user or company: 404 in the admin error format, nothing deleted", async () => {
    const ours = await createTenant(env(), { client });
    const theirs = await createTenant(env(), { client });
    const theirUser = await create(theirs, "not.yours@example.com");

    const cross = await api("DELETE", `/companies/${ours.companyId}/users/${theirUser}`);
    expect(cross.status).toBe(404);
    expect(code(cross)).toBe("USER_NOT_FOUND");
    expect(cross.body.error).toMatchObject({ requestId: expect.any(String), message: expect.any(String) });
    expect((await scim(env(), theirs.token, "GET", `/Users/${theirUser}`)).status).toBe(200);

    const unknown = await api("DELETE", `/companies/${ours.companyId}/users/00000000-0000-7000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    expect(code(unknown)).toBe("USER_NOT_FOUND");
    const noCompany = await api("DELETE", `/companies/00000000-0000-7000-8000-000000000000/users/${theirUser}`);
    expect(noCompany.status).toBe(404);
    expect(code(noCompany)).toBe("COMPANY_NOT_FOUND");
    const notAnId = await api("DELETE", `/companies/${ours.companyId}/users/nope`);
    expect(notAnId.status).toBe(400);

    // Deleting twice: the second is 404 (the user is already gone).
    expect((await api("DELETE", `/companies/${theirs.companyId}/users/${theirUser}`)).status).toBe(204);
    expect(code(await api("DELETE", `/companies/${theirs.companyId}/users/${theirUser}`))).toBe("USER_NOT_FOUND");
  });
});
