import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { PREVIEW_PATH } from "./admin/preview.ts";
import { adminRoutes } from "./admin/routes.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { handleError } from "./errors.ts";
import { ScimFirstRouter } from "./http/router.ts";
import { scimRateLimit } from "./middleware/rate-limit.ts";
import { requestContext } from "./middleware/request-context.ts";
import { scimAuth } from "./middleware/scim-auth.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { DASHBOARD_PATH, dashboardRoutes } from "./ops/dashboard.ts";
import { healthRoutes } from "./ops/health.ts";
import { LiveSampler } from "./ops/live-sampler.ts";
import { createApiMetrics, metricsRoutes } from "./ops/metrics.ts";
import { overviewRoutes } from "./ops/overview.ts";
import { requestLogging } from "./request-log/middleware.ts";
import { ScimError } from "./scim/errors.ts";
import { scimDiscoveryRoutes } from "./scim/http/discovery.ts";
import { scimGroupsRoutes } from "./scim/http/groups.ts";
import { MAX_BODY_BYTES } from "./scim/http/request.ts";
import { scimErrorResponse } from "./scim/http/respond.ts";
import { scimUsersRoutes } from "./scim/http/users.ts";
import { signInRoutes } from "./sso/routes.ts";

/** The whole HTTP surface. Reads no env, opens nothing, never listens. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>({ strict: false, router: new ScimFirstRouter() });
  const metrics = createApiMetrics(deps, deps.metricsRegistry);
  const logged = requestLogging(deps.requestLog, deps.clock);
  app.use(requestContext(deps.logger, [securityHeaders, metrics.hook, logged.hook]));
  // SCIM reads its bodies itself, with the same limit (scim/http/request.ts); the preview has its own, 16 MiB.
  const adminBodyLimit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new HTTPException(413, { message: "The request body is larger than 1 MiB" });
    },
  });
  app.use("/api/*", (c, next) => (PREVIEW_PATH.test(c.req.path) ? next() : adminBodyLimit(c, next)));

  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(metrics, deps.config.METRICS_TOKEN));
  // Without one from main.ts (tests), the first viewer starts it and it stops 10 minutes after the last.
  const live =
    deps.liveSampler ??
    new LiveSampler(
      { sql: deps.database.sql, queue: deps.queues.provisioning, logger: deps.logger },
      { idleStopMs: 600_000 },
    );
  app.route("/", overviewRoutes(deps, live));
  app.route(DASHBOARD_PATH, dashboardRoutes(deps));

  const scim = new Hono<AppEnv>({ strict: false });
  scim.route("/", scimDiscoveryRoutes(deps));
  // "/Users/*" also matches "/Users": one registration, so auth and the limit run once per request.
  const limit = scimRateLimit(deps);
  const auth = scimAuth(deps);
  scim.use("/Users/*", auth, logged.mark, limit);
  scim.use("/Groups/*", auth, logged.mark, limit);
  scim.route("/Users", scimUsersRoutes(deps, metrics));
  scim.route("/Groups", scimGroupsRoutes(deps));
  scim.all("*", (c) => scimErrorResponse(c, new ScimError(404, undefined, `No SCIM endpoint at ${c.req.path}`)));
  app.route("/scim/v2", scim);

  app.route("/api/v1", adminRoutes(deps));
  app.route("/", signInRoutes(deps));

  app.notFound((c) =>
    c.json(
      {
        error: {
          code: "NOT_FOUND",
          message: `No route for ${c.req.method} ${c.req.path}`,
          requestId: c.get("requestId"),
        },
      },
      404,
    ),
  );
  app.onError(handleError);
  return app;
}
