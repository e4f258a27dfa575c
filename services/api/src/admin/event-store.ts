import { type Database, eventEnvelope, eventsAfter, FEED_START } from "@scimline/db";
import type { EventType } from "@scimline/domain";
import { decodePosition, isBigintText } from "./cursor-values.ts";
import type { EventView } from "./event-schemas.ts";

type Row = {
  seq: string;
  id: string;
  at: string;
  type: EventType;
  user_id: string | null;
  data: Record<string, unknown>;
  txid: string;
};

/**
 * Opaque cursors: base64url of the position, so clients never build or compare them. A user's list:
 * `seq` (bigint); the feed: `txid:seq` (xid8, bigint). A value out of its type's range is no cursor
 * (the query's cast would fail).
 */
const encode = (parts: string[]) => Buffer.from(parts.join(":")).toString("base64url");
function decodeUser(cursor: string): string | null {
  const [seq, extra] = Buffer.from(cursor, "base64url").toString("utf8").split(":");
  return seq !== undefined && extra === undefined && isBigintText(seq) ? seq : null;
}
export const isUserCursor = (cursor: string) => decodeUser(cursor) !== null;
export const isFeedCursor = (cursor: string) => decodePosition(cursor) !== null;

/** A user's events, oldest first (a user's events are written under its row lock, so seq is their order). */
export async function userEvents(
  database: Database,
  companyId: string,
  userId: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ events: EventView[]; nextCursor: string | null }> {
  const after = page.cursor ? (decodeUser(page.cursor) ?? "0") : "0";
  const rows = await database.sql<Row[]>`
    select seq::text, id, at, type, user_id, data, txid::text from events
    where user_id = ${userId} and company_id = ${companyId} and seq > ${after}::bigint
    order by events.seq limit ${page.limit + 1}`;
  const events = rows.slice(0, page.limit);
  const last = events.at(-1);
  return {
    events: events.map(eventEnvelope) as EventView[],
    nextCursor: rows.length > page.limit && last ? encode([last.seq]) : null,
  };
}

/** Whether anything of this user exists in the company: its row, or (once erased) its events. */
export async function userKnown(database: Database, companyId: string, userId: string): Promise<boolean> {
  const [row] = await database.sql`
    select 1 from users where id = ${userId} and company_id = ${companyId} and (deleted_at is null or held_kind = 'delete')
    union all select 1 from events where user_id = ${userId} and company_id = ${companyId}
    limit 1`;
  return row !== undefined;
}

/**
 * The company's feed after a cursor, in commit-safe order (`eventsAfter`): an event committed later
 * can never land before a cursor already given out.
 * `nextCursor` is always set: the last event's position, or the cursor given when nothing is new.
 */
export async function companyFeed(
  database: Database,
  companyId: string,
  query: { after?: string | undefined; types?: EventType[] | undefined; limit: number },
): Promise<{ events: EventView[]; nextCursor: string }> {
  const after = (query.after ? decodePosition(query.after) : null) ?? FEED_START;
  const rows = await eventsAfter(database.sql, companyId, after, { limit: query.limit, types: query.types });
  const last = rows.at(-1);
  return {
    events: rows.map(eventEnvelope) as EventView[],
    nextCursor: last ? encode([last.txid, last.seq]) : (query.after ?? encode(["0", "0"])),
  };
}
