import { type Database, insertUsers, isUuid, newId, type RowEvent, schema } from "@scimline/db";
import type { OfficeHints } from "@scimline/domain";
import { and, count, eq, gt, isNull, or, type SQL, sql } from "drizzle-orm";
import { ScimError } from "../../scim/errors.ts";
import type { ScimPrincipal } from "../../tenancy.ts";
import { pageWithTotal, totalOver } from "../page.ts";
import { isUniqueViolation } from "../pg-errors.ts";
import type { ListCache } from "./list-cache.ts";

const { users, offices, licenseTypes } = schema;

/** A user as SCIM shows it: the stored resource plus the provisioning outcome. */
export type UserRow = {
  id: string;
  userName: string;
  externalId: string | null;
  active: boolean;
  resource: Record<string, unknown>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  status: string;
  errorCode: string | null;
  officeId: string | null;
  officeName: string | null;
  matchedBy: string | null;
  matchedValue: string | null;
  matchedRuleId: string | null;
  did: string | null;
  extension: number | null;
  licenseTypeId: string;
  licenseTypeName: string;
  /** The license type the identity provider last asked for (the one in effect on rows older than it). */
  idpLicenseTypeId: string;
  /** The directory that owns the user (created or adopted it). */
  directoryId: string;
  email: string | null;
  /** When the master directory last changed this user of another directory. */
  masterChangedAt: Date | null;
  /** A deactivation the breaker holds (a held delete is invisible to SCIM): shown as status `held`. */
  heldKind: "deactivate" | "delete" | null;
};

export const userColumns = {
  id: users.id,
  userName: users.userName,
  externalId: users.externalId,
  active: users.active,
  resource: users.resource,
  version: users.version,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  status: users.status,
  errorCode: users.errorCode,
  officeId: users.officeId,
  officeName: sql<string | null>`(select ${offices.name} from ${offices} where ${offices.id} = ${users.officeId})`,
  matchedBy: users.matchedBy,
  matchedValue: users.matchedValue,
  matchedRuleId: users.matchedRuleId,
  did: users.did,
  extension: users.extension,
  licenseTypeId: users.licenseTypeId,
  licenseTypeName: sql<string>`(select ${licenseTypes.name} from ${licenseTypes} where ${licenseTypes.id} = ${users.licenseTypeId})`,
  idpLicenseTypeId: sql<string>`coalesce(${users.idpLicenseTypeId}, ${users.licenseTypeId})`,
  directoryId: users.directoryId,
  email: users.email,
  masterChangedAt: users.masterChangedAt,
  heldKind: users.heldKind,
};

/** A user's domain in SQL, as `userDomain` computes it: after the @ of the userName, else of the email. */
const domainOf = (column: SQL | typeof users.userName) =>
  sql`nullif(lower(rtrim(trim(substring(trim(${column}) from '@([^@]+)$')), '.')), '')`;
export const userDomainSql = sql`coalesce(${domainOf(users.userName)}, ${domainOf(sql`coalesce(${users.email}, '')`)})`;

/**
 * Which of a company's users a directory sees: `company` every one (the master; a directory that
 * adopts existing users of any domain, by filter and id), `directory` its own, `domains` its own and
 * those of its domains (docs/decisions/0011-directories-master-adoption-breaker.md).
 */
type Visibility = "company" | "directory" | "domains";
/** The principal's values, or placeholders for a statement prepared once per visibility. */
type Scope = { companyId: unknown; directoryId: unknown; domains: unknown };

const seen = (v: Visibility, s: Scope): SQL => {
  const company = and(eq(users.companyId, s.companyId as string), isNull(users.deletedAt)) as SQL;
  if (v === "company") return company;
  const own = eq(users.directoryId, s.directoryId as string);
  if (v === "directory") return and(company, own) as SQL;
  return and(company, or(own, sql`${userDomainSql} = any(${s.domains}::text[])`)) as SQL;
};
const scopeOf = (p: ScimPrincipal): Scope => ({
  companyId: p.companyId,
  directoryId: p.directoryId,
  domains: sql.param(p.domains),
});
const lookupVisibility = (p: ScimPrincipal): Visibility =>
  p.master || (p.adoptExisting && p.domains.length === 0) ? "company" : p.adoptExisting ? "domains" : "directory";

