import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./deps.ts";
import { ScimError } from "./scim/errors.ts";
import { scimErrorResponse } from "./scim/http/respond.ts";
import { pgError } from "./use-cases/pg-errors.ts";

/** Admin API errors: `{error: {code, message, requestId}}` with stable UPPER_SNAKE codes (STYLE §5). */
export class AdminError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** Headers the answer carries, e.g. Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AdminError";
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "TRANSACTION_TIMEOUT",
  "EPIPE",
]);

/**
 * Postgres is unreachable or shutting down, or cancelled a statement past API_STATEMENT_TIMEOUT_MS
 * (57014): the client should retry, nothing was written.
 */
export function isUnavailable(error: unknown): boolean {
  const code = pgError(error).code;
  if (code && (code.startsWith("08") || ["57014", "57P01", "57P02", "57P03", "53300", "25P03"].includes(code)))
    return true;
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === "string" && CONNECTION_CODES.has(c)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** One mapping from failures to responses; anything unexpected is a logged 500 with the request id. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  const scim = c.req.path.startsWith("/scim/");
  const requestId = c.var.requestId;
  let mapped: ScimError | AdminError | null = null;
  if (error instanceof ScimError || error instanceof AdminError) mapped = error;
  else if (error instanceof HTTPException && error.status === 413) {
    mapped = scim
      ? new ScimError(413, undefined, "The request body is larger than 1 MiB")
      : new AdminError(413, "PAYLOAD_TOO_LARGE", "The request body is larger than 1 MiB");
  } else if (isUnavailable(error)) {
    c.var.logger?.warn({ err: { message: error.message } }, "database unavailable");
    mapped = scim
      ? new ScimError(503, undefined, "The service is temporarily unavailable; retry shortly", { "Retry-After": "5" })
      : new AdminError(503, "UNAVAILABLE", "The service is temporarily unavailable; retry shortly");
    c.header("Retry-After", "5");
  } else if (error instanceof HTTPException) {
    // Hono's JSON validator throws a bare 400 for a body that is not JSON.
    const badJson = error.status === 400 && /json/i.test(error.message);
    mapped = scim
      ? new ScimError(error.status, badJson ? "invalidSyntax" : undefined, error.message || "Request refused")
      : badJson
        ? new AdminError(400, "INVALID_JSON", "The request body is not valid JSON")
        : error.status === 415
          ? new AdminError(415, "UNSUPPORTED_MEDIA_TYPE", error.message || "Unsupported Media Type")
          : new AdminError(error.status as ContentfulStatusCode, "HTTP_ERROR", error.message || "Request refused");
  }
  if (!mapped) {
    c.var.logger?.error({ err: error }, "unhandled error");
    mapped = scim
      ? new ScimError(500, undefined, `Internal error (request ${requestId})`)
      : new AdminError(500, "INTERNAL", "Internal error");
  }
  if (mapped instanceof ScimError) {
    if (scim) return scimErrorResponse(c, mapped);
    return c.json(
      { error: { code: mapped.scimType ?? "SCIM_ERROR", message: mapped.detail, requestId } },
      mapped.status as ContentfulStatusCode,
      mapped.headers,
    );
  }
  return c.json({ error: { code: mapped.code, message: mapped.message, requestId } }, mapped.status, mapped.headers);
}
