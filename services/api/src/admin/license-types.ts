import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { createLicenseType, listLicenseTypes, updateLicenseType } from "./license-type-store.ts";
import { body, CompanyParams, errors, json, LicenseTypeParams, LicenseTypeView, NOT_FOUND } from "./schemas.ts";
import { LicenseTypeCreate, LicenseTypeUpdate } from "./setup-schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["License catalogue"];
const EXISTS = "LICENSE_TYPE_EXISTS: another license type has that name (names ignore case)";

const list = createRoute({
  method: "get",
  path: "/companies/{id}/license-types",
  tags,
  summary: "The company's license catalogue with monthly prices",
  request: { params: CompanyParams },
  responses: {
    200: json(z.object({ licenseTypes: z.array(LicenseTypeView) }), "License types, oldest first"),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

const create = createRoute({
  method: "post",
  path: "/companies/{id}/license-types",
  tags,
  summary: "Add a license type; every office gets 0 seats of it",
  request: { params: CompanyParams, body: body(LicenseTypeCreate) },
  responses: {
    201: json(LicenseTypeView, "The license type"),
    ...errors({ 404: NOT_FOUND.company, 409: EXISTS }, { body: true }),
  },
});

const patch = createRoute({
  method: "patch",
  path: "/companies/{id}/license-types/{licenseTypeId}",
  tags,
  summary: "Rename a license type or change its price (seats bought from now on); assignsDid only while unused",
  request: { params: LicenseTypeParams, body: body(LicenseTypeUpdate) },
  responses: {
    200: json(LicenseTypeView, "The license type after the change"),
    ...errors(
      {
        404: "COMPANY_NOT_FOUND or LICENSE_TYPE_NOT_FOUND (also for another company's license type)",
        409: `${EXISTS}; LICENSE_TYPE_IN_USE: assignsDid cannot change while users hold the type`,
      },
      { body: true },
    ),
  },
});

export function licenseTypeRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    return c.json({ licenseTypes: await listLicenseTypes(deps.database, id) }, 200);
  });

  app.openapi(create, async (c) => {
    const { id } = c.req.valid("param");
    const created = await createLicenseType(deps.database, id, c.req.valid("json"));
    if (!created) throw companyNotFound(id);
    deps.tenancy.invalidateCompany(id);
    return c.json(created, 201);
  });

  app.openapi(patch, async (c) => {
    const { id, licenseTypeId } = c.req.valid("param");
    const updated = await updateLicenseType(deps.database, id, licenseTypeId, c.req.valid("json"));
    if (!updated) {
      if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
      throw new AdminError("LICENSE_TYPE_NOT_FOUND", `License type ${licenseTypeId} not found in company ${id}`);
    }
    deps.tenancy.invalidateCompany(id);
    return c.json(updated, 200);
  });

  return app;
}
