import type { Database } from "@scimline/db";
import { isUuid, schema } from "@scimline/db";
import { and, asc, count, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { ScimPrincipal } from "../../tenancy.ts";
import { pageWithTotal, totalOver } from "../page.ts";

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
export type { GroupWrite } from "./group-writes.ts";

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

/**
 * Characters of a member's `display` (its user's displayName, else its userName): names people read are
 * far shorter. A displayName may hold 16,384: one GET of a group of 50,000 such members built 1.6 GB of
 * heap before failing (its JSON was longer than a string may be), three at once 3.1 GB of the 4 GB heap
 * the process had, and a PATCH of it 2.4 GB. Cut, the GET takes 70–85 MB (a group of short names 40 MB).
 */
export const MAX_MEMBER_DISPLAY = 256;

export async function loadMembers(database: Database, groupIds: string[]): Promise<Map<string, MemberRow[]>> {
  const byGroup = new Map<string, MemberRow[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  const rows = await database.db
    .select({
      groupId: groupMembers.groupId,
      value: groupMembers.userId,
      display: sql<
        string | null
      >`left(coalesce(${users.displayName}, ${users.userName}), ${sql.raw(String(MAX_MEMBER_DISPLAY))})`,
    })
    .from(groupMembers)
    .innerJoin(users, eq(users.id, groupMembers.userId))
    .where(and(inArray(groupMembers.groupId, groupIds), isNull(users.deletedAt)))
    .orderBy(asc(groupMembers.userId));
  for (const row of rows) byGroup.get(row.groupId)?.push({ value: row.value, display: row.display });
  return byGroup;
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
