import { canonicalId } from "@scimline/db";
import { badRequest } from "../errors.ts";
import { checkKeyCount } from "../resource/canonical.ts";
import { type AttributeDef, findAttribute, findExtension, type ResourceTypeName, SCHEMA } from "../resource/schema.ts";
import { coerceBool, FORBIDDEN, formatPath, isObject, type ParsedPath, parsePath } from "./path.ts";

/** One RFC 7644 §3.5.2 operation in canonical form: lower-case op, schema-cased path, typed value. */
export type NormalizedOperation = { op: "add" | "remove" | "replace"; path?: string; value?: unknown };

export type ParsedOperation = { op: NormalizedOperation["op"]; path: ParsedPath; value?: unknown };

export const MAX_OPERATIONS = 1000;
// Entra's remove-by-value becomes one op per member; a group holds at most 50,000.
const MAX_EXPANDED = 50_000;
const MAX_DEPTH = 8;
export const PORTAL = "the DID, extension and license are changed by an admin in the Scimline admin portal";

/** Entra's Null_Update: "" or null on add/replace clears the attribute (MSLA). */
export const isEmpty = (v: unknown) => v === null || v === "";

/** Own member, name matched case-insensitively (Entra: no case-sensitive structural names, MSDEV). */
export function member(o: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(o, name)) return o[name];
  const lower = name.toLowerCase();
  const key = Object.keys(o).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : o[key];
}

/** Rejects prototype keys anywhere in a value and bounds its nesting. */
function checkValue(value: unknown, where: string, depth = 0): void {
  if (depth > MAX_DEPTH) throw badRequest("invalidValue", `${where} is nested too deeply`);
  if (Array.isArray(value)) for (const v of value) checkValue(v, where, depth + 1);
  else if (isObject(value)) {
    // Each key of a value without a path is an operation of its own, matched against the document.
    checkKeyCount(value, where);
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN.has(k)) throw badRequest("invalidValue", `attribute name "${k}" is not allowed in ${where}`);
      checkValue(v, where, depth + 1);
    }
  }
}

/** Schema casing for sub-attribute keys and "True"/"False" → booleans, at any depth the schema describes. */
function canonItem(def: AttributeDef, v: unknown): unknown {
  if (def.type === "boolean") return coerceBool(v);
  if (def.type !== "complex" || !isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue; // Entra sends "$ref": null on members
    const sub = findAttribute(def.subAttributes ?? [], k);
    out[sub?.name ?? k] = sub ? canonItem(sub, x) : x;
  }
  return out;
}

function canonValue(def: AttributeDef | undefined, v: unknown, wholeAttribute: boolean): unknown {
  if (!def || isEmpty(v)) return v;
  if (!def.multiValued || !wholeAttribute) return canonItem(def, v);
  // A single value added to a multi-valued attribute is a one-element list.
  return (Array.isArray(v) ? v : [v]).filter((x) => x !== null).map((x) => canonItem(def, x));
}

/** Entra sends the manager as [{"$ref","value"}], {"value"} or a bare id (MSDEV, imulab/go-scim#75). */
function managerValue(v: unknown): Record<string, unknown> | null {
  if (Array.isArray(v) && v.length > 1) throw badRequest("invalidValue", "a user has one manager");
  const item: unknown = Array.isArray(v) ? v[0] : v;
  const value = isObject(item) ? member(item, "value") : item;
  if (value === undefined || isEmpty(value)) return null;
  if (typeof value !== "string" && typeof value !== "number") {
    throw badRequest("invalidValue", 'manager must be an id, {"value": id} or [{"value": id}]');
  }
  const ref = isObject(item) ? member(item, "$ref") : undefined;
  return { value: String(value), ...(typeof ref === "string" && ref !== "" ? { $ref: ref } : {}) };
}

function ignored(p: ParsedPath): boolean {
  // meta is the server's (RFC 7643 §3.1) and schemas follows the stored attributes: both ignored.
  return p.urn === undefined && (p.def?.name === "meta" || p.attr?.toLowerCase() === "schemas");
}

