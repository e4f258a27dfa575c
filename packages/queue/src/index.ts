import { z } from "zod";

/**
 * The queue contract shared by the API (dashboard, job retries, metrics) and the worker: queue and
 * job names, the payload schema, deterministic job ids and job options. Payloads carry ids only,
 * never personal data.
 */
export const PROVISIONING_QUEUE = "provisioning";
export const RECONCILE_JOB = "reconcile-user";

/** Default prefix: a hash tag, so a Redis Cluster keeps every key of a queue in one slot. */
export const DEFAULT_QUEUE_PREFIX = "{scimline}";

/** "Bring user X of company C to its desired state, generation G or later." */
export const ReconcileJobData = z.object({
  userId: z.uuid(),
  companyId: z.uuid(),
  generation: z.number().int().min(1),
});
export type ReconcileJobData = z.infer<typeof ReconcileJobData>;

/**
 * One id per (user, generation): a duplicate enqueue is a no-op while the job exists. BullMQ
 * refuses ids with ':' and ids that are all digits; these have neither.
 */
export const reconcileJobId = (userId: string, generation: number): string => `u_${userId}_g${generation}`;

/** A user's own reconcile job, as the sweep, a resync, a retry and a batch's hand-off enqueue it. */
export const reconcileJob = (data: ReconcileJobData) => ({
  name: RECONCILE_JOB,
  data,
  opts: { jobId: reconcileJobId(data.userId, data.generation) },
});

/**
 * "Bring these users to their desired state": what the outbox relay enqueues, one job per micro-batch of
 * outbox rows, so a burst pays BullMQ's cost per job (an add, a run, a completion: ~360 µs of CPU) once
 * per batch instead of once per user. A user whose outcome is not final (a business wait, a carrier
 * order, a group-rule hold, an error) is handed to its own reconcile job, so failures, retries and the
 * dashboard stay per user.
 */
export const RECONCILE_BATCH_JOB = "reconcile-batch";
/** Users in one batch job at most (the worker's BATCH_SIZE bounds it below this). */
export const MAX_BATCH_JOB_USERS = 500;
export const ReconcileBatchJobData = z.object({ users: z.array(ReconcileJobData).min(1).max(MAX_BATCH_JOB_USERS) });
export type ReconcileBatchJobData = z.infer<typeof ReconcileBatchJobData>;

/**
 * The outbox rows a batch carries name it (their ids are never reused): a relay that enqueued the batch
 * and crashed before deleting its rows enqueues the same id again, a no-op while the job exists.
 */
export const reconcileBatchJobId = (firstRow: number | string, lastRow: number | string): string =>
  `b_${firstRow}_${lastRow}`;

export const reconcileBatchJob = (id: string, users: ReconcileJobData[]) => ({
  name: RECONCILE_BATCH_JOB,
  data: { users },
  opts: { jobId: id },
});

export function parseReconcileBatchJobData(value: unknown): ReconcileBatchJobData | null {
  const parsed = ReconcileBatchJobData.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Either job of the provisioning queue. */
export type ProvisioningJobData = ReconcileJobData | ReconcileBatchJobData;

/**
 * The provisioning queue's job options: transient failures retry with exponential backoff and
 * jitter; finished jobs are kept long enough for ops to read them in the dashboard.
 */
export const reconcileJobOptions = (attempts: number, backoffMs: number) => ({
  attempts,
  backoff: { type: "exponential", delay: backoffMs, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
});

/** A job's data as read back from Redis: validated, since anything could have written it. */
export function parseReconcileJobData(value: unknown): ReconcileJobData | null {
  const parsed = ReconcileJobData.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Signed outbound events: one job per endpoint at a time, delivering its events in order. */
export const WEBHOOK_QUEUE = "webhooks";
export const WEBHOOK_JOB = "deliver";

/** "Deliver webhook W's events after its cursor." */
export const WebhookJobData = z.object({ webhookId: z.uuid() });
export type WebhookJobData = z.infer<typeof WebhookJobData>;

/** One id per endpoint: however many workers enqueue it, an endpoint has at most one run. */
export const webhookJobId = (webhookId: string): string => `wh_${webhookId}`;

export const webhookJob = (data: WebhookJobData) => ({
  name: WEBHOOK_JOB,
  data,
  opts: { jobId: webhookJobId(data.webhookId) },
});

/**
 * Removed when done, so the endpoint can be enqueued again. A failed delivery is not a job failure
 * (it is recorded and the job delayed); an unexpected error is retried a few times, then the
 * poller enqueues the endpoint afresh.
 */
export const webhookJobOptions = () => ({
  attempts: 5,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: true,
  removeOnFail: true,
});

export function parseWebhookJobData(value: unknown): WebhookJobData | null {
  const parsed = WebhookJobData.safeParse(value);
  return parsed.success ? parsed.data : null;
}
