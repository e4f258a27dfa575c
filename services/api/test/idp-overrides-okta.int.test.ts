import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admin, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import {
  ENTERPRISE,
  overriddenUser,
  PATCH_OP,
  seats,
  settled,
  TELEPHONY,
  telephony,
} from "./helpers/overridden-user.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env());
});
afterAll(() => stopWorker(worker));

/** Okta's profile update (AIW, and OIN PUT): GET the user, then PUT the whole object back with its own values. */
async function oktaPut(token: string, id: string, change: (user: Record<string, unknown>) => void) {
  const user = (await scim(env(), token, "GET", `/Users/${id}`)).body;
  change(user);
  return scim(env(), token, "PUT", `/Users/${id}`, user);
}
const withOktaProfile =
  (licenseType: string, more: Record<string, unknown> = {}) =>
  (u: Record<string, unknown>) => {
    Object.assign(u, more);
    u[ENTERPRISE] = { ...(u[ENTERPRISE] as object), licenseType };
  };

describe("Okta after an admin changed the license: the IdP is never blocked by the override", () => {
  test("AIW full PUT with the old licenseType and other changes → 200: the rest applied, the admin's license kept", async () => {
    const { t, id, did } = await overriddenUser(env(), "ann.aiw@example.com");
    const res = await oktaPut(
      t.token,
      id,
      withOktaProfile("Dialpad_Ai Voice", { title: "Lead", displayName: "Ann A" }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ title: "Lead", displayName: "Ann A", active: true });
    // What the IdP sent stays as sent; the telephony extension shows what is in effect.
    expect(res.body[ENTERPRISE]).toMatchObject({ licenseType: "Dialpad_Ai Voice", officeName: "Berlin" });
    expect(res.body[TELEPHONY]).toMatchObject({
      licenseType: "Dialpad_Ai Sales",
      status: "active",
      office: { value: t.officeIds.Berlin, display: "Berlin" },
      matchedBy: "officeName",
      matchedValue: "Berlin",
      did,
      extension: "100",
    });
    const member = (await admin(env(), "GET", `/companies/${t.companyId}/users/${id}`)).body;
    expect(member).toMatchObject({ licenseType: "Dialpad_Ai Sales", displayName: "Ann A" });
    // Okta re-sends the same PUT (a retry, or the next profile push): still fine, nothing owed.
    expect((await oktaPut(t.token, id, withOktaProfile("Dialpad_Ai Voice"))).status).toBe(200);
    // Okta's admin aligns the profile with the admin's value: accepted too.
    expect((await oktaPut(t.token, id, withOktaProfile("Dialpad_Ai Sales"))).status).toBe(200);
  });

  test("a PUT that changes the IdP's licenseType while active → 400 mutability, nothing written", async () => {
    const { t, id } = await overriddenUser(env(), "bob.change@example.com");
    const before = await scim(env(), t.token, "GET", `/Users/${id}`);
    const res = await oktaPut(t.token, id, withOktaProfile("Dialpad_Support", { title: "New" }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: "mutability", status: "400" });
    expect(res.body.detail).toMatch(
      /"Dialpad_Ai Voice" \(the identity provider's\) or "Dialpad_Ai Sales" \(in effect\)/,
    );
    const after = await scim(env(), t.token, "GET", `/Users/${id}`);
    expect(after.body.meta).toEqual(before.body.meta);
    expect(after.body).not.toHaveProperty("title");
  });

  test("AIW deactivation PUT with the stale licenseType → suspended by the worker, seat freed", async () => {
    const { t, id, did } = await overriddenUser(env(), "carol.leaver@example.com");
    const res = await oktaPut(t.token, id, withOktaProfile("Dialpad_Ai Voice", { active: false }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.active).toBe(false);
    await eventually(async () => (await telephony(env(), t, id)).status === "suspended", 20_000, "suspended");
    await eventually(settled(env(), id), 20_000, "settled");
    expect(await seats(env(), t)).toMatchObject({ "Dialpad_Ai Sales": { purchased: 1, used: 0 } });
    const line = await telephony(env(), t, id);
    expect(line).toMatchObject({ licenseType: "Dialpad_Ai Sales", did, extension: "100" });
    const member = (await admin(env(), "GET", `/companies/${t.companyId}/users/${id}`)).body;
    expect(member).toMatchObject({ status: "suspended", licenseType: "Dialpad_Ai Sales" });
  });

  test("AIW deactivation PUT with a different licenseType, office, DID and extension → deactivated, those ignored", async () => {
    const { t, id, did } = await overriddenUser(env(), "dan.leaver@example.com");
    const res = await oktaPut(t.token, id, (u) => {
      Object.assign(u, { active: false, did: "+15550000000", extension: "999", officeName: "Paris" });
      u[ENTERPRISE] = { licenseType: "Dialpad_Support", officeName: "Paris", department: "Gone" };
      u[TELEPHONY] = { licenseType: "Dialpad_Support", did: "+15550000001", office: { value: "x" } };
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.active).toBe(false);
    // Not applied, not recorded as the IdP's value: the IdP's earlier values stand.
    expect(res.body[ENTERPRISE]).toEqual({ licenseType: "Dialpad_Ai Voice", officeName: "Berlin" });
    expect(res.body).not.toHaveProperty("did");
    expect(res.body).not.toHaveProperty("extension");
    expect(res.body).not.toHaveProperty("officeName");
    await eventually(async () => (await telephony(env(), t, id)).status === "suspended", 20_000, "suspended");
    expect(await seats(env(), t)).toMatchObject({ "Dialpad_Ai Sales": { used: 0 } });
    expect(await telephony(env(), t, id)).toMatchObject({ licenseType: "Dialpad_Ai Sales", did });
    // Reactivated later with its own old value: fine, and the admin's license comes back into effect.
    const back = await oktaPut(t.token, id, withOktaProfile("Dialpad_Ai Voice", { active: true }));
    expect(back.status).toBe(200);
    await eventually(async () => (await telephony(env(), t, id)).status === "active", 20_000, "reactivated");
    expect(await seats(env(), t)).toMatchObject({ "Dialpad_Ai Sales": { purchased: 1, used: 1 } });
  });

  test("OIN PATCH without a path: deactivation applied; the IdP's own value accepted; a change refused", async () => {
    const { t, id } = await overriddenUser(env(), "erin.oin@example.com");
    const patch = (value: Record<string, unknown>) =>
      scim(env(), t.token, "PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value }] });
    const same = await patch({ [`${ENTERPRISE}:licenseType`]: "Dialpad_Ai Voice", title: "Ops" });
    expect(same.status).toBe(200);
    expect(same.body[TELEPHONY]).toMatchObject({ licenseType: "Dialpad_Ai Sales" });
    const changed = await patch({ [`${ENTERPRISE}:licenseType`]: "Dialpad_Support" });
    expect(changed.body).toMatchObject({ status: "400", scimType: "mutability" });
    for (const target of [{ did: "+15550000000" }, { extension: "555" }, { [`${TELEPHONY}:did`]: "+1555" }]) {
      const refused = await patch({ active: false, ...target });
      expect(refused.body, JSON.stringify(target)).toMatchObject({ status: "400", scimType: "mutability" });
    }
    const off = await patch({ active: false, licenseType: "Dialpad_Support" });
    expect(off.status).toBe(200);
    expect(off.body[ENTERPRISE]).toMatchObject({ licenseType: "Dialpad_Ai Voice" });
    await eventually(async () => (await telephony(env(), t, id)).status === "suspended", 20_000, "suspended");
    expect(await seats(env(), t)).toMatchObject({ "Dialpad_Ai Sales": { used: 0 } });
  });
});
