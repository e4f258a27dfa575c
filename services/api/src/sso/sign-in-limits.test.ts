import { Redis } from "ioredis";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { SignInLimits } from "./sign-in-limits.ts";

describe("SignInLimits.hash", () => {
  it("runs at most maxConcurrentHashes slow hashes at once in a process (429 beyond), whatever Redis says", async () => {
    const limits = new SignInLimits(new Redis({ lazyConnect: true }), pino({ level: "silent" }), {
      prefix: "{t}",
      accountMax: 10,
      accountWindowMs: 60_000,
      addressPerMinute: 10,
      globalPerSecond: 10,
      maxConcurrentHashes: 2,
    });
    const gates: Array<() => void> = [];
    const slow = () => new Promise<string>((resolve) => gates.push(() => resolve("done")));
    const running = [limits.hash(slow), limits.hash(slow)];
    await expect(limits.hash(slow)).rejects.toMatchObject({ status: 429, code: "TOO_MANY_ATTEMPTS" });
    for (const open of gates) open();
    expect(await Promise.all(running)).toEqual(["done", "done"]);
    // Finished hashes free their places.
    const next = limits.hash(slow);
    gates.at(-1)?.();
    expect(await next).toBe("done");
  });
});
