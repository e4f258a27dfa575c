import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { jsonShapePasses } from "./json-shape.ts";

const limits = { values: 10, depth: 3 };

describe("jsonShapePasses", () => {
  test("counts each {, [, : and , outside strings", () => {
    expect(jsonShapePasses('{"a":[1,2,3],"b":{"c":0}}', limits)).toBeNull(); // 9
    expect(jsonShapePasses('{"a":[1,2,3],"b":{"c":0},"d":0}', limits)).toBe("values");
    expect(jsonShapePasses(`[${Array(10).fill(0).join(",")}]`, limits)).toBeNull();
    expect(jsonShapePasses(`[${Array(11).fill(0).join(",")}]`, limits)).toBe("values");
  });

  test("nesting past the depth", () => {
    expect(jsonShapePasses("[[[]]]", limits)).toBeNull();
    expect(jsonShapePasses("[[[[]]]]", limits)).toBe("depth");
    expect(jsonShapePasses('{"a":{"b":{"c":{}}}}', limits)).toBe("depth");
    expect(jsonShapePasses("[[[]]],[[[]]]", limits)).toBeNull();
  });

  test("what strings hold does not count, escaped quotes included", () => {
    expect(jsonShapePasses(`["${"[{,:".repeat(100)}"]`, limits)).toBeNull();
    expect(jsonShapePasses(`["\\"[[[[[[", "\\\\"]`, limits)).toBeNull();
    expect(jsonShapePasses(`["\\\\", [[[[]]]]]`, limits)).toBe("depth");
  });

  test("malformed text is counted as far as it goes", () => {
    expect(jsonShapePasses('["unterminated [[[[[[', limits)).toBeNull();
    expect(jsonShapePasses("]]]]][[[", limits)).toBeNull();
  });
});

describe("the short way for small bodies gives what the walk gives", () => {
  const walk = { values: 10, depth: 3 };
  test.each([
    ["[[[]]]", null], // 3 openings, 6 characters: the short way
    ["[[[[]]]]", "depth"], // 4 openings: the walk
    [`["[[[[["]`, null], // openings in a string: the walk finds none outside it
    [`${"[".repeat(3)}${"]".repeat(3)}${" ".repeat(20)}`, null], // longer than the values limit: the walk
    [`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}`, "values"],
  ])("%s", (text, expected) => {
    expect(jsonShapePasses(text, walk)).toBe(expected);
  });
});

describe("jsonShapePasses agrees with JSON.parse on what is inside strings", () => {
  test.each([
    ['["a\\\\"]', null],
    ['["a\\\\\\"[[[[[[[["]', null],
    ['["a\\\\\\\\", [[[[]]]]]', "depth"],
    ['{"\\\\":[[[[]]]]}', "depth"],
    ['["\\u0022[[[[[["]', null],
  ])("%s", (text, expected) => {
    JSON.parse(text);
    expect(jsonShapePasses(text, limits)).toBe(expected);
  });
});

/** What the limits count, from the parsed value: `{` or `[`, a `:` per member, a `,` between items. */
function shapeOf(value: unknown, level = 1): { values: number; depth: number } {
  if (typeof value !== "object" || value === null) return { values: 0, depth: 0 };
  const items = Array.isArray(value) ? value : Object.values(value);
  const own = 1 + Math.max(0, items.length - 1) + (Array.isArray(value) ? 0 : items.length);
  return items.reduce<{ values: number; depth: number }>(
    (acc, item) => {
      const inner = shapeOf(item, level + 1);
      return { values: acc.values + inner.values, depth: Math.max(acc.depth, inner.depth) };
    },
    { values: own, depth: level },
  );
}

test("passes a limit exactly when the parsed value does (either way: short or walked)", () => {
  fc.assert(
    fc.property(
      fc.json({ depthSize: "medium" }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 8 }),
      (text, values, depth) => {
        const shape = shapeOf(JSON.parse(text));
        const within = shape.values <= values && shape.depth <= depth;
        expect(jsonShapePasses(text, { values, depth }) === null).toBe(within);
      },
    ),
    { numRuns: 2000 },
  );
});
