import { hkdfSync } from "node:crypto";
import {
  hashPassword,
  needsRehash,
  type PasswordKeys,
  safeEqual,
  schema,
  unsealPassword,
  verifyPassword,
} from "@scimline/db";
import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../deps.ts";
import { clientAddress } from "../middleware/client-address.ts";
import { DEVICE_TTL_SECONDS, DeviceCookies } from "./device-cookie.ts";
import { readJson } from "./json-body.ts";
import { assertMaySignIn, assertMethodAllowed, signInErrors } from "./policy.ts";
import { issueSession } from "./session.ts";
import { SignInLimits } from "./sign-in-limits.ts";
import { findCompanyPolicy, findUserByUserName, type SignInUser } from "./store.ts";

/** Sent as `__Host-scimline_device`: a device this user signed in from before (see device-cookie.ts). */
const DEVICE_COOKIE = "scimline_device";

const PasswordSignIn = z.object({
  userName: z.string().trim().min(1).max(1024),
  password: z.string().min(1).max(1024),
});

/**
 * The password a SCIM client synced. A sealed one (the worker has not hashed it yet) is
 * the newer: after a password change the old hash is still there until the worker runs.
 */
async function passwordMatches(key: PasswordKeys, user: SignInUser, password: string): Promise<boolean> {
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

  const limits = new SignInLimits(deps.redis, deps.logger, {
    prefix: deps.config.QUEUE_PREFIX,
    accountMax: deps.config.SIGN_IN_MAX_FAILURES,
    accountWindowMs: deps.config.SIGN_IN_FAILURE_WINDOW_SECONDS * 1000,
    addressPerMinute: deps.config.SIGN_IN_ADDRESS_MAX_PER_MINUTE,
    globalPerSecond: deps.config.SIGN_IN_MAX_PER_SECOND,
    maxConcurrentHashes: deps.config.SIGN_IN_MAX_CONCURRENT_HASHES,
  });
  const devices = new DeviceCookies(
    Buffer.from(hkdfSync("sha256", deps.passwordKey.key, "scimline", "sign-in-device", 32)),
  );

  app.post("/auth/:companyId/password", async (c) => {
    const companyId = c.req.param("companyId");
    const company = await findCompanyPolicy(deps.database, companyId);
    if (!company) throw signInErrors.companyNotFound(companyId);
    assertMethodAllowed(company, "password");
    const input = await readJson(c, PasswordSignIn);
    const now = deps.clock();
    const attempt = {
      companyId: company.id,
      userName: input.userName,
      address: clientAddress(c, deps.config.TRUST_PROXY_HOPS),
      device: devices.verify(getCookie(c, DEVICE_COOKIE, "host"), company.id, input.userName, now),
    };

    // Counted before the slow hash, so concurrent guesses cannot all pass.
    await limits.admit(attempt, now.getTime());
    const user = await findUserByUserName(deps.database, company.id, input.userName);
    const matches = await limits.hash(async () => {
      const usesScrypt = user !== null && !user.passwordPending && user.passwordHash !== null;
      if (!usesScrypt) await spendScrypt(input.password);
      return user !== null && (await passwordMatches(deps.passwordKey, user, input.password));
    });
    if (!user || !matches) throw signInErrors.invalidCredentials();
    await limits.succeeded(attempt);
    const old = user.passwordHash;
    if (!user.passwordPending && old && needsRehash(old)) {
      // Made with older parameters: replaced now that the password is known (unless it changed meanwhile).
      // Best effort: a busy process (429 from the hash cap) or a failed write only postpones it.
      try {
        const fresh = await limits.hash(() => hashPassword(input.password));
        const { users } = schema;
        await deps.database.db
          .update(users)
          .set({ passwordHash: fresh })
          .where(and(eq(users.id, user.id), eq(users.passwordHash, old)));
      } catch (error) {
        c.get("logger").warn({ err: { message: (error as Error).message } }, "password rehash postponed");
      }
    }
    // Only someone who knows the password learns that the account is suspended.
    assertMaySignIn(user);
    setCookie(c, DEVICE_COOKIE, devices.issue(company.id, user.userName, now), {
      prefix: "host",
      path: "/",
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
      maxAge: DEVICE_TTL_SECONDS,
    });
    return issueSession(c, deps, { companyId: company.id, user, method: "password" });
  });

  return app;
}
