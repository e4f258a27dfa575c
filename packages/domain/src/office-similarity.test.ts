import { describe, expect, test } from "vitest";
import { office } from "./office-match-fixtures.ts";
import {
  boundedHint,
  findClosestOffice,
  isOfficeLikeName,
  MAX_HINT_LENGTH,
  OFFICE_SIMILARITY_THRESHOLD,
  officeNameSimilarity,
} from "./office-similarity.ts";

describe("officeNameSimilarity", () => {
  test.each([
    ["London", "London", 1, 1],
    ["london!", "LONDON", 1, 1],
    ["Londn", "London", 5 / 6, 5 / 6],
    ["Oslp", "Oslo", 0.75, 0.75],
    ["Olso", "Oslo", 0.5, 0.5],
    ["Houston", "Boston", 5 / 7, 5 / 7],
    ["Berlin Office", "Berlin", 1, 6 / 13],
    ["Berlin, DE", "Berlin", 1, 6 / 9],
    ["Munch HQ", "Munich", 5 / 6, 4 / 8],
    ["New York City", "New York", 1, 8 / 13],
    ["New York", "New York City", 8 / 13, 8 / 13], // a value shorter than the name has no runs
    ["Zurich", "Zürich", 1, 1],
    ["", "London", 0, 0],
  ])("%j vs %j → %d (whole %d)", (value, name, score, whole) => {
    const s = officeNameSimilarity(value, name);
    expect(s.score).toBeCloseTo(score, 10);
    expect(s.whole).toBeCloseTo(whole, 10);
  });

  test("the threshold is documented at 0.75", () => {
    expect(OFFICE_SIMILARITY_THRESHOLD).toBe(0.75);
  });

  test("a long value is compared by its first 256 characters: it names an office in its first words", () => {
    const filler = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(" ");
    expect(officeNameSimilarity(`Berlin Office, ${filler}`, "Berlin").score).toBe(1);
    expect(officeNameSimilarity(`${filler} Berlin`, "Berlin").score).toBeLessThan(OFFICE_SIMILARITY_THRESHOLD);
  });

  test("runs of words are tried within a value's first 16 words", () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");
    expect(officeNameSimilarity(`${words(15)} Berlin`, "Berlin").score).toBe(1);
    expect(officeNameSimilarity(`${words(16)} Berlin`, "Berlin").score).toBeLessThan(OFFICE_SIMILARITY_THRESHOLD);
  });
});

describe("boundedHint", () => {
  test.each([
    ["Berlin Office", "berlin office"],
    [`${"a".repeat(300)}`, "a".repeat(MAX_HINT_LENGTH)],
    [`${"abc ".repeat(100)}`, "abc ".repeat(64).trim()],
    [`${"é".repeat(2000)}`, "e".repeat(MAX_HINT_LENGTH)],
    [`${"-".repeat(5000)}Berlin`, ""],
  ])("%#: normalised, at most 256 characters, cut at a word's end", (value, expected) => {
    const hint = boundedHint(value);
    expect(hint).toBe(expected);
    expect(hint.length).toBeLessThanOrEqual(MAX_HINT_LENGTH);
  });
});

describe("isOfficeLikeName", () => {
  test.each([
    ["Berlin", true],
    ["Office 2", true],
    ["NY", true],
    ["7", true],
    ["---", false],
    ["", false],
    ["  ", false],
    ["n/a", false],
    ["N/A", false],
    ["n.a.", false],
    ["NA", false],
    ["none", false],
    ["None ", false],
    ["null", false],
    ["undefined", false],
    ["Unknown", false],
    ["TBD", false],
    ["not applicable", false],
    ["Not-Available", false],
    ["-", false],
    ["?", false],
    ["Other", false],
    ["Nonesuch", true],
  ])("%j → %s", (value, expected) => {
    expect(isOfficeLikeName(value)).toBe(expected);
  });
});

describe("findClosestOffice", () => {
  const offices = [
    office("a", "Alpha", "US", "2020-01-01T00:00:00Z"),
    office("b", "Beta", "US", "2021-01-01T00:00:00Z"),
  ];
  test.each([
    [["Alpah"], null], // a swap costs two edits: 0.6
    [["Alpa"], "a"],
    [["Bet"], "b"],
    [["zzz", "Beta"], "b"],
    [["n/a"], null],
    [[], null],
  ])("%j → %s", (values, expected) => {
    expect(findClosestOffice(offices, values)?.office.id ?? null).toBe(expected);
  });

  test("no offices → null", () => {
    expect(findClosestOffice([], ["Alpha"])).toBeNull();
  });
});
