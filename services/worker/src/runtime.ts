import { Batcher, type PasswordKeys, type Sql } from "@scimline/db";
import type { ProvisioningErrorCode } from "@scimline/domain";
import {
  PROVISIONING_QUEUE,
  type ProvisioningJobData,
  parseReconcileJobData,
  type ReconcileJobData,
  reconcileJob,
  reconcileJobOptions,
} from "@scimline/queue";
import { type ConnectionOptions, Queue, Worker } from "bullmq";
import type { Logger } from "pino";
import { checkCapacity } from "./capacity-check.ts";
import type { CarrierPort } from "./carrier/port.ts";
import { OutboxRelay } from "./outbox-relay.ts";
import { PasswordSweeper } from "./password-sweeper.ts";
import { type BatchResult, BusinessWaitError, createProcessor } from "./processor.ts";
import { type Outcome, reconcileBatch } from "./reconcile/run-batch.ts";
import { ReconcileSweep, type SweepResult } from "./reconcile-sweep.ts";
import { resumeNewBillingPeriod } from "./spend-cap-period.ts";
import { createWebhookRuntime, type WebhookOptions } from "./webhooks/runtime.ts";

export type RuntimeOptions = {
  sql: Sql;
  /** ioredis options for BullMQ (each Worker/Queue opens its own connections). */
  connection: ConnectionOptions;
  prefix: string;
  carrier: CarrierPort;
  logger: Logger;
  clock: () => Date;
  passwordKey: PasswordKeys;
  /** Recorded on each job it takes (`processedBy`, shown in the dashboard). */
  name?: string;
  concurrency: number;
  batchSize: number;
  batchConcurrency: number;
  attempts: number;
  backoffMs: number;
  relayIntervalMs: number;
  relayBatch: number;
  /** The reconcile sweep (lost jobs, retention); defaults 15 s and 30 s. */
  sweepIntervalMs?: number;
  sweepGraceMs?: number;
  onSweep?: (result: SweepResult) => void;
  /** A job whose worker died is taken back after its lock expires (BullMQ stalled-job check). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** BullMQ fails a job taken back more often than this (its default, 1, fails a job a frozen worker held twice). */
  maxStalledCount?: number;
  onStep?: (step: string, outcome: string, seconds: number) => void;
  /** Each attempt that ends, for metrics: `retried` attempts go back to the queue with backoff. */
  onJob?: (outcome: "completed" | "failed" | "retried", seconds: number) => void;
  /** Signed outbound events; without them this runtime delivers no webhooks. */
  webhooks?: WebhookOptions;
};

