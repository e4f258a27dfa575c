import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppDeps, AppEnv } from "../deps.ts";
import { MAX_BODY_BYTES } from "../scim/http/request.ts";
import { oidcRoutes } from "./oidc-routes.ts";
import { passwordRoutes } from "./password-routes.ts";
import { samlRoutes } from "./saml-routes.ts";
import { sessionRoutes } from "./session.ts";

/** Sign-in (docs/RULES.md "Sign-in"): `/sso/{companyId}/saml/*`, `/auth/{companyId}/password|oidc`, `/auth/session`. */
export function signInRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>({ strict: false });
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new HTTPException(413, { message: "The request body is larger than 1 MiB" });
    },
  });
  app.use("/sso/*", limit);
  app.use("/auth/*", limit);
  app.route("/", samlRoutes(deps));
  app.route("/", passwordRoutes(deps));
  app.route("/", oidcRoutes(deps));
  app.route("/", sessionRoutes(deps));
  return app;
}
