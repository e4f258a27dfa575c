import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { isBigintText, isoInstant } from "./cursor-values.ts";
import { findDirectory } from "./directory-store.ts";
import { DirectoryParams, errors, Id, json, NOT_FOUND } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["Directories and SCIM tokens"];
const DAY_MS = 86_400_000;
const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

const Health = z
  .object({
    lastRequestAt: z
      .string()
      .nullable()
      .openapi({ description: "The directory's last SCIM request (null: none kept)" }),
    requests24h: z.number().int(),
    errors24h: z.number().int().openapi({ description: "Requests answered 4xx or 5xx in the last 24 hours" }),
    tokens: z.array(
      z.object({
        id: Id,
        hint: z.string(),
        createdAt: z.string(),
        lastUsedAt: z.string().nullable(),
        expiresAt: z.string().nullable(),
      }),
    ),
  })
  .openapi("DirectoryHealth");

const LoggedRequest = z
  .object({
    at: z.string(),
    method: z.string(),
    path: z.string().openapi({ description: "Without the query string (filters name users)" }),
    status: z.number().int(),
    scimType: z.string().nullable(),
    detail: z.string().nullable().openapi({ description: "The SCIM error's detail, as the IdP got it (≤ 500 chars)" }),
    userId: Id.nullable(),
    userName: z.string().nullable().openapi({
      description: "The user the request was about, as it is named now (none once the user is erased)",
    }),
    durationMs: z.number(),
  })
  .openapi("ScimRequest");

const RequestsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, "must be a nextCursor")
    .optional()
    .openapi({ description: "nextCursor of the previous page" }),
});

const health = createRoute({
  method: "get",
  path: "/directories/{id}/health",
  tags,
  summary: "Connection health: the last request, requests and errors in 24 h, the live tokens",
  request: { params: DirectoryParams },
  responses: { 200: json(Health, "The directory's health"), ...errors({ 404: NOT_FOUND.directory }) },
});

const requests = createRoute({
  method: "get",
  path: "/directories/{id}/requests",
  tags,
  summary: "The request log: what the identity provider sent and what it got, newest first, kept 7 days",
  description:
    "No bodies, query strings, passwords or tokens. For matching Okta's and Entra's provisioning logs. Lines are written in batches, about a second after the request.",
  request: { params: DirectoryParams, query: RequestsQuery },
  responses: {
    200: json(z.object({ requests: z.array(LoggedRequest), nextCursor: z.string().nullable() }), "A page"),
    ...errors({ 404: NOT_FOUND.directory }),
  },
});

type LogRow = {
  id: string;
  at: string;
  method: string;
  path: string;
  status: number;
  scim_type: string | null;
  detail: string | null;
  user_id: string | null;
  user_name: string | null;
  duration_ms: number;
};

/** `at|id` in base64url: the instant as `toISOString` writes it, and the row's bigint id. */
const cursorOf = (row: LogRow) => Buffer.from(`${new Date(row.at).toISOString()}|${row.id}`).toString("base64url");
function parseCursor(cursor: string): { at: string; id: string } {
  const [rawAt, id, extra] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  // Strict: anything Postgres might refuse as `::timestamptz` or `::bigint` is a 400, not a 500.
  const at = rawAt === undefined ? null : isoInstant(rawAt);
  if (at === null || id === undefined || extra !== undefined || !isBigintText(id)) {
    throw new AdminError("VALIDATION_FAILED", "cursor: must be a nextCursor");
  }
  return { at, id };
}

/** GET /directories/{id}/health and /directories/{id}/requests (the request log). */
export function directoryHealthRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const directoryOf = async (id: string) => {
    const row = await findDirectory(deps.database, id);
    if (!row) throw new AdminError("DIRECTORY_NOT_FOUND", `Directory ${id} not found`);
    return row;
  };

  app.openapi(health, async (c) => {
    const directory = await directoryOf(c.req.valid("param").id);
    const q = deps.database.sql;
    const since = new Date(deps.clock().getTime() - DAY_MS).toISOString();
    const [last, counts, tokens] = await Promise.all([
      q<{ at: string | null }[]>`select max(at) as at from scim_requests where directory_id = ${directory.id}`,
      q<{ requests: number; errors: number }[]>`
        select count(*)::int as requests, count(*) filter (where status >= 400)::int as errors
        from scim_requests where directory_id = ${directory.id} and at > ${since}::timestamptz`,
      q<{ id: string; hint: string; created_at: string; last_used_at: string | null; expires_at: string | null }[]>`
        select id, hint, created_at, last_used_at, expires_at from scim_tokens
        where directory_id = ${directory.id} and revoked_at is null order by created_at, id`,
    ]);
    return c.json(
      {
        lastRequestAt: iso(last[0]?.at ?? null),
        requests24h: counts[0]?.requests ?? 0,
        errors24h: counts[0]?.errors ?? 0,
        tokens: tokens.map((t) => ({
          id: t.id,
          hint: t.hint,
          createdAt: new Date(t.created_at).toISOString(),
          lastUsedAt: iso(t.last_used_at),
          expiresAt: iso(t.expires_at),
        })),
      },
      200,
    );
  });

  app.openapi(requests, async (c) => {
    const directory = await directoryOf(c.req.valid("param").id);
    const { limit, cursor } = c.req.valid("query");
    const after = cursor ? parseCursor(cursor) : null;
    const q = deps.database.sql;
    // A request linked to a user shows its name as it is now: none once the user is deleted or erased.
    const rows = await q<LogRow[]>`
      select r.id::text as id, r.at, r.method, r.path, r.status, r.scim_type, r.detail, r.user_id,
             case when r.user_id is null then r.user_name when u.deleted_at is null then u.user_name end as user_name,
             r.duration_ms
      from scim_requests r left join users u on u.id = r.user_id and u.company_id = r.company_id
      where r.directory_id = ${directory.id}
        ${after ? q`and (r.at, r.id) < (${after.at}::timestamptz, ${after.id}::bigint)` : q``}
      order by r.at desc, r.id desc
      limit ${limit + 1}`;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        requests: page.map((r) => ({
          at: new Date(r.at).toISOString(),
          method: r.method,
          path: r.path,
          status: r.status,
          scimType: r.scim_type,
          detail: r.detail,
          userId: r.user_id,
          userName: r.user_name,
          durationMs: Math.round(r.duration_ms * 100) / 100,
        })),
        nextCursor: rows.length > limit && last ? cursorOf(last) : null,
      },
      200,
    );
  });

  return app;
}
