import type { Context, MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { AppDeps, AppEnv } from "../deps.ts";
import { addAnswerHeader } from "../http/answer-headers.ts";
import { FailOpen } from "../ops/fail-open.ts";
import { ScimError } from "../scim/errors.ts";
import { scimErrorResponse } from "../scim/http/respond.ts";

/** A Redis that does not answer within this is treated as down: the door does not wait on it. */
const STORE_TIMEOUT_MS = 250;
const WINDOW_MS = 1000;
/** A lease takes at most this share of what is left of the window's limit (see LeasedRedisStore). */
const LEASE_SHARE = 8;
/** A key in use this close to its window's end leases its next window's first permits in advance. */
const LEASE_AHEAD_MS = 100;

/** INCRBY that starts the key's expiry when it creates the key: one window's count, shared by all processes. */
const LEASE_SCRIPT = `local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n`;

type KeyState = {
  window: number;
  resetTime: Date;
  /** Permits this process holds: the hits at positions `next`, `next + 1`, … of the window's count. */
  permits: number;
  next: number;
  /** The window's count in Redis as last seen (every process's hits and leases); never decreases. */
  total: number;
  /** Hits refused locally once the count is known to be past the limit (only the answer shows them). */
  over: number;
  /** Hits this process let through in the window. */
  allowed: number;
  /** Requests waiting for a permit, and the lease in flight for them. */
  waiting: number;
  leasing: Promise<boolean> | null;
};

/**
 * A fixed one-second window per key, counted in Redis and shared by every API process, without a
 * Redis round trip per request: a process leases permits (INCRBY n) and hands them out itself.
 * A lease is what its waiting requests need, or an eighth of what is left of the limit when that is
 * more: at the default limit (200/s) a busy process makes ~35 round trips a second instead of 200; at
 * a high limit, one. Every permit is a position ≤ limit in the shared count, so no process lets more
 * than the limit through. What a lease over-reserves and its process does not use before the window
 * ends can refuse up to that many requests early at another process (at most an eighth of what was left,
 * per process); with one process, or one token's traffic on one process, the count is exact. Once the
 * count is known to be past the limit, the rest of the window is refused without Redis. Redis failing or
 * slower than STORE_TIMEOUT_MS lets the waiting requests through (the door does not depend on Redis),
 * warned about at most every 10 s.
 *
 * A key in use in the last LEASE_AHEAD_MS of its window leases the next window's first permits then (a
 * window's worth at the rate it let hits through so far, at most an eighth of the limit), so a steady
 * stream of requests does not stall at every second's turn waiting for the new window's first lease
 * (under door load, ~50 requests a second waited 1–20 ms for it). Those permits are used first, so the
 * bounds above hold: an unused one can only refuse another process's request early.
 */
export class LeasedRedisStore {
  private readonly keys = new Map<string, KeyState>();
  /** Next windows' states, leased ahead; a key's becomes current when its window begins. */
  private readonly ahead = new Map<string, KeyState>();
  private readonly failOpen: FailOpen;
  private sweptWindow = 0;

  constructor(
    private readonly redis: Redis,
    logger: Logger,
    private readonly limit: number,
    private readonly keyPrefix = "scimline:rl:",
    private readonly now: () => number = Date.now,
  ) {
    this.failOpen = new FailOpen(logger, "rate limiter", STORE_TIMEOUT_MS);
  }

  async increment(key: string): Promise<{ totalHits: number; resetTime: Date }> {
    let s = this.state(key);
    this.leaseAheadWhenDue(key, s);
    s.waiting++;
    try {
      for (;;) {
        if (s.permits > 0) {
          s.permits--;
          s.allowed++;
          return { totalHits: s.next++, resetTime: s.resetTime };
        }
        if (s.total >= this.limit) return { totalHits: this.limit + ++s.over, resetTime: s.resetTime };
        if (!(await this.leasing(key, s))) return { totalHits: 0, resetTime: s.resetTime };
        // The window may have ended while the lease was out: count the request in the new one.
        const current = this.state(key);
        if (current !== s) {
          s.waiting--;
          s = current;
          s.waiting++;
        }
      }
    } finally {
      s.waiting--;
    }
  }

  /** In the last LEASE_AHEAD_MS of `s`'s window, once: the next window's first lease, in the background. */
  private leaseAheadWhenDue(key: string, s: KeyState): void {
    const nextWindow = s.window + 1;
    const now = this.now();
    if (now < nextWindow * WINDOW_MS - LEASE_AHEAD_MS || s.allowed === 0) return;
    if (this.ahead.get(key)?.window === nextWindow) return;
    const next = this.newState(nextWindow);
    this.ahead.set(key, next);
    // This window's rate so far, for a whole window, at most an eighth of the limit.
    const elapsed = Math.max(1, now - s.window * WINDOW_MS);
    const rate = Math.ceil((s.allowed * WINDOW_MS) / elapsed);
    const want = Math.min(rate, Math.max(1, Math.floor(this.limit / LEASE_SHARE)));
    void this.leasing(key, next, want);
  }

  /** The lease in flight for `s`, started when there is none (of `wanted` permits, or as `lease` works out). */
  private leasing(key: string, s: KeyState, wanted?: number): Promise<boolean> {
    s.leasing ??= this.lease(key, s, wanted).finally(() => {
      s.leasing = null;
    });
    return s.leasing;
  }

  /** Resolves true when the lease got an answer (permits, or the news that the limit is reached); false: failed open. */
  private async lease(key: string, s: KeyState, wanted?: number): Promise<boolean> {
    const want = wanted ?? Math.max(s.waiting, Math.floor((this.limit - s.total) / LEASE_SHARE));
    const total = await this.failOpen.run(
      async () =>
        Number(await this.redis.eval(LEASE_SCRIPT, 1, `${this.keyPrefix}${key}:${s.window}`, want, 2 * WINDOW_MS)),
      null,
    );
    if (total === null) return false;
    s.total = Math.max(s.total, total);
    const first = total - want + 1;
    s.permits = Math.max(0, Math.min(want, this.limit - first + 1));
    s.next = first;
    return true;
  }

  private windowOf(ms: number): number {
    return Math.floor(ms / WINDOW_MS);
  }

  /**
   * The key's state in the current window: the one leased ahead for it, or a new one (a new window
   * starts from nothing; old ones are dropped).
   */
  private state(key: string): KeyState {
    const window = this.windowOf(this.now());
    if (window !== this.sweptWindow) {
      this.sweptWindow = window;
      for (const [k, old] of this.keys) if (old.window < window && old.leasing === null) this.keys.delete(k);
      for (const [k, old] of this.ahead) if (old.window < window) this.ahead.delete(k);
    }
    let s = this.keys.get(key);
    if (!s || s.window !== window) {
      const leased = this.ahead.get(key);
      if (leased) this.ahead.delete(key);
      s = leased?.window === window ? leased : this.newState(window);
      this.keys.set(key, s);
    }
    return s;
  }

  private newState(window: number): KeyState {
    return {
      window,
      resetTime: new Date((window + 1) * WINDOW_MS),
      permits: 0,
      next: 0,
      total: 0,
      over: 0,
      allowed: 0,
      waiting: 0,
      leasing: null,
    };
  }
}

/** The draft-7 headers of the answer, from what the limit counted. */
function addRateLimitHeaders(c: Context<AppEnv>, limit: number, remaining: number, reset: number): void {
  addAnswerHeader(c, "RateLimit-Policy", `${limit};w=${WINDOW_MS / 1000}`);
  addAnswerHeader(c, "RateLimit", `limit=${limit}, remaining=${remaining}, reset=${reset}`);
}

/**
 * README "Operations": a per-token limit at the SCIM door, shared by every API process through Redis.
 * Runs after scimAuth (it keys on the token's id); over the limit: 429, an integer
 * Retry-After and a SCIM error body. Every answer carries the draft-7 RateLimit headers.
 */
export function scimRateLimit(deps: Pick<AppDeps, "config" | "redis" | "logger">): MiddlewareHandler<AppEnv> {
  const { config, redis, logger } = deps;
  if (!config.SCIM_RATE_LIMIT_ENABLED) return (_c, next) => next();
  const limit = config.SCIM_RATE_LIMIT;
  const store = new LeasedRedisStore(redis, logger, limit);
  return async (c, next) => {
    const { totalHits, resetTime } = await store.increment(c.get("principal").tokenId);
    const untilReset = resetTime.getTime() - Date.now();
    addRateLimitHeaders(c, limit, Math.max(0, limit - totalHits), Math.max(0, Math.ceil(untilReset / 1000)));
    if (totalHits <= limit) return next();
    const retryAfter = Math.max(1, Math.ceil(untilReset / 1000));
    return scimErrorResponse(
      c,
      new ScimError(
        429,
        undefined,
        `Too many requests for this token: at most ${limit} per second; retry after ${retryAfter} s`,
        { "Retry-After": String(retryAfter) },
      ),
    );
  };
}
