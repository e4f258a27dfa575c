import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../deps.ts";
import type { AnswerHook } from "../middleware/request-context.ts";
import { ScimError } from "../scim/errors.ts";
import type { RequestLog } from "./request-log.ts";

/** Who a SCIM request was about, for its request-log line (set by the SCIM routes). */
export type LogSubject = { userId?: string; userName?: string };

export function logSubject(c: Context<AppEnv>, subject: LogSubject): void {
  const current = c.get("logSubject");
  if (current) Object.assign(current, subject);
  else c.set("logSubject", { ...subject });
}

const MAX_DETAIL = 500;

/**
 * One request-log line per authenticated SCIM request (marked after the token check, before the rate
 * limit, so a 429 is logged too): an append to the log's buffer, nothing more on the request's path.
 * `mark` is a middleware that only notes the time (no frame of its own around the request); the line is
 * written by `hook`, once the answer is built, by the request's outermost frame (requestContext).
 */
export function requestLogging(
  log: RequestLog | undefined,
  clock: () => Date,
): { mark: MiddlewareHandler<AppEnv>; hook: AnswerHook } {
  return {
    mark: (c, next) => {
      if (log) c.set("requestLogAt", clock());
      return next();
    },
    hook: {
      after(c, durationMs) {
        const at = c.get("requestLogAt");
        const p = c.get("principal");
        if (!log || !at || !p) return;
        const error = c.error instanceof ScimError ? c.error : null;
        const subject = c.get("logSubject");
        log.record({
          companyId: p.companyId,
          directoryId: p.directoryId,
          tokenId: p.tokenId,
          at,
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          scimType: error?.scimType ?? null,
          detail: error ? error.detail.slice(0, MAX_DETAIL) : null,
          userId: subject?.userId ?? null,
          userName: subject?.userId ? null : (subject?.userName ?? null),
          durationMs,
        });
      },
    },
  };
}
