import type { MiddlewareHandler } from "hono";
import { RedisStore, rateLimiter, type Store } from "hono-rate-limiter";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { AppDeps, AppEnv } from "../deps.ts";
import { FailOpen } from "../ops/fail-open.ts";
import { ScimError } from "../scim/errors.ts";
import { scimErrorResponse } from "../scim/http/respond.ts";

/** A Redis that does not answer within this is treated as down: the door does not wait on it. */
const STORE_TIMEOUT_MS = 250;
const WINDOW_MS = 1000;

/** The four commands RedisStore needs, on ioredis. */
const storeClient = (redis: Redis) => ({
  scriptLoad: (script: string) => redis.script("LOAD", script) as Promise<string>,
  evalsha: <TArgs extends unknown[], TData = unknown>(sha: string, keys: string[], args: TArgs) =>
    redis.evalsha(sha, keys.length, ...keys, ...(args as (string | number)[])) as Promise<TData>,
  decr: (key: string) => redis.decr(key),
  del: (key: string) => redis.del(key),
});

/**
 * docs/RULES.md "The SCIM surface": nothing accepted at the door is lost when Redis is down, so a store
 * failure lets the request through (counted as the first hit) instead of failing it.
 */
export class FailOpenStore implements Store<AppEnv> {
  private readonly redis: FailOpen;

  constructor(
    private readonly inner: Store<AppEnv>,
    logger: Logger,
  ) {
    this.redis = new FailOpen(logger, "rate limiter", STORE_TIMEOUT_MS);
  }

  init(options: Parameters<NonNullable<Store<AppEnv>["init"]>>[0]): void {
    this.inner.init?.(options);
  }

  async increment(key: string) {
    return this.redis.run(async () => this.inner.increment(key), {
      totalHits: 0,
      resetTime: new Date(Date.now() + WINDOW_MS),
    });
  }

  async decrement(key: string) {
    await this.redis.run(async () => this.inner.decrement(key), undefined, { warn: false });
  }

  async resetKey(key: string) {
    await this.inner.resetKey(key);
  }
}

/**
 * README "Operations": a per-token limit at the SCIM door, shared by every API process through Redis.
 * Runs after scimAuth (it keys on the token's id); over the limit: 429, an integer
 * Retry-After and a SCIM error body.
 */
export function scimRateLimit(deps: Pick<AppDeps, "config" | "redis" | "logger">): MiddlewareHandler<AppEnv> {
  const { config, redis, logger } = deps;
  if (!config.SCIM_RATE_LIMIT_ENABLED) return (_c, next) => next();
  const store = new FailOpenStore(
    new RedisStore<AppEnv>({ client: storeClient(redis), prefix: "scimline:rl:" }),
    logger,
  );
  return rateLimiter<AppEnv>({
    windowMs: WINDOW_MS,
    limit: config.SCIM_RATE_LIMIT,
    standardHeaders: "draft-7",
    keyGenerator: (c) => c.var.principal.tokenId,
    store,
    handler: (c) => {
      const reset = c.var.rateLimit?.resetTime?.getTime() ?? Date.now() + WINDOW_MS;
      const retryAfter = Math.max(1, Math.ceil((reset - Date.now()) / 1000));
      return scimErrorResponse(
        c,
        new ScimError(
          429,
          undefined,
          `Too many requests for this token: at most ${config.SCIM_RATE_LIMIT} per second; retry after ${retryAfter} s`,
          { "Retry-After": String(retryAfter) },
        ),
      );
    },
  });
}
