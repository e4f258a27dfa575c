import { storable } from "../../middleware/storable-text.ts";
import { badRequest } from "../errors.ts";
import {
  type AttributeDef,
  findAttribute,
  findExtension,
  qualifiedExtension,
  type ResourceTypeName,
  resourceTypes,
  SCHEMA,
  type SchemaDef,
} from "./schema.ts";

/** A resource as a client may write it: canonical attribute names, checked types, nothing read-only. */
export type CanonicalResource = { document: Record<string, unknown>; password?: string };

const MAX_DEPTH = 8;
/**
 * Attributes in one object (the resource, an extension, an entry, a free object): a user has tens. A
 * PATCH finds the client's spelling of a key by scanning its object, once per operation: with objects
 * of tens of thousands of keys, one 484 KB PATCH cost 147 s of CPU (and another tenant's requests
 * waited); at 1,000 a PATCH's worst case is tens of milliseconds.
 */
export const MAX_KEYS = 1000;

/** Refused (400 invalidValue) when `value` holds more than MAX_KEYS attributes. */
export function checkKeyCount(value: Record<string, unknown>, where: string): void {
  let n = 0;
  for (const key in value)
    if (Object.hasOwn(value, key) && ++n > MAX_KEYS)
      throw badRequest("invalidValue", `${where || "the resource"} holds more than ${MAX_KEYS} attributes`);
}
const MAX_STRING = 16_384;
/** Values of one multi-valued attribute (emails, phoneNumbers, roles, a custom list…); README "Security". */
export const MAX_VALUES = 100;
/** Members of one group. */
export const MAX_MEMBERS = 50_000;

export const maxValues = (def: AttributeDef) => (def.name === "members" ? MAX_MEMBERS : MAX_VALUES);

/**
 * Values in a user's resource (every string, number, boolean, object and array in it). The limits per
 * object and per list bound each part, not the whole: a 1 MiB body of 350,000 empty objects passed them,
 * was stored, and every read, PUT and PATCH of that user copied it several times (48 MB of heap for the
 * create, 104 MB for a PATCH). Okta's and Entra's users hold tens.
 */
export const MAX_RESOURCE_VALUES = 10_000;
/**
 * Characters of a user's resource in strings and attribute names. A body is at most 1 MiB, but PATCHes
 * add to what is stored: 32 PATCHes of 1 MiB each made a 30 MiB user, and each GET of it took 120 MB of heap.
 * Twice what one body can carry, so that any body a POST or PUT may send is kept.
 */
export const MAX_RESOURCE_TEXT = 2 * 1024 * 1024;

export type ResourceSize = { values: number; text: number };

