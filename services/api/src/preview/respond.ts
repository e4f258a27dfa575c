import { setImmediate as nextTurn } from "node:timers/promises";

/** Users serialised per turn of the event loop: a few milliseconds of JSON.stringify. */
const USERS_PER_CHUNK = 500;

/**
 * The preview as a stream of JSON text, `{"users":[…],"totals":{…}}`, one chunk of users per turn of the
 * event loop: one JSON.stringify of 10,000 users (megabytes) would hold it for tens of milliseconds.
 * `done` runs once, when the last byte is queued, the client goes away, or `readWithinMs` has passed: a
 * client that keeps its connection open but stops reading would otherwise hold its place among the
 * running previews (a few per process, shared by every company) for as long as it liked. Cut off, its
 * answer ends short (the connection is closed), which no JSON parser takes for a whole one.
 */
export function previewStream(
  preview: { users: readonly unknown[]; totals: unknown },
  done: () => void,
  readWithinMs: number,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = -1;
  let finished = false;
  let deadline: NodeJS.Timeout | undefined;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(deadline);
    done();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      deadline = setTimeout(() => {
        controller.error(new Error(`the preview was not read within ${readWithinMs} ms`));
        finish();
      }, readWithinMs);
      deadline.unref();
    },
    cancel: finish,
    async pull(controller) {
      if (next < 0) {
        next = 0;
        controller.enqueue(encoder.encode('{"users":['));
        return;
      }
      await nextTurn();
      if (finished) return;
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
    },
  });
}
