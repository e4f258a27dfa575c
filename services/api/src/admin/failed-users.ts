import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type Database, retryUsers } from "@scimline/db";
import { PROVISIONING_ERROR_CODES, type ProvisioningErrorCode, remedyOf } from "@scimline/domain";
import type { AppDeps, AppEnv } from "../deps.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { body, CompanyParams, CROSS_SITE, errors, json, NOT_FOUND } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["Team"];
const Code = z.enum(PROVISIONING_ERROR_CODES).openapi({ description: "A provisioning error code" });

export const FailureGroup = z
  .object({
    code: Code,
    users: z.number().int().openapi({ description: "Users in status failed with this code" }),
    remedy: z.string().openapi({ description: "What to do about it, in plain words" }),
  })
  .openapi("FailureGroup");

const list = createRoute({
  method: "get",
  path: "/companies/{id}/failures",
  tags,
  summary: "The company's failed users, counted by error code, each with its remedy",
  request: { params: CompanyParams },
  responses: {
    200: json(z.object({ failures: z.array(FailureGroup) }), "Most users first"),
    ...errors({ 403: CROSS_SITE, 404: NOT_FOUND.company }),
  },
});

const retryAll = createRoute({
  method: "post",
  path: "/companies/{id}/users/retry",
  tags,
  summary: "Retry every failed user of the company with this error code (after fixing its cause)",
  description:
    "Each user in status `failed` with the code goes back to `provisioning` with a new generation, its job and a `user.retried` event, and continues where it stopped; a user whose cause is not fixed fails again with the same code. `retried` is how many were retried (0 when none had the code).",
  request: { params: CompanyParams, body: body(z.strictObject({ code: Code }).openapi("RetryByCode")) },
  responses: {
    202: json(z.object({ retried: z.number().int() }).openapi("RetryByCodeResult"), "Queued"),
    ...errors({ 403: CROSS_SITE, 404: NOT_FOUND.company }, { body: true }),
  },
});

export async function failureGroups(
  database: Database,
  companyId: string,
): Promise<{ code: ProvisioningErrorCode; users: number; remedy: string }[]> {
  const rows = await database.sql<{ code: ProvisioningErrorCode; users: number }[]>`
    select error_code as code, count(*)::int as users from users
    where company_id = ${companyId} and status = 'failed' and deleted_at is null
      and error_code = any(${database.sql.array([...PROVISIONING_ERROR_CODES])}::text[])
    group by error_code order by 2 desc, 1`;
  return rows.map((r) => ({ ...r, remedy: remedyOf(r.code) }));
}

/**
 * Retries the company's failed users with a code, locked in id order first (the order the worker
 * locks users in), so a retry of thousands never deadlocks with a batch in flight.
 */
export async function retryFailed(database: Database, companyId: string, code: ProvisioningErrorCode): Promise<number> {
  return database.sql.begin(async (tx) => {
    const rows = await tx<{ id: string }[]>`
      select id from users
      where company_id = ${companyId} and status = 'failed' and error_code = ${code} and deleted_at is null
      order by id for update`;
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    const retried = await retryUsers(tx, tx`id = any(${tx.array(ids)}::uuid[]) and status = 'failed'`);
    return retried.length;
  });
}

/** The failed users of a company by code, and the retry of them all (the ops console's buttons). */
export function failedUserRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    return c.json({ failures: await failureGroups(deps.database, id) }, 200);
  });
  app.openapi(retryAll, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    const retried = await retryFailed(deps.database, id, c.req.valid("json").code);
    return c.json({ retried }, 202);
  });
  return app;
}
