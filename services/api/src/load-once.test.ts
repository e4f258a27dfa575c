import { describe, expect, test } from "vitest";
import { loadOnce } from "./load-once.ts";

describe("loadOnce", () => {
  test("loads once, whoever asks and however many ask at once", async () => {
    let loads = 0;
    const get = loadOnce(async () => ({ n: ++loads }));
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    expect(await get()).toBe(a);
    expect(loads).toBe(1);
  });

  test("a failed load is tried again by the next caller, and then kept", async () => {
    let loads = 0;
    const get = loadOnce(async () => {
      loads++;
      if (loads === 1) throw new Error("not yet");
      return "ready";
    });
    await expect(get()).rejects.toThrow("not yet");
    expect(await get()).toBe("ready");
    expect(await get()).toBe("ready");
    expect(loads).toBe(2);
  });
});
