import { type Database, foldedGroupName, isUuid, newId, type TxSql } from "@scimline/db";
import { foldGroupName } from "@scimline/domain";
import { badRequest, ScimError } from "../../scim/errors.ts";
import type { ScimPrincipal } from "../../tenancy.ts";
import { isUniqueViolation } from "../pg-errors.ts";
import { gateRuleChanges, lockCompanyUsers, membersOf, owedToUsers, planWithValues } from "./membership-work.ts";

export type GroupWrite = { displayName: string; externalId: string | null; memberIds: string[] };

function uniqueness(error: unknown): ScimError | null {
  if (isUniqueViolation(error, "groups_directory_display_name")) {
    return new ScimError(409, "uniqueness", "A group with this displayName already exists in this directory");
  }
  if (isUniqueViolation(error, "groups_directory_external_id")) {
    return new ScimError(409, "uniqueness", "A group with this externalId already exists in this directory");
  }
  return null;
}

/**
 * Members must be users this directory provisioned (the master: any of the company's) and has not deleted.
 * They stay so until the write commits: each is locked FOR KEY SHARE (in id order, as the user delete
 * locks them), the lock the insert's foreign key check takes anyway, so concurrent group writes of the
 * same user and the user's own updates do not wait for each other, but a delete (FOR UPDATE, markDeleted)
 * does. A delete that locked the user first makes this lock wait for it and then find the user deleted
 * (the 400 below); one that comes after waits for this write and removes the memberships it added.
 * (A write of a ruled group has locked them already, more strongly: see lockTouched.)
 */
