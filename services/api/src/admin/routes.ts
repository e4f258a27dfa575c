import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { adminAuth } from "../middleware/admin-auth.ts";
import { refuseUnstorableText } from "../middleware/storable-text.ts";
import { apiDocsRoutes } from "./api-docs.ts";
import { companyRoutes } from "./companies.ts";
import { directoryRoutes } from "./directories.ts";
import { directoryHealthRoutes } from "./directory-health.ts";
import { eventRoutes } from "./events.ts";
import { failedUserRoutes } from "./failed-users.ts";
import { groupRuleRoutes } from "./group-rules.ts";
import { heldChangeRoutes } from "./held-changes.ts";
import { invariantRoutes } from "./invariants.ts";
import { jobRoutes } from "./jobs.ts";
import { licenseTypeRoutes } from "./license-types.ts";
import { numberRoutes } from "./numbers.ts";
import { officeRoutes } from "./offices.ts";
import { PREVIEW_PATH, previewRoutes } from "./preview.ts";
import { reportRoutes } from "./reports.ts";
import { signInIdentityRoutes } from "./sign-in-identities.ts";
import { ssoAdminRoutes } from "./sso.ts";
import { tokenRoutes } from "./tokens.ts";
import { userAdminRoutes } from "./users.ts";
import { validationHook } from "./validation.ts";
import { webhookRoutes } from "./webhooks.ts";

const PUBLIC = /^\/api\/v1\/(?:openapi\.json|docs\/?|docs\/assets\/[\w.-]+)$/;
/** What the ops console's buttons call: also open to its Basic credential (admin-auth.ts). */
const CONSOLE = /^\/api\/v1\/companies\/[^/]+\/(?:failures|users\/retry|users\/[^/]+\/retry)$/;

/** /api/v1: the company admin's API. The OpenAPI document is generated from the same zod schemas. */
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
      description:
        "The company admin's API (the admin portal): company setup and settings, license catalogue, offices and seats, number pool, directories and SCIM tokens, team list, seats and charges, and the admin-only changes of a user's license type, DID and extension. Errors are `{error: {code, message, requestId}}` with stable UPPER_SNAKE codes.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ adminKey: [] }],
  });
  // A browsable reference of the same document; both are public, like any API reference.
  app.route("/", apiDocsRoutes());

  const auth = adminAuth(deps.config.ADMIN_API_KEY, (c) => CONSOLE.test(c.req.path));
  app.use("*", async (c, next) => {
    if (PUBLIC.test(c.req.path)) return next();
    return auth(c, next);
  });
  // The preview reads its own (larger) body and refuses unstorable text user by user, as the SCIM door does.
  const storable = refuseUnstorableText();
  app.use("*", (c, next) => (PREVIEW_PATH.test(c.req.path) ? next() : storable(c, next)));
  app.route("/", companyRoutes(deps));
  app.route("/", licenseTypeRoutes(deps));
  app.route("/", officeRoutes(deps));
  app.route("/", numberRoutes(deps));
  app.route("/", directoryRoutes(deps));
  app.route("/", tokenRoutes(deps));
  app.route("/", heldChangeRoutes(deps));
  app.route("/", directoryHealthRoutes(deps));
  app.route("/", reportRoutes(deps));
  app.route("/", failedUserRoutes(deps));
  app.route("/", userAdminRoutes(deps));
  app.route("/", groupRuleRoutes(deps));
  app.route("/", eventRoutes(deps));
  app.route("/", webhookRoutes(deps));
  app.route("/", invariantRoutes(deps));
  app.route("/", ssoAdminRoutes(deps));
  app.route("/", signInIdentityRoutes(deps));
  app.route("/", jobRoutes(deps));
  app.route("/", previewRoutes(deps));
  return app;
}
