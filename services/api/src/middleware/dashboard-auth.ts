import { safeEqual } from "@scimline/db";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../deps.ts";

export const DASHBOARD_USER = "admin";

/** The credential a request carries, if it is the admin's: Bearer `<key>` or Basic `admin:<key>`. */
export function adminCredential(header: string | undefined, adminKey: string): "bearer" | "basic" | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (bearer?.[1]) return safeEqual(bearer[1], adminKey) ? "bearer" : null;
  return isBasicAdmin(header, adminKey) ? "basic" : null;
}

/** Basic `admin:<key>` or Bearer `<key>`; both compared in constant time. */
export function isAdminCredential(header: string | undefined, adminKey: string): boolean {
  return adminCredential(header, adminKey) !== null;
}

function isBasicAdmin(header: string | undefined, adminKey: string): boolean {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!basic?.[1]) return false;
  const decoded = Buffer.from(basic[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  const userOk = safeEqual(decoded.slice(0, colon), DASHBOARD_USER);
  const keyOk = safeEqual(decoded.slice(colon + 1), adminKey);
  return userOk && keyOk;
}

/** A write sent by another site's page: it would ride on the browser's cached Basic credentials. */
export function crossSiteWrite(c: Context<AppEnv>): boolean {
  if (c.req.method === "GET" || c.req.method === "HEAD") return false;
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = c.req.header("origin");
  if (!origin) return false;
  return !URL.canParse(origin) || new URL(origin).host !== c.req.header("host");
}

/**
 * The ops pages (/admin, /admin/queues): browsers get HTTP Basic (user `admin`, password
 * ADMIN_API_KEY) through their login prompt; scripts may send the admin Bearer key.
 */
export function dashboardAuth(adminKey: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!isAdminCredential(c.req.header("authorization"), adminKey)) {
      return c.text("Authentication required: user admin, password the ADMIN_API_KEY.", 401, {
        "WWW-Authenticate": 'Basic realm="scimline-admin", charset="UTF-8"',
        "Cache-Control": "no-store",
      });
    }
    if (crossSiteWrite(c)) return c.text("Cross-site request refused.", 403);
    await next();
  };
}