/**
 * Rows a directory lists: its own, not deleted (docs/RULES.md "Tenancy": each directory sees only what it provisioned);
 * the master every user of the company.
 */
export const visibleTo = (p: ScimPrincipal): SQL => seen(p.master ? "company" : "directory", scopeOf(p));

/**
 * Rows a directory finds by filter and by id: what it lists, and for a directory that adopts existing
 * users, the company's users of its domains (all of them when it has none) owned by other directories.
 */
export const lookupVisibleTo = (p: ScimPrincipal): SQL => seen(lookupVisibility(p), scopeOf(p));

/**
 * The two look-ups every identity provider repeats, a user by id and by userName, as statements
 * built once per pool and visibility and prepared on each connection: no query building per
 * request, and one round trip instead of two (parse and describe, then bind and execute).
 */
type LookupKey = "id" | "userName";
const statements = new WeakMap<Database, Map<string, unknown>>();
const placeholders: Scope = {
  companyId: sql.placeholder("companyId"),
  directoryId: sql.placeholder("directoryId"),
  domains: sql.placeholder("domains"),
};

/** The statement `name` of this pool: the query `build` gives, prepared on first use. */
function prepared<P>(database: Database, name: string, build: () => { prepare(name: string): P }): P {
  const known = statements.get(database) ?? new Map<string, unknown>();
  statements.set(database, known);
  if (!known.has(name)) known.set(name, build().prepare(name));
  return known.get(name) as P;
}

const lookupQuery = (database: Database, v: Visibility, key: LookupKey) => () =>
  database.db
    .select(userColumns)
    .from(users)
    .where(
      and(
        seen(v, placeholders),
        key === "id"
          ? eq(users.id, sql.placeholder("key") as unknown as string)
          : sql`lower(${users.userName}) = lower(${sql.placeholder("key")}::text)`,
      ),
    );

async function lookUp(database: Database, p: ScimPrincipal, key: LookupKey, value: string): Promise<UserRow | null> {
  const v = lookupVisibility(p);
  const statement = prepared(database, `user_by_${key}_${v}`, lookupQuery(database, v, key));
  const [row] = await statement.execute({
    companyId: p.companyId,
    directoryId: p.directoryId,
    domains: p.domains,
    key: value,
  });
  return (row as UserRow | undefined) ?? null;
}

/** The create's userName is taken in the company: the door may resolve it (adoption) or explain who owns it. */
export class UserNameTaken extends ScimError {
  constructor() {
    super(409, "uniqueness", "A user with this userName already exists in this company");
  }
}

export function uniquenessError(error: unknown): ScimError | null {
  if (isUniqueViolation(error, "users_company_username")) return new UserNameTaken();
  if (isUniqueViolation(error, "users_directory_external_id")) {
    return new ScimError(409, "uniqueness", "A user with this externalId already exists in this directory");
  }
  return null;
}

export type NewUser = {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  email: string | null;
  active: boolean;
  document: Record<string, unknown>;
  passwordSealed: string | null;
  licenseTypeId: string;
  officeHints: OfficeHints;
};

export const NEW_USER_COLUMNS = [
  "id",
  "company_id",
  "directory_id",
  "user_name",
  "external_id",
  "display_name",
  "email",
  "active",
  "resource",
  "password_pending",
  "license_type_id",
  "idp_license_type_id",
  "office_hints",
] as const;

export const newUserRow = (id: string, p: ScimPrincipal, u: NewUser) => ({
  id,
  company_id: p.companyId,
  directory_id: p.directoryId,
  user_name: u.userName,
  external_id: u.externalId,
  display_name: u.displayName,
  email: u.email,
  active: u.active,
  resource: u.document,
  password_pending: u.passwordSealed,
  license_type_id: u.licenseTypeId,
  // What the identity provider asked for, apart from what an admin may later put in effect.
  idp_license_type_id: u.licenseTypeId,
  office_hints: u.officeHints,
});

/** Every accepted create is recorded on the user's timeline with the directory and license it came with. */
export const ACCEPTED: RowEvent = {
  type: "user.accepted",
  data: (q) => q`jsonb_build_object('directoryId', u.directory_id, 'licenseType', lt.name)`,
};

