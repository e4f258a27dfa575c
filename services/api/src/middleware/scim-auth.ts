import { hashToken } from "@scimline/db";
import type { MiddlewareHandler } from "hono";
import type { AppDeps, AppEnv } from "../deps.ts";
import { ScimError } from "../scim/errors.ts";
import { clientAddress } from "./client-address.ts";
import { FailedAuthLimiter } from "./failed-auth.ts";

/** What generateToken("scim") issues: anything else is refused without a database look-up. */
const TOKEN = /^scim_[A-Za-z0-9_-]{43}$/;

const unauthorized = (detail: string) =>
  new ScimError(401, undefined, detail, { "WWW-Authenticate": 'Bearer realm="scimline"' });

/**
 * Bearer token → the directory it was issued for (docs/RULES.md "Tenancy"). Failed attempts are counted per
 * client address; past AUTH_FAILURES_PER_MINUTE a token not already known is refused (429)
 * without a database look-up until the minute ends.
 */
export function scimAuth(
  deps: Pick<AppDeps, "tenancy" | "redis" | "logger" | "config" | "clock">,
): MiddlewareHandler<AppEnv> {
  const { tenancy, config } = deps;
  const failures = new FailedAuthLimiter(deps.redis, deps.logger, {
    prefix: config.QUEUE_PREFIX,
    maxPerMinute: config.AUTH_FAILURES_PER_MINUTE,
  });
  return async (c, next) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
    const tokenHash = token === undefined ? undefined : hashToken(token);
    const known = tokenHash !== undefined && tenancy.isCached(tokenHash);
    const address = known ? "" : clientAddress(c, config.TRUST_PROXY_HOPS);
    const wait = known ? 0 : await failures.retryAfterMs(address);
    if (wait > 0) {
      const seconds = String(Math.ceil(wait / 1000));
      throw new ScimError(429, undefined, `Too many failed authentications from this address; retry in ${seconds} s`, {
        "Retry-After": seconds,
      });
    }
    const principal = token && tokenHash && TOKEN.test(token) ? await tenancy.principal(tokenHash) : null;
    if (!principal) {
      if (!known) await failures.failed(address);
      throw unauthorized(
        token
          ? "The bearer token is not valid or has been revoked"
          : "A bearer token issued for a Scimline directory is required",
      );
    }
    if (principal.expiresAt !== null && principal.expiresAt.getTime() <= deps.clock().getTime()) {
      throw unauthorized(
        "The bearer token has expired; a company admin issues a new one (POST /api/v1/directories/{id}/tokens)",
      );
    }
    c.set("principal", principal);
    return next();
  };
}
