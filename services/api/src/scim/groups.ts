import { type Context, Hono } from "hono";
import type { AppDeps, AppEnv } from "../deps.ts";
import { ScimError } from "./errors.ts";
import { compileGroupFilter, compileGroupSort } from "./filter.ts";
import { groupDocument, parseGroupInput, toScimGroup } from "./group-resource.ts";
import { deleteGroup, findGroup, type GroupRow, insertGroup, listGroups, updateGroup } from "./group-store.ts";
import { applyPatch } from "./patch.ts";
import { parseAttributeList, projectResource } from "./projection.ts";
import { checkIfMatch, pagination, readJson, scimBaseUrl } from "./request.ts";
import { scimJson } from "./respond.ts";
import { SCHEMA } from "./schema.ts";
import { etag } from "./user-output.ts";

/** Members are loaded only when the response will show them (Entra asks excludedAttributes=members). */
function wantsMembers(c: Context): boolean {
  const attributes = parseAttributeList(c.req.query("attributes")).map((a) => a.toLowerCase());
  const excluded = parseAttributeList(c.req.query("excludedAttributes")).map((a) => a.toLowerCase());
  if (excluded.some((a) => a === "members" || a === `${SCHEMA.group.toLowerCase()}:members`)) return false;
  if (attributes.length > 0) return attributes.some((a) => a.startsWith("members") || a.includes(":members"));
  return true;
}

/** /scim/v2/Groups: stored and shown; groups carry no provisioning effect. */
export function scimGroupsRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const base = (c: Context) => scimBaseUrl(c, deps.config.PUBLIC_BASE_URL);
  const project = (c: Context, row: GroupRow) =>
    projectResource(toScimGroup(row, base(c)), "Group", {
      attributes: c.req.query("attributes"),
      excludedAttributes: c.req.query("excludedAttributes"),
    });
  const single = (c: Context, row: GroupRow, status = 200) =>
    scimJson(c, project(c, row), status, {
      ETag: etag(row.version),
      ...(status === 201 ? { Location: `${base(c)}/Groups/${row.id}` } : {}),
    });
  const load = async (c: Context<AppEnv>, id: string, withMembers: boolean) => {
    const row = await findGroup(deps.database, c.var.principal, id, withMembers);
    if (!row) throw new ScimError(404, undefined, `Group ${id} not found`);
    return row;
  };

  /** Read-modify-write on meta.version, retried when a concurrent change wins. */
  const modify = async (c: Context<AppEnv>, next: (current: GroupRow) => ReturnType<typeof parseGroupInput> | null) => {
    const id = c.req.param("id") ?? "";
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await load(c, id, true);
      checkIfMatch(c, etag(current.version));
      const write = next(current);
      if (write === null) return current;
      if (await updateGroup(deps.database, c.var.principal, id, current.version, write)) {
        return load(c, id, wantsMembers(c));
      }
    }
    throw new ScimError(409, undefined, `Group ${id} is being changed concurrently; retry the request`);
  };

  app.get("/", async (c) => {
    const { startIndex, count } = pagination(c);
    const filter = c.req.query("filter");
    const where = filter !== undefined && filter.trim() !== "" ? compileGroupFilter(filter) : undefined;
    const orderBy = compileGroupSort(c.req.query("sortBy"), c.req.query("sortOrder"));
    const { total, rows } = await listGroups(deps.database, c.var.principal, {
      ...(where ? { where } : {}),
      ...(orderBy ? { orderBy } : {}),
      offset: startIndex - 1,
      limit: count,
      withMembers: wantsMembers(c),
    });
    return scimJson(c, {
      schemas: [SCHEMA.listResponse],
      totalResults: total,
      startIndex,
      itemsPerPage: rows.length,
      Resources: rows.map((row) => project(c, row)),
    });
  });

  app.post("/", async (c) => {
    const write = parseGroupInput(await readJson(c));
    const id = await insertGroup(deps.database, c.var.principal, write);
    return single(c, await load(c, id, true), 201);
  });

  app.get("/:id", async (c) => single(c, await load(c, c.req.param("id"), wantsMembers(c))));

  app.put("/:id", async (c) => {
    const write = parseGroupInput(await readJson(c));
    return single(c, await modify(c, () => write));
  });

  app.patch("/:id", async (c) => {
    const body = await readJson(c);
    const row = await modify(c, (current) => {
      const result = applyPatch({ type: "Group", id: current.id, document: groupDocument(current) }, body);
      return result.changed ? parseGroupInput(result.document) : null;
    });
    return single(c, row);
  });

  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    const current = await load(c, id, false);
    checkIfMatch(c, etag(current.version));
    if (!(await deleteGroup(deps.database, c.var.principal, id)))
      throw new ScimError(404, undefined, `Group ${id} not found`);
    return c.body(null, 204);
  });

  return app;
}
