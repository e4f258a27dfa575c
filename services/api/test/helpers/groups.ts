import { expect } from "vitest";
import { admin, scim, type Tenant } from "./clients.ts";
import type { TestEnv } from "./env.ts";

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/** Okta's group push: POST /Groups (members may be empty; Okta adds them by PATCH afterwards). */
export async function pushGroup(env: TestEnv, t: Tenant, displayName: string, members: string[] = []) {
  const res = await scim(env, t.token, "POST", "/Groups", {
    schemas: [GROUP],
    displayName,
    members: members.map((value) => ({ value })),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** Okta's membership PATCH: a rename carrying the group's own id, then `add members`, in one request. */
export async function oktaAddMembers(env: TestEnv, t: Tenant, groupId: string, displayName: string, ids: string[]) {
  const res = await scim(env, t.token, "PATCH", `/Groups/${groupId}`, {
    schemas: [PATCH_OP],
    Operations: [
      { op: "replace", value: { id: groupId, displayName } },
      { op: "add", path: "members", value: ids.map((value) => ({ value, display: value })) },
    ],
  });
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBeLessThan(300);
  return res;
}

/** Entra's forms: `Add members [{value}]` and `Remove members` with a value array. */
export async function entraMembers(env: TestEnv, t: Tenant, groupId: string, op: "Add" | "Remove", ids: string[]) {
  const res = await scim(env, t.token, "PATCH", `/Groups/${groupId}`, {
    schemas: [PATCH_OP],
    Operations: [{ op, path: "members", value: ids.map((value) => ({ value })) }],
  });
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBeLessThan(300);
  return res;
}

export async function addRule(env: TestEnv, t: Tenant, body: Record<string, unknown>) {
  const res = await admin(env, "POST", `/companies/${t.companyId}/group-rules`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

export async function setHold(env: TestEnv, t: Tenant, seconds: number) {
  const res = await admin(env, "PATCH", `/directories/${t.directoryId}`, { groupRuleHoldSeconds: seconds });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export type Member = {
  id: string;
  status: string;
  error: string | null;
  officeId: string | null;
  officeName: string | null;
  matchedBy: string | null;
  matchedValue: string | null;
  matchedRuleId: string | null;
  pinned: boolean;
  licenseType: string;
  did: string | null;
  extension: string | null;
};

export const memberOf = async (env: TestEnv, t: Tenant, id: string) =>
  (await admin(env, "GET", `/companies/${t.companyId}/users/${id}`)).body as unknown as Member;

/** Every user's desired state reached (applied_generation = generation) and nobody left provisioning. */
export async function settled(env: TestEnv, t: Tenant): Promise<boolean> {
  const [row] = await env.database.sql<{ owed: number }[]>`
    select count(*)::int as owed from users
    where company_id = ${t.companyId} and deleted_at is null
      and (applied_generation < generation or status = 'provisioning')`;
  return row?.owed === 0;
}

export type Charge = { officeId: string; licenseType: string; amountCents: number; userId: string };
export const chargesOf = async (env: TestEnv, t: Tenant) =>
  (await admin(env, "GET", `/companies/${t.companyId}/charges`)).body.charges as Charge[];
