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
