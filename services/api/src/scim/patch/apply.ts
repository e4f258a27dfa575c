import { isDeepStrictEqual } from "node:util";
import { type ScimPatchOperation, type ScimResource, scimPatch } from "scim-patch";
import type { Filter } from "scim2-parse-filter";
import { badRequest } from "../errors.ts";
import { checkString, MAX_VALUES, maxValues } from "../resource/canonical.ts";
import { type AttributeDef, findAttribute } from "../resource/schema.ts";
import { isEmpty, type ParsedOperation, parseOperations } from "./normalize.ts";
import { compileFilter, formatPath, isObject, keyIn, type ParsedPath, seedOf } from "./path.ts";

export { type NormalizedOperation, normalizePatchOperations } from "./normalize.ts";

export type PatchTarget = { type: "User" | "Group"; id: string; document: Record<string, unknown> };
export type PatchResult = {
  document: Record<string, unknown>;
  password?: string;
  changed: boolean;
  /** The value the request's operations set `active` to, when one of them did. */
  activeSet?: boolean;
};

type Doc = Record<string, unknown>;
type Ctx = {
  target: PatchTarget;
  doc: Doc;
  password?: string;
  activeSet?: boolean;
  /** Attribute look-ups the PATCH's value filters have cost so far (see MAX_FILTER_WORK). */
  filterWork?: number;
};

/**
 * The work a PATCH's value filters may cost, counted as each entry tested times its attributes times
 * the filter's comparisons (a comparison finds its attribute by scanning the entry's keys): 1,000
 * operations on a 50,000-member group would be 50 million tests in one request, and entries of
 * thousands of keys under filters of a hundred comparisons cost a second an operation. A million is
 * ~0.2 s at worst. Okta's and Entra's member changes (`members[value eq "…"]`) are applied by id and do
 * not count.
 */
export const MAX_FILTER_WORK = 1_000_000;

/** The comparisons in a value filter (each looks up one attribute of the entry). */
function comparisons(f: Filter): number {
  if (f.op === "and" || f.op === "or") return f.filters.reduce((n, g) => n + comparisons(g), 0);
  if (f.op === "not") return comparisons(f.filter);
  if (f.op === "[]") return comparisons(f.valFilter);
  return 1;
}

/** What testing every entry of `list` against a filter of `terms` comparisons costs, in key look-ups. */
function filterCost(list: unknown, terms: number): number {
  if (!Array.isArray(list)) return 0;
  let cost = 0;
  for (const entry of list) {
    let keys = 1;
    if (isObject(entry)) for (const k in entry) if (Object.hasOwn(entry, k)) keys++;
    cost += keys * terms;
  }
  return cost;
}

/** RFC 7644 §3.5.2: setting primary on one value clears it on the others (the last one set wins). */
function onePrimary(list: unknown[], touched: number[]): void {
  const winner = touched.filter((i) => isObject(list[i]) && list[i].primary === true).at(-1);
  if (winner === undefined) return;
  list.forEach((e, i) => {
    if (isObject(e) && e.primary === true && i !== winner) e.primary = false;
  });
}

const noTarget = (p: string) => badRequest("noTarget", `no value matches the filter in "${p}"`);

function applyFiltered(
  holder: Doc,
  key: string,
  p: ParsedPath,
  op: ParsedOperation,
  where: string,
  idempotent: boolean,
) {
  const list = Array.isArray(holder[key]) ? (holder[key] as unknown[]) : [];
  const match = p.filter ? compileFilter(p.filter, p.def) : () => false;
  const hits = list.flatMap((e, i) => (isObject(e) && match(e) ? [i] : []));
  const hit = new Set(hits);
  const sub = p.sub;
  if (op.op === "remove" || isEmpty(op.value)) {
    if (hits.length === 0) {
      if (op.op === "remove" && !idempotent) throw noTarget(where);
      return;
    }
    // Without its value an entry (an email, a phone) means nothing: it goes as a whole.
    if (!sub || sub === "value") holder[key] = list.filter((_, i) => !hit.has(i));
    else for (const i of hits) delete (list[i] as Doc)[keyIn(list[i], sub)];
    if ((holder[key] as unknown[]).length === 0) delete holder[key];
    return;
  }
  if (!sub && !isObject(op.value)) throw badRequest("invalidValue", `"${where}" needs an object value`);
  const patch = sub ? undefined : (op.value as Doc);
  if (hits.length === 0) {
    // Entra adds to a filtered path that matches nothing yet (Metatavu/keycloak-scim-server#35).
    const seed = op.op === "add" && p.filter ? seedOf(p.filter) : undefined;
    if (!seed) throw noTarget(where);
    holder[key] = [...list, { ...seed, ...(sub ? { [sub]: op.value } : patch) }];
    return onePrimary(holder[key] as unknown[], [list.length]);
  }
  for (const i of hits) {
    const entry = list[i] as Doc;
    if (sub) entry[keyIn(entry, sub)] = op.value;
    else Object.assign(entry, patch);
  }
  onePrimary(list, hits);
}

