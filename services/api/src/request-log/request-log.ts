import type { Sql } from "@scimline/db";
import type { Logger } from "pino";
import { storable } from "../middleware/storable-text.ts";

/** One SCIM request as the directory's request log keeps it: no body, query string, password or token. */
export type RequestLogEntry = {
  companyId: string;
  directoryId: string;
  tokenId: string;
  at: Date;
  method: string;
  path: string;
  status: number;
  scimType: string | null;
  detail: string | null;
  /** The user the request was about, when known: its current userName is shown (none once erased). */
  userId: string | null;
  /** Only when no user is linked: the userName a look-up or a refused create named. */
  userName: string | null;
  durationMs: number;
};

export type RequestLogOptions = {
  /** How often the buffer is written (default 1000 ms). */
  flushMs?: number;
  /** Entries held at most; beyond, new ones are dropped and counted (default 50,000). */
  maxBuffered?: number;
  /** Rows per statement (default 2,000). */
  batchSize?: number;
  retentionDays?: number;
  pruneEveryMs?: number;
};

/**
 * Postgres text holds neither a NUL nor a lone surrogate. One such row (a refused create's userName, a
 * detail quoting what a client sent) failed its whole batch, up to 2,000 lines of every tenant, at every
 * flush until the buffer filled and the batch was dropped: meanwhile nobody's log showed anything. Each
 * becomes U+FFFD.
 */
function pgText(text: string | null): string | null {
  if (text === null || storable(text)) return text;
  return text.toWellFormed().replaceAll("\u0000", "\ufffd");
}

/**
 * The request log is written off the request's path: a request only appends to a buffer (no I/O);
 * a timer writes the buffer in batches, one statement per batch (the rows and each token's last use),
 * and now and then removes rows past the retention. Losing a buffer to a crash loses log lines only,
 * never a provisioning write.
 */
export class RequestLog {
  private buffer: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | null = null;
  private lastPrune = 0;
  private droppedEntries = 0;
  private readonly flushMs: number;
  private readonly maxBuffered: number;
  private readonly batchSize: number;
  private readonly retentionDays: number;
  private readonly pruneEveryMs: number;

  constructor(
    private readonly sql: Sql,
    private readonly logger: Logger,
    options: RequestLogOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 1000;
    this.maxBuffered = options.maxBuffered ?? 50_000;
    this.batchSize = options.batchSize ?? 2000;
    this.retentionDays = options.retentionDays ?? 7;
    this.pruneEveryMs = options.pruneEveryMs ?? 600_000;
  }

  /** Entries dropped because the buffer was full (the database slower than the door for a while). */
  get dropped(): number {
    return this.droppedEntries;
  }

  record(entry: RequestLogEntry): void {
    if (this.buffer.length >= this.maxBuffered) this.droppedEntries++;
    else this.buffer.push(entry);
  }

  /** A user of that name was deleted here: buffered entries that named it forget the name too. */
  forget(companyId: string, userName: string): void {
    const name = userName.toLowerCase();
    for (const e of this.buffer) if (e.companyId === companyId && e.userName?.toLowerCase() === name) e.userName = null;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is buffered (graceful shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes everything buffered so far; concurrent calls share the write in progress. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await this.write(batch);
      } catch (error) {
        // Kept for the next flush while there is room; the log never holds up the door.
        if (this.buffer.length + batch.length <= this.maxBuffered) this.buffer.unshift(...batch);
        else this.droppedEntries += batch.length;
        this.logger.warn({ err: { message: (error as Error).message } }, "request log not written; retrying");
        return;
      }
    }
    if (Date.now() - this.lastPrune >= this.pruneEveryMs) await this.prune();
  }

  /** One statement: the rows (as one JSON parameter: no array types to know), and each token's last use. */
  private async write(batch: RequestLogEntry[]): Promise<void> {
    const rows = JSON.stringify(
      batch.map((e) => ({
        company_id: e.companyId,
        directory_id: e.directoryId,
        token_id: e.tokenId,
        at: e.at.toISOString(),
        method: e.method,
        path: pgText(e.path),
        status: e.status,
        scim_type: e.scimType,
        detail: pgText(e.detail),
        user_id: e.userId,
        user_name: pgText(e.userName),
        duration_ms: e.durationMs,
      })),
    );
    await this.sql`
      with v as (
        select * from jsonb_to_recordset(${rows}::jsonb) as x(
          company_id uuid, directory_id uuid, token_id uuid, at timestamptz, method text, path text, status int,
          scim_type text, detail text, user_id uuid, user_name text, duration_ms real)
      ), r as (
        insert into scim_requests
          (company_id, directory_id, token_id, at, method, path, status, scim_type, detail, user_id, user_name, duration_ms)
        select company_id, directory_id, token_id, at, method, path, status, scim_type, detail, user_id, user_name, duration_ms
        from v
      ), used as (select token_id, max(at) as at from v group by token_id)
      update scim_tokens t set last_used_at = used.at from used
      where t.id = used.token_id and (t.last_used_at is null or t.last_used_at < used.at)`;
  }

  private async prune(): Promise<void> {
    this.lastPrune = Date.now();
    try {
      await this.sql`delete from scim_requests where at < now() - make_interval(days => ${this.retentionDays})`;
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message } }, "request log not pruned");
    }
  }
}
