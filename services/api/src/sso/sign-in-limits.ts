import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { AdminError } from "../errors.ts";
import { FailOpen } from "../ops/fail-open.ts";

export type SignInLimitOptions = {
  /** Key prefix: a Redis Cluster hash tag (QUEUE_PREFIX), so the counters of one MULTI share a slot. */
  prefix: string;
  /** Attempts per account (or per recognised device) within `accountWindowMs`. */
  accountMax: number;
  accountWindowMs: number;
  /** Attempts per client address within a minute. */
  addressPerMinute: number;
  /** Attempts across the deployment within a second: what the scrypt CPU can afford. */
  globalPerSecond: number;
  /** Slow hashes this process runs at once; more wait for nobody (429), also while Redis is down. */
  maxConcurrentHashes: number;
};

type Attempt = { companyId: string; userName: string; address: string; device: string | null };

const tooMany = (why: string, retryAfterMs: number) => {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AdminError("TOO_MANY_ATTEMPTS", `${why}; retry in ${seconds} s`, { "Retry-After": String(seconds) });
};

const hash = (value: string) => createHash("sha256").update(value, "utf8").digest("base64url").slice(0, 32);

/**
 * Password sign-in limits, counted in Redis (shared by every API process) before any slow hash is
 * spent, in one MULTI so concurrent guesses cannot all pass: per account (user name, any case,
 * known or not) or per recognised device, per client address, and for the whole deployment.
 * A right password clears the account's (or device's) count. Redis down: only the per-process
 * cap on concurrent hashes applies (fail open, warned).
 */
export class SignInLimits {
  private readonly failOpen: FailOpen;
  private hashing = 0;

  constructor(
    private readonly redis: Redis,
    logger: Logger,
    private readonly options: SignInLimitOptions,
  ) {
    this.failOpen = new FailOpen(logger, "sign-in limits");
  }

  private accountKey(a: Pick<Attempt, "companyId" | "userName" | "device">): string {
    return a.device
      ? `${this.options.prefix}:signin:dev:${hash(a.device)}`
      : `${this.options.prefix}:signin:${a.companyId}:${hash(a.userName.toLowerCase())}`;
  }

  /** Counts the attempt; throws 429 TOO_MANY_ATTEMPTS when one of the limits is used up. */
  async admit(a: Attempt, now: number): Promise<void> {
    const o = this.options;
    const second = Math.floor(now / 1000);
    const counters: Array<[key: string, windowMs: number, max: number, why: string]> = [
      [
        this.accountKey(a),
        o.accountWindowMs,
        o.accountMax,
        a.device
          ? "Too many wrong passwords from this device for this user"
          : "Too many wrong passwords for this user; password sign-in is paused (SAML, Google and Microsoft are not, and a device this user signed in from before is not)",
      ],
      [
        `${o.prefix}:signin:ip:${hash(a.address)}`,
        60_000,
        o.addressPerMinute,
        "Too many sign-in attempts from this address",
      ],
      [`${o.prefix}:signin:all:${second}`, 2000, o.globalPerSecond, "Too many password sign-ins right now"],
    ];
    const results = await this.failOpen.run(async () => {
      const multi = this.redis.multi();
      for (const [key, windowMs] of counters) multi.incr(key).pexpire(key, windowMs, "NX").pttl(key);
      const replies = (await multi.exec()) ?? [];
      return counters.map((_, i) => ({
        count: Number(replies[i * 3]?.[1] ?? 0),
        ttl: Number(replies[i * 3 + 2]?.[1] ?? 0),
      }));
    }, null);
    for (const [i, [, windowMs, max, why]] of counters.entries()) {
      const r = results?.[i];
      if (r && r.count > max) throw tooMany(why, i === 2 ? 1000 - (now % 1000) : r.ttl > 0 ? r.ttl : windowMs);
    }
  }

  /** A right password: the account's (or device's) count starts again. */
  async succeeded(a: Pick<Attempt, "companyId" | "userName" | "device">): Promise<void> {
    await this.failOpen.run(() => this.redis.del(this.accountKey(a)), 0);
  }

  /** Runs a slow hash within this process's cap. */
  async hash<T>(fn: () => Promise<T>): Promise<T> {
    if (this.hashing >= this.options.maxConcurrentHashes) throw tooMany("Too many password sign-ins right now", 1000);
    this.hashing++;
    try {
      return await fn();
    } finally {
      this.hashing--;
    }
  }
}
