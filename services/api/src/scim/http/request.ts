import type { IncomingMessage } from "node:http";
import { canonicalId } from "@scimline/db";
import type { Context } from "hono";
import { jsonShapePasses, MAX_BODY_SHAPE } from "../../http/json-shape.ts";
import { badRequest, ScimError } from "../errors.ts";

export const MAX_BODY_BYTES = 1024 * 1024;
const tooLarge = () => new ScimError(413, undefined, "The request body is larger than 1 MiB");

/**
 * Reads the Node request stream itself: materialising a WHATWG Request per call costs a third of the door's
 * CPU. The listeners go once the body is read: a keep-alive connection keeps its last IncomingMessage,
 * and through them it kept the body's chunks and text (2 MiB per idle connection that sent 1 MiB).
 */
function readIncoming(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      chunks = [];
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done();
        incoming.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      const text = Buffer.concat(chunks, size).toString("utf8");
      done();
      resolve(text);
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
  });
}

async function readText(c: Context): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && !incoming.readableDidRead) return readIncoming(incoming);
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw tooLarge();
  return text;
}

/**
 * The JSON body of a SCIM request (≤ 1 MiB, else 413; ≤ MAX_BODY_SHAPE, else 400 invalidValue); malformed
 * JSON is 400 invalidSyntax (RFC 7644 §3.12).
 */
export async function readJson(c: Context): Promise<unknown> {
  const text = await readText(c);
  if (text.trim() === "") throw badRequest("invalidSyntax", "the request body is empty");
  const passed = jsonShapePasses(text, MAX_BODY_SHAPE);
  if (passed === "depth")
    throw badRequest(
      "invalidValue",
      `the request body nests arrays and objects deeper than ${MAX_BODY_SHAPE.depth} levels`,
    );
  if (passed === "values")
    throw badRequest(
      "invalidValue",
      `the request body holds more than ${MAX_BODY_SHAPE.values.toLocaleString("en")} JSON values (counted as its {, [, : and , outside strings)`,
    );
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
/** The resource id in the path as ids are stored (a UUID in any case names the same resource). */
export function pathId(c: Context): string {
  return canonicalId(c.req.param("id") ?? "");
}

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
  const url = c.req.url;
  // The request URL is absolute (scheme://host/path): its origin is everything before the path.
  const origin = publicBaseUrl
    ? publicBaseUrl.replace(/\/+$/, "")
    : url.slice(0, url.indexOf("/", url.indexOf("//") + 2));
  return `${origin}/scim/v2`;
}