/**
 * The door's write: the user (resource + desired state), its outbox row and its `user.accepted` event
 * in ONE statement, so an accepted create is durable in a single round trip.
 */
export async function insertUser(
  database: Database,
  p: ScimPrincipal,
  u: NewUser,
): Promise<{ id: string; createdAt: Date }> {
  const id = newId();
  try {
    // Bounded: the door's batcher waits on these one-by-one retries (UserInserter).
    const [row] = await database.settleWithin(
      insertUsers(database.sql, [newUserRow(id, p, u)], NEW_USER_COLUMNS, { events: [ACCEPTED] }),
    );
    if (!row) throw new Error("insert returned no row");
    return { id: row.id, createdAt: new Date(row.created_at) };
  } catch (error) {
    throw uniquenessError(error) ?? error;
  }
}

export async function findUser(database: Database, p: ScimPrincipal, id: string): Promise<UserRow | null> {
  return isUuid(id) ? lookUp(database, p, "id", id) : null;
}

/**
 * `userName eq "…"`: at most one user (userNames are unique in a company, case-insensitively),
 * paged like any list so startIndex and count mean what they mean elsewhere.
 */
export async function findUserName(
  database: Database,
  p: ScimPrincipal,
  userName: string,
  page: { offset: number; limit: number },
): Promise<{ total: number; rows: UserRow[] }> {
  const row = await lookUp(database, p, "userName", userName);
  if (!row) return { total: 0, rows: [] };
  return { total: 1, rows: page.offset === 0 && page.limit > 0 ? [row] : [] };
}

/**
 * Bytes of users one list page may carry, counted as Postgres sends them (each resource's JSON text,
 * which the driver reads and parses whole). A page stops before the user that would pass it (the
 * first user always comes): fewer items than `count`, which RFC 7644 §3.4.2.4 allows, and the
 * client's next startIndex picks up the rest. So a page of large users (a resource may hold 2 MiB of
 * text, a page up to 1,000 of them) never loads them all. Each value counts VALUE_BYTES more.
 *
 * The text's length, not pg_column_size: the stored size is compressed (1 MiB of one repeated
 * character is kept in 11 KB) and jsonb prints numbers in full (`1e308` is 309 digits), so it may
 * be a hundredth of what the process would read. Postgres works it out for the page's rows only.
 */
export const MAX_LIST_BYTES = 8 * 1024 * 1024;

/**
 * What a value costs the page beyond its text: the objects JSON.parse builds, the page's copy of them and
 * their text again in the answer. A page of 6 MiB of users of ~9,900 empty objects each (about the most a
 * user may hold) took 150 MB of heap, four at once 290–570 MB. Counted as each `,` of the resource's text
 * (one per value after the first of each list or object; inside strings too, which only shortens a page):
 * an Okta user of ~400 bytes counts ~800, a page of 1,000 of them ~0.8 MB. Postgres counts them in a few
 * milliseconds per 1,000 users.
 */
const VALUE_BYTES = 32;

/** A resource's size as MAX_LIST_BYTES counts it: its text's bytes and VALUE_BYTES per value. */
const resourceBytes = sql`(select octet_length(r.t) + ${sql.raw(String(VALUE_BYTES))} * (octet_length(r.t) - octet_length(replace(r.t, ',', '')))
  from (select ${users.resource}::text as t) as r)`;

/**
 * Of a page's users (`page`: a query of their `id`, their place `ord`, their `bytes` and anything
 * else it carries), those a page keeps within MAX_LIST_BYTES: the subquery `kept`, same columns.
 */
const withinBudget = (page: SQL): SQL => sql`(
  select * from (select page.*, sum(page.bytes) over (order by page.ord) as carried from (${page}) as page) as counted
  where counted.carried <= ${MAX_LIST_BYTES} or counted.carried = counted.bytes
) as kept`;