/** A document's values and characters as MAX_RESOURCE_VALUES and MAX_RESOURCE_TEXT count them. Iterative. */
export function resourceSize(document: Record<string, unknown>): ResourceSize {
  let values = 0;
  let text = 0;
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const v = stack.pop();
    values++;
    if (typeof v === "string") text += v.length;
    else if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (typeof v === "object" && v !== null) {
      for (const key in v) {
        if (!Object.hasOwn(v, key)) continue;
        text += key.length;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return { values, text };
}

/**
 * Refuses (400 invalidValue) a user's resource past MAX_RESOURCE_VALUES or MAX_RESOURCE_TEXT. A PATCH
 * names the stored resource as `current`: one stored before these limits may still be changed (and
 * deactivated) as long as the change does not make it larger.
 */
export function checkResourceSize(document: Record<string, unknown>, current?: Record<string, unknown>): void {
  const size = resourceSize(document);
  const over = size.values > MAX_RESOURCE_VALUES || size.text > MAX_RESOURCE_TEXT;
  if (!over) return;
  if (current) {
    const before = resourceSize(current);
    if (
      size.values <= Math.max(before.values, MAX_RESOURCE_VALUES) &&
      size.text <= Math.max(before.text, MAX_RESOURCE_TEXT)
    )
      return;
  }
  throw badRequest(
    "invalidValue",
    size.values > MAX_RESOURCE_VALUES
      ? `the user would hold ${size.values.toLocaleString("en")} values; at most ${MAX_RESOURCE_VALUES.toLocaleString("en")} (every string, number, boolean, object and array counts)`
      : `the user would hold ${size.text.toLocaleString("en")} characters of attribute names and strings; at most ${MAX_RESOURCE_TEXT.toLocaleString("en")}`,
  );
}

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Values Postgres indexes with a btree (userName, externalId, a group's displayName): an index entry
 * holds at most 2,704 bytes, and a longer value that does not compress failed the write (54000, a
 * 500). 512 UTF-16 code units are at most 1,536 bytes of UTF-8, lower()-ed or not.
 */
export const MAX_INDEXED = 512;

/** `value`, refused (400 invalidValue naming `name`) when longer than an index holds. */
export function checkIndexed<T extends string | null>(value: T, name: string): T {
  if (value !== null && value.length > MAX_INDEXED)
    throw badRequest("invalidValue", `${name} is longer than ${MAX_INDEXED} characters`);
  return value;
}

/** Postgres text and jsonb refuse NUL and lone surrogates: refuse them here as a 400, not a 500. */
export function checkString(value: string, where: string): string {
  if (value.length > MAX_STRING) throw badRequest("invalidValue", `${where} is longer than ${MAX_STRING} characters`);
  if (!storable(value)) {
    throw badRequest("invalidValue", `${where} contains a NUL character or invalid Unicode`);
  }
  return value;
}

/** `container`: where the key was found ("" at the top level), for the error only. */
function checkKey(key: string, container: string): void {
  if (FORBIDDEN_KEYS.has(key)) {
    throw badRequest("invalidValue", `attribute name "${key}" is not allowed${container && ` in ${container}`}`);
  }
  checkString(key, "an attribute name");
}

/**
 * A number as stored: Postgres's jsonb writes numbers out in full, so 1e308 reads back as 309 digits and
 * 1e-300 as 302 characters; a 709 KB body of them was 31 MB on every read. Accepted: the numbers
 * JavaScript itself writes without an exponent (magnitude under 1e21, and 0 or at least 1e-6), which
 * read back at most a few times longer than sent.
 */
export function checkNumber(value: number, where: string): number {
  const magnitude = Math.abs(value);
  if (!Number.isFinite(value) || magnitude >= 1e21 || (magnitude !== 0 && magnitude < 1e-6))
    throw badRequest("invalidValue", `${where} is not a number in the range stored (0, or 1e-6 to 1e21 in magnitude)`);
  return value;
}

/** A value outside our schemas (custom attributes): kept as sent, within limits. */
function freeValue(value: unknown, where: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw badRequest("invalidValue", `${where} is nested too deeply`);
  if (typeof value === "string") return checkString(value, where);
  if (typeof value === "number") return checkNumber(value, where);
  if (Array.isArray(value)) {
    if (value.length > MAX_VALUES) throw badRequest("invalidValue", `${where} holds at most ${MAX_VALUES} values`);
    return value.map((v, i) => freeValue(v, `${where}[${i}]`, depth + 1));
  }
  if (isObject(value)) {
    checkKeyCount(value, where);
    const out: Record<string, unknown> = {};
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      checkKey(k, where);
      const v = value[k];
      if (v !== null) out[k] = freeValue(v, `${where}.${k}`, depth + 1);
    }
    return out;
  }
  return value;
}

function simpleValue(def: AttributeDef, value: unknown, where: string): unknown {
  switch (def.type) {
    case "boolean":
      if (typeof value === "boolean") return value;
      // Entra sends "True"/"False" (docs/IDENTITY-PROVIDERS.md).
      if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
      throw badRequest("invalidValue", `${where} must be a boolean`);
    case "integer":
      if (typeof value === "number" && Number.isInteger(value)) return checkNumber(value, where);
      throw badRequest("invalidValue", `${where} must be an integer`);
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return checkNumber(value, where);
      throw badRequest("invalidValue", `${where} must be a number`);
    case "dateTime":
      if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return checkString(value, where);
      throw badRequest("invalidValue", `${where} must be a dateTime string`);
    default:
      if (typeof value === "string") return checkString(value, where);
      // Identity providers send some identifiers (employeeNumber, …) as numbers.
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      throw badRequest("invalidValue", `${where} must be a string`);
  }
}

function complexValue(def: AttributeDef, value: unknown, where: string, depth: number): Record<string, unknown> {
  if (!isObject(value)) throw badRequest("invalidValue", `${where} must be an object`);
  checkKeyCount(value, where);
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    checkKey(key, where);
    const v = value[key];
    if (v === null) continue;
    const sub = findAttribute(def.subAttributes ?? [], key);
    if (sub) out[sub.name] = simpleValue(sub, v, `${where}.${sub.name}`);
    else out[key] = freeValue(v, `${where}.${key}`, depth + 1);
  }
  return out;
}

function attributeValue(def: AttributeDef, value: unknown, where: string, depth: number): unknown {
  if (!def.multiValued) {
    return def.type === "complex" ? complexValue(def, value, where, depth) : simpleValue(def, value, where);
  }
  if (!Array.isArray(value)) throw badRequest("invalidValue", `${where} must be an array`);
  if (value.length > maxValues(def))
    throw badRequest("invalidValue", `${where} holds at most ${maxValues(def)} values`);
  const items: unknown[] = [];
  let primaries = 0;
  for (const v of value) {
    if (v === null) continue;
    // The index among the values kept (nulls are dropped), as the error names it.
    const at = `${where}[${items.length}]`;
    const item = def.type === "complex" ? complexValue(def, v, at, depth + 1) : simpleValue(def, v, at);
    if (isObject(item) && item.primary === true) primaries++;
    items.push(item);
  }
  if (primaries > 1) throw badRequest("invalidValue", `${where} has more than one primary value`);
  return items;
}

/** One attribute of a schema (core or an extension) into `out`; its key already checked (checkKey). */
function schemaAttribute(schema: SchemaDef, key: string, value: unknown, out: Record<string, unknown>): void {
  if (value === null) return;
  const def = findAttribute(schema.attributes, key);
  if (!def) {
    out[key] = freeValue(value, key, 1);
    return;
  }
  if (def.mutability === "readOnly") return; // RFC 7644 §3.5.1: readOnly values are ignored
  out[def.name] = attributeValue(def, value, def.name, 1);
}

/** Attributes of one schema (core or an extension) from a client object into `out`. */
function schemaAttributes(
  schema: SchemaDef,
  input: Record<string, unknown>,
  out: Record<string, unknown>,
  container: string,
) {
  checkKeyCount(input, container);
  for (const key in input) {
    if (!Object.hasOwn(input, key)) continue;
    checkKey(key, container);
    schemaAttribute(schema, key, input[key], out);
  }
}

// A user's DID and extension are the server's (readOnly): values a client writes are ignored (RFC 7644
// §3.5.1), also under these names at the top level or in the enterprise extension (custom attributes).
const READ_ONLY_USER_KEYS = new Set(["did", "extension"]);

function withoutReadOnly(type: ResourceTypeName, value: Record<string, unknown>): Record<string, unknown> {
  if (type !== "User") return value;
  let out: Record<string, unknown> | undefined;
  for (const k in value) {
    if (!Object.hasOwn(value, k) || !READ_ONLY_USER_KEYS.has(k.toLowerCase())) continue;
    out ??= { ...value };
    delete out[k];
  }
  return out ?? value;
}

// Every body's every key is compared with these: lower-cased once, not per key.
const TELEPHONY = SCHEMA.telephony.toLowerCase();
const TELEPHONY_PREFIX = `${TELEPHONY}:`;

/**
 * Canonicalises a POST/PUT body (or a patched document): attribute names in their
 * schema casing, values type-checked, read-only attributes dropped, the password
 * taken out. Unknown attributes are kept as sent (Okta custom attributes).
 */
export function canonicalize(type: ResourceTypeName, input: unknown): CanonicalResource {
  if (!isObject(input)) throw badRequest("invalidSyntax", "the request body must be a JSON object");
  checkKeyCount(input, "");
  const { core } = resourceTypes[type];
  const document: Record<string, unknown> = {};
  const extensions = new Map<string, Record<string, unknown>>();
  let password: string | undefined;

  for (const key in input) {
    if (!Object.hasOwn(input, key)) continue;
    const value = input[key];
    checkKey(key, "");
    const lower = key.toLowerCase();
    if (lower === "id" || lower === "meta" || lower === "schemas") continue;
    if (lower === TELEPHONY || lower.startsWith(TELEPHONY_PREFIX)) continue;
    if (type === "User" && READ_ONLY_USER_KEYS.has(lower)) continue;
    if (type === "User" && lower === "password") {
      if (value === null) continue;
      if (typeof value !== "string") throw badRequest("invalidValue", "password must be a string");
      password = checkString(value, "password");
      continue;
    }
    if (lower.startsWith("urn:")) {
      const ext = findExtension(type, key);
      if (ext) {
        if (value === null) continue;
        if (!isObject(value)) throw badRequest("invalidValue", `${ext.id} must be an object`);
        const target = extensions.get(ext.id) ?? {};
        schemaAttributes(ext, withoutReadOnly(type, value), target, ext.id);
        extensions.set(ext.id, target);
        continue;
      }
      // A fully qualified extension attribute at the top level (RFC 7644 §3.10).
      const qualified = qualifiedExtension(type, lower);
      if (qualified) {
        const target = extensions.get(qualified.id) ?? {};
        const attribute = withoutReadOnly(type, { [key.slice(qualified.id.length + 1)]: value });
        schemaAttributes(qualified, attribute, target, qualified.id);
        extensions.set(qualified.id, target);
        continue;
      }
      if (value !== null) document[key] = freeValue(value, key, 1);
      continue;
    }
    // In the client's own order, among the extensions' free values.
    schemaAttribute(core, key, value, document);
  }
  for (const [urn, value] of extensions) if (Object.keys(value).length > 0) document[urn] = value;
  return password === undefined ? { document } : { document, password };
}
