import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { schema } from "@scimline/db";
import { and, asc, eq, gt, ilike, isNull, ne, or, type SQL, sql } from "drizzle-orm";
import type { AppDeps, AppEnv } from "../deps.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { CompanyParams, errorResponses, Id, json } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const { users, offices, licenseTypes, charges, seats } = schema;

export const TeamMember = z
  .object({
    id: Id,
    userName: z.string(),
    displayName: z.string().nullable(),
    email: z.string().nullable(),
    status: z.enum(["provisioning", "active", "suspended", "failed"]),
    error: z.string().nullable(),
    officeId: Id.nullable(),
    officeName: z.string().nullable(),
    matchedBy: z.string().nullable(),
    did: z.string().nullable(),
    extension: z.string().nullable(),
    licenseType: z.string(),
    createdAt: z.string(),
  })
  .openapi("TeamMember");

const TeamQuery = z.object({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .openapi({ description: "Search over name, userName and email (also finds suspended users)" }),
  status: z.enum(["provisioning", "active", "suspended", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: Id.optional().openapi({ description: "nextCursor of the previous page" }),
});

const teamList = createRoute({
  method: "get",
  path: "/companies/{id}/users",
  tags: ["Team"],
  summary: "The team list: suspended users only when searched for or asked by status; deleted users never",
  request: { params: CompanyParams, query: TeamQuery },
  responses: {
    200: json(z.object({ users: z.array(TeamMember), nextCursor: Id.nullable() }), "A page of users, oldest first"),
    ...errorResponses,
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
    ...errorResponses,
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
    ...errorResponses,
  },
});

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

export function reportRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const requireCompany = async (id: string) => {
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
  };

  app.openapi(teamList, async (c) => {
    const { id } = c.req.valid("param");
    const { q, status, limit, cursor } = c.req.valid("query");
    await requireCompany(id);
    const where: Array<SQL | undefined> = [eq(users.companyId, id), isNull(users.deletedAt)];
    if (status) where.push(eq(users.status, status));
    else if (!q) where.push(ne(users.status, "suspended"));
    if (q) {
      const pattern = `%${escapeLike(q)}%`;
      where.push(or(ilike(users.displayName, pattern), ilike(users.userName, pattern), ilike(users.email, pattern)));
    }
    if (cursor) where.push(gt(users.id, cursor));
    const rows = await deps.database.db
      .select({
        id: users.id,
        userName: users.userName,
        displayName: users.displayName,
        email: users.email,
        status: users.status,
        error: users.errorCode,
        officeId: users.officeId,
        officeName: offices.name,
        matchedBy: users.matchedBy,
        did: users.did,
        extension: sql<string | null>`${users.extension}::text`,
        licenseType: licenseTypes.name,
        createdAt: users.createdAt,
      })
      .from(users)
      .innerJoin(licenseTypes, eq(licenseTypes.id, users.licenseTypeId))
      .leftJoin(offices, eq(offices.id, users.officeId))
      .where(and(...where))
      .orderBy(asc(users.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit).map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
    return c.json({ users: page, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null }, 200);
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
      .orderBy(asc(offices.createdAt), asc(offices.id), asc(licenseTypes.name));
    return c.json({ seats: rows }, 200);
  });

  return app;
}
