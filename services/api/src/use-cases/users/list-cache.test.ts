import { describe, expect, test } from "vitest";
import { ListCache } from "./list-cache.ts";

describe("ListCache", () => {
  test("a count is kept for its TTL only, per directory", () => {
    let now = 1000;
    const cache = new ListCache(2000, 60_000, () => now);
    cache.rememberCount("d1", 42);
    expect(cache.count("d1")).toBe(42);
    expect(cache.count("d2")).toBeUndefined();
    now += 1999;
    expect(cache.count("d1")).toBe(42);
    now += 1;
    expect(cache.count("d1")).toBeUndefined();
  });

  test("a page boundary continues the next page; a change in the directory forgets both", () => {
    const cache = new ListCache();
    cache.rememberCount("d1", 300);
    cache.rememberBoundary("d1", 100, "id-100");
    cache.rememberBoundary("d2", 100, "other");
    expect(cache.boundary("d1", 100)).toBe("id-100");
    expect(cache.boundary("d1", 200)).toBeUndefined();
    cache.changed("d1");
    expect(cache.count("d1")).toBeUndefined();
    expect(cache.boundary("d1", 100)).toBeUndefined();
    expect(cache.boundary("d2", 100)).toBe("other");
  });

  test("boundaries expire and the cache stays bounded", () => {
    let now = 0;
    const cache = new ListCache(2000, 100, () => now, 3);
    cache.rememberBoundary("d", 1, "a");
    now = 101;
    expect(cache.boundary("d", 1)).toBeUndefined();
    for (let i = 0; i < 10; i++) cache.rememberBoundary("d", i, `x${i}`);
    expect(cache.boundary("d", 9)).toBe("x9");
    expect(cache.boundary("d", 0)).toBeUndefined();
  });
});
