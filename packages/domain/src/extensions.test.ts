import { describe, expect, test } from "vitest";
import { formatExtension, parseExtension, validateExtensionRange } from "./extensions.ts";

describe("validateExtensionRange", () => {
  test.each([
    { start: 100, end: 999 },
    { start: 0, end: 0 },
    { start: 1000, end: 1000 },
    { start: 0, end: 199_999 }, // exactly 200 000 extensions
    { start: 999_800_000, end: 999_999_999 },
  ])("%j is valid", (range) => {
    expect(validateExtensionRange(range)).toBeNull();
  });

  test.each([
    [{ start: -1, end: 10 }, /start/],
    [{ start: 10, end: 9 }, /below its start/],
    [{ start: 0, end: 200_000 }, /at most 200000/],
    [{ start: 1.5, end: 10 }, /integers/],
    [{ start: 1, end: Number.NaN }, /integers/],
    [{ start: 999_999_999, end: 1_000_000_000 }, /9 digits/],
  ])("%j → error %s", (range, message) => {
    expect(validateExtensionRange(range)).toMatch(message);
  });
});

describe("formatExtension", () => {
  test.each([
    [0, "0"],
    [7, "7"],
    [100, "100"],
    [123456789, "123456789"],
  ])("%i → %j", (n, expected) => {
    expect(formatExtension(n)).toBe(expected);
  });

  test.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]])("%s → RangeError", (n) => {
    expect(() => formatExtension(n)).toThrow(RangeError);
  });
});

describe("parseExtension", () => {
  test.each([
    ["100", 100],
    ["0", 0],
    ["007", 7],
    ["123456789", 123456789],
    [100, 100],
    [0, 0],
    [999_999_999, 999_999_999],
  ])("%j → %i", (input, expected) => {
    expect(parseExtension(input)).toBe(expected);
  });

  test.each([
    ["1234567890"],
    [""],
    ["-1"],
    ["+1"],
    [" 100"],
    ["100 "],
    ["1e3"],
    ["10.5"],
    ["0x10"],
    ["１２３"], // full-width digits are not ASCII digits
    [-1],
    [1.5],
    [1_000_000_000],
    [Number.NaN],
    [null],
    [undefined],
    [true],
    [{}],
  ])("%j → null", (input) => {
    expect(parseExtension(input)).toBeNull();
  });

  test.each([0, 7, 100, 4321, 999_999_999])("formatExtension and parseExtension round-trip %i", (n) => {
    expect(parseExtension(formatExtension(n))).toBe(n);
  });
});
