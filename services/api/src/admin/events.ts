import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EventType as Type } from "@scimline/domain";
import type { AppDeps, AppEnv } from "../deps.ts";
import { companyNotFound, userNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { EventType, EventView } from "./event-schemas.ts";
import { companyFeed, isFeedCursor, isUserCursor, userEvents, userKnown } from "./event-store.ts";
import { CompanyParams, errors, json, NOT_FOUND, UserParams } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["Events"];
const limit = z.coerce.number().int().min(1).max(1000).default(100);

const timeline = createRoute({
  method: "get",
  path: "/companies/{id}/users/{userId}/events",
  tags,
  summary: "A user's timeline: every decision and change, oldest first",
  description:
    "Why a user is where it is: accepted at the door, the office matched (with the rule and the value), the seat reused or bought (with the charge), the number and where it came from, the extension, provisioned, failed with its code, suspended, reactivated, changed by an admin, deleted. An erased user's events stay, with ids only.",
  request: {
    params: UserParams,
    query: z.object({
      cursor: z.string().max(200).refine(isUserCursor, "not a cursor of this list").optional().openapi({
        description: "nextCursor of the previous page",
      }),
      limit,
    }),
  },
  responses: {
    200: json(z.object({ events: z.array(EventView), nextCursor: z.string().nullable() }), "A page of events"),
    ...errors({ 404: NOT_FOUND.user }),
  },
});

const feed = createRoute({
  method: "get",
  path: "/companies/{id}/events",
  tags,
  summary: "The company's event feed, for pollers catching up",
  description:
    "Events in a stable, gap-free order: an event committed later never appears before a cursor already handed out. Poll with `after` = the previous `nextCursor`; `nextCursor` is always set (unchanged when nothing is new). `type` (repeatable, or comma-separated) keeps only those types.",
  request: {
    params: CompanyParams,
    query: z.object({
      after: z.string().max(200).refine(isFeedCursor, "not a cursor of this feed").optional(),
      type: z
        .union([z.string(), z.array(z.string())])
        .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((t) => t.split(",")).filter(Boolean))
        .pipe(z.array(EventType).max(50))
        .optional()
        .openapi({ type: "string", description: "Event types to keep, e.g. user.provisioned,user.failed" }),
      limit,
    }),
  },
  responses: {
    200: json(z.object({ events: z.array(EventView), nextCursor: z.string() }), "Events after the cursor"),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

export function eventRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(timeline, async (c) => {
    const { id, userId } = c.req.valid("param");
    const page = await userEvents(deps.database, id, userId, c.req.valid("query"));
    if (page.events.length === 0 && !(await userKnown(deps.database, id, userId))) {
      throw await userNotFound(deps.database, id, userId);
    }
    return c.json(page, 200);
  });

  app.openapi(feed, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    const { after, type, limit } = c.req.valid("query");
    return c.json(await companyFeed(deps.database, id, { after, types: type as Type[] | undefined, limit }), 200);
  });

  return app;
}
