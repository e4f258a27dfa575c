import { describe, expect, test } from "vitest";
import { createTenant, type Reply } from "./helpers/clients.ts";
import { type TestEnv, useTestEnv } from "./helpers/env.ts";
import { createUser, errorCode, signIn } from "./helpers/sso-clients.ts";

// Password guessing slows down per account: 3 wrong passwords pause that user's password sign-in.
const env = useTestEnv({}, { SIGN_IN_MAX_FAILURES: "3", SIGN_IN_FAILURE_WINDOW_SECONDS: "600" });
const PASSWORD = "tempP@ss123!"; // what oktaUser() syncs

async function signInWith(env: TestEnv, companyId: string, body: unknown, headers: Record<string, string>) {
  const res = await env.app.request(`/auth/${companyId}/password`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Reply["body"], headers: res.headers };
}
/** The device cookie a sign-in set, as the browser sends it back. */
const deviceCookie = (headers: Headers) =>
  headers
    .getSetCookie()
    .find((c) => c.startsWith("__Host-scimline_device="))
    ?.split(";")[0] ?? "";

test("after 3 wrong passwords the account's password sign-in answers 429 with Retry-After, even with the right one; other accounts are untouched", async () => {
  const tenant = await createTenant(env());
  await createUser(env(), tenant, "guessed@acme.example");
  await createUser(env(), tenant, "bystander@acme.example");
  const attempt = (userName: string, password: string) =>
    signIn(env(), tenant.companyId, "password", { userName, password });

  for (let i = 0; i < 3; i++) {
    const wrong = await attempt("guessed@acme.example", `guess-${i}`);
    expect(wrong.status).toBe(401);
    expect(errorCode(wrong)).toBe("INVALID_CREDENTIALS");
  }
  // The user name's case does not open a second counter.
  for (const userName of ["guessed@acme.example", "GUESSED@acme.example"]) {
    const paused = await attempt(userName, PASSWORD);
    expect(paused.status).toBe(429);
    expect(errorCode(paused)).toBe("TOO_MANY_ATTEMPTS");
    expect(Number(paused.headers.get("retry-after"))).toBeGreaterThan(500);
    expect(Number(paused.headers.get("retry-after"))).toBeLessThanOrEqual(600);
  }
  expect((await attempt("bystander@acme.example", PASSWORD)).status).toBe(200);

  // An unknown user name is counted too (guessing who exists gains nothing).
  for (let i = 0; i < 3; i++) expect((await attempt("nobody@acme.example", "x")).status).toBe(401);
  expect((await attempt("nobody@acme.example", "x")).status).toBe(429);
});

test("a right password before the limit clears the count", async () => {
  const tenant = await createTenant(env());
  await createUser(env(), tenant, "forgetful@acme.example");
  const attempt = (password: string) =>
    signIn(env(), tenant.companyId, "password", { userName: "forgetful@acme.example", password });
  expect((await attempt("wrong-1")).status).toBe(401);
  expect((await attempt("wrong-2")).status).toBe(401);
  expect((await attempt(PASSWORD)).status).toBe(200);
  expect((await attempt("wrong-3")).status).toBe(401);
  expect((await attempt("wrong-4")).status).toBe(401);
  expect((await attempt(PASSWORD)).status).toBe(200);
});

test("concurrent wrong guesses are counted before the slow hash: only 3 of 20 get one", async () => {
  const tenant = await createTenant(env());
  await createUser(env(), tenant, "raced@acme.example");
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      signIn(env(), tenant.companyId, "password", { userName: "raced@acme.example", password: `guess-${i}` }),
    ),
  );
  const statuses = replies.map((r) => r.status).sort();
  expect(statuses.filter((s) => s === 401)).toHaveLength(3);
  expect(statuses.filter((s) => s === 429)).toHaveLength(17);
});

