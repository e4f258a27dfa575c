import { EVENT_TYPES, type EventType } from "@scimline/domain";
import type { Sql } from "./client.ts";

/** An event row with its feed position (`txid`, `seq`, as text: both are 64-bit). */
export type FeedEvent = {
  seq: string;
  txid: string;
  id: string;
  at: string;
  type: EventType;
  user_id: string | null;
  data: Record<string, unknown>;
};

/** A position in a company's feed: events strictly after it come next. */
export type FeedPosition = { txid: string; seq: string };
export const FEED_START: FeedPosition = { txid: "0", seq: "0" };

/**
 * A company's events after a position, in commit-safe order: ordered by transaction id, and only
 * those of transactions older than every one still running, so an event committed later can never
 * land behind a position already handed out (docs/decisions/0004-event-feed-ordering.md). The
 * admin feed and webhook deliveries both walk it.
 */
export async function eventsAfter(
  sql: Sql,
  companyId: string,
  after: FeedPosition,
  options: {
    limit: number;
    types?: readonly EventType[] | null | undefined;
    /** A `pg_snapshot` (as text): only events of transactions it did not see committed. */
    unseenBy?: string | null | undefined;
  },
): Promise<FeedEvent[]> {
  const types = options.types && options.types.length < EVENT_TYPES.length ? options.types : null;
  const unseen = options.unseenBy ? sql`and not pg_visible_in_snapshot(txid, ${options.unseenBy}::pg_snapshot)` : sql``;
  return sql<FeedEvent[]>`
    select seq::text, txid::text, id, at, type, user_id, data from events
    where company_id = ${companyId}
      and (txid, seq) > (${after.txid}::xid8, ${after.seq}::bigint)
      and txid < pg_snapshot_xmin(pg_current_snapshot())
      ${types ? sql`and type = any(${sql.array([...types])}::text[])` : sql``}
      ${unseen}
    order by events.txid, events.seq limit ${options.limit}`;
}

/** The envelope every reader sees, the admin API and webhook receivers alike: `{id, at, type, userId, data}`. */
export const eventEnvelope = (r: Pick<FeedEvent, "id" | "at" | "type" | "user_id" | "data">) => ({
  id: r.id,
  at: new Date(r.at).toISOString(),
  type: r.type,
  userId: r.user_id,
  data: r.data,
});
export type EventEnvelope = ReturnType<typeof eventEnvelope>;
