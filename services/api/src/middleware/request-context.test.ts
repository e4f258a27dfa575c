import { type Context, Hono } from "hono";
import pino from "pino";
import { expect, test } from "vitest";
import type { AppEnv } from "../deps.ts";
import { requestContext } from "./request-context.ts";

function appLogging(lines: string[], level = "info") {
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<typeof child>) => {
    children++;
    return child(...args);
  }) as typeof logger.child;
  const app = new Hono<AppEnv>();
  app.use(requestContext(logger));
  app.get("/quiet", (c) => c.text("ok"));
  // As scimAuth does: an authenticated SCIM request, which the directory's request log records.
  const scim = (status: 200 | 409) => (c: Context<AppEnv>) => {
    c.set("principal", { companyId: "c", directoryId: "d", tokenId: "t" } as AppEnv["Variables"]["principal"]);
    return c.text("ok", status);
  };
  app.post("/scim/v2/Users", scim(200));
  app.put("/scim/v2/Users", scim(409));
  app.get("/loud", (c) => {
    c.var.logger.warn({ detail: 1 }, "something worth a line");
    return c.text("ok");
  });
  return { app, children: () => children };
}

test("a request that logs nothing else makes no child logger; its request line still carries the requestId", async () => {
  const lines: string[] = [];
  const { app, children } = appLogging(lines);
  const res = await app.request("/quiet", { headers: { "X-Request-Id": "req-quiet-1" } });
  expect(res.headers.get("x-request-id")).toBe("req-quiet-1");
  expect(children()).toBe(0);
  expect(lines.map((l) => JSON.parse(l))).toEqual([
    expect.objectContaining({ msg: "request", requestId: "req-quiet-1", method: "GET", route: "/quiet", status: 200 }),
  ]);
});

test("logging through c.var.logger binds the requestId, with one child for the request", async () => {
  const lines: string[] = [];
  const { app, children } = appLogging(lines);
  await app.request("/loud", { headers: { "X-Request-Id": "req-loud-1" } });
  expect(children()).toBe(1);
  const parsed = lines.map((l) => JSON.parse(l));
  expect(parsed[0]).toMatchObject({ msg: "something worth a line", requestId: "req-loud-1", detail: 1, level: 40 });
  expect(parsed[1]).toMatchObject({ msg: "request", requestId: "req-loud-1" });
});

test("a SCIM request the request log records gets its line at debug; a failed one at info", async () => {
  const lines: string[] = [];
  const { app } = appLogging(lines);
  await app.request("/scim/v2/Users", { method: "POST", headers: { "X-Request-Id": "req-scim-ok" } });
  await app.request("/scim/v2/Users", { method: "PUT", headers: { "X-Request-Id": "req-scim-409" } });
  await app.request("/quiet", { headers: { "X-Request-Id": "req-other" } });
  expect(lines.map((l) => JSON.parse(l))).toEqual([
    expect.objectContaining({ msg: "request", requestId: "req-scim-409", status: 409, level: 30 }),
    expect.objectContaining({ msg: "request", requestId: "req-other", status: 200, level: 30 }),
  ]);

  const debug: string[] = [];
  const { app: verbose } = appLogging(debug, "debug");
  await verbose.request("/scim/v2/Users", { method: "POST", headers: { "X-Request-Id": "req-scim-ok" } });
  expect(debug.map((l) => JSON.parse(l))).toEqual([
    expect.objectContaining({ msg: "request", requestId: "req-scim-ok", status: 200, level: 20 }),
  ]);
});

test("hooks run around every request, answered or failed: before in order, after innermost first with the duration", async () => {
  const calls: string[] = [];
  const hook = (name: string) => ({
    before: () => void calls.push(`${name}:before`),
    after: (c: Context<AppEnv>, durationMs: number) => {
      expect(durationMs).toBeGreaterThanOrEqual(0);
      calls.push(`${name}:after:${c.res.status}`);
    },
  });
  const app = new Hono<AppEnv>();
  app.use(requestContext(pino({ level: "silent" }), [hook("outer"), { after: hook("inner").after }]));
  app.get("/ok", (c) => c.text("ok"));
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.onError((_error, c) => c.text("failed", 500));
  await app.request("/ok");
  await app.request("/boom");
  expect(calls).toEqual([
    "outer:before",
    "inner:after:200",
    "outer:after:200",
    "outer:before",
    "inner:after:500",
    "outer:after:500",
  ]);
});