test("strangers' wrong guesses do not lock out a device the user signed in from before", async () => {
  const tenant = await createTenant(env());
  await createUser(env(), tenant, "owner@acme.example");
  await createUser(env(), tenant, "other@acme.example");
  const attempt = (userName: string, password: string, cookie?: string) =>
    signInWith(env(), tenant.companyId, { userName, password }, cookie ? { Cookie: cookie } : {});
  const first = await attempt("owner@acme.example", PASSWORD);
  expect(first.status).toBe(200);
  const device = deviceCookie(first.headers);
  expect(device).toMatch(/^__Host-scimline_device=/);
  expect(first.headers.get("set-cookie")).toMatch(/__Host-scimline_device=[^;]+;.*HttpOnly.*Secure.*SameSite=Strict/);

  for (let i = 0; i < 3; i++) expect((await attempt("owner@acme.example", `attacker-${i}`)).status).toBe(401);
  expect((await attempt("owner@acme.example", PASSWORD)).status).toBe(429);
  // The owner's device still gets in, and has wrong guesses of its own.
  expect((await attempt("owner@acme.example", PASSWORD, device)).status).toBe(200);
  for (let i = 0; i < 3; i++) expect((await attempt("owner@acme.example", `typo-${i}`, device)).status).toBe(401);
  expect((await attempt("owner@acme.example", PASSWORD, device)).status).toBe(429);
  // A device cookie is for its own user and company only; a forged or altered one is ignored.
  for (let i = 0; i < 3; i++) await attempt("other@acme.example", `attacker-${i}`);
  expect((await attempt("other@acme.example", PASSWORD, device)).status).toBe(429);
  expect((await attempt("owner@acme.example", PASSWORD, `${device.slice(0, -2)}xx`)).status).toBe(429);
});

describe("per address and for the whole deployment", () => {
  // The deployment's count is per second of the clock: each test moves the clock to a second of its own.
  const clock = { now: new Date("2031-05-01T08:00:00.500Z") };
  const limited = useTestEnv(
    { clock: () => clock.now },
    {
      TRUST_PROXY_HOPS: "1",
      SIGN_IN_ADDRESS_MAX_PER_MINUTE: "5",
      SIGN_IN_MAX_PER_SECOND: "8",
      SIGN_IN_MAX_CONCURRENT_HASHES: "64",
    },
  );
  const from = (companyId: string, address: string, userName: string) =>
    signInWith(limited(), companyId, { userName, password: "x" }, { "X-Forwarded-For": `203.0.113.9, ${address}` });

  test("random user names from one address buy 5 slow hashes a minute, then 429; other addresses are not affected", async () => {
    clock.now = new Date("2031-05-01T08:01:00.500Z");
    const tenant = await createTenant(limited());
    for (let i = 0; i < 5; i++) {
      clock.now = new Date(clock.now.getTime() + 1000);
      expect((await from(tenant.companyId, "198.51.100.1", `random-${i}`)).status).toBe(401);
    }
    const refused = await from(tenant.companyId, "198.51.100.1", "random-5");
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe("TOO_MANY_ATTEMPTS");
    expect((refused.body.error as { message: string }).message).toContain("address");
    // The client cannot pick its address: only the entry our proxy appended counts.
    expect((await from(tenant.companyId, "198.51.100.2", "random-6")).status).toBe(401);
  });

  test("the deployment's 8 a second are shared by every address: the 9th concurrent attempt is 429 for 1 s", async () => {
    clock.now = new Date("2031-05-01T08:02:00.500Z");
    const tenant = await createTenant(limited());
    const replies = await Promise.all(
      Array.from({ length: 9 }, (_, i) => from(tenant.companyId, `198.51.100.${30 + i}`, `burst-${i}`)),
    );
    const busy = replies.filter((r) => r.status === 429);
    expect(replies.filter((r) => r.status === 401)).toHaveLength(8);
    expect(busy).toHaveLength(1);
    expect(busy[0]?.headers.get("retry-after")).toBe("1");
  });
});
