import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { beforeAll, expect, test } from "vitest";
import { createTenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { createUser } from "./helpers/sso-clients.ts";
import { reportTimings } from "./helpers/timings.ts";

// The sign-in endpoints are public. Whatever body, content type or company id anyone posts must be a 4xx
// naming the problem (or a 429), never a 5xx, never a session, and never more than a bounded moment. The
// throttles are opened wide here so that the bodies reach the parser and the schema, not the limiter
// (sso-password-throttle tests the limiter). The slowest answer is printed.
const env = useTestEnv(
  {},
  {
    SIGN_IN_MAX_PER_SECOND: "100000",
    SIGN_IN_ADDRESS_MAX_PER_MINUTE: "1000000",
    SIGN_IN_MAX_FAILURES: "1000",
  },
);
let companyId = "";
const timings: number[] = [];

beforeAll(async () => {
  const tenant = await createTenant(env());
  companyId = tenant.companyId;
  await createUser(env(), tenant, "ada@acme.example");
});

const contentType = fc.constantFrom(
  "application/json",
  "application/scim+json",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "",
);
const fieldValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom(
    "ada@acme.example",
    " ada@acme.example ",
    "\u0000",
    "\ud800",
    "x".repeat(1025),
    "google",
    "microsoft",
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
const body = fc.oneof(
  // Shaped like a sign-in, with hostile values.
  fc
    .record(
      { userName: fieldValue, password: fieldValue, provider: fieldValue, idToken: fieldValue, extra: fc.jsonValue() },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  // Any JSON at all, and text that is not JSON.
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom("{", '{"userName":', "[".repeat(10_000), '{"a":1,"a":2}', "null", '"x"', "\u0000"),
);
const company = fc.oneof(
  fc.constant("real"),
  fc.constantFrom("00000000-0000-0000-0000-000000000000", "not-a-uuid", "%00", "..", "x".repeat(300)),
  fc.uuid(),
);

test("fuzz: hostile sign-in posts (password and OIDC) are never a 5xx, never a session", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("password", "oidc"),
      company,
      contentType,
      body,
      async (method, which, type, text) => {
        const id = which === "real" ? companyId : which;
        const started = performance.now();
        const res = await env().app.request(`/auth/${encodeURIComponent(id)}/${method}`, {
          method: "POST",
          headers: type === "" ? {} : { "Content-Type": type },
          body: text,
        });
        timings.push(performance.now() - started);
        const what = `${method} ${which} ${type} ${text.slice(0, 80)}`;
        expect(res.status, what).toBeGreaterThanOrEqual(400);
        expect(res.status, what).toBeLessThan(500);
        expect(res.headers.get("set-cookie") ?? "", what).toBe("");
        const reply = (await res.json()) as { error?: { code?: string } };
        expect(reply.error?.code, what).toMatch(/^[A-Z_]+$/);
      },
    ),
    { numRuns: 250, seed: 20261207 },
  );
  const slowest = reportTimings("sign-in-fuzz", "posts", timings);
  // Bounded by what one honest sign-in costs on this machine now (one scrypt, by design), not by a
  // figure a loaded CI machine could pass: no hostile post may cost more than a few of them.
  const control = performance.now();
  await env().app.request(`/auth/${companyId}/password`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userName: "ada@acme.example", password: "not it" }),
  });
  const honest = performance.now() - control;
  expect(slowest, `one honest sign-in took ${honest.toFixed(1)} ms`).toBeLessThan(4 * honest + 500);
}, 120_000);

test("a control: the fuzz's company and user are real, and the right password signs in", async () => {
  // The cases above were refused for what they sent, not because nothing could sign in here.
  const post = (password: string) =>
    env().app.request(`/auth/${companyId}/password`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userName: "ada@acme.example", password }),
    });
  expect((await post(randomUUID())).status).toBe(401);
  const ok = await post("tempP@ss123!");
  expect(ok.status, await ok.clone().text()).toBe(200);
});
