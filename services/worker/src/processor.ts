import type { Batcher, ReconcileJobData, Sql } from "@scimline/db";
import { type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { CarrierPort } from "./carrier/port.ts";
import { NoNumberAvailableError, provisionCarrierDid } from "./reconcile/carrier-did.ts";
import type { Outcome } from "./reconcile/draft.ts";

export type ProcessorDeps = {
  sql: Sql;
  batcher: Batcher<string, Outcome>;
  carrier: CarrierPort;
  logger: Logger;
  onStep?: (step: string, outcome: string, seconds: number) => void;
};

const FAILURE_MESSAGES: Record<string, string> = {
  no_license_available:
    "no_license_available: no free seat of the user's license type in its office and auto-purchase is off; add seats, then retry",
  no_office: "no_office: the company has no office to provision the user into; add one, then retry",
  no_extension_available: "no_extension_available: the company's extension range is exhausted; widen it, then retry",
  no_number_available: "no_number_available: no pool number is free and the carrier has none in the area code",
};

/**
 * One job = "bring user X to its desired state" (SPEC §5). Duplicated, retried or
 * out-of-order jobs converge because the reconcile reads the latest desired state.
 * A business wait fails the job without retries, so ops see the code in the dashboard
 * and a retry there (or POST /jobs/{id}/retry) resumes where it stopped.
 */
export function createProcessor(deps: ProcessorDeps) {
  return async (job: Job<ReconcileJobData>): Promise<Outcome> => {
    const { userId } = job.data;
    const log = deps.logger.child({ jobId: job.id, userId });
    const started = performance.now();
    let outcome = await deps.batcher.submit(userId);
    if (outcome.type === "needs_carrier") {
      try {
        await provisionCarrierDid(deps.sql, deps.carrier, userId, outcome);
      } catch (error) {
        if (error instanceof NoNumberAvailableError) {
          const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          if (lastAttempt) {
            await deps.sql`update users set status = 'failed', error_code = 'no_number_available', version = version + 1, updated_at = now() where id = ${userId} and deleted_at is null`;
          }
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
      throw new UnrecoverableError(FAILURE_MESSAGES[outcome.code] ?? outcome.code);
    }
    log.debug({ outcome: outcome.type }, "reconciled");
    return outcome;
  };
}
