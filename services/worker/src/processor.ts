import type { Batcher, Sql } from "@scimline/db";
import { type ProvisioningErrorCode, remedyOf } from "@scimline/domain";
import { parseReconcileJobData, type ReconcileJobData } from "@scimline/queue";
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
};

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

/**
 * One job = "bring user X to its desired state". Duplicated, retried or out-of-order jobs
 * converge because the reconcile reads the latest desired state. A plan that needs a number
 * from the carrier places the order it recorded, then reconciles the user again to assign it.
 */
export function createProcessor(deps: ProcessorDeps) {
  return async (job: Job<ReconcileJobData>, token?: string): Promise<Outcome> => {
    // Anything could have written a job into Redis: a payload that is not ours fails at once.
    if (!parseReconcileJobData(job.data)) throw new UnrecoverableError("invalid job payload: not a reconcile job");
    const { userId } = job.data;
    const log = deps.logger.child({ jobId: job.id, userId });
    const started = performance.now();
    let outcome = await deps.batcher.submit(userId);
    if (outcome.type === "needs_carrier") {
      try {
        await placeCarrierOrder(deps.sql, deps.carrier, outcome);
      } catch (error) {
        if (error instanceof NoNumberAvailableError) {
          const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          if (lastAttempt) await deps.giveUp(job.data, "no_number_available");
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
}
