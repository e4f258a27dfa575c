import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { previewStream, READS_PER_ANSWER } from "./respond.ts";

// 5,000 users: the answer comes in eleven pulls (the opening, then 500 users a pull).
const preview = {
  users: Array.from({ length: 5_000 }, (_, i) => ({ i, userName: `u${i}@example.com` })),
  totals: { users: 5_000 },
};

/** Reads the stream a chunk at a time, pausing `pauseMs` after each: the text, and the error that cut it. */
async function read(stream: ReadableStream<Uint8Array>, pauseMs: number) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let chunks = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, chunks };
      text += decoder.decode(value, { stream: true });
      chunks++;
      await sleep(pauseMs);
    }
  } catch (error) {
    return { text, chunks, error: error as Error };
  }
}

/** Waits for `check` (timers run late on a loaded machine). */
async function until(check: () => boolean, ms = 10_000) {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error("not within the wait");
    await sleep(20);
  }
}

describe("previewStream's deadlines", () => {
  test("a client that reads steadily, each pause well under the idle deadline, gets the whole answer though it takes longer than that deadline", async () => {
    let done = 0;
    const started = Date.now();
    const got = await read(
      previewStream(preview, () => done++, 1_000),
      150,
    );
    expect(got.error).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThan(1_000); // eleven pulls, 150 ms apart
    expect(JSON.parse(got.text)).toEqual(preview);
    expect(done).toBe(1);
  });

  test("a client that stops reading is cut off once the idle deadline passes, and its place is freed once", async () => {
    let done = 0;
    const stream = previewStream(preview, () => done++, 200);
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    const stopped = Date.now();
    await until(() => done > 0);
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(190);
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    ).rejects.toThrow(/not read for 200 ms/);
    await sleep(300);
    expect(done).toBe(1);
  });

  test(`a client that trickles, never idle long enough to be cut, is cut off at ${READS_PER_ANSWER} times the idle deadline`, async () => {
    let done = 0;
    const big = { users: Array.from({ length: 200_000 }, (_, i) => ({ i })), totals: {} };
    const started = Date.now();
    const got = await read(
      previewStream(big, () => done++, 300),
      50,
    );
    expect(got.error?.message).toBe(`the preview was not read whole within ${300 * READS_PER_ANSWER} ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300 * READS_PER_ANSWER - 10);
    expect(got.chunks).toBeGreaterThan(READS_PER_ANSWER); // it was reading all along
    expect(done).toBe(1);
  });

  test("cut off by a caller that closes the connection itself, the stream just ends, short of a whole document", async () => {
    let done = 0;
    const reasons: string[] = [];
    const stream = previewStream(
      preview,
      () => done++,
      200,
      (reason) => reasons.push(reason) > 0,
    );
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    await until(() => done > 0);
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value);
    expect(reasons).toEqual(["the preview was not read for 200 ms"]);
    expect(() => JSON.parse(text)).toThrow();
    expect(done).toBe(1);
  });

  test("an answer that fails while it is written ends short, frees its place once, and no deadline fires after", async () => {
    let done = 0;
    let cuts = 0;
    const broken = { users: [...preview.users.slice(0, 600), { n: 1n }], totals: {} }; // a BigInt: JSON.stringify throws
    const got = await read(
      previewStream(
        broken,
        () => done++,
        50,
        () => ++cuts > 0,
      ),
      0,
    );
    expect(got.error).toBeInstanceOf(TypeError);
    expect(done).toBe(1);
    await sleep(50 * READS_PER_ANSWER + 200); // past both deadlines: neither acts on the ended stream
    expect(cuts).toBe(0);
    expect(done).toBe(1);
  });

  test("a client that goes away frees the place once, and no deadline fires after", async () => {
    let done = 0;
    const stream = previewStream(preview, () => done++, 50);
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    await sleep(600);
    expect(done).toBe(1);
  });
});
