import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { generateToken, hashToken, newId, schema } from "@scimline/db";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { isUniqueViolation } from "../use-cases/pg-errors.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { DirectoryUpdate, directoryFieldsIn, directoryFieldsOf } from "./directory-fields.ts";
import {
  body,
  CompanyParams,
  DirectoryCreate,
  DirectoryParams,
  DirectoryView,
  errors,
  Id,
  json,
  NOT_FOUND,
  TokenCreated,
  TokenView,
} from "./schemas.ts";
import { validationHook } from "./validation.ts";

const { directories, scimTokens } = schema;
const tags = ["Directories and SCIM tokens"];
const TokenIdParam = Id.openapi({ param: { name: "tokenId", in: "path" } });

const createDirectory = createRoute({
  method: "post",
  path: "/companies/{id}/directories",
  tags,
  summary: "Add a SCIM directory (one per identity-provider org or domain)",
  request: { params: CompanyParams, body: body(DirectoryCreate) },
  responses: {
    201: json(DirectoryView, "The directory"),
    ...errors(
      { 404: NOT_FOUND.company, 409: "DIRECTORY_EXISTS: the company has a directory of that name" },
      { body: true },
    ),
  },
});

const listDirectories = createRoute({
  method: "get",
  path: "/companies/{id}/directories",
  tags,
  summary: "The company's directories",
  request: { params: CompanyParams },
  responses: {
    200: json(z.object({ directories: z.array(DirectoryView) }), "Directories"),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

const updateDirectory = createRoute({
  method: "patch",
  path: "/directories/{id}",
  tags,
  summary: "Change a directory's settings (strict: an unknown field is 400; an absent one is unchanged)",
  request: { params: DirectoryParams, body: body(DirectoryUpdate) },
  responses: {
    200: json(DirectoryView, "The directory after the change"),
    ...errors({ 404: NOT_FOUND.directory }, { body: true }),
  },
});

const createToken = createRoute({
  method: "post",
  path: "/directories/{id}/tokens",
  tags,
  summary: "Issue a SCIM bearer token; it is shown only in this response",
  request: { params: DirectoryParams },
  responses: { 201: json(TokenCreated, "The token, shown once"), ...errors({ 404: NOT_FOUND.directory }) },
});

const listTokens = createRoute({
  method: "get",
  path: "/directories/{id}/tokens",
  tags,
  summary: "The directory's tokens (hints only, never the tokens)",
  request: { params: DirectoryParams },
  responses: { 200: json(z.object({ tokens: z.array(TokenView) }), "Tokens"), ...errors({ 404: NOT_FOUND.directory }) },
});

const revokeToken = createRoute({
  method: "delete",
  path: "/directories/{id}/tokens/{tokenId}",
  tags,
  summary: "Revoke a token (it stops working within AUTH_CACHE_TTL_MS on every API process)",
  request: { params: z.object({ id: Id.openapi({ param: { name: "id", in: "path" } }), tokenId: TokenIdParam }) },
  responses: {
    204: { description: "Revoked" },
    ...errors({ 404: "TOKEN_NOT_FOUND: no such live token in that directory" }),
  },
});

const scimUrl = (origin: string) => `${origin}/scim/v2`;

export function directoryRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const origin = (url: string) => deps.config.PUBLIC_BASE_URL?.replace(/\/+$/, "") ?? new URL(url).origin;
  const view = (row: typeof directories.$inferSelect, url: string) => ({
    id: row.id,
    companyId: row.companyId,
    name: row.name,
    scimBaseUrl: scimUrl(origin(url)),
    ...directoryFieldsOf(row),
    createdAt: row.createdAt.toISOString(),
  });
  const directoryOf = async (id: string) => {
    const [row] = await deps.database.db.select().from(directories).where(eq(directories.id, id));
    if (!row) throw new AdminError("DIRECTORY_NOT_FOUND", `Directory ${id} not found`);
    return row;
  };

  app.openapi(createDirectory, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    try {
      const [row] = await deps.database.db
        .insert(directories)
        .values({
          id: newId(),
          companyId: id,
          name: c.req.valid("json").name,
          ...directoryFieldsIn(c.req.valid("json")),
        })
        .returning();
      if (!row) throw new Error("directory insert returned nothing");
      return c.json(view(row, c.req.url), 201);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AdminError("DIRECTORY_EXISTS", "A directory of that name exists in this company");
      throw error;
    }
  });

  app.openapi(listDirectories, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    const rows = await deps.database.db
      .select()
      .from(directories)
      .where(eq(directories.companyId, id))
      .orderBy(asc(directories.createdAt));
    return c.json({ directories: rows.map((r) => view(r, c.req.url)) }, 200);
  });

  app.openapi(updateDirectory, async (c) => {
    const directory = await directoryOf(c.req.valid("param").id);
    const [row] = await deps.database.db
      .update(directories)
      .set(directoryFieldsIn(c.req.valid("json")))
      .where(eq(directories.id, directory.id))
      .returning();
    if (!row) throw new AdminError("DIRECTORY_NOT_FOUND", `Directory ${directory.id} not found`);
    return c.json(view(row, c.req.url), 200);
  });

  app.openapi(createToken, async (c) => {
    const directory = await directoryOf(c.req.valid("param").id);
    const token = generateToken("scim");
    const [row] = await deps.database.db
      .insert(scimTokens)
      .values({
        id: newId(),
        directoryId: directory.id,
        companyId: directory.companyId,
        tokenHash: hashToken(token),
        hint: token.slice(0, 9),
      })
      .returning();
    if (!row) throw new Error("token insert returned nothing");
    return c.json(
      { id: row.id, token, hint: row.hint, directoryId: directory.id, createdAt: row.createdAt.toISOString() },
      201,
    );
  });

  app.openapi(listTokens, async (c) => {
    const directory = await directoryOf(c.req.valid("param").id);
    const rows = await deps.database.db
      .select()
      .from(scimTokens)
      .where(eq(scimTokens.directoryId, directory.id))
      .orderBy(asc(scimTokens.createdAt));
    return c.json(
      {
        tokens: rows.map((r) => ({
          id: r.id,
          hint: r.hint,
          directoryId: r.directoryId,
          createdAt: r.createdAt.toISOString(),
          revokedAt: r.revokedAt?.toISOString() ?? null,
        })),
      },
      200,
    );
  });

  app.openapi(revokeToken, async (c) => {
    const { id, tokenId } = c.req.valid("param");
    const rows = await deps.database.db
      .update(scimTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(scimTokens.id, tokenId), eq(scimTokens.directoryId, id), isNull(scimTokens.revokedAt)))
      .returning({ id: scimTokens.id });
    if (rows.length === 0) throw new AdminError("TOKEN_NOT_FOUND", `Token ${tokenId} not found in directory ${id}`);
    deps.tenancy.invalidateTokens();
    return c.body(null, 204);
  });

  return app;
}
