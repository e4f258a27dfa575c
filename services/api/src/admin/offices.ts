import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { createOffice, findOffice, listOffices } from "./office-store.ts";
import { body, CompanyParams, errorResponses, Id, json, OfficeCreate, OfficeView } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["Offices"];
const OfficeParams = z.object({
  id: Id.openapi({ param: { name: "id", in: "path" } }),
  officeId: Id.openapi({ param: { name: "officeId", in: "path" } }),
});

const create = createRoute({
  method: "post",
  path: "/companies/{id}/offices",
  tags,
  summary: "Add an office with its seats per license type",
  request: { params: CompanyParams, body: body(OfficeCreate) },
  responses: {
    201: json(OfficeView, "The office"),
    409: json(z.object({}), "An office of that name exists"),
    ...errorResponses,
  },
});

const list = createRoute({
  method: "get",
  path: "/companies/{id}/offices",
  tags,
  summary: "The company's offices, oldest first",
  request: { params: CompanyParams },
  responses: { 200: json(z.object({ offices: z.array(OfficeView) }), "Offices"), ...errorResponses },
});

const get = createRoute({
  method: "get",
  path: "/companies/{id}/offices/{officeId}",
  tags,
  summary: "One office",
  request: { params: OfficeParams },
  responses: { 200: json(OfficeView, "The office"), ...errorResponses },
});

export function officeRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const requireCompany = async (id: string) => {
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
  };

  app.openapi(create, async (c) => {
    const { id } = c.req.valid("param");
    await requireCompany(id);
    const office = await createOffice(deps.database, id, c.req.valid("json"));
    return c.json(office, 201);
  });

  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    await requireCompany(id);
    return c.json({ offices: await listOffices(deps.database, id) }, 200);
  });

  app.openapi(get, async (c) => {
    const { id, officeId } = c.req.valid("param");
    const office = await findOffice(deps.database, id, officeId);
    if (!office) throw new AdminError(404, "OFFICE_NOT_FOUND", `Office ${officeId} not found in company ${id}`);
    return c.json(office, 200);
  });

  return app;
}
