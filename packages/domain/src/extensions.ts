export type ExtensionRange = { start: number; end: number };

/** parseExtension accepts at most 9 digits, so a range may not reach past them. */
export const MAX_EXTENSION = 999_999_999;
/** Bounds the lowest-free search a worker runs per user. */
export const MAX_EXTENSION_RANGE_SIZE = 200_000;

/** A message for the admin API when the range is unusable, null when it is fine. */
export function validateExtensionRange(range: ExtensionRange): string | null {
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end)) return "extension range bounds must be integers";
  if (start < 0) return "extension range start must be 0 or more";
  if (end < start) return "extension range end must not be below its start";
  if (end > MAX_EXTENSION) return `extension range end must be at most ${MAX_EXTENSION} (9 digits)`;
  if (end - start + 1 > MAX_EXTENSION_RANGE_SIZE) {
    return `extension range may hold at most ${MAX_EXTENSION_RANGE_SIZE} extensions`;
  }
  return null;
}

/** Extensions are stored as integers and shown (SCIM telephony extension) as plain decimal digits. */
export function formatExtension(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Not an extension: ${n}`);
  return String(n);
}

/**
 * An extension from an admin (a string of 1-9 digits, or such a number); null otherwise.
 * Leading zeros are dropped: extensions are stored as integers, so "007" is 7.
 */
export function parseExtension(s: unknown): number | null {
  if (typeof s === "number") return Number.isInteger(s) && s >= 0 && s <= MAX_EXTENSION ? s : null;
  if (typeof s !== "string" || !/^\d{1,9}$/.test(s)) return null;
  return Number(s);
}
