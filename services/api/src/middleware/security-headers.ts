import { addAnswerHeader, answerBuiltWithHeaders } from "../http/answer-headers.ts";
import type { AnswerHook } from "./request-context.ts";

/**
 * For every HTML page (the overview, the queue dashboard, the API reference): scripts only from
 * this origin (no inline script, nothing third-party), no framing (clickjacking), no referrer.
 * Inline styles stay allowed: Bull Board and Swagger UI set style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** X-Content-Type-Options on every answer; the page headers on HTML ones. */
export const securityHeaders: AnswerHook = {
  before(c) {
    addAnswerHeader(c, "X-Content-Type-Options", "nosniff");
  },
  after(c) {
    // A SCIM answer (built with the added headers) is JSON: reading its type would copy its headers.
    if (answerBuiltWithHeaders(c) || !c.res.headers.get("content-type")?.startsWith("text/html")) return;
    c.res.headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    c.res.headers.set("X-Frame-Options", "DENY");
    c.res.headers.set("Referrer-Policy", "no-referrer");
  },
};
