import { type LookupAddress, lookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { isPublicAddress } from "@scimline/domain";

export type SendResult = { ok: true; status: number } | { ok: false; error: string };
export type SendOptions = { timeoutMs: number; allowPrivate: boolean };

/** What is kept of a refusal's answer: enough to say why, never the whole body. */
const SNIPPET_BYTES = 4096;
const ERROR_CHARS = 300;

class RefusedTarget extends Error {
  readonly code = "ETARGETREFUSED";
}

/**
 * Resolves the host and keeps only the addresses a webhook may reach; the socket connects to one of
 * those very addresses, so a DNS answer cannot change between the check and the connection.
 */
const guardedLookup =
  (allowPrivate: boolean): LookupFunction =>
  (hostname, options, callback) => {
    lookup(hostname, { all: true, family: options.family ?? 0, hints: options.hints ?? 0 }, (error, found) => {
      if (error) return callback(error, "", 0);
      const addresses = found as LookupAddress[];
      const allowed = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      const [first] = allowed;
      if (!first) {
        const list = addresses.map((a) => a.address).join(", ");
        return callback(new RefusedTarget(`refused: ${hostname} resolves to ${list}, not a public address`), "", 0);
      }
      if ((options as { all?: boolean }).all) return (callback as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, first.address, first.family);
    });
  };

/** Printable, bounded text for lastError: no control characters (nor NUL, which Postgres cannot store). */
const clean = (text: string) =>
  [...text]
    .map((ch) => ((ch.codePointAt(0) ?? 0) < 0x20 || ch === "\u007f" ? " " : ch))
    .join("")
    .replace(/ +/g, " ")
    .trim()
    .split(/(?:)/u)
    .slice(0, ERROR_CHARS)
    .join("");

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/**
 * One delivery attempt: POST `body` to `url`. Only a 2xx answer counts; redirects are not followed;
 * at most a few KB of the answer are read; everything (connect, send, answer) within `timeoutMs`.
 * Private, loopback and link-local targets are refused unless allowed, after resolution.
 */
export function sendWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<SendResult> {
  const url = new URL(target);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // The socket skips the lookup for IP literals: check them here.
  if (isIP(host) && !options.allowPrivate && !isPublicAddress(host)) {
    return Promise.resolve({ ok: false, error: `refused: ${host} is not a public address` });
  }
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") return Promise.resolve({ ok: false, error: "refused: not an http(s) URL" });
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const request = (secure ? https : http).request(url, {
      method: "POST",
      agent: secure ? agents.https : agents.http,
      lookup: guardedLookup(options.allowPrivate),
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
    });
    // Also bounds the rest of a 2xx answer's body, read after the result is known.
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    request.on("close", () => clearTimeout(timer));
    request.on("error", (error: NodeJS.ErrnoException) => {
      const named = error.code && !(error instanceof RefusedTarget) && !error.message.includes(error.code);
      const code = named ? ` (${error.code})` : "";
      finish({ ok: false, error: clean(`${error.message}${code}`) });
    });
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      response.on("error", () => {});
      if (status >= 200 && status < 300) {
        response.resume();
        finish({ ok: true, status });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const text = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString("utf8");
        const redirect = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
        finish({ ok: false, error: clean(`HTTP ${status}${redirect}${text ? `: ${text}` : ""}`) });
      };
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= SNIPPET_BYTES) {
          response.destroy();
          done();
        }
      });
      response.on("end", done);
      response.on("close", done);
    });
    request.end(body);
  });
}
