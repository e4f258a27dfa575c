import { generateToken, hashToken } from "@scimline/db";
import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { clientAddress } from "../middleware/client-address.ts";
import { FailedAuthLimiter } from "../middleware/failed-auth.ts";
import { assertMethodAllowed, assertProviderEnabled, isSuspended, type SignInMethod, signInErrors } from "./policy.ts";
import { deleteSession, findSession, insertSession } from "./store.ts";

/** Sent as `__Host-scimline_session`: Secure, Path=/, no Domain (the `__Host-` rules). */
const COOKIE = "scimline_session";
/** What issueSession hands out: anything else is refused without a database look-up. */
const SESSION_TOKEN = /^sls_[A-Za-z0-9_-]{43}$/;

/**
 * Issues a session: a random token, stored only as its SHA-256, returned both as an
 * HttpOnly cookie (browsers) and in the body (API clients, and http:// where browsers drop Secure cookies).
 */
export async function issueSession(
  c: Context<AppEnv>,
  deps: AppDeps,
  s: { companyId: string; user: { id: string; userName: string }; method: SignInMethod; relayState?: string },
) {
  const token = generateToken("sls");
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.config.SESSION_TTL_SECONDS * 1000);
  await insertSession(deps.database, {
    tokenHash: hashToken(token),
    companyId: s.companyId,
    userId: s.user.id,
    method: s.method,
    now,
    expiresAt,
  });
  setCookie(c, COOKIE, token, {
    prefix: "host",
    path: "/",
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    maxAge: deps.config.SESSION_TTL_SECONDS,
  });
  c.header("Cache-Control", "no-store");
  return c.json(
    {
      session: { token, expiresAt: expiresAt.toISOString() },
      user: { id: s.user.id, userName: s.user.userName },
      companyId: s.companyId,
      method: s.method,
      ...(s.relayState === undefined ? {} : { relayState: s.relayState }),
    },
    200,
  );
}

function presentedToken(c: Context<AppEnv>): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  return bearer ?? getCookie(c, COOKIE, "host");
}

/**
 * GET /auth/session: who a session belongs to. Checked against the user and the policy as
 * they are now (docs/RULES.md "Sign-in"), so suspension, deletion or turning the policy on ends sessions at once.
 * DELETE /auth/session signs out.
 */
export function sessionRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const failures = new FailedAuthLimiter(deps.redis, deps.logger, {
    prefix: deps.config.QUEUE_PREFIX,
    maxPerMinute: deps.config.AUTH_FAILURES_PER_MINUTE,
  });

  app.get("/auth/session", async (c) => {
    c.header("Cache-Control", "no-store");
    const token = presentedToken(c);
    if (!token) throw signInErrors.sessionInvalid();
    // Unknown session tokens cost a look-up each: counted per address, like unknown SCIM tokens.
    const address = clientAddress(c, deps.config.TRUST_PROXY_HOPS);
    const wait = await failures.retryAfterMs(address);
    if (wait > 0) {
      const seconds = String(Math.ceil(wait / 1000));
      throw new AdminError(
        "TOO_MANY_ATTEMPTS",
        `Too many failed authentications from this address; retry in ${seconds} s`,
        {
          "Retry-After": seconds,
        },
      );
    }
    const tokenHash = hashToken(token);
    const session = SESSION_TOKEN.test(token) ? await findSession(deps.database, tokenHash, deps.clock()) : null;
    if (!session) {
      await failures.failed(address);
      throw signInErrors.sessionInvalid();
    }
    const { user } = session;
    try {
      if (!user || session.deletedAt) throw signInErrors.sessionInvalid();
      if (isSuspended(user)) throw signInErrors.userSuspended();
      assertMethodAllowed({ id: session.companyId, preventOtherSso: session.preventOtherSso }, session.method);
      assertProviderEnabled(session, session.method);
    } catch (error) {
      await deleteSession(deps.database, tokenHash);
      throw error;
    }
    return c.json(
      {
        user: { id: user.id, userName: user.userName },
        companyId: session.companyId,
        method: session.method,
        expiresAt: session.expiresAt.toISOString(),
      },
      200,
    );
  });

  app.delete("/auth/session", async (c) => {
    const token = presentedToken(c);
    if (token) await deleteSession(deps.database, hashToken(token));
    deleteCookie(c, COOKIE, { prefix: "host", path: "/", secure: true });
    return c.body(null, 204);
  });

  return app;
}