export async function listUsers(
  database: Database,
  p: ScimPrincipal,
  query: { where?: SQL; orderBy?: SQL; offset: number; limit: number },
  cache: ListCache,
): Promise<{ total: number; rows: UserRow[] }> {
  if (!query.where && !query.orderBy) return listDirectory(database, p, query, cache);
  const where = query.where ? and(lookupVisibleTo(p), query.where) : visibleTo(p);
  const countAll = async () => (await database.db.select({ total: count() }).from(users).where(where))[0]?.total ?? 0;
  const order = [...(query.orderBy ? [query.orderBy] : []), users.id];
  // The page's ids in order with the total, then the rows of those within MAX_LIST_BYTES.
  const ordered = database.db
    .select({
      id: users.id,
      ord: sql`row_number() over (order by ${sql.join(order, sql`, `)})`.as("ord"),
      total: totalOver(),
    })
    .from(users)
    .where(where)
    .orderBy(...order)
    .offset(query.offset)
    .limit(query.limit);
  const page = () =>
    database.db
      .select({ ...userColumns, total: sql<number>`kept.total`.mapWith(Number) })
      .from(users)
      // Sized after the offset and limit: Postgres would otherwise print every skipped row's resource.
      .innerJoin(
        withinBudget(
          sql`select page.*, ${resourceBytes} as bytes from (${ordered}) as page join ${users} on ${users.id} = page.id`,
        ),
        sql`kept.id = ${users.id}`,
      )
      .orderBy(sql`kept.ord`);
  const { total, rows } = await pageWithTotal(query, page, countAll);
  return { total, rows: rows as UserRow[] };
}

/**
 * An import page (no filter, no sort): ids from an index-only scan of users_directory_list
 * (the directory implies the company), continuing from where the previous page ended when
 * known; then the 100 full rows by id (fewer past MAX_LIST_BYTES). The master's pages walk the company's users by id.
 */
async function listDirectory(
  database: Database,
  p: ScimPrincipal,
  query: { offset: number; limit: number },
  cache: ListCache,
): Promise<{ total: number; rows: UserRow[] }> {
  const v: Visibility = p.master ? "company" : "directory";
  const inDirectory = pageScope(v, scopeOf(p));
  const key = listKey(p);
  let total = cache.count(key);
  if (total === undefined) {
    const [totals] = await database.db.select({ total: count() }).from(users).where(inDirectory);
    total = totals?.total ?? 0;
    cache.rememberCount(key, total);
  }
  if (query.limit === 0 || total <= query.offset) return { total, rows: [] };
  const after = cache.boundary(key, query.offset);
  const page = prepared(database, `user_page_${v}_${after ? "after" : "offset"}`, () =>
    database.db
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          pageScope(v, placeholders),
          after ? gt(users.id, sql.placeholder("after") as unknown as string) : undefined,
        ),
      )
      .orderBy(users.id)
      .limit(sql.placeholder("limit"))
      .offset(sql.placeholder("offset")),
  );
  const scope = { companyId: p.companyId, directoryId: p.directoryId };
  const ids = (await page.execute({ ...scope, after, limit: query.limit, offset: after ? 0 : query.offset })).map(
    (r) => r.id,
  );
  if (ids.length === 0) return { total, rows: [] };
  // Those within MAX_LIST_BYTES: the page ends, and the next one continues, at the last one kept.
  const byIds = prepared(database, `users_by_ids_within_${v}`, () => {
    const inPage = database.db
      .select({ id: users.id, ord: sql`${users.id}`.as("ord"), bytes: resourceBytes.as("bytes") })
      .from(users)
      .where(and(seen(v, placeholders), sql`${users.id} = any(${sql.placeholder("ids")}::uuid[])`));
    return database.db
      .select(userColumns)
      .from(users)
      .innerJoin(withinBudget(inPage.getSQL()), sql`kept.id = ${users.id}`)
      .orderBy(users.id);
  });
  const rows = (await byIds.execute({ ...scope, ids })) as UserRow[];
  const last = rows.at(-1)?.id ?? ids.at(-1);
  if (last) cache.rememberBoundary(key, query.offset + ids.indexOf(last) + 1, last);
  return { total, rows };
}

/** An import page's users: the directory's own by users_directory_list (the directory implies the company), or the company's. */
const pageScope = (v: Visibility, s: Scope): SQL =>
  v === "company" ? seen(v, s) : (and(eq(users.directoryId, s.directoryId as string), isNull(users.deletedAt)) as SQL);

/** What a directory's list cache is keyed by: the master lists the whole company. */
export const listKey = (p: ScimPrincipal) => (p.master ? `company:${p.companyId}` : p.directoryId);
