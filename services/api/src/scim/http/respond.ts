import type { Context } from "hono";
import { answerWith } from "../../http/answer-headers.ts";
import type { ScimError } from "../errors.ts";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

/** Every SCIM response is application/scim+json (RFC 7644 §3.1; Entra requires it). `headers` is taken over (its Content-Type set). */
export function scimJson(c: Context, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  headers["Content-Type"] = SCIM_CONTENT_TYPE;
  return answerWith(c, JSON.stringify(body), status, headers);
}

export function scimErrorResponse(c: Context, error: ScimError): Response {
  return scimJson(c, error.toJSON(), error.status, error.headers);
}
