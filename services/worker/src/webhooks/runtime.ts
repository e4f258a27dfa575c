import type { Sql, WebhookKeys } from "@scimline/db";
import type { RetrySchedule } from "@scimline/domain";
import { WEBHOOK_QUEUE, type WebhookJobData, webhookJob, webhookJobOptions } from "@scimline/queue";
import { type ConnectionOptions, Queue, Worker } from "bullmq";
import type { Logger } from "pino";
import { createDispatcher, type DispatchOutcome } from "./dispatcher.ts";
import { endpointsWithWork } from "./store.ts";

export type WebhookOptions = {
  keys: WebhookKeys;
  allowPrivateTargets: boolean;
  /** Endpoints served at once by this process. */
  concurrency: number;
  pollMs: number;
  timeoutMs: number;
  retry: RetrySchedule;
  /** Each delivery attempt's outcome and duration, for metrics. */
  onAttempt?: (outcome: "delivered" | "retrying" | "failed", seconds: number) => void;
};

type Shared = { sql: Sql; connection: ConnectionOptions; prefix: string; logger: Logger; name?: string | undefined };

/**
 * Signed outbound events: a poller finds endpoints with events after their cursor and enqueues one
 * job per endpoint (job id `wh_<webhookId>`, so any number of worker processes enqueue and run each
 * endpoint once at a time); the job delivers that endpoint's events in order (dispatcher.ts).
 */
export function createWebhookRuntime(o: Shared & WebhookOptions) {
  const queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE, {
    connection: o.connection,
    prefix: o.prefix,
    defaultJobOptions: webhookJobOptions(),
  });
  queue.on("error", (error) => o.logger.warn({ err: { message: error.message } }, "webhook queue error"));
  let stopping = false;
  let worker: Worker<WebhookJobData, DispatchOutcome> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let idle: Promise<void> = Promise.resolve();

  /** Enqueues every endpoint with work; returns how many. */
  const pollOnce = async (): Promise<number> => {
    const ids = await endpointsWithWork(o.sql);
    if (ids.length > 0) {
      await queue.addBulk(ids.map((webhookId) => webhookJob({ webhookId })));
    }
    return ids.length;
  };

  const loop = async () => {
    if (stopping) return;
    try {
      await pollOnce();
    } catch (error) {
      o.logger.warn({ err: { message: (error as Error).message } }, "webhook poll failed; will retry");
    }
    if (stopping) return;
    timer = setTimeout(() => {
      idle = loop();
    }, o.pollMs);
  };

  return {
    queue,
    pollOnce,
    start() {
      worker = new Worker<WebhookJobData, DispatchOutcome>(
        WEBHOOK_QUEUE,
        createDispatcher({
          sql: o.sql,
          keys: o.keys,
          logger: o.logger,
          send: { timeoutMs: o.timeoutMs, allowPrivate: o.allowPrivateTargets },
          retry: o.retry,
          stopping: () => stopping,
          ...(o.onAttempt ? { onAttempt: o.onAttempt } : {}),
        }),
        {
          connection: o.connection,
          prefix: o.prefix,
          ...(o.name ? { name: o.name } : {}),
          concurrency: o.concurrency,
        },
      );
      worker.on("failed", (job, error) =>
        o.logger.warn({ jobId: job?.id, reason: error.message }, "webhook dispatch failed; will be retried"),
      );
      worker.on("error", (error) => o.logger.error({ err: { message: error.message } }, "webhook worker error"));
      idle = loop();
    },
    /** Graceful: no new polls, runs end after their current delivery, then the queue closes. */
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await idle;
      await worker?.close();
      await queue.close();
    },
  };
}

export type WebhookRuntime = ReturnType<typeof createWebhookRuntime>;
