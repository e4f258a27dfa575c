import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { createOffice, findOffice, listOffices } from "./office-store.ts";
import { updateOffice } from "./office-update.ts";
import { body, CompanyParams, errors, json, NOT_FOUND, OfficeCreate, OfficeParams, OfficeView } from "./schemas.ts";
import { OfficeUpdate } from "./setup-schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["Offices"];
const UNKNOWN_TYPE =
  "VALIDATION_FAILED, or UNKNOWN_LICENSE_TYPE: a seats key is not in the catalogue (the message lists it)";

const create = createRoute({
  method: "post",
  path: "/companies/{id}/offices",
  tags,
  summary: "Add an office with its seats per license type (seats given here are owned: no charge)",
  request: { params: CompanyParams, body: body(OfficeCreate) },
  responses: {
    201: json(OfficeView, "The office"),
    ...errors(
      {
        400: UNKNOWN_TYPE,
        404: NOT_FOUND.company,
        409: "OFFICE_EXISTS: an office of that name exists (names ignore case)",
      },
      { body: true },
    ),
  },
});

const list = createRoute({
  method: "get",
  path: "/companies/{id}/offices",
  tags,
  summary: "The company's offices, oldest first",
  request: { params: CompanyParams },
  responses: {
    200: json(z.object({ offices: z.array(OfficeView) }), "Offices"),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

const get = createRoute({
  method: "get",
  path: "/companies/{id}/offices/{officeId}",
  tags,
  summary: "One office",
  request: { params: OfficeParams },
  responses: { 200: json(OfficeView, "The office"), ...errors({ 404: NOT_FOUND.office }) },
});

const patch = createRoute({
  method: "patch",
  path: "/companies/{id}/offices/{officeId}",
  tags,
  summary: "Rename an office, change its country, make it main, or set its seats (added seats resume waiting users)",
  request: { params: OfficeParams, body: body(OfficeUpdate) },
  responses: {
    200: json(OfficeView, "The office after the change"),
    ...errors(
      {
        400: UNKNOWN_TYPE,
        404: NOT_FOUND.office,
        409: "OFFICE_EXISTS: another office has that name; SEATS_IN_USE: fewer seats than are in use; MAIN_OFFICE_REQUIRED: main: false on the main office",
      },
      { body: true },
    ),
  },
});

const officeNotFound = (companyId: string, officeId: string) =>
  new AdminError("OFFICE_NOT_FOUND", `Office ${officeId} not found in company ${companyId}`);

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
    if (!office) {
      await requireCompany(id);
      throw officeNotFound(id, officeId);
    }
    return c.json(office, 200);
  });

  app.openapi(patch, async (c) => {
    const { id, officeId } = c.req.valid("param");
    if (!(await updateOffice(deps.database, id, officeId, c.req.valid("json")))) {
      await requireCompany(id);
      throw officeNotFound(id, officeId);
    }
    const office = await findOffice(deps.database, id, officeId);
    if (!office) throw officeNotFound(id, officeId);
    return c.json(office, 200);
  });

  return app;
}
