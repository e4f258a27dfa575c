import { z } from "@hono/zod-openapi";
import { type Database, schema } from "@scimline/db";
import { USER_STATUSES, type UserStatus } from "@scimline/domain";
import { and, asc, eq, gt, ilike, or, type SQL, sql } from "drizzle-orm";
import { Id } from "./schemas.ts";

const { users, offices, licenseTypes } = schema;

export const TeamMember = z
  .object({
    id: Id,
    userName: z.string(),
    displayName: z.string().nullable(),
    email: z.string().nullable(),
    status: z.enum(USER_STATUSES),
    error: z
      .string()
      .nullable()
      .openapi({ description: "Why provisioning waits or failed, e.g. no_license_available" }),
    officeId: Id.nullable(),
    officeName: z.string().nullable(),
    matchedBy: z.string().nullable().openapi({
      description:
        "Which rule chose the office: officeName, physicalDeliveryOfficeName, department, country, closestName, mainOffice, groupRule, admin",
    }),
    matchedValue: z.string().nullable().openapi({
      description:
        "The user's value that rule matched, e.g. the office name or country sent, or the group's displayName for groupRule; null for mainOffice and admin",
    }),
    matchedRuleId: Id.nullable().openapi({ description: "For groupRule: the group rule that chose the office" }),
    pinned: z.boolean().openapi({
      description: "An admin changed the user's office or license type: group rules leave it alone",
    }),
    did: z.string().nullable(),
    extension: z.string().nullable(),
    licenseType: z.string().openapi({ description: "The license type the user has (or is moving to)" }),
    directoryId: Id.openapi({ description: "The directory that owns the user (created or adopted it)" }),
    createdAt: z.string(),
  })
  .openapi("TeamMember");

export const TeamQuery = z.object({
  q: z.string().trim().max(200).optional().openapi({
    description: "Case-insensitive search in the name, userName and email; also finds suspended users",
  }),
  status: z.enum(USER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: Id.optional().openapi({ description: "nextCursor of the previous page" }),
});

/**
 * docs/RULES.md: a user deactivated by the identity provider is suspended for the admin at once,
 * and a reactivated one provisioning, without waiting for the worker to record it.
 */
const status = sql<UserStatus>`case when ${users.heldKind} is not null then 'held' when not ${users.active} then 'suspended' when ${users.status} = 'suspended' then 'provisioning' else ${users.status} end`;

/** Users an admin sees: not deleted, and users whose SCIM delete the breaker holds (shown as held). */
export const listedUser = sql`(${users.deletedAt} is null or ${users.heldKind} = 'delete')`;

const columns = {
  id: users.id,
  userName: users.userName,
  displayName: users.displayName,
  email: users.email,
  status,
  error: users.errorCode,
  officeId: users.officeId,
  officeName: offices.name,
  matchedBy: users.matchedBy,
  matchedValue: users.matchedValue,
  matchedRuleId: users.matchedRuleId,
  pinned: users.pinned,
  did: users.did,
  extension: sql<string | null>`${users.extension}::text`,
  licenseType: licenseTypes.name,
  directoryId: users.directoryId,
  createdAt: users.createdAt,
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** The team list's search: over the name (displayName, or the SCIM name parts), userName and email. */
function matches(q: string): SQL | undefined {
  const pattern = `%${escapeLike(q)}%`;
  const name = sql`${users.resource}->'name'`;
  return or(
    ilike(users.displayName, pattern),
    ilike(users.userName, pattern),
    ilike(users.email, pattern),
    sql`concat_ws(' ', ${name}->>'givenName', ${name}->>'familyName') ilike ${pattern}`,
    sql`${name}->>'formatted' ilike ${pattern}`,
  );
}

function select(database: Database, where: SQL | undefined) {
  return database.db
    .select(columns)
    .from(users)
    .innerJoin(licenseTypes, eq(licenseTypes.id, users.licenseTypeId))
    .leftJoin(offices, eq(offices.id, users.officeId))
    .where(where);
}

type Row = Awaited<ReturnType<typeof select>>[number];
const view = (r: Row): z.infer<typeof TeamMember> => ({ ...r, createdAt: r.createdAt.toISOString() });

/** A page of the team list, oldest first; the cursor is the last id of the previous page. */
export async function listTeam(database: Database, companyId: string, query: z.infer<typeof TeamQuery>) {
  const { q, limit, cursor } = query;
  const where: Array<SQL | undefined> = [eq(users.companyId, companyId), listedUser];
  // Suspended users only when searched for or asked by status; deleted never.
  if (query.status) where.push(sql`${status} = ${query.status}`);
  else if (!q) where.push(sql`${status} <> 'suspended'`);
  if (q) where.push(matches(q));
  if (cursor) where.push(gt(users.id, cursor));
  const rows = await select(database, and(...where))
    .orderBy(asc(users.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit).map(view);
  return { users: page, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

export async function findTeamMember(database: Database, companyId: string, userId: string) {
  const [row] = await select(database, and(eq(users.companyId, companyId), eq(users.id, userId), listedUser));
  return row ? view(row) : null;
}
