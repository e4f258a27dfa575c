import type { ServerResponse } from "node:http";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Context } from "hono";
import type { AppEnv } from "../deps.ts";

/** Users serialised per turn of the event loop: a few milliseconds of JSON.stringify. */
const USERS_PER_CHUNK = 500;

/** How many times the idle deadline a whole answer may take, read steadily. */
export const READS_PER_ANSWER = 10;

/**
 * The preview as a stream of JSON text, `{"users":[…],"totals":{…}}`, one chunk of users per turn of the
 * event loop: one JSON.stringify of 10,000 users (megabytes) would hold it for tens of milliseconds.
 * `done` runs once, when the last byte is queued, the client goes away, or the client stops reading: a
 * client that keeps its connection open but reads nothing for `readWithinMs`, or has not read the whole
 * answer within `READS_PER_ANSWER` times that, would otherwise hold its place among the running previews
 * (a few per process, shared by every company) for as long as it liked. A client that reads steadily on a
 * slow link is not cut off before that cap (10,000 users' answer is megabytes). Cut off, its
 * answer ends short (the connection is closed), which no JSON parser takes for a whole one.
 */
export function previewStream(
  preview: { users: readonly unknown[]; totals: unknown },
  done: () => void,
  readWithinMs: number,
  /** Told why the answer is cut off; true when it closed the connection itself (the stream then just ends). */
  onCut: (reason: string) => boolean = () => false,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = -1;
  let finished = false;
  let idle: NodeJS.Timeout | undefined;
  let whole: NodeJS.Timeout | undefined;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(idle);
    clearTimeout(whole);
    done();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const cut = (why: string) => () => {
        if (finished) return;
        if (onCut(why)) controller.close();
        else controller.error(new Error(why));
        finish();
      };
      idle = setTimeout(cut(`the preview was not read for ${readWithinMs} ms`), readWithinMs).unref();
      const wholeMs = readWithinMs * READS_PER_ANSWER;
      whole = setTimeout(cut(`the preview was not read whole within ${wholeMs} ms`), wholeMs).unref();
    },
    cancel: finish,
    async pull(controller) {
      // Pulled: the client took what was queued (the stream asks for more only then).
      idle?.refresh();
      if (next < 0) {
        next = 0;
        controller.enqueue(encoder.encode('{"users":['));
        return;
      }
      await nextTurn();
      if (finished) return;
      try {
        const end = Math.min(preview.users.length, next + USERS_PER_CHUNK);
        const part = preview.users.slice(next, end).map((u) => JSON.stringify(u));
        const text = `${next > 0 && part.length > 0 ? "," : ""}${part.join(",")}`;
        next = end;
        if (next < preview.users.length) controller.enqueue(encoder.encode(text));
        else {
          controller.enqueue(encoder.encode(`${text}],"totals":${JSON.stringify(preview.totals)}}`));
          controller.close();
          finish();
        }
      } catch (error) {
        // The answer ends short (never a whole document) and the place is freed; the deadlines stand down.
        controller.error(error);
        finish();
      }
    },
  });
}

/**
 * The preview as the route's answer. Cut off, the answer's connection is closed here and a warning logged:
 * an errored stream would make the HTTP adapter print the error's stack to stderr, outside the service's
 * log. (Without a Node connection, as under `app.request`, the stream errors instead.)
 */
export function previewAnswer(
  c: Context<AppEnv>,
  preview: { users: readonly unknown[]; totals: unknown },
  done: () => void,
  readWithinMs: number,
): Response {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  const logger = c.get("logger");
  const stream = previewStream(preview, done, readWithinMs, (reason) => {
    logger?.warn({ companyId: c.req.param("id"), reason }, "preview answer cut off");
    if (!outgoing) return false;
    outgoing.destroy();
    return true;
  });
  return c.body(stream, 200, { "Content-Type": "application/json" });
}