/** A JSON value's text with object keys sorted: equal for deep-equal JSON values, whatever the key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    isObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/**
 * add to a multi-valued attribute: values already present (same value and type) are skipped.
 * One pass with hashed keys (linear), and the result stays within the attribute's cap.
 */
function addValues(holder: Doc, key: string, def: AttributeDef, value: unknown, where: string): void {
  const current = Array.isArray(holder[key]) ? (holder[key] as unknown[]) : [];
  const incoming = Array.isArray(value) ? value : [value];
  const max = maxValues(def);
  if (incoming.length > max) throw badRequest("invalidValue", `${where} holds at most ${max} values`);
  const exact = findAttribute(def.subAttributes ?? [], "value")?.caseExact ?? false;
  const valueKey = (e: unknown) => {
    const v = isObject(e) ? e.value : undefined;
    return typeof v === "string" || typeof v === "number" ? (exact ? String(v) : String(v).toLowerCase()) : undefined;
  };
  const typeOf = (e: unknown) => (isObject(e) && typeof e.type === "string" ? e.type.toLowerCase() : undefined);
  // Per value: whether an entry without a type has it (it matches any type), and the types seen.
  const seen = new Map<string, { untyped: boolean; types: Set<string> }>();
  const whole = new Set<string>();
  const remember = (e: unknown) => {
    const k = valueKey(e);
    if (k === undefined) return whole.add(canonicalJson(e));
    const entry = seen.get(k) ?? { untyped: false, types: new Set<string>() };
    const t = typeOf(e);
    if (t === undefined) entry.untyped = true;
    else entry.types.add(t);
    seen.set(k, entry);
  };
  for (const e of current) remember(e);
  const added: unknown[] = [];
  for (const e of incoming) {
    const k = valueKey(e);
    const t = typeOf(e);
    const entry = k === undefined ? undefined : seen.get(k);
    // Same value, and the same type where both have one: already there (RFC 7644 §3.5.2.1).
    const present =
      k === undefined
        ? whole.has(canonicalJson(e))
        : entry !== undefined && (t === undefined || entry.untyped || entry.types.has(t));
    if (present) continue;
    remember(e);
    added.push(e);
  }
  if (added.length === 0) return;
  if (current.length + added.length > max) throw badRequest("invalidValue", `${where} holds at most ${max} values`);
  holder[key] = [...current, ...added];
  onePrimary(
    holder[key] as unknown[],
    added.map((_, i) => current.length + i),
  );
}

/** Plain paths go through scim-patch, on our own working copy (it mutates what it is given). */
function runScimPatch(doc: Doc, operation: ScimPatchOperation): void {
  try {
    scimPatch(doc as unknown as ScimResource, [operation], { mutateDocument: true, treatMissingAsAdd: true });
  } catch (err) {
    const code = isObject(err) ? err.scimCode : undefined;
    const why = err instanceof Error ? err.message : String(err);
    throw badRequest(
      code === "noTarget" ? "noTarget" : "invalidValue",
      `cannot apply ${operation.op} to "${operation.path}": ${why}`,
    );
  }
}

