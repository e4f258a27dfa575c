import type { SQL } from "drizzle-orm";
import type { AppDeps } from "../../deps.ts";
import { ScimError } from "../../scim/errors.ts";
import { applyPatch } from "../../scim/patch/apply.ts";
import { groupDocument, parseGroupInput } from "../../scim/resource/group-resource.ts";
import { etag } from "../../scim/resource/user-output.ts";
import type { ScimPrincipal } from "../../tenancy.ts";
import { OneAtATime } from "../one-at-a-time.ts";
import { findGroup, type GroupRow, listGroups } from "./group-store.ts";
import { deleteGroup, insertGroup, updateGroup } from "./group-writes.ts";

type GroupWrite = ReturnType<typeof parseGroupInput>;
/** Checks a request's If-Match against a group's version (412 when stale). */
export type IfMatch = (etag: string) => void;

const notFound = (id: string) => new ScimError(404, undefined, `Group ${id} not found`);

export async function getGroup(deps: AppDeps, p: ScimPrincipal, id: string, withMembers: boolean): Promise<GroupRow> {
  const row = await findGroup(deps.database, p, id, withMembers);
  if (!row) throw notFound(id);
  return row;
}

export function listScimGroups(
  deps: AppDeps,
  p: ScimPrincipal,
  query: { where?: SQL; orderBy?: SQL; offset: number; limit: number; withMembers: boolean },
) {
  return listGroups(deps.database, p, query);
}

/** POST /Groups: the group and its members, as the identity provider pushed them. */
export async function createGroup(deps: AppDeps, p: ScimPrincipal, body: unknown): Promise<GroupRow> {
  const id = await insertGroup(deps.database, p, parseGroupInput(body));
  return getGroup(deps, p, id, true);
}

/** This process's writes to one group, one at a time (another process's are retried below). */
const writes = new OneAtATime();

/** Read-modify-write on meta.version, retried when a concurrent change (another process's) wins. */
function modify(
  deps: AppDeps,
  p: ScimPrincipal,
  id: string,
  ifMatch: IfMatch,
  withMembers: boolean,
  next: (current: GroupRow) => GroupWrite | null,
): Promise<GroupRow> {
  return writes.run(id, async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await getGroup(deps, p, id, true);
      ifMatch(etag(current.version));
      const write = next(current);
      if (write === null || unchanged(current, write)) return current;
      const members = new Set((current.members ?? []).map((m) => m.value));
      if (await updateGroup(deps.database, p, id, current.version, write, members)) {
        return getGroup(deps, p, id, withMembers);
      }
    }
    throw new ScimError(409, undefined, `Group ${id} is being changed concurrently; retry the request`);
  });
}

/**
 * A write that leaves the group as it is (Okta re-sending a whole group, a PATCH of attributes groups do
 * not keep): no version bump, and no rewrite of every membership row of a large group.
 */
function unchanged(current: GroupRow, write: GroupWrite): boolean {
  if (current.displayName !== write.displayName || current.externalId !== write.externalId) return false;
  const members = new Set((current.members ?? []).map((m) => m.value));
  return members.size === write.memberIds.length && write.memberIds.every((id) => members.has(id));
}

/** PUT /Groups/{id}: the whole group (AIW Okta apps push membership this way). */
export function replaceGroup(
  deps: AppDeps,
  p: ScimPrincipal,
  id: string,
  body: unknown,
  ifMatch: IfMatch,
  withMembers: boolean,
) {
  const write = parseGroupInput(body);
  return modify(deps, p, id, ifMatch, withMembers, () => write);
}

/** PATCH /Groups/{id}: renames and membership changes, Okta's and Entra's forms. */
export function patchGroup(
  deps: AppDeps,
  p: ScimPrincipal,
  id: string,
  body: unknown,
  ifMatch: IfMatch,
  withMembers: boolean,
) {
  return modify(deps, p, id, ifMatch, withMembers, (current) => {
    const result = applyPatch({ type: "Group", id: current.id, document: groupDocument(current) }, body);
    return result.changed ? parseGroupInput(result.document) : null;
  });
}

export async function removeGroup(deps: AppDeps, p: ScimPrincipal, id: string, ifMatch: IfMatch): Promise<void> {
  const current = await getGroup(deps, p, id, false);
  ifMatch(etag(current.version));
  if (!(await deleteGroup(deps.database, p, id))) throw notFound(id);
}
