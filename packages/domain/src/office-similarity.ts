import { distance } from "fastest-levenshtein";
import type { Office } from "./types.ts";

/**
 * The least similarity (0..1) at which an office-like value names an office in the "closest
 * name" fallback: one typo in a 4-letter name, two in an 8-letter one. Below it the user goes to
 * the main office. Why 0.75: docs/decisions/0001-idp-values-and-overrides.md.
 */
export const OFFICE_SIMILARITY_THRESHOLD = 0.75;

/** Values identity providers send for "no office": never a name, whatever office they resemble. */
const PLACEHOLDERS = new Set([
  "na",
  "nan",
  "none",
  "null",
  "nil",
  "undefined",
  "unknown",
  "tbd",
  "tba",
  "tbc",
  "notapplicable",
  "notavailable",
  "notset",
  "unassigned",
  "other",
  "empty",
  "blank",
  "default",
]);

/** Letters and digits only, lower-case, accents dropped, one space between words. */
export function normalizeForDistance(value: string): string {
  return value
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** A value that can name an office: some letter or digit, and not a placeholder such as `n/a` or `---`. */
export function isOfficeLikeName(value: string): boolean {
  const normalized = normalizeForDistance(value);
  return normalized !== "" && !PLACEHOLDERS.has(normalized.replaceAll(" ", ""));
}

/**
 * How much of an office-like value is compared: office names are short, and every office is compared
 * with every value (the whole, then each run of words), so a value of thousands of words cost the
 * worker about a second a user against 200 offices (three 16,000-character values); cut to its first
 * 256 characters, a millisecond or two. A value names its office in its first words.
 */
export const MAX_HINT_LENGTH = 256;

/** The value as compared: normalised, its first MAX_HINT_LENGTH characters, cut at a word's end. */
export function boundedHint(value: string): string {
  const hint = normalizeForDistance(value.slice(0, MAX_HINT_LENGTH * 4));
  if (hint.length <= MAX_HINT_LENGTH) return hint;
  const cut = hint.lastIndexOf(" ", MAX_HINT_LENGTH);
  return hint.slice(0, cut > 0 ? cut : MAX_HINT_LENGTH);
}

const ratio = (a: string, b: string): number => {
  const length = Math.max(a.length, b.length);
  return length === 0 ? 0 : 1 - distance(a, b) / length;
};

export type Similarity = {
  /** The best of the whole value and each run of as many words as the office name has. */
  score: number;
  /** The whole value against the whole name: breaks ties ("New York HQ" → "New York" before "York"). */
  whole: number;
};

/** A value made ready to compare with every office: normalised and cut once, its first words split. */
type Hint = { text: string; words: string[] };

/** Runs of words tried per value: a value names its office in its first words. */
const MAX_RUN_WORDS = 16;

function prepare(value: string): Hint {
  const text = boundedHint(value);
  return { text, words: text.split(" ").slice(0, MAX_RUN_WORDS) };
}

function similarityTo(hint: Hint, name: string): Similarity {
  const whole = ratio(hint.text, name);
  const size = name.split(" ").length;
  let score = whole;
  for (let i = 0; i + size <= hint.words.length && hint.words.length > size; i++) {
    score = Math.max(score, ratio(hint.words.slice(i, i + size).join(" "), name));
  }
  return { score, whole };
}

/**
 * How well a value names an office: Levenshtein similarity of the normalised strings, also
 * against each run of words of the value as long as the name ("Berlin Office", "Berlin, DE").
 */
export function officeNameSimilarity(value: string, officeName: string): Similarity {
  return similarityTo(prepare(value), normalizeForDistance(officeName));
}

const better = (a: Similarity, b: Similarity): boolean =>
  a.score > b.score || (a.score === b.score && a.whole > b.whole);

/**
 * The office whose name is closest to any of the values, at or above the threshold; null when
 * none is. Offices must arrive oldest first: only a strictly better score replaces, so ties go
 * to the oldest office, then to the earlier value.
 */
export function findClosestOffice(
  offices: readonly Office[],
  values: readonly string[],
): { office: Office; value: string; similarity: Similarity } | null {
  // Each value and each name normalised once, not once per pair.
  const hints = values.filter(isOfficeLikeName).map((value) => ({ value, hint: prepare(value) }));
  let best: { office: Office; value: string; similarity: Similarity } | null = null;
  for (const office of offices) {
    const name = normalizeForDistance(office.name);
    for (const { value, hint } of hints) {
      const similarity = similarityTo(hint, name);
      if (similarity.score < OFFICE_SIMILARITY_THRESHOLD) continue;
      if (best === null || better(similarity, best.similarity)) best = { office, value, similarity };
    }
  }
  return best;
}
