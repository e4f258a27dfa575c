import type { Batcher, Sql } from "@scimline/db";
import { type ProvisioningErrorCode, remedyOf } from "@scimline/domain";
import {
  type ProvisioningJobData,
  parseReconcileBatchJobData,
  parseReconcileJobData,
  RECONCILE_BATCH_JOB,
  type ReconcileJobData,
} from "@scimline/queue";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { CarrierPort } from "./carrier/port.ts";
import { NoNumberAvailableError, placeCarrierOrder } from "./reconcile/carrier-order.ts";
import type { Outcome } from "./reconcile/run-batch.ts";

export type ProcessorDeps = {
  sql: Sql;
  batcher: Batcher<string, Outcome>;
  carrier: CarrierPort;
  logger: Logger;
  /** Records a job's final failure on its user (`failed` with the code), through the plan. */
  giveUp: (data: ReconcileJobData, code: ProvisioningErrorCode) => Promise<void>;
  onStep?: (step: string, outcome: string, seconds: number) => void;
  /** Enqueues users' own reconcile jobs: a batch's users whose outcome is not final go on there. */
  handOff: (users: ReconcileJobData[]) => Promise<void>;
};

/** What a batch job records as its result: how many users it carried and how many went on alone. */
export type BatchResult = { type: "batch"; users: number; handedOff: number };

/** Outcomes a batch settles by itself; any other (and an error) goes on in the user's own job. */
const FINAL: ReadonlySet<string> = new Set(["done", "erased", "gone"]);

/**
 * A business wait: the user is `failed` with the code and waits for an admin. The job fails
 * without retries, so ops see the code (and its remedy) in the dashboard; a retry there, or
 * POST /jobs/{id}/retry, resumes it.
 */
export class BusinessWaitError extends UnrecoverableError {
  constructor(readonly code: ProvisioningErrorCode) {
    super(`${code}: ${remedyOf(code)}`);
    this.name = "BusinessWaitError";
  }
}

const MIN_DELAY_MS = 1000;

/** This attempt is the job's last: BullMQ counts the attempts that ended in `attemptsMade`. */
const isLastAttempt = (job: Job) => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

/**
 * A user's job = "bring user X to its desired state". Duplicated, retried or out-of-order jobs
 * converge because the reconcile reads the latest desired state. A plan that needs a number
 * from the carrier places the order it recorded, then reconciles the user again to assign it.
 */
export function createProcessor(deps: ProcessorDeps) {
  const user = async (job: Job<ProvisioningJobData>, token?: string): Promise<Outcome> => {
    // Anything could have written a job into Redis: a payload that is not ours fails at once.
    const data = parseReconcileJobData(job.data);
    if (!data) throw new UnrecoverableError("invalid job payload: not a reconcile job");
    const { userId } = data;
    const log = deps.logger.child({ jobId: job.id, userId });
    const started = performance.now();
    let outcome = await deps.batcher.submit(userId);
    if (outcome.type === "needs_carrier") {
      try {
        await placeCarrierOrder(deps.sql, deps.carrier, outcome);
      } catch (error) {
        if (error instanceof NoNumberAvailableError) {
          const lastAttempt = isLastAttempt(job);
          if (lastAttempt) await deps.giveUp(data, "no_number_available");
          log.warn({ step: "allocate_did", lastAttempt }, "no number available");
          deps.onStep?.("allocate_did", "no_number_available", (performance.now() - started) / 1000);
        }
        throw error;
      }
      outcome = await deps.batcher.submit(userId);
    }
    deps.onStep?.(
      "reconcile",
      outcome.type === "waiting" ? outcome.code : outcome.type,
      (performance.now() - started) / 1000,
    );
    if (outcome.type === "waiting") {
      log.info({ code: outcome.code }, "provisioning waits for an admin");
      throw new BusinessWaitError(outcome.code);
    }
    if (outcome.type === "awaiting_group_rules") {
      // The same job runs again when the hold window ends (a membership arriving sooner is a new
      // generation, with a job of its own). At least a second away, whatever the clocks' skew.
      const at = Math.max(outcome.until.getTime(), Date.now() + MIN_DELAY_MS);
      log.info({ until: outcome.until.toISOString() }, "waits for its group memberships");
      await job.moveToDelayed(at, token);
      throw new DelayedError();
    }
    log.debug({ outcome: outcome.type }, "reconciled");
    return outcome;
  };

  /**
   * A batch: its users join the same micro-batches as every job's (one transaction per batch). Those
   * the plan settles (provisioned, suspended, erased, gone) are done here; any other, and any whose
   * transaction failed, is handed to its own job, which runs the one-user path above (waits, carrier
   * orders, holds, retries with backoff, the dashboard). When every user of a batch of several failed,
   * the cause is rarely theirs (Postgres away, say): the batch itself is retried with backoff, and only
   * its last attempt hands them on. Otherwise a batch fails only when the hand-off does (Redis). Reruns
   * are harmless (reconciles are idempotent).
   */
  const batch = async (job: Job<ProvisioningJobData>): Promise<BatchResult> => {
    const data = parseReconcileBatchJobData(job.data);
    if (!data) throw new UnrecoverableError("invalid job payload: not a reconcile batch");
    const started = performance.now();
    const settled = await Promise.allSettled(data.users.map((u) => deps.batcher.submit(u.userId)));
    const seconds = (performance.now() - started) / 1000;
    const failures = settled.filter((r) => r.status === "rejected");
    if (data.users.length > 1 && failures.length === data.users.length && !isLastAttempt(job)) {
      throw (failures[0] as PromiseRejectedResult).reason;
    }
    const handed: ReconcileJobData[] = [];
    for (const [i, u] of data.users.entries()) {
      const result = settled[i];
      if (result?.status === "fulfilled" && FINAL.has(result.value.type)) {
        deps.onStep?.("reconcile", result.value.type, seconds);
      } else handed.push(u);
    }
    if (handed.length > 0) {
      await deps.handOff(handed);
      deps.logger.info({ jobId: job.id, users: handed.length }, "users handed to their own jobs");
    }
    return { type: "batch", users: data.users.length, handedOff: handed.length };
  };

  return (job: Job<ProvisioningJobData>, token?: string): Promise<Outcome | BatchResult> =>
    job.name === RECONCILE_BATCH_JOB ? batch(job) : user(job, token);
}
