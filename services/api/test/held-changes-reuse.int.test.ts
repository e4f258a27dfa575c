import { describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, code, message } from "./helpers/openapi.ts";

const env = useTestEnv();
const api = apiClient(env);
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const deactivate = { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] };

type Held = { id: string; userId: string; kind: string };
const held = async (t: Tenant) => (await api("GET", `/companies/${t.companyId}/held-changes`)).body.changes as Held[];

/** A company whose breaker holds every deactivation or delete after the first, with users of these externalIds. */
async function tenant(externalIds: string[]) {
  const t = await createTenant(env(), { company: { deactivationBreaker: { threshold: 1, windowSeconds: 600 } } });
  const ids: string[] = [];
  for (const [i, externalId] of externalIds.entries()) {
    const res = await scim(env(), t.token, "POST", "/Users", oktaUser(`user.${i}@acme.com`, { externalId }));
    expect(res.status).toBe(201);
    ids.push(res.body.id as string);
  }
  return { t, ids };
}

describe("deciding a held change after its userName or externalId was reused", () => {
  test("rejecting a held delete whose externalId a new user took: 409 EXTERNAL_ID_TAKEN, nothing decided; confirming works", async () => {
    const { t, ids } = await tenant(["X1", "X2"]);
    const [first, second] = ids as [string, string];
    expect((await scim(env(), t.token, "DELETE", `/Users/${first}`)).status).toBe(204);
    expect((await scim(env(), t.token, "DELETE", `/Users/${second}`)).status).toBe(204);
    expect((await held(t)).map((h) => [h.userId, h.kind])).toEqual([[second, "delete"]]);
    const newcomer = await scim(env(), t.token, "POST", "/Users", oktaUser("newcomer@acme.com", { externalId: "X2" }));
    expect(newcomer.status).toBe(201);

    for (const body of [undefined, { ids: [(await held(t))[0]?.id] }]) {
      const reply = await api("POST", `/companies/${t.companyId}/held-changes/reject`, body);
      expect([reply.status, code(reply)]).toEqual([409, "EXTERNAL_ID_TAKEN"]);
      expect(message(reply)).toContain('"X2"');
      expect(message(reply)).toContain("confirm");
    }
    // Nothing changed: the delete is still held, the newcomer keeps the externalId.
    expect((await held(t)).map((h) => h.userId)).toEqual([second]);
    expect((await scim(env(), t.token, "GET", `/Users/${second}`)).status).toBe(404);
    expect((await scim(env(), t.token, "GET", `/Users/${newcomer.body.id}`)).body.externalId).toBe("X2");

    // The way out: confirm the delete.
    expect((await api("POST", `/companies/${t.companyId}/held-changes/confirm`)).body).toEqual({ confirmed: 1 });
    expect(await held(t)).toEqual([]);
    const filter = encodeURIComponent('externalId eq "X2"');
    const found = await scim(env(), t.token, "GET", `/Users?filter=${filter}`);
    expect(found.body.totalResults).toBe(1);
    expect((found.body.Resources as Array<{ id: string }>)[0]?.id).toBe(newcomer.body.id);
  });

  test("one reject of several held changes: the clash refuses them all; the others can be rejected by id", async () => {
    const { t, ids } = await tenant(["Y0", "Y1", "Y2"]);
    const [y0, y1, y2] = ids as [string, string, string];
    await scim(env(), t.token, "PATCH", `/Users/${y0}`, deactivate); // applied
    await scim(env(), t.token, "PATCH", `/Users/${y1}`, deactivate); // held deactivation
    await scim(env(), t.token, "DELETE", `/Users/${y2}`); // held delete
    expect((await held(t)).map((h) => [h.userId, h.kind])).toEqual([
      [y1, "deactivate"],
      [y2, "delete"],
    ]);
    // A held deactivation keeps its externalId: a new user cannot take it, so its reject cannot clash.
    const refused = await scim(env(), t.token, "POST", "/Users", oktaUser("other@acme.com", { externalId: "Y1" }));
    expect(refused.status).toBe(409);
    const taken = await scim(env(), t.token, "POST", "/Users", oktaUser("taker@acme.com", { externalId: "Y2" }));
    expect(taken.status).toBe(201);

    const all = await api("POST", `/companies/${t.companyId}/held-changes/reject`);
    expect([all.status, code(all)]).toEqual([409, "EXTERNAL_ID_TAKEN"]);
    expect(message(all)).toContain('"Y2"');
    expect(await held(t)).toHaveLength(2);

    const [deactivation] = await held(t);
    const one = await api("POST", `/companies/${t.companyId}/held-changes/reject`, { ids: [deactivation?.id] });
    expect(one.body).toEqual({ rejected: 1 });
    expect((await scim(env(), t.token, "GET", `/Users/${y1}`)).body.active).toBe(true);
    expect((await held(t)).map((h) => h.userId)).toEqual([y2]);
  });

  test("rejecting a held delete whose userName a new user took (another case): 409 USERNAME_TAKEN naming it", async () => {
    const { t, ids } = await tenant(["W0", "W1"]);
    const [w0, w1] = ids as [string, string];
    await scim(env(), t.token, "DELETE", `/Users/${w0}`);
    await scim(env(), t.token, "DELETE", `/Users/${w1}`); // held: user.1@acme.com
    const taker = await scim(env(), t.token, "POST", "/Users", oktaUser("USER.1@acme.com", { externalId: "W9" }));
    expect(taker.status).toBe(201);

    const reply = await api("POST", `/companies/${t.companyId}/held-changes/reject`);
    expect([reply.status, code(reply)]).toEqual([409, "USERNAME_TAKEN"]);
    expect(message(reply)).toContain('"user.1@acme.com"');
    expect(message(reply)).toContain("confirm");
    expect((await held(t)).map((h) => h.userId)).toEqual([w1]);
  });

  test("a held delete whose userName and externalId are both free again is undone as before", async () => {
    const { t, ids } = await tenant(["Z0", "Z1"]);
    const [z0, z1] = ids as [string, string];
    await scim(env(), t.token, "DELETE", `/Users/${z0}`);
    await scim(env(), t.token, "DELETE", `/Users/${z1}`);
    expect((await api("POST", `/companies/${t.companyId}/held-changes/reject`)).body).toEqual({ rejected: 1 });
    const back = await scim(env(), t.token, "GET", `/Users/${z1}`);
    expect([back.status, back.body.externalId, back.body.active]).toEqual([200, "Z1", true]);
  });
});