async function checkMembers(tx: TxSql, p: ScimPrincipal, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const candidates = ids.filter(isUuid);
  const found = candidates.length
    ? await tx<{ id: string }[]>`
        select u.id from unnest(${tx.array(candidates)}::uuid[]) as m(id) join users u on u.id = m.id
        where (${p.master}::boolean or u.directory_id = ${p.directoryId}) and u.company_id = ${p.companyId}
          and u.deleted_at is null
        order by u.id for key share of u`
    : [];
  const known = new Set(found.map((r) => r.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(", ");
    throw badRequest("invalidValue", `members refer to unknown users: ${shown}${missing.length > 5 ? ", …" : ""}`);
  }
}

/**
 * A membership change of a group some rule of the company names (by id, or by the old or new name)
 * is provisioning work for the users it touches: a new generation and an outbox row each, in the same
 * transaction (requeueTouched); the plan decides what the rules now say. A rename touches every member.
 * Without a rule, groups stay what they were before rules existed: stored, no effect.
 */
async function isRuled(tx: TxSql, companyId: string, group: { id: string; names: string[] }): Promise<boolean> {
  const [ruled] = await tx<{ ruled: boolean }[]>`
    select exists (select 1 from group_rules where company_id = ${companyId}
      and (group_id = ${group.id}
           or ${foldedGroupName(tx, "group_display_name")} = any(${tx.array(group.names.map(foldGroupName))}::text[]))) as ruled`;
  return ruled?.ruled === true;
}

/**
 * A write of a ruled group locks the users it will touch (those it adds, those it removes, every member
 * on a rename or a delete) in id order, as strongly as requeueTouched's update will, before it changes
 * any membership row. The order is the one every writer of users and memberships keeps: users first, in
 * id order, then group_members rows. The user delete (markDeleted) and the worker's erasure lock the
 * users and then delete their memberships; had this write removed a membership first and then waited
 * for its user, each would hold what the other waits for (a deadlock, answered 503). The group's own
 * row is locked before the users (the UPDATE or DELETE of it came first): nothing that writes users
 * ever waits for a group row.
 */
async function lockTouched(
  tx: TxSql,
  companyId: string,
  groupId: string,
  touched: string[],
  everyMember: boolean,
): Promise<void> {
  const members = everyMember ? await membersOf(tx, companyId, { ids: [groupId], names: [] }) : [];
  await lockCompanyUsers(tx, companyId, [...touched, ...members]);
}

/** The work the write owes the users it touched (locked by lockTouched). */
async function requeueTouched(
  tx: TxSql,
  companyId: string,
  groupId: string,
  touched: string[],
  everyMember: boolean,
): Promise<void> {
  const members = everyMember ? await membersOf(tx, companyId, { ids: [groupId], names: [] }) : [];
  await owedToUsers(tx, companyId, [...touched, ...members], { locked: true });
}

/**
 * Removes every member not in `memberIds` and inserts `added` (the members not there yet; on a create,
 * all of them); returns the users whose membership changed.
 */
async function writeMembers(tx: TxSql, groupId: string, memberIds: string[], added: string[]): Promise<string[]> {
  const rows = await tx<{ user_id: string }[]>`
    with removed as (
      delete from group_members where group_id = ${groupId}
        and user_id not in (select unnest(${tx.array(memberIds)}::uuid[]))
      returning user_id
    ), added as (
      insert into group_members (group_id, user_id) select ${groupId}, m from unnest(${tx.array(added)}::uuid[]) m
      on conflict do nothing
      returning user_id
    )
    select user_id from removed union all select user_id from added`;
  return rows.map((r) => r.user_id);
}

export async function insertGroup(database: Database, p: ScimPrincipal, g: GroupWrite): Promise<string> {
  const id = newId();
  try {
    await database.sql.begin(async (tx) => {
      await planWithValues(tx);
      await gateRuleChanges(tx, p.companyId, "groupWrite");
      const ruled = await isRuled(tx, p.companyId, { id, names: [g.displayName] });
      if (ruled) await lockTouched(tx, p.companyId, id, g.memberIds, false);
      await checkMembers(tx, p, g.memberIds);
      await tx`
        insert into groups (id, company_id, directory_id, display_name, external_id)
        values (${id}, ${p.companyId}, ${p.directoryId}, ${g.displayName}, ${g.externalId})`;
      const added = await writeMembers(tx, id, g.memberIds, g.memberIds);
      if (ruled) await requeueTouched(tx, p.companyId, id, added, false);
    });
  } catch (error) {
    throw uniqueness(error) ?? error;
  }
  return id;
}

/**
 * Replaces the group's attributes and membership if it is still at `expectedVersion`. `currentMembers`
 * are the members at that version: only the ones the write adds are checked and inserted, so a PATCH
 * adding one member to a group of thousands costs one member's work, not the group's.
 */
export async function updateGroup(
  database: Database,
  p: ScimPrincipal,
  id: string,
  expectedVersion: number,
  g: GroupWrite,
  currentMembers: ReadonlySet<string>,
): Promise<boolean> {
  const added = g.memberIds.filter((member) => !currentMembers.has(member));
  const kept = new Set(g.memberIds);
  const removed = [...currentMembers].filter((member) => !kept.has(member));
  try {
    return await database.sql.begin(async (tx) => {
      await planWithValues(tx);
      await gateRuleChanges(tx, p.companyId, "groupWrite");
      const [before] = await tx<{ old_name: string }[]>`
        update groups set display_name = ${g.displayName}, external_id = ${g.externalId},
          version = groups.version + 1, updated_at = now()
        from (select id, display_name as old_name from groups where id = ${id}) o
        where groups.id = o.id and groups.company_id = ${p.companyId} and groups.directory_id = ${p.directoryId}
          and groups.version = ${expectedVersion}
        returning o.old_name`;
      if (!before) return false;
      const renamed = foldGroupName(before.old_name) !== foldGroupName(g.displayName);
      const ruled = await isRuled(tx, p.companyId, { id, names: [before.old_name, g.displayName] });
      if (ruled) await lockTouched(tx, p.companyId, id, [...added, ...removed], renamed);
      await checkMembers(tx, p, added);
      const touched = await writeMembers(tx, id, g.memberIds, added);
      if (ruled) await requeueTouched(tx, p.companyId, id, touched, renamed);
      return true;
    });
  } catch (error) {
    throw uniqueness(error) ?? error;
  }
}

/** The group and its memberships go; its members are reconciled if a rule named it. */
export async function deleteGroup(database: Database, p: ScimPrincipal, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return database.sql.begin(async (tx) => {
    await planWithValues(tx);
    await gateRuleChanges(tx, p.companyId, "groupWrite");
    // The group's row first (as the DELETE below locks it), then its members if a rule names it.
    const [group] = await tx<{ display_name: string }[]>`
      select display_name from groups
      where id = ${id} and company_id = ${p.companyId} and directory_id = ${p.directoryId}
      for update`;
    if (!group) return false;
    const ruled = await isRuled(tx, p.companyId, { id, names: [group.display_name] });
    if (ruled) await lockTouched(tx, p.companyId, id, [], true);
    const [gone] = await tx<{ display_name: string; members: string[] }[]>`
      with m as (select user_id from group_members where group_id = ${id})
      delete from groups where id = ${id} and company_id = ${p.companyId} and directory_id = ${p.directoryId}
      returning display_name, array(select user_id from m)::text[] as members`;
    if (!gone) return false;
    if (ruled) await requeueTouched(tx, p.companyId, id, gone.members, false);
    return true;
  });
}
