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
