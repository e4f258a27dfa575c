/**
 * Checks for the values decoded from the admin API's opaque cursors, before a query casts them:
 * a value Postgres refuses (`::bigint` overflow, an impossible `::timestamptz`) would be a 500, so
 * a decoder refuses it first and the route answers its usual 400 for a malformed cursor.
 */

const BIGINT_MAX = 2n ** 63n - 1n; // Postgres bigint: signed 64-bit
const XID8_MAX = 2n ** 64n - 1n; // Postgres xid8: unsigned 64-bit

/** Unsigned decimal digits only (no sign, no spaces); leading zeros count towards `maxDigits`. */
const decimalAtMost = (text: string, maxDigits: number, max: bigint) =>
  text.length >= 1 && text.length <= maxDigits && /^\d+$/.test(text) && BigInt(text) <= max;

/** A non-negative decimal that fits a Postgres `bigint` (0 … 2^63−1, at most 19 digits). */
export const isBigintText = (text: string): boolean => decimalAtMost(text, 19, BIGINT_MAX);

/** A decimal that fits a Postgres `xid8`, a transaction id (0 … 2^64−1, at most 20 digits). */
export const isXid8Text = (text: string): boolean => decimalAtMost(text, 20, XID8_MAX);

/** A position `txid:seq` (xid8, bigint), base64url-encoded as the event feed and deliveries write it; else null. */
export function decodePosition(cursor: string): { txid: string; seq: string } | null {
  const [txid, seq, extra] = Buffer.from(cursor, "base64url").toString("utf8").split(":");
  return txid !== undefined && seq !== undefined && extra === undefined && isXid8Text(txid) && isBigintText(seq)
    ? { txid, seq }
    : null;
}

/**
 * An instant exactly as `Date.prototype.toISOString` writes it (`YYYY-MM-DDTHH:mm:ss.sssZ`), a real
 * calendar date (no 30 February: the text must round-trip), year 1–9999 (what `timestamptz` takes).
 * Returns the text to bind, or null.
 */
export function isoInstant(text: string): string | null {
  const match = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.exec(text);
  if (!match || Number(match[1]) < 1) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const normalised = new Date(ms).toISOString();
  return normalised === text ? normalised : null;
}
