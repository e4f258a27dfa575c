import { describe, expect, test } from "vitest";
import {
  addDays,
  daysBetween,
  daysInMonth,
  formatIsoDate,
  fromDayNumber,
  isIsoDate,
  isLeapYear,
  parseIsoDate,
  toDayNumber,
} from "./calendar.ts";

describe("isLeapYear", () => {
  test.each([
    [2024, true],
    [2023, false],
    [2000, true],
    [1900, false],
    [2100, false],
    [2400, true],
    [1996, true],
    [0, true],
  ])("%i → %s", (year, expected) => {
    expect(isLeapYear(year)).toBe(expected);
  });
});

describe("daysInMonth", () => {
  test.each([
    [2024, 1, 31],
    [2024, 2, 29],
    [2023, 2, 28],
    [2100, 2, 28],
    [2000, 2, 29],
    [2024, 3, 31],
    [2024, 4, 30],
    [2024, 6, 30],
    [2024, 9, 30],
    [2024, 11, 30],
    [2024, 12, 31],
  ])("%i-%i → %i", (year, month, expected) => {
    expect(daysInMonth(year, month)).toBe(expected);
  });
});

describe("parseIsoDate", () => {
  test.each([
    ["2024-02-29", { year: 2024, month: 2, day: 29 }],
    ["2000-02-29", { year: 2000, month: 2, day: 29 }],
    ["1999-12-31", { year: 1999, month: 12, day: 31 }],
    ["0001-01-01", { year: 1, month: 1, day: 1 }],
  ])("%s", (input, expected) => {
    expect(parseIsoDate(input)).toEqual(expected);
  });

  test.each([
    "2023-02-29",
    "2100-02-29",
    "2024-04-31",
    "2024-13-01",
    "2024-00-10",
    "2024-01-00",
    "2024-1-01",
    "20240101",
    "2024-01-01T00:00:00Z",
    " 2024-01-01",
    "",
    "yesterday",
  ])("%j throws RangeError", (input) => {
    expect(() => parseIsoDate(input)).toThrow(RangeError);
    expect(isIsoDate(input)).toBe(false);
  });

  test.each([[42], [null], [undefined]])("isIsoDate(%j) is false", (input) => {
    expect(isIsoDate(input)).toBe(false);
  });
});

describe("day numbers", () => {
  test.each([
    ["1970-01-01", 0],
    ["1970-01-02", 1],
    ["1969-12-31", -1],
    ["2000-03-01", 11017],
    ["2024-02-29", 19782],
    ["0000-03-01", -719468],
  ])("%s ↔ %i", (date, n) => {
    expect(toDayNumber(parseIsoDate(date))).toBe(n);
    expect(formatIsoDate(fromDayNumber(n))).toBe(date);
  });

  test("every day of 1899-2101 round-trips and follows the previous one", () => {
    // One assertion over the mismatches: 74k days × two expect() calls take seconds on a loaded machine.
    const mismatches: string[] = [];
    let n = toDayNumber({ year: 1899, month: 1, day: 1 });
    for (let year = 1899; year <= 2101; year++) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= daysInMonth(year, month); day++) {
          const back = fromDayNumber(n);
          if (toDayNumber({ year, month, day }) !== n || back.year !== year || back.month !== month || back.day !== day)
            mismatches.push(`${year}-${month}-${day} ≠ day ${n}`);
          n++;
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(n - toDayNumber({ year: 1899, month: 1, day: 1 })).toBe(74_144); // days from 1899-01-01 to 2102-01-01;
  });

  test("years that cannot be written as YYYY throw", () => {
    expect(() => formatIsoDate({ year: -1, month: 12, day: 1 })).toThrow(RangeError);
    expect(() => formatIsoDate({ year: 10000, month: 1, day: 1 })).toThrow(RangeError);
  });
});

describe("addDays / daysBetween", () => {
  test.each([
    ["2024-02-28", 1, "2024-02-29"],
    ["2024-02-29", 1, "2024-03-01"],
    ["2023-02-28", 1, "2023-03-01"],
    ["2024-12-31", 1, "2025-01-01"],
    ["2025-01-01", -1, "2024-12-31"],
    ["2024-01-31", 30, "2024-03-01"],
    ["2024-03-15", 0, "2024-03-15"],
    ["2024-01-01", 366, "2025-01-01"],
  ])("%s + %i → %s", (from, days, to) => {
    expect(addDays(from, days)).toBe(to);
    expect(daysBetween(from, to)).toBe(days);
  });
});
