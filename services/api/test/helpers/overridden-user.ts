import { expect } from "vitest";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./clients.ts";
import type { TestEnv } from "./env.ts";
import { eventually } from "./worker.ts";

export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export type Line = Record<string, unknown>;
export type Seats = Record<string, { purchased: number; used: number }>;

export const telephony = async (env: TestEnv, t: Tenant, id: string) =>
  (await scim(env, t.token, "GET", `/Users/${id}`)).body[TELEPHONY] as Line;

export const seats = async (env: TestEnv, t: Tenant): Promise<Seats> => {
  const offices = (await admin(env, "GET", `/companies/${t.companyId}/offices`)).body.offices as Array<{
    seats: Seats;
  }>;
  return offices[0]?.seats ?? {};
};

export const settled = (env: TestEnv, id: string) => async () => {
  const [row] = await env.database.sql<{ done: boolean }[]>`
    select applied_generation = generation and status in ('active', 'suspended') as done from users where id = ${id}`;
  return row?.done === true;
};

/**
 * A user the identity provider created with "Dialpad_Ai Voice" in Berlin (DID from the carrier), whose license a company
 * admin then changed to "Dialpad_Ai Sales" (applied by the running worker): the IdP's profile is stale.
 */
export async function overriddenUser(env: TestEnv, userName: string): Promise<{ t: Tenant; id: string; did: string }> {
  const t = await createTenant(env, {
    offices: [{ name: "Berlin", country: "DE", main: true, seats: { "Dialpad_Ai Voice": 1, "Dialpad_Ai Sales": 0 } }],
  });
  const created = await scim(
    env,
    t.token,
    "POST",
    "/Users",
    oktaUser(userName, { [ENTERPRISE]: { licenseType: "Dialpad_Ai Voice", officeName: "Berlin" } }),
  );
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await eventually(settled(env, id), 20_000, `${userName} active`);
  const changed = await admin(env, "PATCH", `/companies/${t.companyId}/users/${id}`, {
    licenseType: "Dialpad_Ai Sales",
  });
  expect(changed.status).toBe(200);
  await eventually(settled(env, id), 20_000, "license change applied");
  expect(await seats(env, t)).toMatchObject({
    "Dialpad_Ai Voice": { used: 0 },
    "Dialpad_Ai Sales": { purchased: 1, used: 1 },
  });
  const did = (await telephony(env, t, id)).did;
  expect(did).toMatch(/^\+1415555\d{4}$/);
  return { t, id, did: String(did) };
}
