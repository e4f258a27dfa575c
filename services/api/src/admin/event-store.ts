import { type Database, eventEnvelope, eventsAfter } from "@scimline/db";
import type { EventType } from "@scimline/domain";
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

/** Opaque cursors: base64url of the position, so clients never build or compare them. */
const encode = (parts: string[]) => Buffer.from(parts.join(":")).toString("base64url");
function decode(cursor: string, count: number): string[] | null {
  const parts = Buffer.from(cursor, "base64url").toString("utf8").split(":");
  return parts.length === count && parts.every((p) => /^\d{1,20}$/.test(p)) ? parts : null;
}
export const isUserCursor = (cursor: string) => decode(cursor, 1) !== null;
export const isFeedCursor = (cursor: string) => decode(cursor, 2) !== null;

/** A user's events, oldest first (a user's events are written under its row lock, so seq is their order). */
export async function userEvents(
  database: Database,
  companyId: string,
  userId: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ events: EventView[]; nextCursor: string | null }> {
  const after = page.cursor ? (decode(page.cursor, 1)?.[0] ?? "0") : "0";
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
  const [txid = "0", seq = "0"] = query.after ? (decode(query.after, 2) ?? []) : [];
  const rows = await eventsAfter(database.sql, companyId, { txid, seq }, { limit: query.limit, types: query.types });
  const last = rows.at(-1);
  return {
    events: rows.map(eventEnvelope) as EventView[],
    nextCursor: last ? encode([last.txid, last.seq]) : (query.after ?? encode(["0", "0"])),
  };
}
