import { type Context, Hono } from "hono";
import type { AppDeps, AppEnv } from "../../deps.ts";
import type { GroupRow } from "../../use-cases/groups/group-store.ts";
import {
  createGroup,
  getGroup,
  listScimGroups,
  patchGroup,
  removeGroup,
  replaceGroup,
} from "../../use-cases/groups/groups.ts";
import { compileGroupFilter, compileGroupSort } from "../filter/to-sql.ts";
import { toScimGroup } from "../resource/group-resource.ts";
import { parseAttributeList, projectResource } from "../resource/projection.ts";
import { SCHEMA } from "../resource/schema.ts";
import { etag } from "../resource/user-output.ts";
import { checkIfMatch, pagination, pathId, readJson, scimBaseUrl } from "./request.ts";
import { scimJson } from "./respond.ts";

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
  const ifMatch = (c: Context) => (tag: string) => checkIfMatch(c, tag);

  app.get("/", async (c) => {
    const { startIndex, count } = pagination(c);
    const filter = c.req.query("filter");
    const where = filter !== undefined && filter.trim() !== "" ? compileGroupFilter(filter) : undefined;
    const orderBy = compileGroupSort(c.req.query("sortBy"), c.req.query("sortOrder"));
    const { total, rows } = await listScimGroups(deps, c.get("principal"), {
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

  app.post("/", async (c) => single(c, await createGroup(deps, c.get("principal"), await readJson(c)), 201));

  app.get("/:id", async (c) => single(c, await getGroup(deps, c.get("principal"), pathId(c), wantsMembers(c))));

  app.put("/:id", async (c) => {
    const body = await readJson(c);
    return single(c, await replaceGroup(deps, c.get("principal"), pathId(c), body, ifMatch(c), wantsMembers(c)));
  });

  app.patch("/:id", async (c) => {
    const body = await readJson(c);
    return single(c, await patchGroup(deps, c.get("principal"), pathId(c), body, ifMatch(c), wantsMembers(c)));
  });

  app.delete("/:id", async (c) => {
    await removeGroup(deps, c.get("principal"), pathId(c), ifMatch(c));
    return c.body(null, 204);
  });

  return app;
}
