import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { serve } from "@hono/node-server";
import type { TestEnv } from "./env.ts";

export type RawReply = { status: number; headers: Record<string, string>; body: Buffer; text: string };

/** Answers by status over a file's fuzzing, printed by `printTally` (the README quotes it). */
const tally: Record<string, number> = {};
export const printTally = (file: string) => console.log(`[fuzz-figures] ${file} ${JSON.stringify(tally)}`);

/** The app on a real port: the door reads bodies from Node's stream there, as in production. */
export async function serveApp(env: TestEnv): Promise<{ port: number; close: () => Promise<void> }> {
  let server: ReturnType<typeof serve> | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: env.app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => resolve(info.port));
  });
  return {
    port,
    close: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; ) {
    const eol = body.indexOf("\r\n", at);
    const size = Number.parseInt(body.subarray(at, eol).toString(), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * One request written byte for byte on its own socket, so headers and bodies reach the server
 * exactly as given (invalid UTF-8, NUL, any length); `Connection: close` ends the reply.
 */
export function rawRequest(
  port: number,
  request: { method: string; path: string | Buffer; headers: Array<[string, string | Buffer]>; body?: Buffer },
): Promise<RawReply> {
  const body = request.body ?? Buffer.alloc(0);
  const head = Buffer.concat([
    Buffer.from(`${request.method} `),
    Buffer.from(request.path),
    Buffer.from(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"),
    ...request.headers.flatMap(([k, v]) => [Buffer.from(`${k}: `), Buffer.from(v), Buffer.from("\r\n")]),
    Buffer.from(`Content-Length: ${body.length}\r\n\r\n`),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error("no answer within 20 s")));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // The server may answer (413, 431) and close before the whole body was written.
      if (error.code === "EPIPE" || error.code === "ECONNRESET") return;
      reject(error);
    });
    socket.on("close", () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf("\r\n\r\n");
      if (end < 0) return reject(new Error(`no HTTP answer (${all.length} bytes)`));
      const [statusLine = "", ...lines] = all.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const raw = all.subarray(end + 4);
      const payload = headers["transfer-encoding"] === "chunked" ? dechunk(raw) : raw;
      const status = Number(statusLine.split(" ")[1]);
      tally[status] = (tally[status] ?? 0) + 1;
      resolve({ status, headers, body: payload, text: payload.toString("utf8") });
    });
    // Not end(): a half-closed request makes Node's server drop its answer. The server closes (Connection: close).
    socket.write(Buffer.concat([head, body]));
  });
}

const parse = (text: string): Record<string, unknown> | null => {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/**
 * What every answer to hostile input must be: never a 5xx; an error in the API's own error
 * shape (SCIM error schema on /scim, `{error: {code, message, requestId}}` on the admin API).
 */
export function expectSane(reply: { status: number; text: string; headers: Record<string, string> }, what: string) {
  const describe = () => `${what} → ${reply.status} ${reply.text.slice(0, 300)}`;
  if (!(reply.status >= 200 && reply.status < 500)) throw new Error(`server error: ${describe()}`);
  if (reply.status < 400) return parse(reply.text);
  // Refused by Node's HTTP parser before the app (a malformed request line or header): no request id.
  if (reply.headers["x-request-id"] === undefined && [400, 413, 431].includes(reply.status) && reply.text === "") {
    return null;
  }
  const body = parse(reply.text);
  if (what.includes("/scim/v2")) {
    const schemas = body?.schemas;
    if (
      !Array.isArray(schemas) ||
      schemas[0] !== "urn:ietf:params:scim:api:messages:2.0:Error" ||
      body?.status !== String(reply.status)
    )
      throw new Error(`not a SCIM error: ${describe()}`);
    if (!(reply.headers["content-type"] ?? "").startsWith("application/scim+json"))
      throw new Error(`content type: ${describe()}`);
  } else if (what.includes("/api/v1") && reply.status !== 404) {
    const error = body?.error as Record<string, unknown> | undefined;
    if (typeof error?.code !== "string" || typeof error.message !== "string")
      throw new Error(`not an API error: ${describe()}`);
  }
  return body;
}
