import { describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/** What a group write or a user delete may answer, whoever wins the race; never a 500. */
const ANSWERS = [200, 201, 204, 400, 404, 409];

let n = 0;
const createUser = async (t: Tenant) => {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(`race.user${n++}@acme.com`));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};
const createUsers = (t: Tenant, count: number) => Promise.all(Array.from({ length: count }, () => createUser(t)));

const postGroup = (t: Tenant, displayName: string, members: string[]) =>
  scim(env(), t.token, "POST", "/Groups", {
    schemas: [GROUP],
    displayName,
    members: members.map((value) => ({ value })),
  });
const addMember = (t: Tenant, groupId: string, userId: string) =>
  scim(env(), t.token, "PATCH", `/Groups/${groupId}`, {
    schemas: [PATCH],
    Operations: [{ op: "add", path: "members", value: [{ value: userId }] }],
  });
const deleteUser = (t: Tenant, id: string) => scim(env(), t.token, "DELETE", `/Users/${id}`);

/** Memberships of deleted users: the invariant says none, whatever the order the writes landed in. */
const deletedMembers = async (companyId: string, users?: string[]) => {
  const sql = env().database.sql;
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from group_members gm join users u on u.id = gm.user_id
    where u.company_id = ${companyId} and u.deleted_at is not null
      ${users ? sql`and u.id = any(${sql.array(users)}::uuid[])` : sql``}`;
  return row?.n ?? 0;
};

describe("a group write at the same moment as deletes of its members", () => {
  test("POST /Groups with four members and DELETE of the four (10 rounds): no membership of a deleted user", async () => {
    const t = await createTenant(env());
    const statuses: number[] = [];
    const leaks: number[] = [];
    for (let round = 0; round < 10; round++) {
      const members = await createUsers(t, 4);
      const [group, ...deletes] = await Promise.all([
        postGroup(t, `Race ${round}`, members),
        ...members.map((id) => deleteUser(t, id)),
      ]);
      statuses.push(group?.status ?? 0, ...deletes.map((d) => d.status));
      // Every delete found its user; the group either took all four members before the deletes or none.
      expect(deletes.map((d) => d.status)).toEqual([204, 204, 204, 204]);
      expect([201, 400], JSON.stringify(group?.body)).toContain(group?.status);
      if (group?.status === 400) expect(group.body.scimType).toBe("invalidValue");
      leaks.push(await deletedMembers(t.companyId, members));
    }
    expect(leaks).toEqual(Array(10).fill(0));
    expect(await deletedMembers(t.companyId)).toBe(0);
    expect(statuses.filter((s) => !ANSWERS.includes(s))).toEqual([]);
  });

  test("PATCH adding a member and DELETE of that user (20 rounds): no membership of a deleted user", async () => {
    const t = await createTenant(env());
    const created = await postGroup(t, "Race patch", []);
    expect(created.status).toBe(201);
    const groupId = created.body.id as string;
    const leaks: number[] = [];
    for (let round = 0; round < 20; round++) {
      const user = await createUser(t);
      const [patch, del] = await Promise.all([addMember(t, groupId, user), deleteUser(t, user)]);
      expect(del.status).toBe(204);
      expect([200, 400], JSON.stringify(patch.body)).toContain(patch.status);
      if (patch.status === 400) expect(patch.body.scimType).toBe("invalidValue");
      leaks.push(await deletedMembers(t.companyId, [user]));
    }
    expect(leaks).toEqual(Array(20).fill(0));
    const group = await scim(env(), t.token, "GET", `/Groups/${groupId}`);
    expect(group.status).toBe(200);
    expect(group.body.members ?? []).toEqual([]);
  });

  test("PUT replacing members and DELETE of a new one (10 rounds): no membership of a deleted user", async () => {
    const t = await createTenant(env());
    const [kept = "", ...rest] = await createUsers(t, 1);
    expect(rest).toEqual([]);
    const created = await postGroup(t, "Race put", [kept]);
    expect(created.status).toBe(201);
    const groupId = created.body.id as string;
    const leaks: number[] = [];
    for (let round = 0; round < 10; round++) {
      const user = await createUser(t);
      const [put, del] = await Promise.all([
        scim(env(), t.token, "PUT", `/Groups/${groupId}`, {
          schemas: [GROUP],
          displayName: "Race put",
          members: [{ value: kept }, { value: user }],
        }),
        deleteUser(t, user),
      ]);
      expect(del.status).toBe(204);
      expect([200, 400], JSON.stringify(put.body)).toContain(put.status);
      leaks.push(await deletedMembers(t.companyId, [user]));
    }
    expect(leaks).toEqual(Array(10).fill(0));
    const group = await scim(env(), t.token, "GET", `/Groups/${groupId}`);
    expect((group.body.members as Array<{ value: string }>).map((m) => m.value)).toEqual([kept]);
  });

  test("sequentially: a deleted user is no member to add (400), and a delete removes its memberships", async () => {
    const t = await createTenant(env());
    const [gone = "", stays = ""] = await createUsers(t, 2);
    expect((await deleteUser(t, gone)).status).toBe(204);
    const refused = await postGroup(t, "Seq", [stays, gone]);
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe("invalidValue");
    expect(String(refused.body.detail)).toContain(gone);
    const created = await postGroup(t, "Seq", [stays]);
    expect(created.status).toBe(201);
    const groupId = created.body.id as string;
    const patch = await addMember(t, groupId, gone);
    expect(patch.status).toBe(400);
    expect(patch.body.scimType).toBe("invalidValue");
    expect((await deleteUser(t, stays)).status).toBe(204);
    const group = await scim(env(), t.token, "GET", `/Groups/${groupId}`);
    expect(group.body.members ?? []).toEqual([]);
    expect(await deletedMembers(t.companyId)).toBe(0);
  });
});
