import type { Context } from "hono";

type HeaderVariables = {
  Variables: {
    /** Headers middleware adds to the answer, as a plain object until the answer is built. */
    answerHeaders: Record<string, string> | undefined;
    /** The answer was built with them (answerWith): nothing is left to copy in. */
    answerHeadersApplied: boolean | undefined;
  };
};

/**
 * Headers that middleware adds to every answer (X-Request-Id, X-Content-Type-Options, the rate
 * limit's) are kept as a plain object until the answer is built, not set with `c.header()`: Hono
 * keeps those in a WHATWG `Headers`, whose validation and copying cost ~12 µs a request at the door
 * (~5% of the API's CPU per create). `answerWith` builds an answer with them as a plain object, which
 * @hono/node-server writes to the socket as it is; any other answer gets them copied in after its
 * handler (`applyAnswerHeaders`, run by the outermost middleware).
 */
export function addAnswerHeader(c: Context, name: string, value: string): void {
  const own = c as unknown as Context<HeaderVariables>;
  const bag = own.get("answerHeaders");
  if (bag) bag[name] = value;
  else own.set("answerHeaders", { [name]: value });
}

/** An answer carrying the added headers (then `headers`, which win): a plain-object header list. */
export function answerWith(c: Context, body: string | null, status: number, headers: Record<string, string>): Response {
  const own = c as unknown as Context<HeaderVariables>;
  own.set("answerHeadersApplied", true);
  const bag = own.get("answerHeaders");
  if (!bag) return new Response(body, { status, headers });
  // The bag is this request's own: the answer takes it over.
  for (const name in headers) bag[name] = headers[name] as string;
  return new Response(body, { status, headers: bag });
}

/** Whether the answer was built by `answerWith` (its headers are a plain object, not to be read). */
export function answerBuiltWithHeaders(c: Context): boolean {
  return (c as unknown as Context<HeaderVariables>).get("answerHeadersApplied") === true;
}

/** Copies the added headers into an answer not built by `answerWith` (the handler's own win). */
export function applyAnswerHeaders(c: Context): void {
  const own = c as unknown as Context<HeaderVariables>;
  const bag = own.get("answerHeaders");
  if (!bag || answerBuiltWithHeaders(c)) return;
  const headers = c.res.headers;
  for (const name in bag) {
    const value = bag[name];
    if (value !== undefined && !headers.has(name)) headers.set(name, value);
  }
}
