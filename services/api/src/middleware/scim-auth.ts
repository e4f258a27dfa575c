import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../deps.ts";
import { ScimError } from "../scim/errors.ts";
import type { Tenancy } from "../tenancy.ts";

const unauthorized = (detail: string) =>
  new ScimError(401, undefined, detail, { "WWW-Authenticate": 'Bearer realm="scimline"' });

/** Bearer token → the directory it was issued for (SPEC §3). */
export function scimAuth(tenancy: Tenancy): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthorized("A bearer token issued for a Scimline directory is required");
    const principal = await tenancy.principal(match[1]);
    if (!principal) throw unauthorized("The bearer token is not valid or has been revoked");
    c.set("principal", principal);
    await next();
  };
}
