import { type Filter, stringify } from "scim2-parse-filter";
import { badRequest } from "../errors.ts";
import { parseScimFilter, unicodeName } from "../filter/parse.ts";
import { firstControlCharacter } from "../filter/tokenize.ts";
import {
  type AttributeDef,
  commonAttributes,
  findAttribute,
  findExtension,
  type ResourceTypeName,
  resourceTypes,
  SCHEMA,
} from "../resource/schema.ts";

/** `[urn:]attr[filter][.sub]` (RFC 7644 §3.10), names in schema casing where the schema knows them. */
export type ParsedPath = {
  /** Extension URN (canonical when known); absent for core attributes. */
  urn?: string;
  /** Absent when the path is the whole extension. */
  attr?: string;
  def?: AttributeDef;
  filter?: Filter;
  sub?: string;
  subDef?: AttributeDef;
};

const MAX_PATH = 1024;
export const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);
const PATH = /^([A-Za-z$][\w$-]*)(?:\[(.*)\])?(?:\.([A-Za-z$][\w$-]*))?$/s;

type Doc = Record<string, unknown>;

export const isObject = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

const invalidPath = (path: string, why: string) => badRequest("invalidPath", `path "${path}" is invalid: ${why}`);

export const coerceBool = (v: unknown) =>
  typeof v === "string" && /^(true|false)$/i.test(v) ? v.toLowerCase() === "true" : v;

function filterAttr(name: string, def: AttributeDef | undefined, raw: string): string {
  if (FORBIDDEN.has(name)) throw invalidPath(raw, "reserved name in the value filter");
  return findAttribute(def?.subAttributes ?? [], name)?.name ?? name;
}

function canonicalFilter(f: Filter, def: AttributeDef | undefined, raw: string): Filter {
  switch (f.op) {
    case "and":
    case "or":
      return { op: f.op, filters: f.filters.map((x) => canonicalFilter(x, def, raw)) };
    case "not":
      return { op: "not", filter: canonicalFilter(f.filter, def, raw) };
    case "[]":
      throw invalidPath(raw, "nested value filters are not supported");
    case "pr":
      return { op: "pr", attrPath: filterAttr(f.attrPath, def, raw) };
    default: {
      filterAttr(f.attrPath, def, raw);
      const sub = findAttribute(def?.subAttributes ?? [], f.attrPath);
      const compValue = sub?.type === "boolean" ? coerceBool(f.compValue) : f.compValue;
      return { op: f.op, attrPath: sub?.name ?? f.attrPath, compValue: compValue as typeof f.compValue };
    }
  }
}

/** Parses and canonicalises a path; unknown attributes keep the client's spelling. */
export function parsePath(type: ResourceTypeName, raw: string): ParsedPath {
  const path = raw.trim();
  if (path === "" || path.length > MAX_PATH)
    throw invalidPath(raw.slice(0, 64), `empty or over ${MAX_PATH} characters`);
  const control = firstControlCharacter(raw);
  if (control >= 0) throw invalidPath(raw.slice(0, 64), `it contains a control character (${unicodeName(control)})`);
  const { core, extensions } = resourceTypes[type];
  let defs: readonly AttributeDef[] = [...core.attributes, ...commonAttributes];
  let urn: string | undefined;
  let rest = path;
  if (/^urn:/i.test(path)) {
    const lower = path.toLowerCase();
    const known = [core, ...extensions].find(
      (s) => lower === s.id.toLowerCase() || lower.startsWith(`${s.id.toLowerCase()}:`),
    );
    if (known) {
      rest = path.slice(known.id.length + 1);
      if (known !== core) [urn, defs] = [known.id, known.attributes];
      if (rest === "") {
        if (urn === undefined) throw invalidPath(raw, "a core schema URN needs an attribute");
        return { urn };
      }
    } else {
      // An unknown extension (a client's custom namespace): the attribute follows the last colon.
      const cut = path.split("[")[0]?.lastIndexOf(":") ?? -1;
      [urn, rest, defs] = [path.slice(0, cut), path.slice(cut + 1), []];
    }
  }
  const m = PATH.exec(rest);
  const name = m?.[1];
  if (!m || name === undefined) throw invalidPath(raw, "expected attr, attr.sub or attr[filter].sub");
  const [, , filterText, sub] = m;
  if (FORBIDDEN.has(name) || (sub !== undefined && FORBIDDEN.has(sub))) throw invalidPath(raw, "reserved name");
  let def = findAttribute(defs, name);
  // Entra maps the manager to a bare `manager` path as well as the enterprise one (MSDEV).
  if (!def && type === "User" && urn === undefined && name.toLowerCase() === "manager") {
    urn = SCHEMA.enterprise;
    def = findAttribute(findExtension("User", SCHEMA.enterprise)?.attributes ?? [], "manager");
  }
  const out: ParsedPath = { attr: def?.name ?? name };
  if (urn !== undefined) out.urn = urn;
  if (def) out.def = def;
  if (filterText !== undefined) {
    if (def && !def.multiValued) throw invalidPath(raw, `${def.name} is not multi-valued`);
    let filter: Filter;
    try {
      filter = parseScimFilter(filterText);
    } catch {
      throw invalidPath(raw, "the value filter does not parse");
    }
    out.filter = canonicalFilter(filter, def, raw);
  }
  if (sub !== undefined) {
    if (def && def.type !== "complex") throw invalidPath(raw, `${def.name} has no sub-attributes`);
    const subDef = findAttribute(def?.subAttributes ?? [], sub);
    out.sub = subDef?.name ?? sub;
    if (subDef) out.subDef = subDef;
  }
  return out;
}

