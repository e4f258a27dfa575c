import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { AdminError } from "../errors.ts";
import { FailOpen } from "../ops/fail-open.ts";

/**
 * Password guessing, slowed per account: after `maxFailures` wrong passwords for one user name
 * of one company within `windowMs`, that account's password sign-in answers 429 with
 * Retry-After until the window (counted from the first failure) ends; a correct password
 * clears the count. Shared by every API process through Redis, keyed by a hash of the user
 * name (no personal data in Redis). Redis down: the count is skipped (fail open, warned), and
 * the scrypt every attempt costs still bounds the rate.
 */
export class PasswordThrottle {
  private readonly failOpen: FailOpen;

  constructor(
    private readonly redis: Redis,
    logger: Logger,
    private readonly options: { maxFailures: number; windowMs: number },
  ) {
    this.failOpen = new FailOpen(logger, "sign-in throttle");
  }

  private key(companyId: string, userName: string): string {
    const who = createHash("sha256").update(userName.toLowerCase(), "utf8").digest("base64url");
    return `scimline:signin:${companyId}:${who}`;
  }

  /** Throws 429 TOO_MANY_ATTEMPTS when the account has used up its failures. */
  async assertAllowed(companyId: string, userName: string): Promise<void> {
    const key = this.key(companyId, userName);
    const state = await this.failOpen.run(async () => {
      const [[, count], [, ttl]] = (await this.redis.multi().get(key).pttl(key).exec()) as [
        [null, string | null],
        [null, number],
      ];
      return { count: Number(count ?? 0), ttl };
    }, null);
    if (!state || state.count < this.options.maxFailures) return;
    const retryAfter = Math.max(1, Math.ceil((state.ttl > 0 ? state.ttl : this.options.windowMs) / 1000));
    throw new AdminError(
      429,
      "TOO_MANY_ATTEMPTS",
      `Too many wrong passwords for this user; password sign-in is paused for ${retryAfter} s (SAML, Google and Microsoft are not)`,
      { "Retry-After": String(retryAfter) },
    );
  }

  async recordFailure(companyId: string, userName: string): Promise<void> {
    const key = this.key(companyId, userName);
    await this.failOpen.run(async () => {
      const count = await this.redis.incr(key);
      if (count === 1) await this.redis.pexpire(key, this.options.windowMs);
    }, undefined);
  }

  async recordSuccess(companyId: string, userName: string): Promise<void> {
    await this.failOpen.run(() => this.redis.del(this.key(companyId, userName)), 0);
  }
}
