import type { Database } from "@scimline/db";
import { newId, schema } from "@scimline/db";
import { and, asc, count, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { badRequest, ScimError } from "../../scim/errors.ts";
import type { ScimPrincipal } from "../../tenancy.ts";
import { pageWithTotal, totalOver } from "../page.ts";
import { isUniqueViolation } from "../pg-errors.ts";

const { groups, groupMembers, users } = schema;

export type MemberRow = { value: string; display: string | null };
export type GroupRow = {
  id: string;
  displayName: string;
  externalId: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** null when members were not asked for (excludedAttributes=members on large groups). */
  members: MemberRow[] | null;
};
export type GroupWrite = { displayName: string; externalId: string | null; memberIds: string[] };

const groupColumns = {
  id: groups.id,
  displayName: groups.displayName,
  externalId: groups.externalId,
  version: groups.version,
  createdAt: groups.createdAt,
  updatedAt: groups.updatedAt,
};

export const groupsVisibleTo = (p: ScimPrincipal): SQL =>
  and(eq(groups.companyId, p.companyId), eq(groups.directoryId, p.directoryId)) as SQL;

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

function uniqueness(error: unknown): ScimError | null {
  if (isUniqueViolation(error, "groups_directory_display_name")) {
    return new ScimError(409, "uniqueness", "A group with this displayName already exists in this directory");
  }
  if (isUniqueViolation(error, "groups_directory_external_id")) {
    return new ScimError(409, "uniqueness", "A group with this externalId already exists in this directory");
  }
  return null;
}

type Executor = Pick<Database["db"], "select">;

/** Members must be users this directory provisioned and has not deleted. */
async function checkMembers(db: Executor, p: ScimPrincipal, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const malformed = ids.filter((id) => !isUuid(id));
  const candidates = ids.filter(isUuid);
  const found = candidates.length
    ? await db
        .select({ id: users.id })
        .from(users)
        .where(
          and(
            inArray(users.id, candidates),
            eq(users.directoryId, p.directoryId),
            eq(users.companyId, p.companyId),
            isNull(users.deletedAt),
          ),
        )
    : [];
  const known = new Set(found.map((r) => r.id));
  const missing = [...malformed, ...candidates.filter((id) => !known.has(id))];
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(", ");
    throw badRequest("invalidValue", `members refer to unknown users: ${shown}${missing.length > 5 ? ", …" : ""}`);
  }
}

