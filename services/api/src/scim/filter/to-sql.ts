import { type SQL, sql } from "drizzle-orm";
import type { Compare, Filter, Suffix } from "scim2-parse-filter";
import { ScimError } from "../errors.ts";
import { type ResolvedPath, resolvePath } from "../resource/attribute-path.ts";
import { type AttributeDef, findAttribute, type ResourceTypeName } from "../resource/schema.ts";
import { checkedString, comparison, presence } from "./compare.ts";
import { invalidFilter, parseScimFilter } from "./parse.ts";
import { groupHasSchema, groupTarget, userHasSchema, userTarget } from "./resources.ts";
import type { Complex, Fail, Scalar, Target } from "./target.ts";

/**
 * SCIM filters and sortBy (RFC 7644 §3.4.2.2–3) compiled to SQL over `users` / `groups`; every
 * value is a bound parameter. The caller adds tenancy, soft-delete and the `id` tiebreak.
 */

type ToTarget = (path: ResolvedPath, fail: Fail) => Target;
/** What an attribute path in a filter refers to; `sub` is set for `emails.value`-style paths. */
type Ref = { target: Target; sub?: AttributeDef };
type Scope = { resolve: (attrPath: string) => Ref; element: boolean; hasSchema?: (urn: string) => SQL };

const failFilter: Fail = (detail) => {
  throw invalidFilter(detail);
};
const failSort: Fail = (detail) => {
  throw new ScimError(400, "invalidValue", detail);
};

function topScope(type: ResourceTypeName, toTarget: ToTarget, hasSchema: (urn: string) => SQL): Scope {
  return {
    element: false,
    hasSchema,
    resolve: (attrPath) => {
      const path = resolvePath(type, attrPath);
      if (!path) return failFilter(`unknown attribute "${attrPath}" in filter`);
      const target = toTarget(path, failFilter);
      return path.kind === "attribute" && path.sub ? { target, sub: path.sub } : { target };
    },
  };
}

/** Inside `emails[…]`: names are sub-attributes of the one element. */
function elementScope(parent: Complex): Scope {
  return {
    element: true,
    resolve: (attrPath) => {
      const def = attrPath.includes(".") ? undefined : findAttribute(parent.subAttributes, attrPath);
      if (!def) return failFilter(`unknown sub-attribute "${attrPath}" of ${parent.name} in filter`);
      return { target: parent.sub(def, failFilter) };
    },
  };
}

/** `emails eq "x"` means `emails.value eq "x"` (RFC 7644 §3.4.2.2, complex attributes). */
function valueSub(target: Complex, fail: Fail): AttributeDef {
  return (
    findAttribute(target.subAttributes, "value") ??
    fail(`${target.name} is a complex attribute; name one of its sub-attributes`)
  );
}

function leaf(target: Scalar, node: Compare | Suffix): SQL {
  return node.op === "pr" ? presence(target) : comparison(target, node.op, node.compValue);
}

/** `schemas` is not an attribute of any schema, but filters may test it (RFC 7644 §3.4.2.2). */
function schemasExpression(node: Compare | Suffix, hasSchema: (urn: string) => SQL): SQL {
  if (node.op === "pr") return sql`true`;
  if ((node.op !== "eq" && node.op !== "ne") || typeof node.compValue !== "string") {
    return failFilter("schemas can only be compared with eq or ne and a schema URN");
  }
  const urn = checkedString(node.compValue, "schemas");
  return node.op === "eq" ? hasSchema(urn) : sql`not ${hasSchema(urn)}`;
}

function attributeExpression(node: Compare | Suffix, scope: Scope): SQL {
  if (scope.hasSchema && node.attrPath.toLowerCase() === "schemas") return schemasExpression(node, scope.hasSchema);
  const { target, sub } = scope.resolve(node.attrPath);
  if (target.type === "scalar") return leaf(target, node);
  if (!sub && node.op === "pr") return target.present;
  const scalar = target.sub(sub ?? valueSub(target, failFilter), failFilter);
  if (!target.multiValued) return leaf(scalar, node);
  // Over a multi-valued attribute, ne and "eq null" hold when NO element matches (so also when absent).
  if (node.op === "ne" && node.compValue === null) return target.within(presence(scalar));
  if (node.op === "ne") return sql`not ${target.within(comparison(scalar, "eq", node.compValue))}`;
  if (node.op === "eq" && node.compValue === null) return sql`not ${target.within(presence(scalar))}`;
  return target.within(leaf(scalar, node));
}

