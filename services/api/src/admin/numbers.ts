import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { schema } from "@scimline/db";
import { and, asc, eq, isNotNull, isNull } from "drizzle-orm";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { body, CompanyParams, errorResponses, json, NumbersCreate, NumberView } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const { numbers, offices } = schema;
const tags = ["Numbers"];

const create = createRoute({
  method: "post",
  path: "/companies/{id}/numbers",
  tags,
  summary: "Add phone numbers to the unassigned pool (bound to an office, or to none)",
  request: { params: CompanyParams, body: body(NumbersCreate) },
  responses: {
    201: json(z.object({ added: z.number().int(), numbers: z.array(NumberView) }), "The numbers added"),
    409: json(z.object({}), "A number is already known"),
    ...errorResponses,
  },
});

const list = createRoute({
  method: "get",
  path: "/companies/{id}/numbers",
  tags,
  summary: "The company's numbers, assigned or not",
  request: {
    params: CompanyParams,
    query: z.object({ assigned: z.enum(["true", "false"]).optional() }),
  },
  responses: { 200: json(z.object({ numbers: z.array(NumberView) }), "Numbers"), ...errorResponses },
});

export function numberRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(create, async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    if (input.officeId) {
      const [office] = await deps.database.db
        .select({ id: offices.id })
        .from(offices)
        .where(and(eq(offices.id, input.officeId), eq(offices.companyId, id)));
      if (!office) throw new AdminError(404, "OFFICE_NOT_FOUND", `Office ${input.officeId} not found in company ${id}`);
    }
    const unique = [...new Set(input.numbers)];
    // All or nothing: a number known anywhere (this company or another) is refused.
    const inserted = await deps.database.db.transaction(async (tx) => {
      const rows = await tx
        .insert(numbers)
        .values(unique.map((e164) => ({ e164, companyId: id, officeId: input.officeId ?? null })))
        .onConflictDoNothing()
        .returning();
      if (rows.length !== unique.length) {
        const added = new Set(rows.map((n) => n.e164));
        const taken = unique.filter((n) => !added.has(n));
        throw new AdminError(
          409,
          "NUMBER_EXISTS",
          `Already known: ${taken.slice(0, 10).join(", ")}${taken.length > 10 ? ", …" : ""}`,
        );
      }
      return rows;
    });
    return c.json(
      {
        added: inserted.length,
        numbers: inserted.map(({ e164, officeId, assignedUserId, source }) => ({
          e164,
          officeId,
          assignedUserId,
          source,
        })),
      },
      201,
    );
  });

  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    const { assigned } = c.req.valid("query");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    const rows = await deps.database.db
      .select({
        e164: numbers.e164,
        officeId: numbers.officeId,
        assignedUserId: numbers.assignedUserId,
        source: numbers.source,
      })
      .from(numbers)
      .where(
        and(
          eq(numbers.companyId, id),
          assigned === undefined
            ? undefined
            : assigned === "true"
              ? isNotNull(numbers.assignedUserId)
              : isNull(numbers.assignedUserId),
        ),
      )
      .orderBy(asc(numbers.e164));
    return c.json({ numbers: rows }, 200);
  });

  return app;
}
