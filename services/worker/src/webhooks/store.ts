import type { FeedEvent, FeedPosition, Sql } from "@scimline/db";
import type { EventType } from "@scimline/domain";

export type WebhookRow = {
  id: string;
  company_id: string;
  url: string;
  events: EventType[] | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  /** Whether the previous secret still signs (its grace period has not ended). */
  previous_active: boolean;
  cursor_txid: string;
  cursor_seq: string;
  /** The snapshot at creation (text): events it saw committed came before the webhook. */
  created_snapshot: string | null;
};

export async function loadWebhook(sql: Sql, id: string): Promise<WebhookRow | undefined> {
  const [row] = await sql<WebhookRow[]>`
    select id, company_id, url, events, secret_sealed, previous_secret_sealed,
      coalesce(previous_secret_until > now(), false) as previous_active,
      cursor_txid::text, cursor_seq::text, created_snapshot::text
    from webhooks where id = ${id}`;
  return row;
}

export const cursorOf = (w: WebhookRow): FeedPosition => ({ txid: w.cursor_txid, seq: w.cursor_seq });

/** Attempts made so far for these events, and when the next one is due (absent: none yet). */
export async function deliveryStates(
  sql: Sql,
  webhookId: string,
  eventSeqs: string[],
): Promise<Map<string, { attempts: number; nextAttemptAt: Date | null }>> {
  const rows = await sql<{ event_seq: string; attempts: number; next_attempt_at: string | null }[]>`
    select event_seq::text, attempts, next_attempt_at from webhook_deliveries
    where webhook_id = ${webhookId} and event_seq = any(${sql.array(eventSeqs)}::bigint[])`;
  return new Map(
    rows.map((r) => [
      r.event_seq,
      { attempts: r.attempts, nextAttemptAt: r.next_attempt_at ? new Date(r.next_attempt_at) : null },
    ]),
  );
}

/** Moves the cursor forward only (two runs racing never move it back). */
export async function advanceCursor(sql: Sql, webhookId: string, to: FeedPosition): Promise<void> {
  await sql`
    update webhooks set cursor_txid = ${to.txid}::xid8, cursor_seq = ${to.seq}::bigint
    where id = ${webhookId} and (cursor_txid, cursor_seq) < (${to.txid}::xid8, ${to.seq}::bigint)`;
}

export type AttemptOutcome =
  | { status: "delivered" }
  | { status: "failed"; error: string }
  | { status: "retrying"; error: string; nextAttemptAt: Date };

/**
 * Records an attempt; a settled one (delivered, or failed for good) moves the cursor past its event
 * in the same statement, so the next event's turn comes only once this one is recorded. False when
 * the webhook was deleted meanwhile (nothing recorded).
 */
export async function recordAttempt(
  sql: Sql,
  webhookId: string,
  event: FeedEvent,
  outcome: AttemptOutcome,
): Promise<boolean> {
  const error = outcome.status === "delivered" ? null : outcome.error;
  const next = outcome.status === "retrying" ? outcome.nextAttemptAt.toISOString() : null;
  const settled = outcome.status !== "retrying";
  const [row] = await sql<{ found: boolean }[]>`
    with hook as (select id from webhooks where id = ${webhookId} for update),
    recorded as (
      insert into webhook_deliveries as d
        (webhook_id, event_seq, event_txid, event_id, type, status, attempts, last_error, last_attempt_at, next_attempt_at)
      select id, ${event.seq}, ${event.txid}::xid8, ${event.id}, ${event.type}, ${outcome.status}, 1, ${error}, now(), ${next}
      from hook
      on conflict (webhook_id, event_seq) do update set status = excluded.status, attempts = d.attempts + 1,
        last_error = excluded.last_error, last_attempt_at = excluded.last_attempt_at,
        next_attempt_at = excluded.next_attempt_at
      returning 1),
    moved as (
      update webhooks set cursor_txid = ${event.txid}::xid8, cursor_seq = ${event.seq}::bigint
      where id = (select id from hook) and ${settled}
        and (cursor_txid, cursor_seq) < (${event.txid}::xid8, ${event.seq}::bigint)
      returning 1)
    select exists (select 1 from hook) as found`;
  return row?.found === true;
}

/** Re-seals secrets sealed under an older WEBHOOK_SECRET_KEY, if unchanged since they were read. */
export async function resealSecrets(
  sql: Sql,
  w: WebhookRow,
  sealed: { current: string; previous: string | null },
): Promise<void> {
  await sql`
    update webhooks set secret_sealed = ${sealed.current}, previous_secret_sealed = ${sealed.previous}
    where id = ${w.id} and secret_sealed = ${w.secret_sealed}
      and previous_secret_sealed is not distinct from ${w.previous_secret_sealed}`;
}

/**
 * Endpoints with events after their cursor (of any type: the dispatcher moves the cursor past the
 * types an endpoint does not want, so this check stays a short index probe).
 */
export async function endpointsWithWork(sql: Sql): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select w.id from webhooks w
    where exists (
      select 1 from events e where e.company_id = w.company_id
        and (e.txid, e.seq) > (w.cursor_txid, w.cursor_seq)
        and e.txid < pg_snapshot_xmin(pg_current_snapshot())
        and (w.created_snapshot is null or not pg_visible_in_snapshot(e.txid, w.created_snapshot)))`;
  return rows.map((r) => r.id);
}