export function formatPath(p: ParsedPath): string {
  if (p.attr === undefined) return p.urn ?? "";
  const attr = `${p.attr}${p.filter ? `[${stringify(p.filter)}]` : ""}${p.sub ? `.${p.sub}` : ""}`;
  return p.urn === undefined ? attr : `${p.urn}:${attr}`;
}

/** The client's spelling of an attribute the schema does not know, matched to the stored key. */
export function keyIn(holder: unknown, name: string): string {
  if (!isObject(holder) || Object.hasOwn(holder, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(holder).find((k) => k.toLowerCase() === lower) ?? name;
}

function lookup(entry: Doc, name: string): unknown {
  return entry[keyIn(entry, name)];
}

function order(a: unknown, b: unknown): number | undefined {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

/** Compiles a value filter; strings compare per the sub-attribute's caseExact (RFC 7643 §2.1). */
export function compileFilter(f: Filter, def: AttributeDef | undefined): (entry: Doc) => boolean {
  switch (f.op) {
    case "and":
    case "or": {
      const parts = f.filters.map((x) => compileFilter(x, def));
      return f.op === "and" ? (e) => parts.every((g) => g(e)) : (e) => parts.some((g) => g(e));
    }
    case "not": {
      const inner = compileFilter(f.filter, def);
      return (e) => !inner(e);
    }
    case "[]":
      return () => false;
    case "pr":
      return (e) => {
        const v = lookup(e, f.attrPath);
        return v !== undefined && v !== null && v !== "";
      };
    default: {
      const exact = findAttribute(def?.subAttributes ?? [], f.attrPath)?.caseExact ?? false;
      const norm = (x: unknown) => (typeof x === "string" && !exact ? x.toLowerCase() : x);
      const c = norm(f.compValue);
      const test = (v: unknown): boolean => {
        const n = norm(v);
        const s = typeof n === "string" && typeof c === "string";
        const cmp = order(n, c);
        switch (f.op) {
          case "eq":
            return c === null ? v === undefined || v === null : n === c;
          case "ne":
            return c === null ? v !== undefined && v !== null : n !== c;
          case "co":
            return s && (n as string).includes(c as string);
          case "sw":
            return s && (n as string).startsWith(c as string);
          case "ew":
            return s && (n as string).endsWith(c as string);
          case "gt":
            return cmp !== undefined && cmp > 0;
          case "ge":
            return cmp !== undefined && cmp >= 0;
          case "lt":
            return cmp !== undefined && cmp < 0;
          default:
            return cmp !== undefined && cmp <= 0;
        }
      };
      return (e) => test(lookup(e, f.attrPath));
    }
  }
}

/** `type eq "work" [and …]` → {type: "work"}: the entry an Entra add to an unmatched filter creates. */
export function seedOf(f: Filter): Doc | undefined {
  if (f.op === "eq" && f.compValue !== null) return { [f.attrPath]: f.compValue };
  if (f.op !== "and") return undefined;
  const parts = f.filters.map(seedOf);
  return parts.every((p) => p !== undefined) ? Object.assign({}, ...parts) : undefined;
}
