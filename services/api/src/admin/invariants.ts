import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { checkInvariants, DEFAULT_STALE_WORK_SECONDS } from "@scimline/db";
import type { AppDeps, AppEnv } from "../deps.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { CompanyParams, errors, json, NOT_FOUND } from "./schemas.ts";
import { validationHook } from "./validation.ts";

export const InvariantReport = z
  .object({
    ok: z.boolean(),
    checks: z.array(
      z.object({
        name: z.string().openapi({
          description: "seats_used_equal_holders, dids_agree, extensions_agree, no_stale_work, outbox_drained",
        }),
        ok: z.boolean(),
        detail: z.string(),
      }),
    ),
  })
  .openapi("InvariantReport");

const route = createRoute({
  method: "get",
  path: "/companies/{id}/invariants",
  tags: ["Operations"],
  summary: "The provisioning invariants of the company, checked now",
  description: `Seats in use equal the users holding one (and never exceed those purchased); users' DIDs and the numbers assigned agree both ways, as do extensions; nobody is owed provisioning work for more than ${DEFAULT_STALE_WORK_SECONDS} s (users waiting for an admin excepted); no outbox row is older than that. \`ok\` is false when any check fails; each check says what it found.`,
  request: { params: CompanyParams },
  responses: { 200: json(InvariantReport, "The checks"), ...errors({ 404: NOT_FOUND.company }) },
});

export function invariantRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    const checks = await checkInvariants(deps.database.sql, { companyId: id });
    return c.json({ ok: checks.every((check) => check.ok), checks }, 200);
  });
  return app;
}
