import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { createCompany, findCompany, updateSettings } from "./company-store.ts";
import { body, CompanyCreate, CompanyParams, CompanyView, errorResponses, json, SettingsUpdate } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["Companies"];

const create = createRoute({
  method: "post",
  path: "/companies",
  tags,
  summary: "Create a company (tenant) with its license catalogue",
  request: { body: body(CompanyCreate) },
  responses: { 201: json(CompanyView, "The company"), ...errorResponses },
});

const get = createRoute({
  method: "get",
  path: "/companies/{id}",
  tags,
  summary: "A company with its settings and license catalogue",
  request: { params: CompanyParams },
  responses: { 200: json(CompanyView, "The company"), ...errorResponses },
});

const putSettings = createRoute({
  method: "put",
  path: "/companies/{id}/settings",
  tags,
  summary: "Change settings: automatic license purchase, SSO enforcement",
  request: { params: CompanyParams, body: body(SettingsUpdate) },
  responses: { 200: json(CompanyView, "The company after the change"), ...errorResponses },
});

export const companyNotFound = (id: string) => new AdminError(404, "COMPANY_NOT_FOUND", `Company ${id} not found`);

export function companyRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

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

  app.openapi(putSettings, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await updateSettings(deps.database, id, c.req.valid("json")))) throw companyNotFound(id);
    deps.tenancy.invalidateCompany(id);
    const company = await findCompany(deps.database, id);
    if (!company) throw companyNotFound(id);
    return c.json(company, 200);
  });

  return app;
}
