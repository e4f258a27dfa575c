import type postgres from "postgres";

type Q = Pick<postgres.Sql, "typed">;

/**
 * `value` as a text parameter holding its JSON, sent as bytes (write `${jsonText(sql, rows)}::text::jsonb`).
 *
 * For the batches of the hot paths (the door's rows, the request log's lines): a JSON string passed as a
 * plain parameter lived as long as its statement (postgres.js keeps the parameters, and flattened the
 * string once more to inspect it), long enough to be promoted to V8's old generation now and then, and a
 * batch of the request log is a large object allocated there outright. Encoded at once, the string dies
 * young and the bytes live outside the JS heap. postgres.js sends a Uint8Array parameter typed as anything
 * but bytea as it is (patches/postgres@3.4.9.patch, decision 0008).
 */
export function jsonText(sql: Q, value: unknown): postgres.Parameter<string> {
  return textBytes(sql, Buffer.from(JSON.stringify(value)));
}

/**
 * UTF-8 `bytes` as a text parameter, sent as they are (the request log encodes its lines as they come).
 * They must be valid UTF-8 (Postgres refuses the statement otherwise) and must not change until the
 * statement settles: the driver copies them when it sends the statement, which can be a round trip after
 * it was queued.
 */
export function textBytes(sql: Q, bytes: Uint8Array): postgres.Parameter<string> {
  return sql.typed(bytes as unknown as string, TEXT);
}

const TEXT = 25;

/** `leasedJsonText`: smaller JSON takes a buffer of its own; a few buffers are kept for reuse, none larger. */
const LEASE_FROM_BYTES = 16 * 1024;
const LEASE_MIN_BYTES = 64 * 1024;
const LEASE_MAX_KEPT_BYTES = 1024 * 1024;
const LEASES_KEPT = 8;
const leases: Buffer[] = [];
const noRelease = () => {};

/**
 * Like `jsonText`, in a buffer reused once `release` is called, after the statement settled (the driver
 * copies the bytes into its message when it sends the statement, so they must not change before; a
 * statement that never settles keeps its buffer). For the door's batches, one per statement: a new buffer
 * each time outlived two young collections more often than not, was promoted with it, and waited for a
 * mark-compact to be freed: ~0.25 MB of external memory a scavenge, which brought the mark-compacts on
 * sooner and raised the API's RSS.
 * A driver error keeps the statement's parameters (`error.parameters`): after the release they may show
 * another batch's bytes, so do not log them.
 */
export function leasedJsonText(sql: Q, value: unknown): { parameter: postgres.Parameter<string>; release: () => void } {
  const text = JSON.stringify(value);
  const length = Buffer.byteLength(text);
  // One row (a conflict retried alone, a single create) is not worth a pooled buffer.
  if (length < LEASE_FROM_BYTES) return { parameter: textBytes(sql, Buffer.from(text)), release: noRelease };
  const at = leases.findIndex((b) => b.length >= length);
  const buffer =
    at >= 0 ? (leases.splice(at, 1)[0] as Buffer) : Buffer.allocUnsafeSlow(Math.max(LEASE_MIN_BYTES, length));
  buffer.write(text, 0, length, "utf8");
  let released = false;
  return {
    parameter: textBytes(sql, buffer.subarray(0, length)),
    release: () => {
      if (released) return;
      released = true;
      if (leases.length < LEASES_KEPT && buffer.length <= LEASE_MAX_KEPT_BYTES) leases.push(buffer);
    },
  };
}
