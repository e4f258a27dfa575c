import { RECONCILE_JOB, type ReconcileJobData, reconcileJobId, type Sql } from "@scimline/db";
import type { Queue } from "bullmq";
import type { Logger } from "pino";

/**
 * Outbox → BullMQ. Rows are claimed with SKIP LOCKED (any number of relays cooperate),
 * enqueued with deterministic job ids, and deleted in the same transaction only after
 * Redis accepted them: with Redis down nothing is lost, the rows wait. A crash after
 * the enqueue re-relays rows, and the job ids (and idempotent reconciles) absorb it.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly queue: Queue<ReconcileJobData>,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; batch: number },
  ) {}

  /** Relays one batch; returns how many rows went out. */
  async relayOnce(): Promise<number> {
    return this.sql.begin(async (tx) => {
      const rows = await tx<{ id: number; company_id: string; user_id: string; generation: number }[]>`
        select id, company_id, user_id, generation from outbox
        order by id limit ${this.options.batch}
        for update skip locked`;
      if (rows.length === 0) return 0;
      await this.queue.addBulk(
        rows.map((r) => ({
          name: RECONCILE_JOB,
          data: { userId: r.user_id, companyId: r.company_id, generation: r.generation },
          opts: { jobId: reconcileJobId(r.user_id, r.generation) },
        })),
      );
      await tx`delete from outbox where id = any(${tx.array(rows.map((r) => r.id))}::bigint[])`;
      return rows.length;
    });
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      this.running = true;
      let relayed = 0;
      try {
        relayed = await this.relayOnce();
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
