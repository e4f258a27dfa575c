import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { adminAuth } from "../middleware/admin-auth.ts";
import { companyRoutes } from "./companies.ts";
import { directoryRoutes } from "./directories.ts";
import { numberRoutes } from "./numbers.ts";
import { officeRoutes } from "./offices.ts";
import { reportRoutes } from "./reports.ts";
import { userAdminRoutes } from "./users.ts";
import { validationHook } from "./validation.ts";

/** /api/v1: the company admin's API (SPEC §6). The OpenAPI document is generated from the same zod schemas. */
export function adminRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, strict: false });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminKey", {
    type: "http",
    scheme: "bearer",
    description: "The ADMIN_API_KEY of the deployment",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Scimline admin API",
      version: "1.0.0",
      description: "Company setup, numbers, directories and SCIM tokens.",
    },
    security: [{ adminKey: [] }],
  });

  app.use("*", async (c, next) => {
    if (c.req.path.endsWith("/openapi.json")) return next();
    return adminAuth(deps.config.ADMIN_API_KEY)(c, next);
  });
  app.route("/", companyRoutes(deps));
  app.route("/", officeRoutes(deps));
  app.route("/", numberRoutes(deps));
  app.route("/", directoryRoutes(deps));
  app.route("/", reportRoutes(deps));
  app.route("/", userAdminRoutes(deps));
  return app;
}
