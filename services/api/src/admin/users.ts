import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { errorResponses, Id, json } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const UserParams = z.object({
  id: Id.openapi({ param: { name: "id", in: "path" } }),
  userId: Id.openapi({ param: { name: "userId", in: "path" } }),
});

const retry = createRoute({
  method: "post",
  path: "/companies/{id}/users/{userId}/retry",
  tags: ["Team"],
  summary: "Retry a user's provisioning (after adding seats, numbers or an office); it continues where it stopped",
  request: { params: UserParams },
  responses: {
    202: json(z.object({ id: Id, status: z.string(), generation: z.number().int() }), "Queued"),
    ...errorResponses,
  },
});

export function userAdminRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(retry, async (c) => {
    const { id, userId } = c.req.valid("param");
    // A new generation and its outbox row in one statement: the relay queues it as any change.
    const [row] = await deps.database.sql<{ id: string; status: string; generation: number }[]>`
      with u as (
        update users set generation = generation + 1, status = case when status = 'failed' then 'provisioning' else status end
        where id = ${userId} and company_id = ${id} and deleted_at is null
        returning id, company_id, status, generation
      ), o as (
        insert into outbox (company_id, user_id, generation) select company_id, id, generation from u
      )
      select id, status, generation from u`;
    if (!row) throw new AdminError(404, "USER_NOT_FOUND", `User ${userId} not found in company ${id}`);
    return c.json(row, 202);
  });

  return app;
}
