import { Agent, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ScimFirstRouter } from "../src/http/router.ts";
import { createTenant, oktaUser, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

// The door reads request bodies straight from Node's stream on a real server (app.request
// takes another path), so these run over a real socket.
const env = useTestEnv();
let server: ReturnType<typeof serve> | undefined;
let port = 0;
let tenant: Tenant;

beforeAll(async () => {
  tenant = await createTenant(env());
  port = await new Promise<number>((resolve) => {
    server = serve({ fetch: env().app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve(info.port),
    );
  });
});
afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

type Answer = { status: number; body: string; headers: Record<string, string | string[] | undefined> };

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

function post(body: string | Buffer, chunked = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/scim/v2/Users",
        headers: {
          Authorization: `Bearer ${tenant.token}`,
          "Content-Type": "application/scim+json",
          ...(chunked ? { "Transfer-Encoding": "chunked" } : { "Content-Length": Buffer.byteLength(body) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    if (chunked) {
      const data = Buffer.from(body);
      for (let i = 0; i < data.length; i += 64 * 1024) req.write(data.subarray(i, i + 64 * 1024));
    } else req.write(body);
    req.end();
  });
}

describe("the door over a real socket", () => {
  test("a create is read from the stream and answered 201", async () => {
    const res = await post(JSON.stringify(oktaUser("socket.user@example.com")));
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body).userName).toBe("socket.user@example.com");
  });

  test("over 1 MiB is 413 whether announced by Content-Length or sent chunked", async () => {
    const big = JSON.stringify({ userName: "big@example.com", title: "x".repeat(1024 * 1024) });
    for (const chunked of [false, true]) {
      const res = await post(big, chunked);
      expect(res.status, `chunked=${chunked}`).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({
        status: "413",
        schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      });
    }
    // Just under the limit is fine.
    const filler = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`note${i}`, "x".repeat(16_000)]));
    const fits = JSON.stringify({ userName: "fits@example.com", ...filler });
    expect(Buffer.byteLength(fits)).toBeGreaterThan(900_000);
    expect((await post(fits, true)).status).toBe(201);
  });
});

describe("every answer's headers, as Node writes them", () => {
  // SCIM answers are built with plain-object headers (src/http/answer-headers.ts); the rest get them copied in.
  const scim = () => ({ Authorization: `Bearer ${tenant.token}`, "Content-Type": "application/scim+json" });

  test("a create: its own headers and every header middleware added", async () => {
    const res = await send(
      "POST",
      "/scim/v2/Users",
      { ...scim(), "X-Request-Id": "req-socket-201" },
      JSON.stringify(oktaUser("headers.user@example.com")),
    );
    expect(res.status).toBe(201);
    const id = JSON.parse(res.body).id as string;
    expect(res.headers).toMatchObject({
      "content-type": "application/scim+json; charset=utf-8",
      "content-length": String(Buffer.byteLength(res.body)),
      etag: 'W/"1"',
      location: expect.stringMatching(new RegExp(`/scim/v2/Users/${id}$`)),
      "x-request-id": "req-socket-201",
      "x-content-type-options": "nosniff",
      "ratelimit-policy": expect.stringMatching(/^\d+;w=1$/),
      ratelimit: expect.stringMatching(/^limit=\d+, remaining=\d+, reset=\d+$/),
    });
  });

  test("a SCIM error, an admin answer and a page carry the request id and nosniff too", async () => {
    const missing = await send("GET", "/scim/v2/Users/00000000-0000-4000-8000-000000000000", scim());
    expect(missing.status).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/^application\/scim\+json/);
    expect(missing.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(missing.headers["x-content-type-options"]).toBe("nosniff");
    expect(missing.headers.ratelimit).toMatch(/^limit=/);

    const admin = await send("GET", "/api/v1/openapi.json", { "X-Request-Id": "req-socket-admin" });
    expect(admin.status).toBe(200);
    expect(admin.headers).toMatchObject({ "x-request-id": "req-socket-admin", "x-content-type-options": "nosniff" });
    expect(admin.headers["content-security-policy"]).toBeUndefined();

    const page = await send("GET", "/api/v1/docs", {});
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("routing", () => {
  test("SCIM requests are matched by the RegExpRouter (precomputed), everything else by the TrieRouter", async () => {
    const router = env().app.router;
    expect(router).toBeInstanceOf(ScimFirstRouter);
    const scim = await send("GET", "/scim/v2/Users?count=1", { Authorization: `Bearer ${tenant.token}` });
    expect(scim.status).toBe(200);
    // A SCIM route the RegExpRouter cannot hold would switch the SCIM side to a TrieRouter: this says so.
    expect((router as ScimFirstRouter<unknown>).scimRouterName).toBe("SmartRouter + RegExpRouter");
    expect((await send("GET", "/scim/v2/ServiceProviderConfig", {})).status).toBe(200);
    expect((await send("GET", "/scim/v2/Nothing", { Authorization: `Bearer ${tenant.token}` })).status).toBe(404);
    expect((await send("GET", "/healthz", {})).status).toBe(200);
    expect((await send("GET", "/api/v1/docs/assets/init.js", {})).status).toBe(200);
  });
});

describe("memory", () => {
  test("an idle keep-alive connection does not keep the body it sent", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    // As main.ts does: each connection holds its latest response (and so its request) while it stays open.
    const latest = Symbol("latest response");
    const hold = (req: IncomingMessage, res: ServerResponse) => {
      (req.socket as Socket & { [latest]?: ServerResponse })[latest] = res;
    };
    server?.on("request", hold);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    // A userName of ~1 MiB: refused (400), the connection kept open for the next request. One buffer for
    // every request: what the client side keeps of it counts once.
    const body = Buffer.from(`{"userName":"${"u".repeat(1_000_000)}"}`);
    const refused = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/scim/v2/Users",
            agent,
            headers: { Authorization: `Bearer ${tenant.token}`, "Content-Type": "application/scim+json" },
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    try {
      gc();
      const before = process.memoryUsage().heapUsed;
      expect(await Promise.all(Array.from({ length: 8 }, refused))).toEqual(Array(8).fill(400));
      await new Promise((r) => setTimeout(r, 100));
      gc();
      // The body reader's listeners stayed on each request, and through them its text: 8 MiB.
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(3 * 1024 * 1024);
    } finally {
      agent.destroy();
      server?.off("request", hold);
    }
  });
});
