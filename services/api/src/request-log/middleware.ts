import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../deps.ts";
import type { AnswerHook } from "../middleware/request-context.ts";
import { ScimError } from "../scim/errors.ts";
import type { RequestLog } from "./request-log.ts";

/** Who a SCIM request was about, for its request-log line (set by the SCIM routes). */
export type LogSubject = { userId?: string; userName?: string };

export function logSubject(c: Context<AppEnv>, subject: LogSubject): void {
  const current = c.get("logSubject");
  if (!current) {
    // Both fields from the start: a create names its userName before it waits for its batch and its
    // userId after, and adding a property then allocated a new backing store (Object.assign) that the
    // object, by then often in the old generation, kept alive through young collections.
    c.set("logSubject", { userId: subject.userId, userName: subject.userName });
    return;
  }
  if (subject.userId !== undefined) current.userId = subject.userId;
  if (subject.userName !== undefined) current.userName = subject.userName;
}

const MAX_DETAIL = 500;
/** SCIM paths are tens of characters; a request line may be 16 KiB. */
const MAX_PATH = 1024;
const MAX_USER_NAME = 256;

/**
 * The first `max` characters of `text`. The line is encoded when recorded (RequestLog), so nothing holds
 * the string, or the request's URL or body it may be a slice of, past the request.
 */
function clipped(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

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
          path: clipped(c.req.path, MAX_PATH),
          status: c.res.status,
          scimType: error?.scimType ?? null,
          detail: error ? clipped(error.detail, MAX_DETAIL) : null,
          userId: subject?.userId ?? null,
          userName:
            subject?.userId || subject?.userName === undefined ? null : clipped(subject.userName, MAX_USER_NAME),
          durationMs,
        });
      },
    },
  };
}
