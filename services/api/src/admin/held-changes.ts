import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { confirmHeld, type Database, rejectHeld } from "@scimline/db";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { isUniqueViolation } from "../use-cases/pg-errors.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { CompanyParams, errors, Id, json, NOT_FOUND } from "./schemas.ts";
import { optionalBody, validationHook } from "./validation.ts";

const tags = ["Held changes (mass-deactivation breaker)"];

const HeldChange = z
  .object({
    id: Id,
    userId: Id,
    userName: z.string(),
    kind: z.enum(["deactivate", "delete"]),
    directoryId: Id.openapi({ description: "The directory whose request was held" }),
    at: z.string(),
  })
  .openapi("HeldChange");

const Query = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: Id.optional().openapi({ description: "nextCursor of the previous page" }),
});

const Decision = z
  .strictObject({
    ids: z.array(Id).min(1).max(10_000).optional().openapi({ description: "The held changes; absent: all of them" }),
  })
  .openapi("HeldChangesDecision");

const list = createRoute({
  method: "get",
  path: "/companies/{id}/held-changes",
  tags,
  summary: "SCIM deactivations and deletes the breaker holds, oldest first",
  request: { params: CompanyParams, query: Query },
  responses: {
    200: json(z.object({ changes: z.array(HeldChange), nextCursor: Id.nullable() }), "Held changes"),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

const decide = (verb: "confirm" | "reject") =>
  createRoute({
    method: "post",
    path: `/companies/{id}/held-changes/${verb}`,
    tags,
    summary:
      verb === "confirm"
        ? "Apply held changes: a held deactivation suspends the user, a held delete deletes it"
        : "Drop held changes: the user is as it was before (active again; a held delete undone)",
    description:
      "Ids that are not held changes of the company are ignored; the answer counts those decided. A user whose held change is decided shows its new state at once; the IdP may send a rejected change again, and it is counted again.",
    request: {
      params: CompanyParams,
      body: { required: false, content: { "application/json": { schema: Decision } } },
    },
    responses: {
      200: json(
        verb === "confirm" ? z.object({ confirmed: z.number().int() }) : z.object({ rejected: z.number().int() }),
        "How many held changes were decided",
      ),
      ...errors(
        {
          404: NOT_FOUND.company,
          ...(verb === "reject"
            ? {
                409: "USERNAME_TAKEN or EXTERNAL_ID_TAKEN: a held delete cannot be undone, its userName or its externalId belongs to a new user; confirm it",
              }
            : {}),
        },
        { body: true },
      ),
    },
  });

type Row = {
  id: string;
  user_id: string;
  user_name: string;
  kind: "deactivate" | "delete";
  directory_id: string;
  at: Date;
};

async function listHeld(database: Database, companyId: string, query: z.infer<typeof Query>) {
  const q = database.sql;
  const rows = await q<Row[]>`
    select h.id, h.user_id, u.user_name, h.kind, h.directory_id, h.at
    from held_changes h join users u on u.id = h.user_id
    where h.company_id = ${companyId} ${query.cursor ? q`and h.id > ${query.cursor}` : q``}
    order by h.id limit ${query.limit + 1}`;
  const page = rows.slice(0, query.limit).map((r) => ({
    id: r.id,
    userId: r.user_id,
    userName: r.user_name,
    kind: r.kind,
    directoryId: r.directory_id,
    at: new Date(r.at).toISOString(),
  }));
  return { changes: page, nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null };
}

/** An admin decides held changes, all or those named, in one transaction. */
export async function decideHeld(
  database: Database,
  companyId: string,
  verb: "confirm" | "reject",
  ids: readonly string[] | null,
): Promise<number> {
  try {
    return await database.sql.begin((tx) => (verb === "confirm" ? confirmHeld : rejectHeld)(tx, companyId, ids));
  } catch (error) {
    if (isUniqueViolation(error, "users_company_username")) {
      const taken = await takenValues(database, companyId, ids, "userName");
      throw new AdminError(
        "USERNAME_TAKEN",
        `A held delete cannot be undone: its userName${quoted(taken)} now belongs to another user of the company; confirm the delete instead`,
      );
    }
    if (isUniqueViolation(error, "users_directory_external_id")) {
      const taken = await takenValues(database, companyId, ids, "externalId");
      throw new AdminError(
        "EXTERNAL_ID_TAKEN",
        `A held delete cannot be undone: its externalId${quoted(taken)} now belongs to another user of its directory; confirm the delete instead`,
      );
    }
    throw error;
  }
}

const quoted = (values: string[]) => (values.length > 0 ? ` ${values.map((x) => `"${x}"`).join(", ")}` : "");

/**
 * For the message: the userNames (taken in the company, whatever their case) or the externalIds (taken
 * in the directory) of the held deletes, all or those named, that a live user now has; five at most.
 */
async function takenValues(
  database: Database,
  companyId: string,
  ids: readonly string[] | null,
  attribute: "userName" | "externalId",
) {
  const q = database.sql;
  const clash =
    attribute === "userName"
      ? q`o.company_id = u.company_id and lower(o.user_name) = lower(u.user_name)`
      : q`o.directory_id = u.directory_id and o.external_id = u.external_id`;
  const rows = await q<{ value: string }[]>`
    select distinct ${attribute === "userName" ? q`u.user_name` : q`u.external_id`} as value
    from held_changes h join users u on u.id = h.user_id
    where h.company_id = ${companyId} and h.kind = 'delete'
      ${attribute === "externalId" ? q`and u.external_id is not null` : q``}
      ${ids ? q`and h.id = any(${q.array([...ids])}::uuid[])` : q``}
      and exists (select 1 from users o where ${clash} and o.deleted_at is null and o.id <> u.id)
    order by value limit 5`;
  return rows.map((r) => r.value);
}

/** GET …/held-changes, POST …/held-changes/confirm and …/reject (decision 0011). */
export function heldChangeRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const company = async (id: string) => {
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
  };
  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    await company(id);
    return c.json(await listHeld(deps.database, id, c.req.valid("query")), 200);
  });

  for (const verb of ["confirm", "reject"] as const) {
    const route = decide(verb);
    app.openAPIRegistry.registerPath(route);
    app.post(`/companies/:id/held-changes/${verb}`, async (c) => {
      const id = c.req.param("id");
      if (!Id.safeParse(id).success) throw new AdminError("VALIDATION_FAILED", "id: must be a UUID");
      await company(id);
      // `{ids?}`, or no body at all: every held change of the company.
      const n = await decideHeld(deps.database, id, verb, (await optionalBody(c, Decision))?.ids ?? null);
      return c.json(verb === "confirm" ? { confirmed: n } : { rejected: n }, 200);
    });
  }

  return app;
}
