import { hashPassword, safeEqual, unsealPassword, verifyPassword } from "@scimline/db";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../deps.ts";
import { readJson } from "./json-body.ts";
import { PasswordThrottle } from "./password-throttle.ts";
import { assertMaySignIn, assertMethodAllowed, signInErrors } from "./policy.ts";
import { issueSession } from "./session.ts";
import { findCompanyPolicy, findUserByUserName, type SignInUser } from "./store.ts";

const PasswordSignIn = z.object({
  userName: z.string().trim().min(1).max(1024),
  password: z.string().min(1).max(1024),
});

/**
 * The password a SCIM client synced. A sealed one (the worker has not hashed it yet) is
 * the newer: after a password change the old hash is still there until the worker runs.
 */
async function passwordMatches(key: Buffer, user: SignInUser, password: string): Promise<boolean> {
  if (user.passwordPending) {
    let sealed: string | null = null;
    try {
      sealed = unsealPassword(key, user.passwordPending);
    } catch {
      // Sealed under a rotated key: unusable until the next sync, as in the worker.
    }
    return sealed !== null && safeEqual(sealed, password);
  }
  return user.passwordHash ? verifyPassword(password, user.passwordHash) : false;
}

/** POST /auth/{companyId}/password {userName, password}. */
export function passwordRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  // Every attempt costs one scrypt, whoever the user: the time does not tell who exists.
  let decoy: Promise<string> | undefined;
  const spendScrypt = (password: string) => {
    decoy ??= hashPassword("scimline-decoy-password");
    return decoy.then((hash) => verifyPassword(password, hash));
  };

  const throttle = new PasswordThrottle(deps.redis, deps.logger, {
    maxFailures: deps.config.SIGN_IN_MAX_FAILURES,
    windowMs: deps.config.SIGN_IN_FAILURE_WINDOW_SECONDS * 1000,
  });

  app.post("/auth/:companyId/password", async (c) => {
    const companyId = c.req.param("companyId");
    const company = await findCompanyPolicy(deps.database, companyId);
    if (!company) throw signInErrors.companyNotFound(companyId);
    assertMethodAllowed(company, "password");
    const input = await readJson(c, PasswordSignIn);

    await throttle.assertAllowed(company.id, input.userName);
    const user = await findUserByUserName(deps.database, company.id, input.userName);
    const usesScrypt = user !== null && !user.passwordPending && user.passwordHash !== null;
    if (!usesScrypt) await spendScrypt(input.password);
    if (!user || !(await passwordMatches(deps.passwordKey, user, input.password))) {
      await throttle.recordFailure(company.id, input.userName);
      throw signInErrors.invalidCredentials();
    }
    await throttle.recordSuccess(company.id, input.userName);
    // Only someone who knows the password learns that the account is suspended.
    assertMaySignIn(user);
    return issueSession(c, deps, { companyId: company.id, user, method: "password" });
  });

  return app;
}
