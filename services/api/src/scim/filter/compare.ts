import { type SQL, sql } from "drizzle-orm";
import type { Compare } from "scim2-parse-filter";
import { storable } from "../../middleware/storable-text.ts";
import { invalidFilter } from "./parse.ts";
import type { Scalar } from "./target.ts";

type Op = Compare["op"];
type Value = Exclude<Compare["compValue"], null>;

const ORDER_OPS: Partial<Record<Op, string>> = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" };

/** Postgres refuses NUL and lone surrogates in text: refuse them here as a 400, never a 500. */
export function checkedString(value: string, name: string): string {
  if (!storable(value)) {
    throw invalidFilter(`the value compared with ${name} contains a NUL character or invalid Unicode`);
  }
  return value;
}

function textValue(target: Scalar, value: Value): string {
  if (typeof value === "string") return checkedString(value, target.name);
  // Identity providers send some identifiers (employeeNumber, extension) as numbers.
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw invalidFilter(`${target.name} is a string attribute; compare it with a string, not ${String(value)}`);
}

/** Entra sends booleans as "True"/"False" (docs/IDENTITY-PROVIDERS.md). */
function booleanValue(target: Scalar, value: Value): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw invalidFilter(`${target.name} is a boolean attribute; compare it with true or false`);
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

/**
 * Validated in JS and sent as a canonical ISO string, so Postgres never has to reject a date.
 * A date-time without an offset is read as UTC, not in the server's time zone.
 */
function timestampValue(target: Scalar, value: Value): string {
  const text = typeof value === "string" ? value.trim().toUpperCase() : "";
  const match = ISO_DATE_TIME.exec(text);
  const time = match ? Date.parse(text.includes("T") && !match[1] ? `${text}Z` : text) : Number.NaN;
  const year = Number.isNaN(time) ? 0 : new Date(time).getUTCFullYear();
  if (year < 1 || year > 9999) {
    throw invalidFilter(
      `${target.name} is a dateTime attribute; ${JSON.stringify(value)} is not an ISO 8601 date-time`,
    );
  }
  return new Date(time).toISOString();
}

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

function textComparison(target: Scalar, op: Op, raw: Value): SQL {
  const value = textValue(target, raw);
  const side = (e: SQL) => (target.caseExact ? e : sql`lower(${e})`);
  const left = side(target.expr);
  if (op === "ne") return sql`(${left} is distinct from ${side(sql`${value}::text`)})`;
  if (op === "co" || op === "sw" || op === "ew") {
    const pattern = `${op === "sw" ? "" : "%"}${escapeLike(value)}${op === "ew" ? "" : "%"}`;
    return sql`(${left} like ${side(sql`${pattern}::text`)} escape '\\')`;
  }
  return sql`(${left} ${sql.raw(ORDER_OPS[op] ?? "=")} ${side(sql`${value}::text`)})`;
}

function booleanComparison(target: Scalar, op: Op, raw: Value): SQL {
  if (op !== "eq" && op !== "ne") {
    throw invalidFilter(`${target.name} is a boolean attribute; only eq, ne and pr apply to it, not ${op}`);
  }
  const value = booleanValue(target, raw);
  const comparator = sql.raw(op === "eq" ? "=" : "is distinct from");
  if (target.kind === "boolean") return sql`(${target.expr} ${comparator} ${value}::boolean)`;
  // Booleans inside jsonb (emails.primary) compare as their JSON text.
  return sql`(lower(${target.expr}) ${comparator} ${String(value)}::text)`;
}

function timestampComparison(target: Scalar, op: Op, raw: Value): SQL {
  if (op === "co" || op === "sw" || op === "ew") {
    throw invalidFilter(`${target.name} is a dateTime attribute; ${op} does not apply to it`);
  }
  const value = sql`${timestampValue(target, raw)}::timestamptz`;
  if (op === "ne") return sql`(${target.expr} is distinct from ${value})`;
  return sql`(${target.expr} ${sql.raw(ORDER_OPS[op] ?? "=")} ${value})`;
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * An id equal (or not) to a canonical uuid compares the uuid column, by its index: the same answer
 * as comparing its text, which is always canonical. Any other value or operator compares the text.
 */
function uuidComparison(target: Scalar, op: Op, raw: Value): SQL {
  const text = typeof raw === "string" ? (target.caseExact ? raw : raw.toLowerCase()) : "";
  if (!target.uuid || (op !== "eq" && op !== "ne") || !CANONICAL_UUID.test(text)) {
    return textComparison(target, op, raw);
  }
  if (op === "ne") return sql`(${target.uuid} is distinct from ${text}::uuid)`;
  return sql`(${target.uuid} = ${text}::uuid)`;
}

/** `pr`: present and not empty. Always true or false, never null, so NOT over it is safe. */
export function presence(target: Scalar): SQL {
  if (target.kind === "text") return sql`(${target.expr} is not null and ${target.expr} <> '')`;
  return sql`(${target.expr} is not null)`;
}

/**
 * A comparison that follows the attribute's type and caseExact (RFC 7644 §3.4.2.2). `ne` is true
 * for an absent value; `eq null` means absent and `ne null` present.
 */
export function comparison(target: Scalar, op: Op, value: Compare["compValue"]): SQL {
  if (value === null) {
    if (op === "eq") return sql`not ${presence(target)}`;
    if (op === "ne") return presence(target);
    throw invalidFilter(`null can only be compared with eq or ne, not ${op}`);
  }
  switch (target.kind) {
    case "boolean":
    case "jsonBoolean":
      return booleanComparison(target, op, value);
    case "timestamp":
      return timestampComparison(target, op, value);
    case "uuid":
      return uuidComparison(target, op, value);
    default:
      return textComparison(target, op, value);
  }
}
