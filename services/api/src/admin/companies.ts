import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Database } from "@scimline/db";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { SettingsUpdate } from "./company-settings.ts";
import { createCompany, findCompany } from "./company-store.ts";
import { updateCompany } from "./company-update.ts";
import { body, CompanyCreate, CompanyParams, CompanyView, errors, json, NOT_FOUND } from "./schemas.ts";
import { CompanyUpdate } from "./setup-schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["Companies"];

const create = createRoute({
  method: "post",
  path: "/companies",
  tags,
  summary: "Create a company (tenant) with its license catalogue",
  request: { body: body(CompanyCreate) },
  responses: { 201: json(CompanyView, "The company"), ...errors({}, { body: true }) },
});

const get = createRoute({
  method: "get",
  path: "/companies/{id}",
  tags,
  summary: "A company with its settings and license catalogue",
  request: { params: CompanyParams },
  responses: { 200: json(CompanyView, "The company"), ...errors({ 404: NOT_FOUND.company }) },
});

const patch = createRoute({
  method: "patch",
  path: "/companies/{id}",
  tags,
  summary: "Change the company's setup: name, country, billing day, default area code, extension range, settings",
  request: { params: CompanyParams, body: body(CompanyUpdate) },
  responses: {
    200: json(CompanyView, "The company after the change"),
    ...errors(
      {
        404: NOT_FOUND.company,
        409: "EXTENSION_RANGE_IN_USE: a narrower range would leave assigned extensions outside it; SAML_REQUIRED: preventOtherSso needs a SAML configuration first",
      },
      { body: true },
    ),
  },
});

const putSettings = createRoute({
  method: "put",
  path: "/companies/{id}/settings",
  tags,
  summary:
    "Change settings (strict: an unknown key is 400, an absent one unchanged, null turns an optional one off). Turning autoPurchaseLicenses on resumes users waiting for a seat",
  request: { params: CompanyParams, body: body(SettingsUpdate) },
  responses: {
    200: json(CompanyView, "The company after the change"),
    ...errors(
      { 404: NOT_FOUND.company, 409: "SAML_REQUIRED: preventOtherSso needs a SAML configuration first" },
      { body: true },
    ),
  },
});

export const companyNotFound = (id: string) => new AdminError("COMPANY_NOT_FOUND", `Company ${id} not found`);

/** A user the company does not have: COMPANY_NOT_FOUND when the company itself is unknown. */
export async function userNotFound(database: Database, id: string, userId: string): Promise<AdminError> {
  if (!(await findCompany(database, id))) return companyNotFound(id);
  return new AdminError("USER_NOT_FOUND", `User ${userId} not found in company ${id}`);
}

export function companyRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const changed = async (id: string, found: boolean) => {
    if (!found) throw companyNotFound(id);
    deps.tenancy.invalidateCompany(id);
    const company = await findCompany(deps.database, id);
    if (!company) throw companyNotFound(id);
    return company;
  };

  app.openapi(create, async (c) => {
    const company = await createCompany(deps.database, c.req.valid("json"), deps.clock());
    return c.json(company, 201);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const company = await findCompany(deps.database, id);
    if (!company) throw companyNotFound(id);
    return c.json(company, 200);
  });

  app.openapi(patch, async (c) => {
    const { id } = c.req.valid("param");
    const found = await updateCompany(deps.database, id, c.req.valid("json"));
    return c.json(await changed(id, found), 200);
  });

  app.openapi(putSettings, async (c) => {
    const { id } = c.req.valid("param");
    const found = await updateCompany(deps.database, id, c.req.valid("json"));
    return c.json(await changed(id, found), 200);
  });

  return app;
}
