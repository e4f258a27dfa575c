import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./deps.ts";
import { ScimError } from "./scim/errors.ts";
import { scimErrorResponse } from "./scim/http/respond.ts";
import { pgError } from "./use-cases/pg-errors.ts";

/**
 * The admin API's closed error catalogue: every code it answers with, and the one HTTP status that
 * code always has. Sign-in routes share it. A new refusal adds its code here (the compiler insists).
 */
export const ADMIN_ERRORS = {
  EXTENSION_OUT_OF_RANGE: 400,
  INVALID_CSV: 400,
  INVALID_JSON: 400,
  LICENSE_HAS_NO_DID: 400,
  PROVIDER_NOT_CONFIGURED: 400,
  UNKNOWN_LICENSE_TYPE: 400,
  VALIDATION_FAILED: 400,
  IDENTITY_MISMATCH: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  SAML_AUDIENCE_MISMATCH: 401,
  SAML_DESTINATION_MISMATCH: 401,
  SAML_EXPIRED: 401,
  SAML_IDP_ERROR: 401,
  SAML_INVALID: 401,
  SAML_ISSUER_MISMATCH: 401,
  SAML_NOT_YET_VALID: 401,
  SAML_RECIPIENT_MISMATCH: 401,
  SAML_REPLAYED: 401,
  SAML_SIGNATURE_INVALID: 401,
  SAML_UNKNOWN_REQUEST: 401,
  SAML_UNSOLICITED: 401,
  SAML_WEAK_SIGNATURE: 401,
  SESSION_INVALID: 401,
  UNAUTHORIZED: 401,
  UNKNOWN_USER: 401,
  CROSS_SITE_REQUEST: 403,
  PROVIDER_NOT_ENABLED: 403,
  SSO_REQUIRED: 403,
  USER_SUSPENDED: 403,
  COMPANY_NOT_FOUND: 404,
  DIRECTORY_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  GROUP_RULE_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  LICENSE_TYPE_NOT_FOUND: 404,
  NUMBER_NOT_FOUND: 404,
  OFFICE_NOT_FOUND: 404,
  SAML_NOT_CONFIGURED: 404,
  SIGN_IN_IDENTITY_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  DIRECTORY_EXISTS: 409,
  DOMAIN_CLAIMED: 409,
  EXTENSION_RANGE_IN_USE: 409,
  EXTENSION_TAKEN: 409,
  EXTERNAL_ID_TAKEN: 409,
  JOB_NOT_FAILED: 409,
  LICENSE_TYPE_EXISTS: 409,
  LICENSE_TYPE_IN_USE: 409,
  MASTER_EXISTS: 409,
  MAIN_OFFICE_REQUIRED: 409,
  NO_LICENSE_AVAILABLE: 409,
  NUMBER_ASSIGNED: 409,
  NUMBER_EXISTS: 409,
  NUMBER_TAKEN: 409,
  OFFICE_EXISTS: 409,
  OUTSIDE_DOMAINS: 409,
  SAML_REQUIRED: 409,
  SEATS_IN_USE: 409,
  SPEND_CAP_REACHED: 409,
  SSO_POLICY_ACTIVE: 409,
  TOO_MANY_GROUP_RULES: 409,
  USER_CHANGED: 409,
  USERNAME_TAKEN: 409,
  WEBHOOK_LIMIT_REACHED: 409,
  PREVIEW_TOO_LARGE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PREVIEW_BUSY: 429,
  TOO_MANY_ATTEMPTS: 429,
  INTERNAL: 500,
  PROVIDER_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  UNAVAILABLE: 503,
} as const satisfies Record<string, ContentfulStatusCode>;
export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

/** Admin API errors: `{error: {code, message, requestId}}` with stable UPPER_SNAKE codes; the status comes from the code. */
export class AdminError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: AdminErrorCode | "HTTP_ERROR",
    message: string,
    /** Headers the answer carries, e.g. Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
    status?: ContentfulStatusCode,
  ) {
    super(message);
    this.name = "AdminError";
    this.status = code === "HTTP_ERROR" ? (status ?? 400) : ADMIN_ERRORS[code];
  }

  /** A refusal Hono itself made (a method not allowed, say): its status, under the code HTTP_ERROR. */
  static fromHttp(status: ContentfulStatusCode, message: string): AdminError {
    return new AdminError("HTTP_ERROR", message, {}, status);
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
 * Postgres is unreachable or shutting down, cancelled a statement past API_STATEMENT_TIMEOUT_MS
 * (57014), or rolled a transaction back as a deadlock's victim (40P01) or a serialization failure
 * (40001): the client should retry, nothing was written.
 */
export function isUnavailable(error: unknown): boolean {
  const code = pgError(error).code;
  const transient = ["57014", "57P01", "57P02", "57P03", "53300", "25P03", "40P01", "40001"];
  if (code && (code.startsWith("08") || transient.includes(code))) return true;
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === "string" && CONNECTION_CODES.has(c)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Postgres refused a value (class 22, data exception: a NUL, an out-of-range number or date, malformed
 * text for its type; 54000: an index entry too large). Request input is checked before it is stored,
 * so this is a check that is missing: the client is told its input was refused (400, not 500), and the
 * log says which check to add. A value the server computed wrongly would be answered this way too.
 */
export function isValueRefused(error: unknown): boolean {
  const code = pgError(error).code;
  return code !== undefined && (code.startsWith("22") || code === "54000");
}

/** One mapping from failures to responses; anything unexpected is a logged 500 with the request id. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  const scim = c.req.path.startsWith("/scim/");
  const requestId = c.get("requestId");
  let mapped: ScimError | AdminError | null = null;
  if (error instanceof ScimError || error instanceof AdminError) mapped = error;
  else if (error instanceof HTTPException && error.status === 413) {
    mapped = scim
      ? new ScimError(413, undefined, "The request body is larger than 1 MiB")
      : new AdminError("PAYLOAD_TOO_LARGE", "The request body is larger than 1 MiB");
  } else if (isUnavailable(error)) {
    c.get("logger")?.warn({ err: { message: error.message } }, "database unavailable");
    mapped = scim
      ? new ScimError(503, undefined, "The service is temporarily unavailable; retry shortly", { "Retry-After": "5" })
      : new AdminError("UNAVAILABLE", "The service is temporarily unavailable; retry shortly");
    c.header("Retry-After", "5");
  } else if (isValueRefused(error)) {
    c.get("logger")?.warn(
      { err: { message: error.message, code: pgError(error).code } },
      "a value reached Postgres unchecked and was refused",
    );
    mapped = scim
      ? new ScimError(400, "invalidValue", "A value in the request cannot be stored")
      : new AdminError("VALIDATION_FAILED", "A value in the request cannot be stored");
  } else if (error instanceof HTTPException) {
    // Hono's JSON validator throws a bare 400 for a body that is not JSON.
    const badJson = error.status === 400 && /json/i.test(error.message);
    mapped = scim
      ? new ScimError(error.status, badJson ? "invalidSyntax" : undefined, error.message || "Request refused")
      : badJson
        ? new AdminError("INVALID_JSON", "The request body is not valid JSON")
        : error.status === 415
          ? new AdminError("UNSUPPORTED_MEDIA_TYPE", error.message || "Unsupported Media Type")
          : AdminError.fromHttp(error.status as ContentfulStatusCode, error.message || "Request refused");
  }
  if (!mapped) {
    c.get("logger")?.error({ err: error }, "unhandled error");
    mapped = scim
      ? new ScimError(500, undefined, `Internal error (request ${requestId})`)
      : new AdminError("INTERNAL", "Internal error");
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
