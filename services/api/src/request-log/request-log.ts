import { jsonText, type Sql, textBytes } from "@scimline/db";
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
  /**
   * Lines held at most (default 50,000); beyond, new ones are dropped and counted. A batch the database
   * keeps refusing is dropped (counted) once the buffer is full, so that newer lines get written.
   */
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

/** Lines of one statement, encoded as they come: `[` and the lines' JSON objects separated by commas. */
type Chunk = { bytes: Buffer; used: number; lines: number; first: number; sealed: boolean };

/** A userName to drop from the lines buffered before `before` (a line's sequence number). */
type Forget = { companyId: string; name: string; before: number };

/**
 * A chunk's size: ~800 lines of a few hundred bytes (a statement's worth, with `batchSize` the other
 * bound), and room for the longest line (~7 KB). Written chunks are reused, so the door's steady state
 * allocates none: a chunk grown, or dropped, when it held a second of lines, is garbage only a
 * mark-compact frees, and that was ~15 MB of the API's external memory at the door's peak.
 */
const CHUNK_BYTES = 256 * 1024;
/** Written chunks kept for reuse. */
const SPARE_CHUNKS = 4;
const OPEN = "[".charCodeAt(0);
const CLOSE = "]".charCodeAt(0);
const COMMA = ",".charCodeAt(0);

/**
 * The request log is written off the request's path: a request only appends its line to a buffer (no
 * I/O); a timer writes the buffer in batches, one statement per batch (the rows and each token's last
 * use), and now and then removes rows past the retention. Losing a buffer to a crash loses log lines
 * only, never a provisioning write.
 *
 * A line is encoded to JSON when recorded, into chunks outside the JS heap, one chunk per statement. Kept
 * as objects for up to a flush interval, thousands a second at the door, every line outlived V8's young
 * collections and was promoted, and the old generation filled towards a mark-compact every second or so:
 * the pauses the door's slowest answers waited behind (docs/PERFORMANCE-LOG.md, 2026-12-07 fifth sitting).
 */
export class RequestLog {
  private chunks: Chunk[] = [];
  private buffered = 0;
  /** Sequence number of the next line recorded. */
  private recorded = 0;
  private forgets: Forget[] = [];
  private spare: Buffer[] = [];
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

  record(e: RequestLogEntry): void {
    if (this.buffered >= this.maxBuffered) {
      this.droppedEntries++;
      return;
    }
    const line = JSON.stringify({
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
    });
    // A comma and the line's UTF-8: at most 3 bytes a UTF-16 unit.
    const chunk = this.openChunk(1 + line.length * 3);
    if (chunk.lines > 0) chunk.bytes[chunk.used++] = COMMA;
    chunk.used += chunk.bytes.write(line, chunk.used);
    chunk.lines++;
    this.buffered++;
    this.recorded++;
  }

  /** A user of that name was deleted here: buffered entries that named it forget the name too. */
  forget(companyId: string, userName: string): void {
    if (this.buffered > 0) this.forgets.push({ companyId, name: userName.toLowerCase(), before: this.recorded });
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

  /** The chunk the next line goes to, with room for `bytes` more and the closing bracket (and a new one's opening). */
  private openChunk(bytes: number): Chunk {
    const last = this.chunks.at(-1);
    if (last && !last.sealed && last.lines < this.batchSize && last.used + bytes + 1 <= last.bytes.length) return last;
    const chunk = {
      bytes: (bytes + 2 <= CHUNK_BYTES && this.spare.pop()) || Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes + 2)),
      used: 1,
      lines: 0,
      first: this.recorded,
      sealed: false,
    };
    chunk.bytes[0] = OPEN;
    this.chunks.push(chunk);
    return chunk;
  }

  private async drain(): Promise<void> {
    for (let chunk = this.chunks[0]; chunk; chunk = this.chunks[0]) {
      // Lines recorded from now on go to a chunk of their own.
      chunk.sealed = true;
      try {
        await this.write(chunk);
      } catch (error) {
        // Kept for the next flush while there is room; the log never holds up the door, so a batch that
        // keeps failing is dropped once the buffer is full, and newer lines go on being written.
        if (this.buffered >= this.maxBuffered) {
          this.droppedEntries += chunk.lines;
          this.shift();
        }
        this.logger.warn({ err: { message: (error as Error).message } }, "request log not written; retrying");
        return;
      }
      this.shift();
    }
    if (Date.now() - this.lastPrune >= this.pruneEveryMs) await this.prune();
  }

  private shift(): void {
    const chunk = this.chunks.shift();
    this.buffered -= chunk?.lines ?? 0;
    // Its statement has settled, and the driver copied the bytes into its message before that (when it sent
    // the statement, which may be a round trip after it was queued): the chunk can take new lines.
    if (chunk && chunk.bytes.length === CHUNK_BYTES && this.spare.length < SPARE_CHUNKS) this.spare.push(chunk.bytes);
    const oldest = this.chunks[0]?.first ?? this.recorded;
    if (this.forgets.length > 0) this.forgets = this.forgets.filter((f) => f.before > oldest);
  }

  /** The chunk's lines as the statement's parameter, with the names forgotten since they were recorded. */
  private lines(chunk: Chunk) {
    chunk.bytes[chunk.used] = CLOSE;
    const bytes = chunk.bytes.subarray(0, chunk.used + 1);
    const forgets = this.forgets.filter((f) => f.before > chunk.first);
    if (forgets.length === 0) return textBytes(this.sql, bytes);
    // Rare (a user deleted within a flush interval of a line naming it): decoded, scrubbed, encoded again.
    const rows = JSON.parse(bytes.toString("utf8")) as { company_id: string; user_name: string | null }[];
    rows.forEach((row, i) => {
      const name = row.user_name?.toLowerCase();
      const seq = chunk.first + i;
      if (forgets.some((f) => f.before > seq && f.companyId === row.company_id && f.name === name))
        row.user_name = null;
    });
    return jsonText(this.sql, rows);
  }

  /** One statement: the rows (as one JSON parameter: no array types to know), and each token's last use. */
  private async write(chunk: Chunk): Promise<void> {
    await this.sql`
      with v as (
        select * from jsonb_to_recordset(${this.lines(chunk)}::text::jsonb) as x(
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