/** UTC calendar date: charges are prorated by day (docs/RULES.md). */
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Queue, relay, worker and sweeper of one worker process, started and stopped together. */
export function createRuntime(o: RuntimeOptions) {
  const queue = new Queue<ProvisioningJobData>(PROVISIONING_QUEUE, {
    connection: o.connection,
    prefix: o.prefix,
    defaultJobOptions: reconcileJobOptions(o.attempts, o.backoffMs),
  });
  const batcher = new Batcher<string, Outcome>((ids) => reconcileBatch(o.sql, ids, isoDay(o.clock())), {
    maxSize: o.batchSize,
    maxConcurrent: o.batchConcurrency,
  });
  const relay = new OutboxRelay(o.sql, queue, o.logger, {
    intervalMs: o.relayIntervalMs,
    batch: o.relayBatch,
    jobSize: o.batchSize,
  });
  // Quiet: no provisioning job waiting or running in any worker, nor any user in this one's batcher.
  // (Waiting alone is not enough: a burst's batch jobs are all active at once, each holding 50 users.)
  const quiet = async () => {
    const { pending, inFlight } = batcher.load;
    if (pending + inFlight > 0) return false;
    const counts = await queue.getJobCounts("waiting", "active", "prioritized");
    return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) === 0;
  };
  const sweeper = new PasswordSweeper(o.sql, o.passwordKey, o.logger, quiet);
  const webhooks = o.webhooks
    ? createWebhookRuntime({
        sql: o.sql,
        connection: o.connection,
        prefix: o.prefix,
        logger: o.logger,
        name: o.name,
        ...o.webhooks,
      })
    : null;
  let worker: Worker<ProvisioningJobData, Outcome | BatchResult> | null = null;
  /**
   * A job that failed for good for any reason but a business wait (those record their own code):
   * retries used up on a transient error, or taken back from dead workers too often. Its user shows
   * `failed` with the code instead of `provisioning` with nothing to say why; a retry resumes it.
   * Recorded by a reconcile (the plan decides, the one writer writes), only for the job's generation.
   */
  const giveUp = async (data: ReconcileJobData, code: ProvisioningErrorCode) => {
    try {
      const failed = new Map([[data.userId, { code, generation: data.generation }]]);
      await reconcileBatch(o.sql, [data.userId], isoDay(o.clock()), { giveUp: failed });
    } catch (error) {
      o.logger.warn(
        { userId: data.userId, err: { message: (error as Error).message } },
        "could not mark the user failed",
      );
    }
  };

  const sweep = new ReconcileSweep(o.sql, queue, o.logger, giveUp, {
    intervalMs: o.sweepIntervalMs ?? 15_000,
    graceMs: o.sweepGraceMs ?? 30_000,
    ...(o.onSweep ? { onSweep: o.onSweep } : {}),
    also: [
      {
        name: "capacity",
        run: async () => {
          const result = await checkCapacity(o.sql);
          if (result.crossed > 0) o.logger.info(result, "capacity below a company's threshold");
        },
      },
      {
        name: "spend-cap period",
        run: async () => {
          const users = await resumeNewBillingPeriod(o.sql, isoDay(o.clock()));
          if (users > 0) o.logger.info({ users }, "a new billing period: users waiting for the spend cap retried");
        },
      },
    ],
  });

  return {
    queue,
    batcher,
    relay,
    sweeper,
    sweep,
    webhooks,
    start() {
      worker = new Worker<ProvisioningJobData, Outcome | BatchResult>(
        PROVISIONING_QUEUE,
        createProcessor({
          sql: o.sql,
          batcher,
          carrier: o.carrier,
          logger: o.logger,
          giveUp,
          handOff: async (users) => {
            await queue.addBulk(users.map(reconcileJob));
          },
          ...(o.onStep ? { onStep: o.onStep } : {}),
        }),
        {
          connection: o.connection,
          prefix: o.prefix,
          ...(o.name ? { name: o.name } : {}),
          concurrency: o.concurrency,
          lockDuration: o.lockDurationMs ?? 30_000,
          stalledInterval: o.stalledIntervalMs ?? 30_000,
          maxStalledCount: o.maxStalledCount ?? 5,
        },
      );
      const ran = (job: { processedOn?: number | undefined } | undefined) =>
        job?.processedOn ? Math.max(0, Date.now() - job.processedOn) / 1000 : 0;
      // One line per job, with its id: what ops search for after reading it in the dashboard.
      worker.on("completed", (job, result) => {
        if (result.type === "batch") {
          o.logger.info({ jobId: job.id, users: result.users, handedOff: result.handedOff }, "job completed");
        } else {
          const user = parseReconcileJobData(job.data);
          o.logger.info({ jobId: job.id, userId: user?.userId, outcome: result.type }, "job completed");
        }
        o.onJob?.("completed", ran(job));
      });
      worker.on("failed", (job, error) => {
        // finishedOn is set only when the job stays failed; otherwise it was put back with backoff.
        const final = job?.finishedOn !== undefined;
        const user = job ? parseReconcileJobData(job.data) : null;
        o.logger.warn({ jobId: job?.id, userId: user?.userId, reason: error.message, final }, "job failed");
        o.onJob?.(final ? "failed" : "retried", ran(job));
        // A batch that failed for good could not hand its users on: the sweep finds them owed and queues each.
        if (final && user && !(error instanceof BusinessWaitError)) void giveUp(user, "provisioning_error");
      });
      worker.on("error", (error) => o.logger.error({ err: { message: error.message } }, "worker error"));
      relay.start();
      sweeper.start();
      sweep.start();
      webhooks?.start();
      return worker;
    },
    /** Graceful: stop taking work, let active jobs and deliveries finish, then stop the relay and sweeper. */
    async stop() {
      await Promise.all([worker?.close(), webhooks?.stop()]);
      await relay.stop();
      await sweeper.stop();
      await sweep.stop();
      await queue.close();
    },
  };
}

export type Runtime = ReturnType<typeof createRuntime>;
