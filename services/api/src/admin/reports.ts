import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { schema } from "@scimline/db";
import { asc, eq } from "drizzle-orm";
import type { AppDeps, AppEnv } from "../deps.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { CompanyParams, errors, Id, json, NOT_FOUND } from "./schemas.ts";
import { listTeam, TeamMember, TeamQuery } from "./team.ts";
import { validationHook } from "./validation.ts";

const { offices, licenseTypes, charges, seats } = schema;

const teamList = createRoute({
  method: "get",
  path: "/companies/{id}/users",
  tags: ["Team"],
  summary: "The team list: suspended users only when searched for or asked by status; deleted users never",
  request: { params: CompanyParams, query: TeamQuery },
  responses: {
    200: json(
      z.object({
        users: z.array(TeamMember),
        nextCursor: Id.nullable().openapi({ description: "Pass as cursor for the next page; null on the last page" }),
      }),
      "A page of users, oldest first",
    ),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

const chargeList = createRoute({
  method: "get",
  path: "/companies/{id}/charges",
  tags: ["Billing"],
  summary: "Every prorated seat purchase",
  request: { params: CompanyParams },
  responses: {
    200: json(
      z.object({
        charges: z.array(
          z.object({
            id: Id,
            officeId: Id,
            licenseType: z.string(),
            userId: Id.nullable(),
            quantity: z.number().int(),
            unitPriceCents: z.number().int(),
            amountCents: z.number().int(),
            periodStart: z.string(),
            periodEnd: z.string(),
            createdAt: z.string(),
          }),
        ),
      }),
      "Charges, oldest first",
    ),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

const seatList = createRoute({
  method: "get",
  path: "/companies/{id}/seats",
  tags: ["Billing"],
  summary: "Seats per office and license type: purchased and used",
  request: { params: CompanyParams },
  responses: {
    200: json(
      z.object({
        seats: z.array(
          z.object({
            officeId: Id,
            officeName: z.string(),
            licenseType: z.string(),
            purchased: z.number().int(),
            used: z.number().int(),
          }),
        ),
      }),
      "Seats",
    ),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

export function reportRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const requireCompany = async (id: string) => {
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
  };

  app.openapi(teamList, async (c) => {
    const { id } = c.req.valid("param");
    await requireCompany(id);
    return c.json(await listTeam(deps.database, id, c.req.valid("query")), 200);
  });

  app.openapi(chargeList, async (c) => {
    const { id } = c.req.valid("param");
    await requireCompany(id);
    const rows = await deps.database.db
      .select({
        id: charges.id,
        officeId: charges.officeId,
        licenseType: licenseTypes.name,
        userId: charges.userId,
        quantity: charges.quantity,
        unitPriceCents: charges.unitPriceCents,
        amountCents: charges.amountCents,
        periodStart: charges.periodStart,
        periodEnd: charges.periodEnd,
        createdAt: charges.createdAt,
      })
      .from(charges)
      .innerJoin(licenseTypes, eq(licenseTypes.id, charges.licenseTypeId))
      .where(eq(charges.companyId, id))
      .orderBy(asc(charges.createdAt), asc(charges.id));
    return c.json({ charges: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) }, 200);
  });

  app.openapi(seatList, async (c) => {
    const { id } = c.req.valid("param");
    await requireCompany(id);
    const rows = await deps.database.db
      .select({
        officeId: seats.officeId,
        officeName: offices.name,
        licenseType: licenseTypes.name,
        purchased: seats.purchased,
        used: seats.used,
      })
      .from(seats)
      .innerJoin(offices, eq(offices.id, seats.officeId))
      .innerJoin(licenseTypes, eq(licenseTypes.id, seats.licenseTypeId))
      .where(eq(seats.companyId, id))
      .orderBy(asc(offices.createdAt), asc(offices.id), asc(licenseTypes.createdAt), asc(licenseTypes.id));
    return c.json({ seats: rows }, 200);
  });

  return app;
}
