import {
  eventEnvelope,
  eventsAfter,
  type FeedEvent,
  openWebhookSecret,
  type Sql,
  sealedKeyId,
  sealWebhookSecret,
  type WebhookKeys,
} from "@scimline/db";
import { type RetrySchedule, webhookRetryDelayMs, webhookWants } from "@scimline/domain";
import { parseWebhookJobData, type WebhookJobData } from "@scimline/queue";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import { Webhook } from "standardwebhooks";
import { type SendOptions, sendWebhook } from "./send.ts";
import {
  advanceCursor,
  cursorOf,
  deliveryState,
  loadWebhook,
  recordAttempt,
  resealSecrets,
  type WebhookRow,
} from "./store.ts";

export type DispatchOutcome = "gone" | "idle" | "more";

export type DispatcherOptions = {
  sql: Sql;
  keys: WebhookKeys;
  logger: Logger;
  send: SendOptions;
  retry: RetrySchedule;
  /** One run delivers for at most this long, then hands the endpoint back (fairness between endpoints). */
  budgetMs?: number;
  stopping: () => boolean;
};

const PAGE = 100;

/** The signing secrets of an endpoint: the current one, and the previous one during its grace period. */
async function secretsOf(o: DispatcherOptions, w: WebhookRow): Promise<string[]> {
  const current = openWebhookSecret(o.keys, w.secret_sealed);
  const previous = w.previous_secret_sealed ? openWebhookSecret(o.keys, w.previous_secret_sealed) : null;
  const stale = (sealed: string | null) => sealed !== null && sealedKeyId(sealed) !== o.keys.id;
  if (stale(w.secret_sealed) || stale(w.previous_secret_sealed)) {
    const reseal = (s: string | null) => (s === null ? null : sealWebhookSecret(o.keys, s));
    await resealSecrets(o.sql, w, { current: reseal(current) ?? "", previous: reseal(previous) });
  }
  return previous && w.previous_active ? [current, previous] : [current];
}

/** Standard Webhooks headers; during a rotation's grace period two signatures, the new one first. */
function signedHeaders(secrets: string[], event: FeedEvent, body: string, now: Date): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "Scimline-Webhooks/1.0",
    "webhook-id": event.id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": secrets.map((s) => new Webhook(s).sign(event.id, now, body)).join(" "),
  };
}

/**
 * One endpoint's run: its events after its cursor, one at a time, in feed order. A 2xx settles an
 * event and the next one goes; a failure is recorded and the whole endpoint waits for the retry
 * (the job is delayed until then), so order holds; once the schedule is spent the event is `failed`
 * and the endpoint moves on. A deleted endpoint stops at its next event.
 */
export function createDispatcher(o: DispatcherOptions) {
  const budgetMs = o.budgetMs ?? 30_000;
  return async (job: Job<WebhookJobData>, token?: string): Promise<DispatchOutcome> => {
    const data = parseWebhookJobData(job.data);
    if (!data) throw new UnrecoverableError("not a webhook job's payload");
    const started = Date.now();
    for (;;) {
      const hook = await loadWebhook(o.sql, data.webhookId);
      if (!hook) return "gone";
      const events = await eventsAfter(o.sql, hook.company_id, cursorOf(hook), {
        limit: PAGE,
        unseenBy: hook.created_snapshot,
      });
      const next = events.find((e) => webhookWants(hook.events, e.type));
      if (!next) {
        // Only unwanted types: step over them.
        const last = events.at(-1);
        if (!last) return "idle";
        await advanceCursor(o.sql, hook.id, last);
        if (o.stopping() || Date.now() - started > budgetMs) return "more";
        continue;
      }
      const skipped = events[events.indexOf(next) - 1];
      if (skipped) await advanceCursor(o.sql, hook.id, skipped);

      const state = await deliveryState(o.sql, hook.id, next.seq);
      if (state.nextAttemptAt && state.nextAttemptAt.getTime() > Date.now()) {
        // Woken early (Redis lost its delayed job, or a duplicate): keep the schedule.
        await job.moveToDelayed(state.nextAttemptAt.getTime(), token);
        throw new DelayedError();
      }
      const now = new Date();
      let result: { ok: true } | { ok: false; error: string };
      try {
        const body = JSON.stringify(eventEnvelope(next));
        result = await sendWebhook(hook.url, body, signedHeaders(await secretsOf(o, hook), next, body, now), o.send);
      } catch (error) {
        result = { ok: false, error: `not sent: ${(error as Error).message}` };
      }
      if (result.ok) {
        await recordAttempt(o.sql, hook.id, next, { status: "delivered" });
      } else {
        const delay = webhookRetryDelayMs(state.attempts + 1, o.retry);
        o.logger.info(
          { webhookId: hook.id, eventId: next.id, attempt: state.attempts + 1, final: delay === null },
          "webhook delivery failed",
        );
        if (delay === null) {
          await recordAttempt(o.sql, hook.id, next, { status: "failed", error: result.error });
        } else {
          const at = new Date(Date.now() + delay);
          await recordAttempt(o.sql, hook.id, next, { status: "retrying", error: result.error, nextAttemptAt: at });
          await job.moveToDelayed(at.getTime(), token);
          throw new DelayedError();
        }
      }
      if (o.stopping() || Date.now() - started > budgetMs) return "more";
    }
  };
}
