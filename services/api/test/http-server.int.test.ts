import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
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
