import type { z } from "@hono/zod-openapi";
import { type Database, newId, sealWebhookSecret, type WebhookKeys } from "@scimline/db";
import type { EventType } from "@scimline/domain";
import { decodePosition } from "./cursor-values.ts";
import type { DeliveryView, WebhookView } from "./webhook-schemas.ts";

/** Endpoints per company: each one multiplies the delivery work of every event. */
export const MAX_WEBHOOKS_PER_COMPANY = 20;

type WebhookRow = { id: string; company_id: string; url: string; events: string[] | null; created_at: string };

export const webhookView = (r: WebhookRow): z.infer<typeof WebhookView> => ({
  id: r.id,
  url: r.url,
  events: r.events,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * A new endpoint, delivering the events of transactions not committed when it was created: its
 * cursor starts at the oldest running transaction, and its creation snapshot tells apart the events
 * after the cursor that were already committed. `null` when the company has its maximum.
 */
export async function insertWebhook(
  database: Database,
  keys: WebhookKeys,
  input: { companyId: string; url: string; events: EventType[] | null; secret: string },
): Promise<WebhookRow | null> {
  return database.sql.begin(async (tx) => {
    // The company row serialises concurrent creates, so the maximum holds.
    await tx`select id from companies where id = ${input.companyId} for update`;
    const [count] = await tx<{ n: number }[]>`
      select count(*)::int as n from webhooks where company_id = ${input.companyId}`;
    if ((count?.n ?? 0) >= MAX_WEBHOOKS_PER_COMPANY) return null;
    const [row] = await tx<WebhookRow[]>`
      insert into webhooks (id, company_id, url, events, secret_sealed, cursor_txid, cursor_seq, created_snapshot)
      values (${newId()}, ${input.companyId}, ${input.url},
        ${input.events ? tx.array(input.events) : null}::text[], ${sealWebhookSecret(keys, input.secret)},
        pg_snapshot_xmin(pg_current_snapshot()), 0, pg_current_snapshot())
      returning id, company_id, url, events, created_at`;
    if (!row) throw new Error("webhook insert returned nothing");
    return row;
  });
}

export async function listWebhooks(database: Database, companyId: string): Promise<WebhookRow[]> {
  return database.sql<WebhookRow[]>`
    select id, company_id, url, events, created_at from webhooks
    where company_id = ${companyId} order by created_at, id`;
}

export async function findWebhook(database: Database, id: string): Promise<WebhookRow | undefined> {
  const [row] = await database.sql<WebhookRow[]>`
    select id, company_id, url, events, created_at from webhooks where id = ${id}`;
  return row;
}

/** Deleting an endpoint ends its deliveries: the dispatcher finds it gone before its next attempt. */
export async function deleteWebhook(database: Database, id: string): Promise<boolean> {
  const rows = await database.sql`delete from webhooks where id = ${id} returning id`;
  return rows.length > 0;
}

/**
 * A new secret; the old one keeps signing beside it for `graceSeconds` (receivers accept either
 * signature, so they can switch without losing a delivery). A second rotation within the grace
 * drops the oldest secret.
 */
export async function rotateWebhookSecret(
  database: Database,
  keys: WebhookKeys,
  id: string,
  secret: string,
  graceSeconds: number,
): Promise<boolean> {
  const rows = await database.sql`
    update webhooks set previous_secret_sealed = secret_sealed,
      previous_secret_until = now() + make_interval(secs => ${graceSeconds}),
      secret_sealed = ${sealWebhookSecret(keys, secret)}
    where id = ${id} returning id`;
  return rows.length > 0;
}

type DeliveryRow = {
  txid: string;
  seq: string;
  event_id: string;
  type: EventType;
  status: z.infer<typeof DeliveryView>["status"];
  attempts: number;
  last_error: string | null;
  last_attempt_at: string | null;
};

/** A delivery's position, `txid:seq` (xid8, bigint) in base64url; a value out of its type's range is no cursor. */
const encode = (r: { txid: string; seq: string }) => Buffer.from(`${r.txid}:${r.seq}`).toString("base64url");
const decode = decodePosition;
export const isDeliveryCursor = (cursor: string) => decode(cursor) !== null;

/**
 * An endpoint's deliveries, newest event first: the events after its cursor (the one being retried,
 * then those waiting their turn, `pending`), then the settled ones. Events the endpoint does not
 * subscribe to are not listed.
 */
export async function deliveryPage(
  database: Database,
  webhook: { id: string; company_id: string },
  page: { cursor?: string | undefined; limit: number },
): Promise<{ deliveries: z.infer<typeof DeliveryView>[]; nextCursor: string | null }> {
  const sql = database.sql;
  const before = page.cursor ? decode(page.cursor) : null;
  const older = (txid: string, seq: string) =>
    before ? sql`and (${sql(txid)}, ${sql(seq)}) < (${before.txid}::xid8, ${before.seq}::bigint)` : sql``;
  const n = page.limit + 1;
  const rows = await sql<DeliveryRow[]>`
    with w as (
      select company_id, events, cursor_txid, cursor_seq, created_snapshot from webhooks where id = ${webhook.id})
    select txid::text, seq::text, event_id, type, status, attempts, last_error, last_attempt_at from (
      (select e.txid, e.seq, e.id as event_id, e.type, coalesce(d.status, 'pending') as status,
          coalesce(d.attempts, 0) as attempts, d.last_error, d.last_attempt_at
        from w join events e on e.company_id = w.company_id
          and (e.txid, e.seq) > (w.cursor_txid, w.cursor_seq)
          and e.txid < pg_snapshot_xmin(pg_current_snapshot())
          and (w.events is null or e.type = any(w.events))
          and (w.created_snapshot is null or not pg_visible_in_snapshot(e.txid, w.created_snapshot))
          ${older("e.txid", "e.seq")}
        left join webhook_deliveries d on d.webhook_id = ${webhook.id} and d.event_seq = e.seq
        order by e.txid desc, e.seq desc limit ${n})
      union all
      (select d.event_txid, d.event_seq, d.event_id, d.type, d.status, d.attempts, d.last_error, d.last_attempt_at
        from w join webhook_deliveries d on d.webhook_id = ${webhook.id}
          and (d.event_txid, d.event_seq) <= (w.cursor_txid, w.cursor_seq)
          ${older("d.event_txid", "d.event_seq")}
        order by d.event_txid desc, d.event_seq desc limit ${n})
    ) x order by x.txid desc, x.seq desc limit ${n}`;
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    deliveries: shown.map((r) => ({
      eventId: r.event_id,
      type: r.type,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      lastAttemptAt: r.last_attempt_at ? new Date(r.last_attempt_at).toISOString() : null,
    })),
    nextCursor: rows.length > page.limit && last ? encode(last) : null,
  };
}
