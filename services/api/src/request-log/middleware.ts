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
/** SCIM paths are tens of characters; a request line may be 16 KiB. */
const MAX_PATH = 1024;
const MAX_USER_NAME = 256;

/**
 * The first `max` characters of `text`, in a string of their own. V8 keeps alive the whole string a
 * slice was cut from: the path is cut from the request's URL, a userName's first 256 characters from a
 * 1 MiB one, and a buffered line held them all until written. Postgres slow or away, the buffer keeps up
 * to 50,000 lines: 40 refused creates with 1 MiB userNames kept 40 MiB.
 */
function detached(text: string, max: number): string {
  return Buffer.from(text.length > max ? text.slice(0, max) : text, "utf16le").toString("utf16le");
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
          path: detached(c.req.path, MAX_PATH),
          status: c.res.status,
          scimType: error?.scimType ?? null,
          detail: error ? detached(error.detail, MAX_DETAIL) : null,
          userId: subject?.userId ?? null,
          userName:
            subject?.userId || subject?.userName === undefined ? null : detached(subject.userName, MAX_USER_NAME),
          durationMs,
        });
      },
    },
  };
}
