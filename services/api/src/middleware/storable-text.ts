import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { jsonShapePasses, MAX_BODY_SHAPE } from "../http/json-shape.ts";

/** Postgres text (and jsonb) holds neither a NUL nor a lone surrogate. */
export const storable = (s: string): boolean => !s.includes("\u0000") && s.isWellFormed();

/**
 * Where in a JSON value a string or key Postgres cannot store (NUL, a lone surrogate) sits, or
 * null. Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function unstorableAt(value: unknown, root: string): string | null {
  const stack: Array<[unknown, string]> = [[value, root]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, where] = next;
    if (typeof v === "string") {
      if (!storable(v)) return where;
    } else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) stack.push([item, `${where}[${i}]`]);
    } else if (v && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) {
        if (!storable(k)) return `${where} (an attribute name)`;
        stack.push([item, `${where}.${k}`]);
      }
    }
  }
  return null;
}

export const unstorableText = (where: string) =>
  new AdminError("VALIDATION_FAILED", `${where}: contains a NUL character or invalid Unicode`);

/**
 * Postgres text holds neither NUL nor lone surrogates: a query parameter or JSON body carrying
 * one is refused with a 400 naming where (never the value), before it reaches a query.
 */
export function refuseUnstorableText(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const [name, values] of Object.entries(c.req.queries())) {
      const where = unstorableAt(values, `query ${name}`);
      if (where) throw unstorableText(where);
    }
    if (/json/i.test(c.req.header("content-type") ?? "") && c.req.method !== "GET") {
      // Hono caches the text for the route's validator; a failed read (413) propagates as it is.
      const text = await c.req.text();
      refuseOutsizedJson(text);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined; // malformed JSON: the validator answers 400 INVALID_JSON
      }
      const where = unstorableAt(body, "body");
      if (where) throw unstorableText(where);
    }
    await next();
  };
}

/** `400 VALIDATION_FAILED` for a JSON text past the body's shape limits, before anything parses it. */
export function refuseOutsizedJson(text: string): void {
  const passed = jsonShapePasses(text, MAX_BODY_SHAPE);
  if (passed)
    throw new AdminError(
      "VALIDATION_FAILED",
      passed === "depth"
        ? `body: nests arrays and objects deeper than ${MAX_BODY_SHAPE.depth} levels`
        : `body: holds more than ${MAX_BODY_SHAPE.values.toLocaleString("en")} JSON values (counted as its {, [, : and , outside strings)`,
    );
}
