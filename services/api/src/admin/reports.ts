import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { schema } from "@scimline/db";
import { and, asc, eq, sql } from "drizzle-orm";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
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

const ChargeQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
  cursor: Id.optional().openapi({ description: "nextCursor of the previous page" }),
});

const chargeList = createRoute({
  method: "get",
  path: "/companies/{id}/charges",
  tags: ["Billing"],
  summary: "Every prorated seat purchase, a page at a time",
  request: { params: CompanyParams, query: ChargeQuery },
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
        nextCursor: Id.nullable().openapi({ description: "Pass as cursor for the next page; null on the last page" }),
      }),
      "A page of charges, oldest first",
    ),
    ...errors({
      400: "VALIDATION_FAILED (also a cursor that is not one of this company's charges)",
      404: NOT_FOUND.company,
    }),
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
    const { limit, cursor } = c.req.valid("query");
    await requireCompany(id);
    // Keyset on (created_at, id): the cursor is the previous page's last charge (its time read in SQL, at full precision).
    const known = cursor
      ? await deps.database.db
          .select({ id: charges.id })
          .from(charges)
          .where(and(eq(charges.companyId, id), eq(charges.id, cursor)))
      : [];
    if (cursor && known.length === 0)
      throw new AdminError("VALIDATION_FAILED", "cursor: must be a nextCursor of this list");
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
      .where(
        and(
          eq(charges.companyId, id),
          cursor
            ? sql`(${charges.createdAt}, ${charges.id}) > (select c.created_at, c.id from charges c where c.id = ${cursor}::uuid)`
            : undefined,
        ),
      )
      .orderBy(asc(charges.createdAt), asc(charges.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit).map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
    return c.json({ charges: page, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null }, 200);
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
