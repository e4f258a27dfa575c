import { isUuid } from "@scimline/db";
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../deps.ts";
import type { ApiMetrics } from "../../ops/metrics.ts";
import { logSubject } from "../../request-log/middleware.ts";
import { ListCache } from "../../use-cases/users/list-cache.ts";
import { UserInserter } from "../../use-cases/users/user-inserter.ts";
import { findUser, findUserName, listKey, listUsers, type UserRow } from "../../use-cases/users/user-store.ts";
import { acceptCreateUser, checkVersion, patchUser, removeUser, replaceUser } from "../../use-cases/users/users.ts";
import { ScimError } from "../errors.ts";
import { compileUserFilter, compileUserSort, userNameSought } from "../filter/to-sql.ts";
import { projectResource } from "../resource/projection.ts";
import { SCHEMA } from "../resource/schema.ts";
import { etag, toScimUser } from "../resource/user-output.ts";
import { checkIfMatch, pagination, pathId, readJson, scimBaseUrl } from "./request.ts";
import { scimJson } from "./respond.ts";

/** /scim/v2/Users (docs/RULES.md "The SCIM surface", RFC 7644 §3). */
export function scimUsersRoutes(deps: AppDeps, metrics?: Pick<ApiMetrics, "guardRails">) {
  const app = new Hono<AppEnv>();
  const lists = new ListCache();
  const inserter = deps.userInserter ?? new UserInserter(deps.database);
  const base = (c: Parameters<typeof scimBaseUrl>[0]) => scimBaseUrl(c, deps.config.PUBLIC_BASE_URL);
  const project = (c: Parameters<typeof scimBaseUrl>[0], row: UserRow) =>
    projectResource(toScimUser(row, base(c)), "User", {
      attributes: c.req.query("attributes"),
      excludedAttributes: c.req.query("excludedAttributes"),
    });
  const single = (c: Parameters<typeof scimBaseUrl>[0], row: UserRow, status = 200) =>
    scimJson(c, project(c, row), status, {
      ETag: etag(row.version),
      ...(status === 201 ? { Location: `${base(c)}/Users/${row.id}` } : {}),
    });
  const ifMatch = (c: Parameters<typeof scimBaseUrl>[0]) => checkVersion((tag) => checkIfMatch(c, tag));
  const listResponse = (
    c: Parameters<typeof scimBaseUrl>[0],
    startIndex: number,
    { total, rows }: { total: number; rows: UserRow[] },
  ) =>
    scimJson(c, {
      schemas: [SCHEMA.listResponse],
      totalResults: total,
      startIndex,
      itemsPerPage: rows.length,
      Resources: rows.map((row) => project(c, row)),
    });
  const held = (kind: string) => metrics?.guardRails.held.inc({ kind });

  app.get("/", async (c) => {
    const { startIndex, count } = pagination(c);
    const filter = c.req.query("filter");
    const orderBy = compileUserSort(c.req.query("sortBy"), c.req.query("sortOrder"));
    const page = { offset: startIndex - 1, limit: count };
    // The look-up before every create, by far the most frequent filter, has its own prepared statement.
    const named = filter !== undefined ? userNameSought(filter) : undefined;
    if (named !== undefined) {
      const found = await findUserName(deps.database, c.get("principal"), named, page);
      const [only] = found.rows;
      logSubject(c, found.total === 1 && only ? { userId: only.id } : { userName: named });
      return listResponse(c, startIndex, found);
    }
    const where = filter !== undefined && filter.trim() !== "" ? compileUserFilter(filter) : undefined;
    const found = await listUsers(
      deps.database,
      c.get("principal"),
      { ...(where ? { where } : {}), ...(orderBy ? { orderBy } : {}), ...page },
      lists,
    );
    return listResponse(c, startIndex, found);
  });

  // A create or delete moves the directory's totals and the master's (which lists the whole company).
  const changed = (p: AppEnv["Variables"]["principal"]) => {
    lists.changed(p.directoryId);
    lists.changed(listKey({ ...p, master: true }));
  };

  app.post("/", async (c) => {
    const body = await readJson(c);
    const userName = (body as { userName?: unknown } | null)?.userName;
    if (typeof userName === "string") logSubject(c, { userName: userName.slice(0, 256) });
    const { row } = await acceptCreateUser(deps, inserter, c.get("principal"), body);
    logSubject(c, { userId: row.id });
    changed(c.get("principal"));
    return single(c, row, 201);
  });

  // The request log links a request by id to its user (it shows the user's current userName).
  app.use("/:id", async (c, next) => {
    const id = pathId(c);
    if (isUuid(id)) logSubject(c, { userId: id });
    await next();
  });

  app.get("/:id", async (c) => {
    const row = await findUser(deps.database, c.get("principal"), pathId(c));
    if (!row) throw new ScimError(404, undefined, `User ${pathId(c)} not found`);
    const noneMatch = c.req.header("if-none-match");
    if (noneMatch?.split(",").some((t) => t.trim().replace(/^W\//, "") === `"${row.version}"`)) {
      return c.body(null, 304, { ETag: etag(row.version) });
    }
    return single(c, row);
  });

  app.put("/:id", async (c) => {
    const row = await replaceUser(deps, c.get("principal"), pathId(c), await readJson(c), ifMatch(c), held);
    return single(c, row);
  });

  app.patch("/:id", async (c) => {
    const row = await patchUser(deps, c.get("principal"), pathId(c), await readJson(c), ifMatch(c), held);
    return single(c, row);
  });

  app.delete("/:id", async (c) => {
    const gone = await removeUser(deps, c.get("principal"), pathId(c), ifMatch(c), held);
    if (gone.erased) deps.requestLog?.forget(c.get("principal").companyId, gone.userName);
    changed(c.get("principal"));
    return c.body(null, 204);
  });

  return app;
}
