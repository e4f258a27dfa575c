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
  deliveryStates,
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
  /** Each attempt's outcome and duration, for metrics. */
  onAttempt?: (outcome: "delivered" | "retrying" | "failed", seconds: number) => void;
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

/** Sends one event and records the attempt; the next attempt's time when it must be retried. */
async function attempt(
  o: DispatcherOptions,
  hook: WebhookRow,
  event: FeedEvent,
  failedBefore: number,
): Promise<{ retryAt: Date | null; gone: boolean }> {
  let result: { ok: true } | { ok: false; error: string };
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const body = JSON.stringify(eventEnvelope(event));
    const headers = signedHeaders(await secretsOf(o, hook), event, body, new Date());
    result = await sendWebhook(hook.url, body, headers, o.send);
  } catch (error) {
    result = { ok: false, error: `not sent: ${(error as Error).message}` };
  }
  if (result.ok) {
    o.onAttempt?.("delivered", seconds());
    return { retryAt: null, gone: !(await recordAttempt(o.sql, hook.id, event, { status: "delivered" })) };
  }
  const delay = webhookRetryDelayMs(failedBefore + 1, o.retry);
  o.onAttempt?.(delay === null ? "failed" : "retrying", seconds());
  o.logger.info(
    { webhookId: hook.id, eventId: event.id, attempt: failedBefore + 1, final: delay === null },
    "webhook delivery failed",
  );
  if (delay === null) {
    const recorded = await recordAttempt(o.sql, hook.id, event, { status: "failed", error: result.error });
    return { retryAt: null, gone: !recorded };
  }
  const retryAt = new Date(Date.now() + delay);
  const recorded = await recordAttempt(o.sql, hook.id, event, {
    status: "retrying",
    error: result.error,
    nextAttemptAt: retryAt,
  });
  return { retryAt, gone: !recorded };
}

/**
 * One endpoint's run: its events after its cursor, one at a time, in feed order. A 2xx settles an
 * event and the next one goes; a failure is recorded and the whole endpoint waits for the retry
 * (the job is delayed until then), so order holds; once the schedule is spent the event is `failed`
 * and the endpoint moves on. The endpoint is read again before each event: a deletion stops the run,
 * a rotation signs the very next delivery.
 */
export function createDispatcher(o: DispatcherOptions) {
  const budgetMs = o.budgetMs ?? 30_000;
  return async (job: Job<WebhookJobData>, token?: string): Promise<DispatchOutcome> => {
    const data = parseWebhookJobData(job.data);
    if (!data) throw new UnrecoverableError("not a webhook job's payload");
    const started = Date.now();
    const delayUntil = async (at: Date): Promise<never> => {
      await job.moveToDelayed(at.getTime(), token);
      throw new DelayedError();
    };
    for (;;) {
      const page = await loadWebhook(o.sql, data.webhookId);
      if (!page) return "gone";
      const events = await eventsAfter(o.sql, page.company_id, cursorOf(page), {
        limit: PAGE,
        unseenBy: page.created_snapshot,
      });
      const last = events.at(-1);
      if (!last) return "idle";
      const states = await deliveryStates(
        o.sql,
        page.id,
        events.map((e) => e.seq),
      );
      for (const event of events) {
        if (!webhookWants(page.events, event.type)) continue;
        const hook = event === events[0] ? page : await loadWebhook(o.sql, data.webhookId);
        if (!hook) return "gone";
        const state = states.get(event.seq);
        // Woken early (Redis lost its delayed job, or a duplicate run): keep the schedule.
        if (state?.nextAttemptAt && state.nextAttemptAt.getTime() > Date.now()) await delayUntil(state.nextAttemptAt);
        const { retryAt, gone } = await attempt(o, hook, event, state?.attempts ?? 0);
        if (gone) return "gone";
        if (retryAt) await delayUntil(retryAt);
        if (o.stopping() || Date.now() - started > budgetMs) return "more";
      }
      // Types this endpoint does not want at the end of the page: step over them.
      await advanceCursor(o.sql, page.id, last);
      if (o.stopping() || Date.now() - started > budgetMs) return "more";
    }
  };
}
