import type { Sql } from "@scimline/db";
import { type ProvisioningJobData, reconcileBatchJob, reconcileBatchJobId } from "@scimline/queue";
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import { type OwedUser, owedUserJob } from "./owed-user.ts";
import { usersInPendingBatches } from "./pending-batches.ts";

const RESYNC_PAGE = 1000;

/**
 * Outbox → BullMQ. Rows are claimed with SKIP LOCKED (any number of relays cooperate),
 * enqueued as batch jobs of up to `jobSize` rows named by their row ids, and deleted in the same
 * transaction only after Redis accepted them: with Redis down nothing is lost, the rows wait. A crash
 * after the enqueue re-relays rows, and the job ids (and idempotent reconciles) absorb it.
 * A Redis that comes back without its data (restarted, failed over) lost jobs whose rows
 * are gone: after every reconnect, and at start, the relay re-enqueues every user still
 * owed a reconcile (`resync`) as its own job, except those a batch Redis still holds.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private resyncDue = true;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly queue: Queue<ProvisioningJobData>,
    private readonly logger: Logger,
    /** `batch`: rows claimed per transaction; `jobSize`: rows per batch job. */
    private readonly options: { intervalMs: number; batch: number; jobSize: number },
  ) {
    queue.on("ioredis:close", () => {
      this.resyncDue = true;
    });
  }

  /** Relays one batch; returns how many rows went out. */
  async relayOnce(): Promise<number> {
    return this.sql.begin(async (tx) => {
      const rows = await tx<{ id: number; company_id: string; user_id: string; generation: number }[]>`
        select id, company_id, user_id, generation from outbox
        order by id limit ${this.options.batch}
        for update skip locked`;
      if (rows.length === 0) return 0;
      const jobs = [];
      for (let i = 0; i < rows.length; i += this.options.jobSize) {
        const chunk = rows.slice(i, i + this.options.jobSize);
        const users = chunk.map((r) => ({ userId: r.user_id, companyId: r.company_id, generation: r.generation }));
        jobs.push(reconcileBatchJob(reconcileBatchJobId(chunk[0]?.id ?? 0, chunk.at(-1)?.id ?? 0), users));
      }
      await this.queue.addBulk(jobs);
      await tx`delete from outbox where id = any(${tx.array(rows.map((r) => r.id))}::bigint[])`;
      return rows.length;
    });
  }

  /**
   * Re-enqueues the users whose desired state is not applied yet, page by page in id order.
   * Users waiting for an admin (failed, still wanting their seat) are left to the admin's retry, and
   * users a batch job in Redis still holds to that batch, and users with an outbox row to the batch
   * it is about to go out in.
   */
  async resync(): Promise<number> {
    let total = 0;
    const batched = await usersInPendingBatches(this.queue);
    for (let after = "00000000-0000-0000-0000-000000000000"; !this.stopped; ) {
      const rows = await this.sql<OwedUser[]>`
        select id, company_id, generation from users
        where id > ${after} and applied_generation < generation
          and (status <> 'failed' or not active or deleted_at is not null)
          and not exists (select 1 from outbox o where o.user_id = users.id)
        order by id limit ${RESYNC_PAGE}`;
      const last = rows.at(-1);
      if (!last) break;
      const alone = rows.filter((r) => !batched.has(r.id));
      if (alone.length > 0) await this.queue.addBulk(alone.map(owedUserJob));
      total += alone.length;
      after = last.id;
    }
    return total;
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      this.running = true;
      let relayed = 0;
      try {
        relayed = await this.relayOnce();
        if (this.resyncDue) {
          this.resyncDue = false;
          const owed = await this.resync().catch((error: unknown) => {
            this.resyncDue = true;
            throw error;
          });
          if (owed > 0) this.logger.info({ owed }, "re-enqueued users owed a reconcile (start or Redis reconnect)");
        }
      } catch (error) {
        this.logger.warn({ err: { message: (error as Error).message } }, "outbox relay failed; will retry");
      }
      this.running = false;
      if (this.stopped) return;
      // A full batch means more is waiting: go again at once.
      this.timer = setTimeout(
        () => {
          this.idle = loop();
        },
        relayed >= this.options.batch ? 0 : this.options.intervalMs,
      );
    };
    this.idle = loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.idle;
  }

  get busy(): boolean {
    return this.running;
  }
}
