import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admin, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { ENTERPRISE, overriddenUser, PATCH_OP, seats, TELEPHONY, telephony } from "./helpers/overridden-user.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env());
});
afterAll(() => stopWorker(worker));

// Entra's shapes: capitalised ops, URN paths, "True"/"False" strings, and (aadOptscim062020) no-path dotted keys.
const entraPatch = (token: string, id: string, ...Operations: unknown[]) =>
  scim(
    env(),
    token,
    "PATCH",
    `/Users/${id}`,
    { schemas: [PATCH_OP], Operations },
    {
      "User-Agent": "Azure Active Directory SCIM Client",
    },
  );
const LICENSE_PATH = `${ENTERPRISE}:licenseType`;

describe("Entra after an admin changed the license", () => {
  test("a sync that repeats the IdP's licenseType (URN path or dotted no-path key) → 200, admin's license kept", async () => {
    const { t, id } = await overriddenUser(env(), "frank.entra@example.com");
    const urn = await entraPatch(
      t.token,
      id,
      { op: "Replace", path: LICENSE_PATH, value: "Dialpad_Ai Voice" },
      { op: "Replace", path: "name.familyName", value: "Entra" },
    );
    expect(urn.status, JSON.stringify(urn.body)).toBe(200);
    expect(urn.body).toMatchObject({ name: { familyName: "Entra" } });
    expect(urn.body[TELEPHONY]).toMatchObject({ licenseType: "Dialpad_Ai Sales", status: "active" });
    const flagged = await entraPatch(t.token, id, {
      op: "replace",
      value: { displayName: "Frank E", "name.givenName": "Frank", [LICENSE_PATH]: "Dialpad_Ai Voice" },
    });
    expect(flagged.status).toBe(200);
    expect(flagged.body).toMatchObject({ displayName: "Frank E", name: { givenName: "Frank" } });
    expect((await admin(env(), "GET", `/companies/${t.companyId}/users/${id}`)).body).toMatchObject({
      licenseType: "Dialpad_Ai Sales",
      displayName: "Frank E",
    });
  });

  test("a change of the IdP's licenseType while enabled, or an op on did/extension → 400 mutability", async () => {
    const { t, id } = await overriddenUser(env(), "gina.entra@example.com");
    const refused = [
      await entraPatch(t.token, id, { op: "Replace", path: LICENSE_PATH, value: "Dialpad_Support" }),
      await entraPatch(t.token, id, { op: "Remove", path: LICENSE_PATH }),
      await entraPatch(t.token, id, { op: "Replace", path: `${TELEPHONY}:extension`, value: "555" }),
      await entraPatch(
        t.token,
        id,
        { op: "Replace", path: "active", value: "False" },
        { op: "Add", path: "did", value: "+15550000000" },
      ),
    ];
    for (const res of refused) expect(res.body).toMatchObject({ status: "400", scimType: "mutability" });
    expect(await telephony(env(), t, id)).toMatchObject({ status: "active", licenseType: "Dialpad_Ai Sales" });
    expect((await scim(env(), t.token, "GET", `/Users/${id}`)).body.active).toBe(true);
  });

  test('disable ("False") carrying another licenseType → applied: suspended, seat freed, licenseType ignored', async () => {
    const { t, id, did } = await overriddenUser(env(), "hal.entra@example.com");
    const res = await entraPatch(
      t.token,
      id,
      { op: "Replace", path: "active", value: "False" },
      { op: "Replace", path: LICENSE_PATH, value: "Dialpad_Support" },
      { op: "Replace", path: `${ENTERPRISE}:department`, value: "Alumni" },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.active).toBe(false);
    expect(res.body[ENTERPRISE]).toEqual({ licenseType: "Dialpad_Ai Voice", officeName: "Berlin" });
    await eventually(async () => (await telephony(env(), t, id)).status === "suspended", 20_000, "suspended");
    expect(await seats(env(), t)).toMatchObject({ "Dialpad_Ai Sales": { purchased: 1, used: 0 } });
    expect(await telephony(env(), t, id)).toMatchObject({ licenseType: "Dialpad_Ai Sales", did });
  });
});
