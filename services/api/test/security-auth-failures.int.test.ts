import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { createTenant, type Reply, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

// Unknown bearer tokens each cost a database look-up: past 5 failures a minute from one address,
// tokens not already known are refused (429) without one. The cache keeps only token hashes.
const env = useTestEnv({}, { AUTH_FAILURES_PER_MINUTE: "5", TRUST_PROXY_HOPS: "1", AUTH_CACHE_TTL_MS: "60000" });
let t: Tenant;
beforeAll(async () => {
  t = await createTenant(env());
});

const randomToken = () => `scim_${randomBytes(32).toString("base64url")}`;
async function get(path: string, headers: Record<string, string>): Promise<Reply> {
  const res = await env().app.request(path, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}
const users = (token: string, address: string) =>
  get("/scim/v2/Users?count=1", { Authorization: `Bearer ${token}`, "X-Forwarded-For": address });

describe("failed authentications per client address", () => {
  test("5 unknown tokens a minute, then 429 with Retry-After; other addresses and known tokens are not affected", async () => {
    // Known (and cached) before the flood.
    expect((await users(t.token, "192.0.2.1")).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await users(randomToken(), "192.0.2.1")).status).toBe(401);
    const blocked = await users(randomToken(), "192.0.2.1");
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ status: "429" });
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Malformed tokens and a missing one count the same, and are refused the same.
    expect((await users("not-a-token", "192.0.2.1")).status).toBe(429);
    expect((await users(randomToken(), "192.0.2.2")).status).toBe(401);
    expect((await users(t.token, "192.0.2.1")).status).toBe(200);
  });

  test("unknown session tokens are counted the same way", async () => {
    const session = (token: string) =>
      get("/auth/session", { Authorization: `Bearer ${token}`, "X-Forwarded-For": "192.0.2.50" });
    for (let i = 0; i < 5; i++)
      expect((await session(`sls_${randomBytes(32).toString("base64url")}`)).status).toBe(401);
    const blocked = await session("sls_whatever");
    expect(blocked.status).toBe(429);
    expect((blocked.body.error as { code: string }).code).toBe("TOO_MANY_ATTEMPTS");
  });

  test("the token caches hold SHA-256 hashes, never a token", async () => {
    const probe = randomToken();
    await users(probe, "192.0.2.99");
    const caches = env().deps.tenancy as unknown as Record<string, { entries: Map<string, unknown> }>;
    const keys = Object.values(caches).flatMap((cache) => [...(cache.entries?.keys() ?? [])]);
    expect(keys.length).toBeGreaterThan(1);
    expect(keys.filter((k) => k.startsWith("scim_"))).toEqual([]);
    expect(keys.some((k) => /^[0-9a-f]{64}$/.test(k))).toBe(true);
  });
});