function guardWritable(type: ResourceTypeName, p: ParsedPath): void {
  const name = p.attr ?? p.urn ?? "";
  if (p.urn?.toLowerCase() === SCHEMA.telephony.toLowerCase()) {
    throw badRequest("mutability", `${name} is read-only over SCIM: ${PORTAL}`);
  }
  // did and extension are readOnly, also when sent as custom attributes (top level or enterprise).
  const custom = p.urn === undefined || p.urn.toLowerCase() === SCHEMA.enterprise.toLowerCase();
  if (type === "User" && custom && !p.def && /^(did|extension)$/i.test(name)) {
    throw badRequest("mutability", `${name} is read-only over SCIM: ${PORTAL}`);
  }
  if (p.def?.mutability === "readOnly" && p.def.name !== "id") {
    const why = p.def.name === "groups" ? "memberships are changed through /Groups" : "it is set by the server";
    throw badRequest("mutability", `${p.def.name} is read-only: ${why}`);
  }
  if (p.subDef?.mutability === "readOnly") throw badRequest("mutability", `${p.attr}.${p.sub} is read-only`);
}

/** An absent `active` reads as true (a new user is active), so clearing it would reactivate the user. */
function guardActive(type: ResourceTypeName, p: ParsedPath, clearing: boolean): void {
  if (clearing && type === "User" && p.urn === undefined && p.def?.name === "active") {
    throw badRequest("invalidValue", "active can be set to true or false, not removed");
  }
}

function expandSet(
  type: ResourceTypeName,
  op: "add" | "replace",
  p: ParsedPath,
  value: unknown,
  out: ParsedOperation[],
) {
  if (ignored(p)) return;
  guardWritable(type, p);
  guardActive(type, p, isEmpty(value));
  const prefix = formatPath(p);
  if (p.attr === undefined) {
    // The whole extension: its attributes are set one by one, so the others are kept.
    if (isEmpty(value)) return void out.push({ op, path: p, value: null });
    if (!isObject(value)) throw badRequest("invalidValue", `${p.urn} must be an object of attributes`);
    for (const [k, v] of Object.entries(value)) expandSet(type, op, parsePath(type, `${prefix}:${k}`), v, out);
    return;
  }
  const whole = !p.filter && !p.sub;
  if (whole && p.urn === SCHEMA.enterprise && p.def?.name === "manager") {
    return void out.push({ op: "replace", path: p, value: managerValue(value) });
  }
  if (whole && p.def?.type === "complex" && !p.def.multiValued && isObject(value)) {
    // RFC 7644 §3.5.2.3: sub-attributes not mentioned are kept, so set each one on its own path.
    for (const [k, v] of Object.entries(value)) expandSet(type, op, parsePath(type, `${prefix}.${k}`), v, out);
    return;
  }
  out.push({ op, path: p, value: canonValue(p.sub ? p.subDef : p.def, value, whole) });
}

function expandRemove(type: ResourceTypeName, p: ParsedPath, value: unknown, out: ParsedOperation[]) {
  if (ignored(p)) return;
  guardWritable(type, p);
  guardActive(type, p, true);
  const items = Array.isArray(value) ? value : isObject(value) ? [value] : undefined;
  if (!items || p.filter || p.sub || p.attr === undefined || p.def?.multiValued === false) {
    return void out.push({ op: "remove", path: p });
  }
  // Entra without aadOptscim062020 removes members by a value array, not a filter (MSCOMPAT).
  for (const item of items) {
    const v = isObject(item) ? member(item, "value") : item;
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw badRequest("invalidValue", `each value removed from ${p.attr} needs a "value"`);
    }
    out.push({ op: "remove", path: { ...p, filter: { op: "eq", attrPath: "value", compValue: v } } });
  }
}

