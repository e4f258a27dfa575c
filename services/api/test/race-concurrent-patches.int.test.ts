import { expect, test } from "vitest";
import { createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

// Identity providers send membership changes and profile updates without If-Match, sometimes several at
// once for one resource: each is to be applied, not refused as a conflict nobody asked to detect.
const env = useTestEnv();
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

test("20 concurrent PATCHes adding one member each to a group: all 200, all 20 members", async () => {
  const t = await createTenant(env());
  const ids: string[] = [];
  for (let i = 0; i < 20; i++)
    ids.push((await scim(env(), t.token, "POST", "/Users", oktaUser(`m${i}@acme.example`))).body.id as string);
  const gid = (await scim(env(), t.token, "POST", "/Groups", { displayName: "Busy" })).body.id as string;
  const replies = await Promise.all(
    ids.map((value) =>
      scim(env(), t.token, "PATCH", `/Groups/${gid}`, {
        schemas: [PATCH],
        Operations: [{ op: "add", path: "members", value: [{ value }] }],
      }),
    ),
  );
  expect(replies.map((r) => r.status)).toEqual(ids.map(() => 200));
  const group = await scim(env(), t.token, "GET", `/Groups/${gid}`);
  expect(((group.body.members as Array<{ value: string }>) ?? []).map((m) => m.value).sort()).toEqual([...ids].sort());
});

test("20 concurrent PATCHes of one user's attributes: all 200, each applied once", async () => {
  const t = await createTenant(env());
  const id = (await scim(env(), t.token, "POST", "/Users", oktaUser("busy@acme.example"))).body.id as string;
  const before = (await scim(env(), t.token, "GET", `/Users/${id}`)).body.meta as { version: string };
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      scim(env(), t.token, "PATCH", `/Users/${id}`, {
        schemas: [PATCH],
        Operations: [{ op: "replace", path: "title", value: `Title ${i}` }],
      }),
    ),
  );
  expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
  const [row] = await env().database.sql<{ version: number }[]>`select version from users where id = ${id}`;
  expect(row?.version).toBe(Number(before.version.replace(/\D/g, "")) + 20);
});
