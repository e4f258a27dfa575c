import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { FailOpen } from "../ops/fail-open.ts";

const WINDOW_MS = 60_000;

/**
 * Failed authentications per client address (unknown SCIM tokens, unknown sessions), counted in
 * Redis across API processes. Past `maxPerMinute`, that address's credentials that are not already
 * known are refused without a database look-up until the minute ends. Redis down: not counted.
 */
export class FailedAuthLimiter {
  private readonly failOpen: FailOpen;

  constructor(
    private readonly redis: Redis,
    logger: Logger,
    private readonly options: { prefix: string; maxPerMinute: number },
  ) {
    this.failOpen = new FailOpen(logger, "failed-authentication limiter");
  }

  private key(address: string): string {
    return `${this.options.prefix}:authfail:${address}`;
  }

  /** Milliseconds until the address may try again; 0 when it may now. */
  async retryAfterMs(address: string): Promise<number> {
    const key = this.key(address);
    return this.failOpen.run(async () => {
      const [[, count], [, ttl]] = (await this.redis.multi().get(key).pttl(key).exec()) as [
        [null, string | null],
        [null, number],
      ];
      return Number(count ?? 0) >= this.options.maxPerMinute ? Math.max(ttl, 1) : 0;
    }, 0);
  }

  async failed(address: string): Promise<void> {
    const key = this.key(address);
    await this.failOpen.run(async () => {
      await this.redis.multi().incr(key).pexpire(key, WINDOW_MS, "NX").exec();
    }, undefined);
  }
}
