import type { Context } from "hono";
import { badRequest, ScimError } from "./errors.ts";

/** The JSON body of a SCIM request; malformed JSON is 400 invalidSyntax (RFC 7644 §3.12). */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") throw badRequest("invalidSyntax", "the request body is empty");
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("invalidSyntax", "the request body is not valid JSON");
  }
}

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

function integerParam(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (!/^-?\d{1,12}$/.test(raw.trim())) throw badRequest("invalidValue", `${name} must be an integer`);
  return Number(raw.trim());
}

/** RFC 7644 §3.4.2.4: startIndex < 1 counts as 1; count < 0 as 0; we never return more than MAX_PAGE_SIZE. */
export function pagination(c: Context): { startIndex: number; count: number } {
  const startIndex = Math.max(1, integerParam(c, "startIndex") ?? 1);
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, integerParam(c, "count") ?? DEFAULT_PAGE_SIZE));
  return { startIndex, count };
}

/** If-Match (RFC 7644 §3.14): a stale version is 412. Weak comparison; `*` matches anything. */
export function checkIfMatch(c: Context, currentEtag: string): void {
  const header = c.req.header("if-match");
  if (!header) return;
  const tags = header.split(",").map((t) => t.trim().replace(/^W\//, ""));
  if (tags.includes("*") || tags.includes(currentEtag.replace(/^W\//, ""))) return;
  throw new ScimError(412, undefined, `The resource has changed (current version ${currentEtag})`);
}

/** Base of meta.location: PUBLIC_BASE_URL when configured, else the request's own origin. */
export function scimBaseUrl(c: Context, publicBaseUrl: string | undefined): string {
  const origin = publicBaseUrl ? publicBaseUrl.replace(/\/+$/, "") : new URL(c.req.url).origin;
  return `${origin}/scim/v2`;
}
