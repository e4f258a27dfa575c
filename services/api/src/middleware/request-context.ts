import { randomUUID } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "pino";
import type { AppEnv } from "../deps.ts";
import { addAnswerHeader, applyAnswerHeaders } from "../http/answer-headers.ts";

const VALID_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A SCIM request slower than this gets its line at info even when it succeeded. */
export const SLOW_REQUEST_MS = 1000;

/**
 * The request's logger, made only when something logs through it: most requests log just
 * their request line, and a pino child per request was a measurable cost at the door.
 */
export function lazyChild(logger: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  return new Proxy(logger, {
    get(_target, property) {
      child ??= logger.child(bindings);
      const value: unknown = Reflect.get(child, property, child);
      return typeof value === "function" ? value.bind(child) : value;
    },
  });
}

/**
 * Work done around every request by its one outermost frame, rather than by a middleware of its own:
 * each async middleware costs the request a frame (a suspended generator, its promise, Hono's dispatch
 * closures), and the young generation's collections grow with them (README "Performance").
 */
export type AnswerHook = {
  /** Before the request is routed. */
  before?(c: Context<AppEnv>): void;
  /** Once the answer is built (`c.res`), innermost hook first, with the request's duration so far. */
  after?(c: Context<AppEnv>, durationMs: number): void;
};

/**
 * Gives each request an id (the caller's X-Request-Id when well-formed) and a logger
 * bound to it, and writes one JSON line per request. Outermost: it copies the headers middleware added
 * (http/answer-headers.ts) into answers that were not built with them. Never logs headers or bodies: they
 * carry tokens and personal data.
 *
 * An authenticated SCIM request that succeeds in under SLOW_REQUEST_MS is already a row of its
 * directory's request log (method, path, status, duration), so its line is written at debug: at the
 * door a line per create cost ~7% of its throughput. Failures, slow requests and everything outside
 * SCIM stay at info.
 */
export function requestContext(logger: Logger, hooks: readonly AnswerHook[] = []): MiddlewareHandler<AppEnv> {
  const before = hooks.flatMap((h) => (h.before ? [h.before.bind(h)] : []));
  const after = hooks.flatMap((h) => (h.after ? [h.after.bind(h)] : [])).reverse();
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && VALID_ID.test(incoming) ? incoming : randomUUID();
    c.set("requestId", requestId);
    c.set("logger", lazyChild(logger, { requestId }));
    addAnswerHeader(c, "X-Request-Id", requestId);
    for (const hook of before) hook(c);
    const started = performance.now();
    await next();
    const elapsed = performance.now() - started;
    for (const hook of after) hook(c, elapsed);
    applyAnswerHeaders(c);
    const status = c.res.status;
    const durationMs = Math.round(elapsed * 100) / 100;
    const inRequestLog = c.get("principal") !== undefined && status < 400 && durationMs < SLOW_REQUEST_MS;
    const level = inRequestLog ? "debug" : "info";
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        requestId,
        method: c.req.method,
        // The pattern of the handler that answered (after next(); -1 would be a catch-all).
        route: routePath(c),
        status,
        durationMs,
      },
      "request",
    );
  };
}
