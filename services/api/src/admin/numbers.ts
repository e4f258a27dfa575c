import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { refreshPoolStatistics, schema } from "@scimline/db";
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { body, CompanyParams, E164, errors, Id, json, NOT_FOUND, NumbersCreate, NumberView } from "./schemas.ts";
import { validationHook } from "./validation.ts";
import { lockWaitingUsers, requeueUsers } from "./waiting.ts";

const { numbers, offices } = schema;
const tags = ["Numbers"];

const create = createRoute({
  method: "post",
  path: "/companies/{id}/numbers",
  tags,
  summary:
    "Add phone numbers to the unassigned pool (bound to an office, or to none); users waiting for a number continue",
  request: { params: CompanyParams, body: body(NumbersCreate) },
  responses: {
    201: json(z.object({ added: z.number().int(), numbers: z.array(NumberView) }), "The numbers added"),
    ...errors(
      {
        404: "COMPANY_NOT_FOUND or OFFICE_NOT_FOUND (officeId of no office of the company)",
        409: "NUMBER_EXISTS: a number is already known (to this company or another); nothing was added",
      },
      { body: true },
    ),
  },
});

const list = createRoute({
  method: "get",
  path: "/companies/{id}/numbers",
  tags,
  summary: "The company's numbers, assigned or not, a page at a time",
  request: {
    params: CompanyParams,
    query: z.object({
      assigned: z.enum(["true", "false"]).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(1000),
      cursor: E164.optional().openapi({ description: "nextCursor of the previous page" }),
    }),
  },
  responses: {
    200: json(
      z.object({
        numbers: z.array(NumberView),
        nextCursor: E164.nullable().openapi({ description: "Pass as cursor for the next page; null on the last page" }),
      }),
      "Numbers in E.164 order",
    ),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/companies/{id}/numbers/{e164}",
  tags,
  summary: "Remove an unassigned number from the pool (URL-encode the +: %2B)",
  request: {
    params: z.object({
      id: Id.openapi({ param: { name: "id", in: "path" } }),
      e164: E164.openapi({ param: { name: "e164", in: "path" } }),
    }),
  },
  responses: {
    204: { description: "Removed" },
    ...errors({
      404: "COMPANY_NOT_FOUND or NUMBER_NOT_FOUND (also for another company's number)",
      409: "NUMBER_ASSIGNED: the number belongs to a user; give the user another number first",
    }),
  },
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
      if (!office) throw new AdminError("OFFICE_NOT_FOUND", `Office ${input.officeId} not found in company ${id}`);
    }
    const unique = [...new Set(input.numbers)];
    // All or nothing: a number known anywhere (this company or another) is refused.
    const inserted = await deps.database.sql.begin(async (tx) => {
      // docs/RULES.md DID rule 1: users waiting for a number continue, one per new number they can use.
      const waiting = await lockWaitingUsers(tx, id, "no_number_available", { officeId: input.officeId });
      // In one fixed order, whatever the request's: two uploads sharing numbers in opposite orders each
      // waited for a number the other had inserted (a deadlock, answered 500). The second now waits for
      // the first and finds its numbers taken (409). The reply keeps the request's order.
      const inserted = await tx<{ e164: string; office_id: string | null }[]>`
        insert into numbers (e164, company_id, office_id)
        select n, ${id}, ${input.officeId ?? null}::uuid from unnest(${tx.array(unique)}::text[]) as t(n)
        order by n collate "C"
        on conflict do nothing
        returning e164, office_id`;
      const byNumber = new Map(inserted.map((row) => [row.e164, row]));
      const rows = unique.flatMap((n) => byNumber.get(n) ?? []);
      if (rows.length !== unique.length) {
        const added = new Set(rows.map((n) => n.e164));
        const taken = unique.filter((n) => !added.has(n));
        throw new AdminError(
          "NUMBER_EXISTS",
          `Already known: ${taken.slice(0, 10).join(", ")}${taken.length > 10 ? ", …" : ""}`,
        );
      }
      await requeueUsers(
        tx,
        waiting.slice(0, rows.length).map((u) => u.id),
      );
      return rows;
    });
    await refreshPoolStatistics(deps.database.sql, "numbers", inserted.length);
    return c.json(
      {
        added: inserted.length,
        numbers: inserted.map((n) => ({ e164: n.e164, officeId: n.office_id, assignedUserId: null, source: "pool" })),
      },
      201,
    );
  });

  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    const { assigned, limit, cursor } = c.req.valid("query");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    // Keyset on the number itself, byte order (the order the pool's claims use).
    const e164 = sql`${numbers.e164} collate "C"`;
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
          cursor ? sql`${e164} > ${cursor}::text collate "C"` : undefined,
        ),
      )
      .orderBy(e164)
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    return c.json({ numbers: page, nextCursor: rows.length > limit ? (page.at(-1)?.e164 ?? null) : null }, 200);
  });

  app.openapi(remove, async (c) => {
    const { id, e164 } = c.req.valid("param");
    // A worker claiming the number holds its row lock: the delete waits and then sees it assigned.
    const deleted = await deps.database.db
      .delete(numbers)
      .where(and(eq(numbers.e164, e164), eq(numbers.companyId, id), isNull(numbers.assignedUserId)))
      .returning({ e164: numbers.e164 });
    if (deleted.length === 1) return c.body(null, 204);
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    const [known] = await deps.database.db
      .select({ assignedUserId: numbers.assignedUserId })
      .from(numbers)
      .where(and(eq(numbers.e164, e164), eq(numbers.companyId, id)));
    if (!known) throw new AdminError("NUMBER_NOT_FOUND", `Number ${e164} not found in company ${id}`);
    const holder = known.assignedUserId ? ` (user ${known.assignedUserId})` : "";
    throw new AdminError("NUMBER_ASSIGNED", `Number ${e164} is assigned to a user${holder}`);
  });

  return app;
}
