import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { adminCredential, crossSiteWrite } from "./dashboard-auth.ts";

/**
 * `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time. The few routes the ops
 * console's buttons call (`consoleRoute`) also take its Basic `admin:<key>`, which a browser signed
 * in to /admin sends by itself; since it would send it for another site's page too, a write so
 * authenticated must come from this site (as on the ops pages).
 */
export function adminAuth(
  adminKey: string,
  consoleRoute: (c: Context<AppEnv>) => boolean = () => false,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const forConsole = consoleRoute(c);
    const credential = adminCredential(c.req.header("authorization"), adminKey);
    if (!credential || (credential === "basic" && !forConsole)) {
      c.header("WWW-Authenticate", 'Bearer realm="scimline-admin"');
      if (forConsole) c.header("WWW-Authenticate", 'Basic realm="scimline-admin", charset="UTF-8"', { append: true });
      throw new AdminError("UNAUTHORIZED", "The admin API needs Authorization: Bearer <admin key>");
    }
    if (credential === "basic" && crossSiteWrite(c)) {
      throw new AdminError("CROSS_SITE_REQUEST", "A write from another site's page is refused");
    }
    await next();
  };
}