export async function loadMembers(database: Database, groupIds: string[]): Promise<Map<string, MemberRow[]>> {
  const byGroup = new Map<string, MemberRow[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  const rows = await database.db
    .select({
      groupId: groupMembers.groupId,
      value: groupMembers.userId,
      display: sql<string | null>`coalesce(${users.displayName}, ${users.userName})`,
    })
    .from(groupMembers)
    .innerJoin(users, eq(users.id, groupMembers.userId))
    .where(and(inArray(groupMembers.groupId, groupIds), isNull(users.deletedAt)))
    .orderBy(asc(groupMembers.userId));
  for (const row of rows) byGroup.get(row.groupId)?.push({ value: row.value, display: row.display });
  return byGroup;
}

export async function insertGroup(database: Database, p: ScimPrincipal, g: GroupWrite): Promise<string> {
  const id = newId();
  try {
    await database.db.transaction(async (tx) => {
      await checkMembers(tx, p, g.memberIds);
      await tx.insert(groups).values({
        id,
        companyId: p.companyId,
        directoryId: p.directoryId,
        displayName: g.displayName,
        externalId: g.externalId,
      });
      if (g.memberIds.length)
        await tx.insert(groupMembers).values(g.memberIds.map((userId) => ({ groupId: id, userId })));
    });
  } catch (error) {
    throw uniqueness(error) ?? error;
  }
  return id;
}

export async function findGroup(
  database: Database,
  p: ScimPrincipal,
  id: string,
  withMembers: boolean,
): Promise<GroupRow | null> {
  if (!isUuid(id)) return null;
  const [row] = await database.db
    .select(groupColumns)
    .from(groups)
    .where(and(groupsVisibleTo(p), eq(groups.id, id)));
  if (!row) return null;
  const members = withMembers ? ((await loadMembers(database, [id])).get(id) ?? []) : null;
  return { ...row, members };
}

/**
 * Members one list page may carry. A page stops before the group that would pass it (the first
 * group always comes whole): fewer items than `count`, which RFC 7644 §3.4.2.4 allows, and the
 * client's next startIndex picks up the rest. So a page of large groups never loads them all.
 */
export const MAX_LIST_MEMBERS = 10_000;

export async function listGroups(
  database: Database,
  p: ScimPrincipal,
  query: { where?: SQL; orderBy?: SQL; offset: number; limit: number; withMembers: boolean },
): Promise<{ total: number; rows: GroupRow[] }> {
  const where = query.where ? and(groupsVisibleTo(p), query.where) : groupsVisibleTo(p);
  const countAll = async () => (await database.db.select({ total: count() }).from(groups).where(where))[0]?.total ?? 0;
  const memberCount = sql<number>`(select count(*) from ${groupMembers} where ${groupMembers.groupId} = ${groups.id})`
    .mapWith(Number)
    .as("member_count");
  const { total, rows } = await pageWithTotal(
    query,
    () =>
      database.db
        .select({ ...groupColumns, memberCount, total: totalOver() })
        .from(groups)
        .where(where)
        .orderBy(...(query.orderBy ? [query.orderBy] : []), groups.id)
        .offset(query.offset)
        .limit(query.limit),
    countAll,
  );
  if (!query.withMembers) return { total, rows: rows.map(({ memberCount: _, ...r }) => ({ ...r, members: null })) };
  const page: typeof rows = [];
  let carried = 0;
  for (const row of rows) {
    if (page.length > 0 && carried + row.memberCount > MAX_LIST_MEMBERS) break;
    page.push(row);
    carried += row.memberCount;
  }
  const members = await loadMembers(
    database,
    page.map((r) => r.id),
  );
  return { total, rows: page.map(({ memberCount: _, ...r }) => ({ ...r, members: members.get(r.id) ?? [] })) };
}

/** Replaces the group's attributes and membership if it is still at `expectedVersion`. */
export async function updateGroup(
  database: Database,
  p: ScimPrincipal,
  id: string,
  expectedVersion: number,
  g: GroupWrite,
): Promise<boolean> {
  try {
    return await database.db.transaction(async (tx) => {
      const updated = await tx
        .update(groups)
        .set({
          displayName: g.displayName,
          externalId: g.externalId,
          version: sql`${groups.version} + 1`,
          updatedAt: sql`now()`,
        })
        .where(and(groupsVisibleTo(p), eq(groups.id, id), eq(groups.version, expectedVersion)))
        .returning({ id: groups.id });
      if (updated.length === 0) return false;
      await checkMembers(tx, p, g.memberIds);
      await tx
        .delete(groupMembers)
        .where(
          g.memberIds.length
            ? and(eq(groupMembers.groupId, id), sql`${groupMembers.userId} <> all(${sql.param(g.memberIds)}::uuid[])`)
            : eq(groupMembers.groupId, id),
        );
      if (g.memberIds.length) {
        await tx
          .insert(groupMembers)
          .values(g.memberIds.map((userId) => ({ groupId: id, userId })))
          .onConflictDoNothing();
      }
      return true;
    });
  } catch (error) {
    throw uniqueness(error) ?? error;
  }
}

export async function deleteGroup(database: Database, p: ScimPrincipal, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await database.db
    .delete(groups)
    .where(and(groupsVisibleTo(p), eq(groups.id, id)))
    .returning({ id: groups.id });
  return rows.length === 1;
}
