import { describe, expect, test } from "vitest";
import { OneAtATime } from "./one-at-a-time.ts";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("OneAtATime", () => {
  test("work for one key runs one call at a time, in the order of the calls", async () => {
    const serial = new OneAtATime();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const work = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick();
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(["a", "b", "c"].map((name) => serial.run("k", work(name))));
    expect(results).toEqual(["a", "b", "c"]);
    expect(most).toBe(1);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  test("other keys run alongside", async () => {
    const serial = new OneAtATime();
    let running = 0;
    let most = 0;
    const work = async () => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    };
    await Promise.all(["x", "y", "z"].map((key) => serial.run(key, work)));
    expect(most).toBe(3);
  });

  test("a failure is its caller's alone: the next call still runs, and the key is forgotten when idle", async () => {
    const serial = new OneAtATime();
    const failed = serial.run("k", async () => {
      await tick();
      throw new Error("boom");
    });
    const next = serial.run("k", async () => "after");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("after");
    await tick();
    expect(serial.size).toBe(0);
  });

  test("work that throws synchronously rejects its own call only", async () => {
    const serial = new OneAtATime();
    const bad = serial.run("k", (() => {
      throw new Error("sync");
    }) as () => Promise<never>);
    await expect(bad).rejects.toThrow("sync");
    await expect(serial.run("k", async () => 1)).resolves.toBe(1);
  });
});
