import { hashToken } from "@scimline/db";
import { describe, expect, test } from "vitest";
import { Tenancy } from "../src/tenancy.ts";
import { admin, createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();

describe("tenancy", () => {
  test("another company's user and group ids are 404, and its users are not listed", async () => {
    const a = await createTenant(env());
    const b = await createTenant(env());
    const userA = (await scim(env(), a.token, "POST", "/Users", oktaUser("alice@a.example"))).body.id as string;
    const groupA = (
      await scim(env(), a.token, "POST", "/Groups", { displayName: "A team", members: [{ value: userA }] })
    ).body.id as string;

    for (const [method, path, body] of [
      ["GET", `/Users/${userA}`],
      ["PUT", `/Users/${userA}`, oktaUser("alice@a.example")],
      [
        "PATCH",
        `/Users/${userA}`,
        {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "replace", value: { active: false } }],
        },
      ],
      ["DELETE", `/Users/${userA}`],
      ["GET", `/Groups/${groupA}`],
      ["DELETE", `/Groups/${groupA}`],
    ] as const) {
      expect((await scim(env(), b.token, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await scim(env(), b.token, "GET", "/Users")).body.totalResults).toBe(0);
    expect(
      (await scim(env(), b.token, "GET", `/Users?filter=${encodeURIComponent(`id eq "${userA}"`)}`)).body.totalResults,
    ).toBe(0);
    // B cannot put A's user into its own group either.
    expect(
      (await scim(env(), b.token, "POST", "/Groups", { displayName: "B", members: [{ value: userA }] })).status,
    ).toBe(400);
    // And A still has everything.
    expect((await scim(env(), a.token, "GET", `/Users/${userA}`)).body.active).toBe(true);
  });

  test("two directories of one company see only their own users, and userName is unique across them", async () => {
    const a = await createTenant(env());
    const second = await admin(env(), "POST", `/companies/${a.companyId}/directories`, { name: "Entra" });
    const token2 = (await admin(env(), "POST", `/directories/${second.body.id}/tokens`)).body.token as string;

    const id = (await scim(env(), a.token, "POST", "/Users", oktaUser("shared@a.example"))).body.id as string;
    expect((await scim(env(), token2, "GET", `/Users/${id}`)).status).toBe(404);
    expect((await scim(env(), token2, "GET", "/Users")).body.totalResults).toBe(0);
    const clash = await scim(env(), token2, "POST", "/Users", oktaUser("SHARED@a.example"));
    expect(clash.status).toBe(409);
    expect(clash.body.scimType).toBe("uniqueness");
    // The same userName in another company is fine.
    const other = await createTenant(env());
    expect((await scim(env(), other.token, "POST", "/Users", oktaUser("shared@a.example"))).status).toBe(201);
  });

  test("tokens are stored only as hashes, and a revoked token stops working", async () => {
    const t = await createTenant(env());
    const rows = await env().database
      .sql`select token_hash, hint from scim_tokens where directory_id = ${t.directoryId}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.token_hash).not.toContain(t.token);
    const list = await admin(env(), "GET", `/directories/${t.directoryId}/tokens`);
    expect(JSON.stringify(list.body)).not.toContain(t.token);
    const tokenId = (list.body.tokens as Array<{ id: string }>)[0]?.id;
    expect((await admin(env(), "DELETE", `/directories/${t.directoryId}/tokens/${tokenId}`)).status).toBe(204);
    expect((await scim(env(), t.token, "GET", "/Users")).status).toBe(401);
  });

  test("another API process in steady use stops taking a revoked token within its cache's time", async () => {
    const t = await createTenant(env());
    // Another process's view: its own cache of 400 ms, reloaded ahead of expiry while in use.
    const ttlMs = 400;
    const other = new Tenancy(env().database, ttlMs);
    const hash = hashToken(t.token);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Steady use across several refreshes: the token keeps working throughout.
    const until = Date.now() + 3 * ttlMs;
    while (Date.now() < until) {
      expect((await other.principal(hash))?.directoryId).toBe(t.directoryId);
      await sleep(10);
    }
    const list = await admin(env(), "GET", `/directories/${t.directoryId}/tokens`);
    const tokenId = (list.body.tokens as Array<{ id: string }>)[0]?.id;
    expect((await admin(env(), "DELETE", `/directories/${t.directoryId}/tokens/${tokenId}`)).status).toBe(204);
    const revokedAt = Date.now();
    while ((await other.principal(hash)) !== null) {
      expect(Date.now() - revokedAt).toBeLessThan(ttlMs + 300);
      await sleep(10);
    }
    expect(await other.principal(hash)).toBeNull();
  });
});
