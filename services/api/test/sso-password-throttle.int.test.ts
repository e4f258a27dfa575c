import { expect, test } from "vitest";
import { createTenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { createUser, errorCode, signIn } from "./helpers/sso-clients.ts";

// Password guessing slows down per account: 3 wrong passwords pause that user's password sign-in.
const env = useTestEnv({}, { SIGN_IN_MAX_FAILURES: "3", SIGN_IN_FAILURE_WINDOW_SECONDS: "600" });
const PASSWORD = "tempP@ss123!"; // what oktaUser() syncs

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
