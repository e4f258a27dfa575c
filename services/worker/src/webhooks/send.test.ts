import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { sendWebhook } from "./send.ts";

let server: Server | null = null;
let hits: string[] = [];
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
  hits = [];
});

async function serve(handler: RequestListener): Promise<number> {
  const s = createServer((req, res) => {
    hits.push(req.url ?? "");
    handler(req, res);
  });
  server = s;
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return (s.address() as AddressInfo).port;
}

const allow = { timeoutMs: 1000, allowPrivate: true };
const post = (url: string, options = allow) => sendWebhook(url, '{"a":1}', { "webhook-id": "x" }, options);

describe("one delivery attempt", () => {
  test("2xx is success; the body and headers arrive", async () => {
    let got = "";
    const port = await serve((req, res) => {
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        got += c;
      });
      req.on("end", () => res.writeHead(202).end("ok"));
    });
    expect(await post(`http://127.0.0.1:${port}/h`)).toEqual({ ok: true, status: 202 });
    expect(got).toBe('{"a":1}');
  });

  test("a redirect is a failure and is not followed", async () => {
    const port = await serve((req, res) => {
      if (req.url === "/h") res.writeHead(302, { location: "/elsewhere" }).end();
      else res.writeHead(200).end();
    });
    const result = await post(`http://127.0.0.1:${port}/h`);
    expect(result).toEqual({ ok: false, error: "HTTP 302 (redirects are not followed)" });
    expect(hits).toEqual(["/h"]);
  });

  test("a huge error answer is read only as far as a few KB; its text is kept short and printable", async () => {
    const port = await serve((_, res) => {
      res.writeHead(500);
      res.write(`bad\u0000\u0007 news ${"x".repeat(100)}`);
      const chunk = "y".repeat(64 * 1024);
      const pump = () => {
        while (res.write(chunk)) {
          /* fill the buffer */
        }
      };
      res.on("drain", pump);
      pump();
    });
    const started = Date.now();
    const result = await post(`http://127.0.0.1:${port}/h`);
    expect(Date.now() - started).toBeLessThan(900);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.startsWith("HTTP 500: bad news xxx")).toBe(true);
      expect(result.error.length).toBeLessThanOrEqual(300);
    }
  });

  test("no answer within the timeout is a failure", async () => {
    const port = await serve(() => {
      /* never answers */
    });
    const started = Date.now();
    const result = await post(`http://127.0.0.1:${port}/h`, { timeoutMs: 200, allowPrivate: true });
    expect(result).toEqual({ ok: false, error: "no answer within 200 ms" });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("a 2xx whose body never ends still counts, and the connection is cut at the timeout", async () => {
    const port = await serve((_, res) => {
      res.writeHead(200);
      res.write("partial");
    });
    expect(await post(`http://127.0.0.1:${port}/h`, { timeoutMs: 300, allowPrivate: true })).toEqual({
      ok: true,
      status: 200,
    });
  });

  test("connection refused names the cause", async () => {
    const port = await serve(() => {});
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = null;
    const result = await post(`http://127.0.0.1:${port}/h`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/ECONNREFUSED/);
  });

  test.each([
    ["http://127.0.0.1:9/h", /^refused: 127\.0\.0\.1 is not a public address$/],
    ["http://[::1]:9/h", /^refused: ::1 is not a public address$/],
    ["http://169.254.169.254/latest", /^refused: 169\.254\.169\.254 is not a public address$/],
    ["http://localhost:9/h", /^refused: localhost resolves to .*not a public address$/],
  ])("without private targets %s is refused before any connection", async (url, reason) => {
    const result = await post(url, { timeoutMs: 1000, allowPrivate: false });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
  });

  test("a host name that resolves nowhere is a failure", async () => {
    const result = await post("https://nonexistent.invalid/h", { timeoutMs: 2000, allowPrivate: false });
    expect(result.ok).toBe(false);
  });
});
