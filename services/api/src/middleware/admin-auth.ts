import { safeEqual } from "@scimline/db";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";

/** `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time (SPEC §6). */
export function adminAuth(adminKey: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    if (!match?.[1] || !safeEqual(match[1], adminKey)) {
      c.header("WWW-Authenticate", 'Bearer realm="scimline-admin"');
      throw new AdminError("UNAUTHORIZED", "The admin API needs Authorization: Bearer <admin key>");
    }
    await next();
  };
}
