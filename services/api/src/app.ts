import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { adminRoutes } from "./admin/routes.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { handleError } from "./errors.ts";
import { requestContext } from "./middleware/request-context.ts";
import { scimAuth } from "./middleware/scim-auth.ts";
import { healthRoutes } from "./ops/health.ts";
import { scimDiscoveryRoutes } from "./scim/discovery.ts";
import { ScimError } from "./scim/errors.ts";
import { scimGroupsRoutes } from "./scim/groups.ts";
import { MAX_BODY_BYTES } from "./scim/request.ts";
import { scimErrorResponse } from "./scim/respond.ts";
import { scimUsersRoutes } from "./scim/users.ts";

/** The whole HTTP surface. Reads no env, opens nothing, never listens (STYLE §2). */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>({ strict: false });
  app.use(requestContext(deps.logger));
  // SCIM reads its bodies itself, with the same limit (scim/request.ts).
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HTTPException(413, { message: "The request body is larger than 1 MiB" });
      },
    }),
  );

  app.route("/", healthRoutes(deps));

  const scim = new Hono<AppEnv>({ strict: false });
  scim.route("/", scimDiscoveryRoutes(deps));
  scim.use("/Users/*", scimAuth(deps.tenancy));
  scim.use("/Users", scimAuth(deps.tenancy));
  scim.use("/Groups/*", scimAuth(deps.tenancy));
  scim.use("/Groups", scimAuth(deps.tenancy));
  scim.route("/Users", scimUsersRoutes(deps));
  scim.route("/Groups", scimGroupsRoutes(deps));
  scim.all("*", (c) => scimErrorResponse(c, new ScimError(404, undefined, `No SCIM endpoint at ${c.req.path}`)));
  app.route("/scim/v2", scim);

  app.route("/api/v1", adminRoutes(deps));

  app.notFound((c) =>
    c.json(
      {
        error: { code: "NOT_FOUND", message: `No route for ${c.req.method} ${c.req.path}`, requestId: c.var.requestId },
      },
      404,
    ),
  );
  app.onError(handleError);
  return app;
}