function applyOne(ctx: Ctx, op: ParsedOperation): void {
  const { doc, target } = ctx;
  const p = op.path;
  if (p.urn === undefined && p.def?.name === "id") {
    // Okta's group rename carries the group's own id in the value (OK20): fine when it matches.
    if (op.op !== "remove" && op.value === target.id) return;
    throw badRequest("mutability", `id is read-only and cannot be changed (the resource's id is ${target.id})`);
  }
  if (target.type === "User" && p.urn === undefined && p.def?.name === "password") {
    if (op.op === "remove" || typeof op.value !== "string" || op.value === "") {
      throw badRequest("invalidValue", "password can be replaced with a non-empty string, not removed");
    }
    // Checked as a POST's password is (NUL, lone surrogates, length), before it is sealed.
    ctx.password = checkString(op.value, "password"); // writeOnly: handed to the caller, never kept in the document
    return;
  }
  const clearing = op.op === "remove" || isEmpty(op.value);
  // Refused before any work: scim-patch compares each added value with every one present.
  const max = p.def ? maxValues(p.def) : MAX_VALUES;
  if (Array.isArray(op.value) && op.value.length > max)
    throw badRequest("invalidValue", `${formatPath(p)} holds at most ${max} values`);
  // A member is a user id: one without a value is refused before tens of thousands are de-duplicated.
  if (target.type === "Group" && p.def?.name === "members" && !p.sub && !clearing) {
    const values = Array.isArray(op.value) ? op.value : [op.value];
    const bad = values.findIndex((m) => !isObject(m) || typeof m.value !== "string" || m.value === "");
    if (bad >= 0) throw badRequest("invalidValue", `members[${bad}].value is required`);
  }
  if (target.type === "User" && p.urn === undefined && p.def?.name === "active" && typeof op.value === "boolean") {
    ctx.activeSet = op.value;
  }
  const urnKey = p.urn === undefined ? undefined : keyIn(doc, p.urn);
  if (urnKey !== undefined && p.attr === undefined) {
    if (clearing) delete doc[urnKey];
    return;
  }
  if (urnKey !== undefined && !isObject(doc[urnKey])) {
    if (clearing) return;
    doc[urnKey] = {};
  }
  const holder = (urnKey === undefined ? doc : doc[urnKey]) as Doc;
  const key = keyIn(holder, p.attr ?? "");
  const where = urnKey === undefined ? key : `${urnKey}:${key}`;
  if (p.filter) {
    ctx.filterWork = (ctx.filterWork ?? 0) + filterCost(holder[key], comparisons(p.filter));
    if (ctx.filterWork > MAX_FILTER_WORK)
      throw badRequest(
        "invalidValue",
        `this PATCH's value filters would cost more than ${MAX_FILTER_WORK} attribute look-ups; send fewer filtered operations per request`,
      );
    const idempotent = target.type === "Group" && key === "members";
    applyFiltered(holder, key, p, op, where, idempotent);
  } else if (op.op === "add" && p.def?.multiValued && !p.sub && !clearing) {
    addValues(holder, key, p.def, op.value, where);
  } else {
    // Clearing a complex attribute's value (manager.value) clears the attribute, as for entries above.
    const whole = !p.sub || (clearing && p.sub === "value" && p.def?.type === "complex");
    const path = whole ? where : `${where}.${keyIn(holder[key], p.sub ?? "")}`;
    if (clearing) runScimPatch(doc, { op: "remove", path });
    else {
      // An object value (the manager, a custom attribute) is set as a whole, not merged.
      if (isObject(op.value)) runScimPatch(doc, { op: "remove", path });
      runScimPatch(doc, { op: op.op === "add" ? "add" : "replace", path, value: op.value });
    }
  }
  if (isObject(holder[key]) && Object.keys(holder[key]).length === 0) delete holder[key];
  if (urnKey !== undefined && Object.keys(holder).length === 0) delete doc[urnKey];
}

function isMemberChange(op: ParsedOperation | undefined): boolean {
  if (!op || op.path.urn !== undefined || op.path.attr !== "members" || op.path.sub !== undefined) return false;
  const { filter } = op.path;
  if (op.op === "remove")
    return filter?.op === "eq" && filter.attrPath === "value" && typeof filter.compValue === "string";
  const value = op.value;
  return (
    op.op === "add" && !filter && Array.isArray(value) && value.every((m) => isObject(m) && typeof m.value === "string")
  );
}

/**
 * A run of member adds and `remove members[value eq "…"]` (Okta's membership PATCH, Entra's
 * remove-by-value) in one ordered map, not a scan of a large group per op. Same result as one by one.
 */
function memberRun(ctx: Ctx, ops: ParsedOperation[], from: number): number {
  let end = from;
  while (ctx.target.type === "Group" && isMemberChange(ops[end])) end++;
  if (end === from) return 0;
  const byValue = new Map<unknown, unknown>();
  for (const m of Array.isArray(ctx.doc.members) ? ctx.doc.members : []) {
    const value = isObject(m) ? m.value : undefined;
    byValue.set(typeof value === "string" && !byValue.has(value) ? value : Symbol(), m);
  }
  for (const op of ops.slice(from, end)) {
    if (op.op === "remove" && op.path.filter?.op === "eq") byValue.delete(op.path.filter.compValue);
    else for (const m of op.value as Doc[]) if (!byValue.has(m.value)) byValue.set(m.value, m);
  }
  const members = [...byValue.values()];
  if (members.length > 0) ctx.doc.members = members;
  else delete ctx.doc.members;
  return end - from;
}

/**
 * Applies a PATCH (RFC 7644 §3.5.2) to a copy of the document: all operations or none, in order.
 * Throws ScimError; the target's document is never modified.
 */
export function applyPatch(target: PatchTarget, body: unknown): PatchResult {
  const ops = parseOperations(target.type, body);
  const ctx: Ctx = { target, doc: structuredClone(target.document) };
  for (let i = 0; i < ops.length; ) {
    const run = memberRun(ctx, ops, i);
    if (run > 0) {
      i += run;
      continue;
    }
    const op = ops[i];
    if (op) applyOne(ctx, op);
    i++;
  }
  // licenseType is checked by the caller, against what the identity provider sent and what is in effect.
  const result: PatchResult = { document: ctx.doc, changed: !isDeepStrictEqual(ctx.doc, target.document) };
  if (ctx.password !== undefined) result.password = ctx.password;
  if (ctx.activeSet !== undefined) result.activeSet = ctx.activeSet;
  return result;
}
