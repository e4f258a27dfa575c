import { hashPassword, type PasswordKeys, type Sql, unsealPassword } from "@scimline/db";
import type { Logger } from "pino";

/**
 * Replaces passwords sealed at the door with their slow (scrypt) hash, one at a time,
 * and only while no provisioning waits or runs (`quiet`, asked again before each hash): the hash costs
 * a fraction of a second of CPU and must not slow an onboarding burst. A row is updated only if its
 * sealed value is unchanged.
 */
export class PasswordSweeper {
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly key: PasswordKeys,
    private readonly logger: Logger,
    private readonly quiet: () => Promise<boolean>,
    private readonly intervalMs = 1000,
  ) {}

  /** Hashes up to `limit` pending passwords; returns how many were done. */
  async sweepOnce(limit = 20): Promise<number> {
    const rows = await this.sql<{ id: string; password_pending: string }[]>`
      select id, password_pending from users where password_pending is not null limit ${limit}`;
    let done = 0;
    for (const row of rows) {
      if (this.stopped || !(await this.quiet())) break;
      let hash: string | null = null;
      try {
        hash = await hashPassword(unsealPassword(this.key, row.password_pending));
      } catch {
        // Sealed under another key (rotated): unusable, so dropped; the next password sync restores it.
        this.logger.warn({ userId: row.id }, "sealed password could not be opened; dropped");
      }
      await this.sql`
        update users set password_hash = coalesce(${hash}, password_hash), password_pending = null
        where id = ${row.id} and password_pending = ${row.password_pending}`;
      done++;
    }
    return done;
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      let done = 0;
      try {
        done = await this.sweepOnce();
      } catch (error) {
        this.logger.warn({ err: { message: (error as Error).message } }, "password sweep failed; will retry");
      }
      if (this.stopped) return;
      this.timer = setTimeout(
        () => {
          this.idle = loop();
        },
        done > 0 ? 0 : this.intervalMs,
      );
    };
    this.idle = loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.idle;
  }
}