function compileNode(node: Filter, scope: Scope): SQL {
  switch (node.op) {
    case "and":
    case "or":
      return sql`(${sql.join(
        node.filters.map((f) => compileNode(f, scope)),
        sql.raw(` ${node.op} `),
      )})`;
    case "not":
      // Every sub-expression may be NULL on absent data; IS NOT TRUE makes "not" hold for absent attributes.
      return sql`((${compileNode(node.filter, scope)}) is not true)`;
    case "[]": {
      if (scope.element) return failFilter(`value paths cannot be nested (${node.attrPath}[…] inside […])`);
      const { target, sub } = scope.resolve(node.attrPath);
      if (target.type !== "complex" || sub) {
        return failFilter(`${node.attrPath}[…] needs a complex attribute such as emails or members`);
      }
      return target.within(compileNode(node.valFilter, elementScope(target)));
    }
    default:
      return attributeExpression(node, scope);
  }
}

export function compileUserFilter(filter: string): SQL {
  return compileNode(parseScimFilter(filter), topScope("User", userTarget, userHasSchema));
}

/** Okta's and Entra's look-up before a create: `userName eq "…"` (a value of at most 256 characters). */
const USER_NAME_EQ = /^\s*userName\s+eq\s+"(?:[^"\\]|\\.){0,256}"\s*$/i;

/** The userName a filter of that one shape seeks (its escapes undone), else undefined. */
export function userNameSought(filter: string): string | undefined {
  if (!USER_NAME_EQ.test(filter)) return undefined;
  const node = parseScimFilter(filter);
  // Escapes can spell what the filter's own text may not hold (\u0000, a lone \ud800): refused as
  // the general path refuses them, before Postgres would (a 500).
  return node.op === "eq" && typeof node.compValue === "string" ? checkedString(node.compValue, "userName") : undefined;
}

export function compileGroupFilter(filter: string): SQL {
  return compileNode(parseScimFilter(filter), topScope("Group", groupTarget, groupHasSchema));
}

/** sortOrder: ascending (default) or descending, case-insensitively; anything else is 400 invalidValue. */
function sortDirection(sortOrder: string | undefined): "asc" | "desc" {
  const order = (sortOrder ?? "").trim().toLowerCase();
  if (order === "" || order === "ascending") return "asc";
  if (order === "descending") return "desc";
  return failSort(`sortOrder must be "ascending" or "descending", not ${JSON.stringify(sortOrder)}`);
}

/**
 * ORDER BY for sortBy: a single-valued attribute, lower()-ed when not caseExact; a multi-valued one
 * sorts by its primary (else first) element. Memberships (groups, members) cannot be sorted on
 * (400 invalidValue). Absent values come last in both directions.
 */
function compileSort(type: ResourceTypeName, toTarget: ToTarget, sortBy?: string, sortOrder?: string): SQL | undefined {
  const direction = sortDirection(sortOrder);
  if (sortBy === undefined || sortBy.trim() === "") return undefined;
  const path = resolvePath(type, sortBy.trim()) ?? failSort(`sortBy: unknown attribute "${sortBy}"`);
  const target = toTarget(path, failSort);
  let key: Pick<Scalar, "expr" | "caseExact" | "kind">;
  if (target.type === "scalar") {
    key = target;
  } else {
    const sub = (path.kind === "attribute" ? path.sub : undefined) ?? valueSub(target, failSort);
    if (!target.multiValued) key = target.sub(sub, failSort);
    else if (target.sortValue) key = { expr: target.sortValue(sub), caseExact: sub.caseExact, kind: "text" };
    else return failSort(`sortBy: ${target.name} cannot be sorted on`);
  }
  const expr = key.caseExact || key.kind !== "text" ? key.expr : sql`lower(${key.expr})`;
  return sql`${expr} ${sql.raw(direction)} nulls last`;
}

export function compileUserSort(sortBy: string | undefined, sortOrder: string | undefined): SQL | undefined {
  return compileSort("User", userTarget, sortBy, sortOrder);
}

export function compileGroupSort(sortBy: string | undefined, sortOrder: string | undefined): SQL | undefined {
  return compileSort("Group", groupTarget, sortBy, sortOrder);
}
