import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppDeps, AppEnv } from "../deps.ts";
import { MAX_BODY_BYTES } from "../scim/http/request.ts";
import { oidcRoutes } from "./oidc-routes.ts";
import { passwordRoutes } from "./password-routes.ts";
import { samlRoutes } from "./saml-routes.ts";
import { sessionRoutes } from "./session.ts";

/**
 * The JSON bodies of `/auth/*`: a user name and a password (≤ 1,024 characters each) or an ID token
 * (≤ 16,384). These endpoints answer anyone, and JSON.parse turns 1 MiB of `[[[…]]]` into 29 MB of
 * heap (82 MB with the check for unstorable text that walks it).
 */
export const MAX_SIGN_IN_BODY_BYTES = 64 * 1024;

const limitTo = (bytes: number, size: string) =>
  bodyLimit({
    maxSize: bytes,
    onError: () => {
      throw new HTTPException(413, { message: `The request body is larger than ${size}` });
    },
  });

/** Sign-in (docs/RULES.md "Sign-in"): `/sso/{companyId}/saml/*`, `/auth/{companyId}/password|oidc`, `/auth/session`. */
export function signInRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>({ strict: false });
  // A SAMLResponse may be 256 KiB, up to three times that once form-encoded.
  app.use("/sso/*", limitTo(MAX_BODY_BYTES, "1 MiB"));
  app.use("/auth/*", limitTo(MAX_SIGN_IN_BODY_BYTES, "64 KiB"));
  app.route("/", samlRoutes(deps));
  app.route("/", passwordRoutes(deps));
  app.route("/", oidcRoutes(deps));
  app.route("/", sessionRoutes(deps));
  return app;
}