function expandOperation(type: ResourceTypeName, raw: unknown, i: number, out: ParsedOperation[]): void {
  const where = `Operations[${i}]`;
  if (!isObject(raw)) throw badRequest("invalidSyntax", `${where} must be an object`);
  const rawOp = member(raw, "op");
  const op = typeof rawOp === "string" ? rawOp.toLowerCase() : undefined;
  if (op !== "add" && op !== "remove" && op !== "replace") {
    throw badRequest(
      "invalidSyntax",
      `${where}.op ${JSON.stringify(rawOp) ?? "(missing)"} is not add, remove or replace`,
    );
  }
  const rawPath = member(raw, "path");
  if (rawPath !== undefined && rawPath !== null && typeof rawPath !== "string") {
    throw badRequest("invalidPath", `${where}.path must be a string`);
  }
  // A null or blank path is treated as no path.
  const path = typeof rawPath === "string" && rawPath.trim() !== "" ? rawPath : undefined;
  const value = member(raw, "value");
  checkValue(value, `${where}.value`);
  if (op === "remove") {
    if (path === undefined) throw badRequest("noTarget", `${where}: remove needs a path`);
    expandRemove(type, parsePath(type, path), value, out);
    return;
  }
  if (value === undefined) throw badRequest("invalidSyntax", `${where}: ${op} needs a value`);
  if (path !== undefined) {
    expandSet(type, op, parsePath(type, path), value, out);
    return;
  }
  if (!isObject(value)) throw badRequest("invalidValue", `${where}: ${op} without a path needs an object value`);
  // RFC 7644 §3.5.2.1/3: without a path the value's keys are attributes, dotted or URN-qualified (Entra).
  for (const [key, v] of Object.entries(value)) {
    const p = parsePath(type, key);
    // A client's own extension sent as an object ({"urn:acme:…:User": {…}}) is the whole extension.
    if (/^urn:/i.test(key) && !p.def && isObject(v) && !findExtension(type, p.urn ?? "")) {
      expandSet(type, op, { urn: key }, v, out);
    } else expandSet(type, op, p, v, out);
  }
}

/** Validates a PatchOp body and expands it into operations that each target one path. */
export function parseOperations(type: ResourceTypeName, body: unknown): ParsedOperation[] {
  if (!isObject(body)) throw badRequest("invalidSyntax", "the PATCH body must be a JSON object");
  const schemas = member(body, "schemas");
  const patchOp = SCHEMA.patchOp.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === patchOp)) {
    throw badRequest("invalidSyntax", `schemas must contain "${SCHEMA.patchOp}"`);
  }
  const operations = member(body, "Operations");
  if (!Array.isArray(operations)) throw badRequest("invalidSyntax", "Operations must be an array");
  // RFC 7644 wants at least one; the Microsoft validator sends none (scimmyjs/scimmy#59): a no-op.
  if (operations.length > MAX_OPERATIONS) {
    throw badRequest("invalidSyntax", `at most ${MAX_OPERATIONS} operations per PATCH (got ${operations.length})`);
  }
  const out: ParsedOperation[] = [];
  for (const [i, raw] of operations.entries()) {
    expandOperation(type, raw, i, out);
    if (out.length > MAX_EXPANDED)
      throw badRequest("invalidSyntax", `the PATCH expands to over ${MAX_EXPANDED} changes`);
  }
  if (type === "Group") for (const op of out) canonicalMembers(op);
  return out;
}

/**
 * A member is a user id: one in capitals names the same user (as the group's own id in the path does),
 * so `members[value eq "…"]` and the members added compare with the stored ids, lower case.
 */
function canonicalMembers(op: ParsedOperation): void {
  if (op.path.urn !== undefined || op.path.attr?.toLowerCase() !== "members") return;
  const { filter } = op.path;
  if (filter?.op === "eq" && filter.attrPath.toLowerCase() === "value" && typeof filter.compValue === "string")
    op.path.filter = { ...filter, compValue: canonicalId(filter.compValue) };
  const values = Array.isArray(op.value) ? op.value : [op.value];
  for (const m of values) if (isObject(m) && typeof m.value === "string") m.value = canonicalId(m.value);
}

/** The operations as applyPatch runs them, with string paths; throws ScimError. */
export function normalizePatchOperations(type: ResourceTypeName, body: unknown): NormalizedOperation[] {
  return parseOperations(type, body).map(({ op, path, value }) =>
    op === "remove" ? { op, path: formatPath(path) } : { op, path: formatPath(path), value },
  );
}
