import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { generateToken, hashToken, newId, schema } from "@scimline/db";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { findDirectory } from "./directory-store.ts";
import { DirectoryParams, errors, Id, json, NOT_FOUND, TokenCreate, TokenCreated, TokenView } from "./schemas.ts";
import { optionalBody, validationHook } from "./validation.ts";

const { scimTokens } = schema;
const tags = ["Directories and SCIM tokens"];
const TokenIdParam = Id.openapi({ param: { name: "tokenId", in: "path" } });

const createToken = createRoute({
  method: "post",
  path: "/directories/{id}/tokens",
  tags,
  summary: "Issue a SCIM bearer token; it is shown only in this response",
  description:
    "A directory may have several live tokens at once, so a token is rotated without downtime: issue a new one, put it in the identity provider, then revoke the old one (its lastUsedAt shows when the IdP stopped using it). The body is optional.",
  request: {
    params: DirectoryParams,
    // Documented only: the route reads the body itself, so none at all is fine (curl -X POST).
    body: { required: false, content: { "application/json": { schema: TokenCreate } } },
  },
  responses: {
    201: json(TokenCreated, "The token, shown once"),
    ...errors(
      { 400: "VALIDATION_FAILED: expiresAt is not a future date-time; INVALID_JSON", 404: NOT_FOUND.directory },
      { body: true },
    ),
  },
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

/** A directory's SCIM bearer tokens: issued (shown once), listed by hint, revoked. */
export function tokenRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const directoryOf = async (id: string) => {
    const row = await findDirectory(deps.database, id);
    if (!row) throw new AdminError("DIRECTORY_NOT_FOUND", `Directory ${id} not found`);
    return row;
  };

  app.openAPIRegistry.registerPath(createToken);
  app.post("/directories/:id/tokens", async (c) => {
    const id = c.req.param("id");
    if (!Id.safeParse(id).success) throw new AdminError("VALIDATION_FAILED", "id: must be a UUID");
    const directory = await directoryOf(id);
    const expiresAt = (await optionalBody(c, TokenCreate))?.expiresAt;
    const expires = expiresAt === undefined ? null : new Date(expiresAt);
    if (expires && expires.getTime() <= deps.clock().getTime()) {
      throw new AdminError("VALIDATION_FAILED", "expiresAt: must be in the future");
    }
    const token = generateToken("scim");
    const [row] = await deps.database.db
      .insert(scimTokens)
      .values({
        id: newId(),
        directoryId: directory.id,
        companyId: directory.companyId,
        tokenHash: hashToken(token),
        hint: token.slice(0, 9),
        expiresAt: expires,
      })
      .returning();
    if (!row) throw new Error("token insert returned nothing");
    const created = {
      id: row.id,
      token,
      hint: row.hint,
      directoryId: directory.id,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt?.toISOString() ?? null,
    };
    return c.json(created, 201);
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
          expiresAt: r.expiresAt?.toISOString() ?? null,
          lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
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
