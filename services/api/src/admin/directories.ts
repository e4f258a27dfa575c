import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { schema } from "@scimline/db";
import { asc, eq } from "drizzle-orm";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { reconsiderAwaiting } from "../use-cases/groups/membership-work.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { DirectoryUpdate, directoryFieldsIn, directoryFieldsOf } from "./directory-fields.ts";
import { findDirectory, saveDirectory } from "./directory-store.ts";
import {
  body,
  CompanyParams,
  DirectoryCreate,
  DirectoryParams,
  DirectoryView,
  errors,
  json,
  NOT_FOUND,
} from "./schemas.ts";
import { validationHook } from "./validation.ts";

const { directories } = schema;
const tags = ["Directories and SCIM tokens"];
const RULES =
  "DIRECTORY_EXISTS: the company has a directory of that name; MASTER_EXISTS: the company has a master directory; DOMAIN_CLAIMED: another directory claims one of the domains and neither is the master nor adopts existing users";

const createDirectory = createRoute({
  method: "post",
  path: "/companies/{id}/directories",
  tags,
  summary: "Add a SCIM directory (one per identity-provider org or domain)",
  request: { params: CompanyParams, body: body(DirectoryCreate) },
  responses: {
    201: json(DirectoryView, "The directory"),
    ...errors({ 404: NOT_FOUND.company, 409: RULES }, { body: true }),
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

const getDirectory = createRoute({
  method: "get",
  path: "/directories/{id}",
  tags,
  summary: "One directory",
  request: { params: DirectoryParams },
  responses: { 200: json(DirectoryView, "The directory"), ...errors({ 404: NOT_FOUND.directory }) },
});

const patchDirectory = createRoute({
  method: "patch",
  path: "/directories/{id}",
  tags,
  summary: "Change a directory's settings (strict: an unknown field is 400; an absent one is unchanged)",
  description:
    "What a directory's tokens may see (domains, master, adoptExisting) changes within AUTH_CACHE_TTL_MS on every API process. Users a directory already has stay its own when its domains change.",
  request: { params: DirectoryParams, body: body(DirectoryUpdate) },
  responses: {
    200: json(DirectoryView, "The directory after the change"),
    ...errors({ 404: NOT_FOUND.directory, 409: RULES }, { body: true }),
  },
});

const scimUrl = (origin: string) => `${origin}/scim/v2`;

export function directoryRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const origin = (url: string) => deps.config.PUBLIC_BASE_URL?.replace(/\/+$/, "") ?? new URL(url).origin;
  const view = (row: typeof directories.$inferSelect, url: string) => ({
    id: row.id,
    companyId: row.companyId,
    scimBaseUrl: scimUrl(origin(url)),
    ...directoryFieldsOf(row),
    createdAt: row.createdAt.toISOString(),
  });
  const notFound = (id: string) => new AdminError("DIRECTORY_NOT_FOUND", `Directory ${id} not found`);

  app.openapi(createDirectory, async (c) => {
    const { id } = c.req.valid("param");
    const row = await saveDirectory(deps.database, id, null, directoryFieldsIn(c.req.valid("json")));
    if (!row) throw companyNotFound(id);
    return c.json(view(row, c.req.url), 201);
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

  app.openapi(getDirectory, async (c) => {
    const { id } = c.req.valid("param");
    const row = await findDirectory(deps.database, id);
    if (!row) throw notFound(id);
    return c.json(view(row, c.req.url), 200);
  });

  app.openapi(patchDirectory, async (c) => {
    const { id } = c.req.valid("param");
    const directory = await findDirectory(deps.database, id);
    const row =
      directory &&
      (await saveDirectory(deps.database, directory.companyId, id, directoryFieldsIn(c.req.valid("json"))));
    if (!row) throw notFound(id);
    // A new hold window applies at once to the users waiting in it (a retry of this PATCH re-applies it).
    if (c.req.valid("json").groupRuleHoldSeconds !== undefined) await reconsiderAwaiting(deps.database.sql, id);
    // Tokens carry the directory's flags (what it sees): this process drops them at once.
    deps.tenancy.invalidateTokens();
    return c.json(view(row, c.req.url), 200);
  });

  return app;
}
