import { awaitingGroupRules, deliberateWait, markDeleted, type Sql } from "@scimline/db";
import type { ProvisioningErrorCode } from "@scimline/domain";
import { type ProvisioningJobData, type ReconcileJobData, reconcileJobId } from "@scimline/queue";
import { Job, type Queue } from "bullmq";
import type { Logger } from "pino";
import { type OwedUser, owedJobData, owedUserJob } from "./owed-user.ts";
import { usersInPendingBatches } from "./pending-batches.ts";

export type SweepResult = { requeued: number; retried: number; givenUp: number; retentionErased: number };

const BATCH = 2000;
const RETENTION_BATCH = 1000;

/**
 * The pipeline heals itself without a restart: every `intervalMs`, users owed work for longer
 * than `graceMs` (business waits excepted) whose job is gone from Redis (data loss, eviction,
 * FLUSHALL, a failover to a replica that had not caught up) are re-enqueued with their
 * deterministic job id (a user that a batch job or an outbox row still holds is not lost); a job
 * that finished without its user reaching the desired state is run again; one that failed for good
 * has its user marked failed. N workers may sweep at once: the
 * job ids make duplicates harmless. The same loop erases users suspended for longer than their
 * company's `suspendedRetentionDays`.
 */
export class ReconcileSweep {
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly queue: Queue<ProvisioningJobData>,
    private readonly logger: Logger,
    private readonly giveUp: (data: ReconcileJobData, code: ProvisioningErrorCode) => Promise<void>,
    private readonly options: {
      intervalMs: number;
      graceMs: number;
      onSweep?: (result: SweepResult) => void;
      /** Other periodic checks run after each sweep (the capacity alerts), each failing on its own. */
      also?: ReadonlyArray<{ name: string; run: () => Promise<unknown> }>;
    },
  ) {}

  async sweepOnce(): Promise<SweepResult> {
    const retentionErased = await this.eraseExpired();
    const owed = await this.sql<OwedUser[]>`
      select id, company_id, generation from users
      where applied_generation < generation and desired_at < now() - make_interval(secs => ${this.options.graceMs / 1000})
        and not ${deliberateWait(this.sql)} and not ${awaitingGroupRules(this.sql)}
        -- Not relayed yet (Redis was down, say): its batch job is still to come.
        and not exists (select 1 from outbox o where o.user_id = users.id)
      order by desired_at limit ${BATCH}`;
    const result = { requeued: 0, retried: 0, givenUp: 0, retentionErased };
    if (owed.length === 0) return result;
    const states = await this.jobStates(owed);
    const missing: OwedUser[] = [];
    for (const [i, user] of owed.entries()) {
      const state = states[i];
      const data = owedJobData(user);
      if (state === "unknown") missing.push(user);
      else if (state === "completed") {
        // Finished, yet its user still owes work: run it again (its id stays the same).
        const job = await Job.fromId(this.queue, reconcileJobId(user.id, user.generation));
        await job?.retry("completed").then(
          () => result.retried++,
          () => {}, // another sweeper retried it first
        );
      } else if (state === "failed") {
        await this.giveUp(data, "provisioning_error");
        result.givenUp++;
      }
    }
    // A user of a batch Redis still holds has no job of its own yet: not lost.
    const batched = missing.length > 0 ? await usersInPendingBatches(this.queue) : new Set<string>();
    const lost = missing.filter((u) => !batched.has(u.id));
    if (lost.length > 0) {
      await this.queue.addBulk(lost.map(owedUserJob));
      result.requeued = lost.length;
    }
    return result;
  }

  /** Where each owed user's job is (BullMQ's own state: `unknown` when Redis no longer has it). */
  private async jobStates(owed: OwedUser[]): Promise<string[]> {
    const states: string[] = [];
    for (let i = 0; i < owed.length; i += 500) {
      const chunk = owed.slice(i, i + 500);
      states.push(...(await Promise.all(chunk.map((u) => this.queue.getJobState(reconcileJobId(u.id, u.generation))))));
    }
    return states;
  }

  /** Suspended longer than the company's retention: erased as a delete would (desired state, then the worker). */
  private async eraseExpired(): Promise<number> {
    const rows = await markDeleted(
      this.sql,
      this.sql`users.id in (
        select u.id from users u join companies c on c.id = u.company_id
        where c.suspended_retention_days is not null and u.status = 'suspended' and not u.active
          and u.deleted_at is null and u.suspended_at < now() - make_interval(days => c.suspended_retention_days)
        limit ${RETENTION_BATCH})`,
    );
    if (rows.length > 0)
      this.logger.info({ users: rows.length }, "erasing users suspended beyond their company's retention");
    return rows.length;
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      try {
        const result = await this.sweepOnce();
        this.options.onSweep?.(result);
        if (result.requeued + result.retried + result.givenUp > 0) {
          this.logger.warn(result, "the sweep found users owed work whose jobs were lost or finished; re-enqueued");
        }
      } catch (error) {
        this.logger.warn({ err: { message: (error as Error).message } }, "reconcile sweep failed; will retry");
      }
      for (const check of this.options.also ?? []) {
        if (this.stopped) return;
        await check.run().catch((error: Error) => {
          this.logger.warn({ check: check.name, err: { message: error.message } }, "periodic check failed; will retry");
        });
      }
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.idle = loop();
      }, this.options.intervalMs);
    };
    this.timer = setTimeout(() => {
      this.idle = loop();
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.idle;
  }
}
