import { canonicalId } from "@scimline/db";
import type { GroupRow, GroupWrite } from "../../use-cases/groups/group-store.ts";
import { badRequest } from "../errors.ts";
import { canonicalize, checkIndexed, MAX_MEMBERS } from "./canonical.ts";
import { SCHEMA } from "./schema.ts";
import { etag } from "./user-output.ts";

/** A group body (POST, PUT, or a patched document) → what the store writes. */
export function parseGroupInput(body: unknown): GroupWrite {
  const { document } = canonicalize("Group", body);
  const displayName = document.displayName;
  if (typeof displayName !== "string" || displayName.trim() === "") {
    throw badRequest("invalidValue", "displayName is required and must be a non-empty string");
  }
  checkIndexed(displayName, "displayName");
  const externalId = checkIndexed(typeof document.externalId === "string" ? document.externalId : null, "externalId");
  const members = Array.isArray(document.members) ? document.members : [];
  if (members.length > MAX_MEMBERS) throw badRequest("invalidValue", `a group holds at most ${MAX_MEMBERS} members`);
  const memberIds: string[] = [];
  for (const [i, member] of members.entries()) {
    const value = (member as Record<string, unknown>).value;
    if (typeof value !== "string" || value === "") throw badRequest("invalidValue", `members[${i}].value is required`);
    memberIds.push(canonicalId(value));
  }
  return {
    displayName,
    externalId,
    memberIds: [...new Set(memberIds)],
  };
}

/** The document a PATCH applies to: what a client could have written. */
export function groupDocument(row: GroupRow): Record<string, unknown> {
  return {
    schemas: [SCHEMA.group],
    displayName: row.displayName,
    ...(row.externalId !== null ? { externalId: row.externalId } : {}),
    members: (row.members ?? []).map((m) => ({
      value: m.value,
      ...(m.display !== null ? { display: m.display } : {}),
    })),
  };
}

export function toScimGroup(row: GroupRow, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA.group],
    id: row.id,
    ...(row.externalId !== null ? { externalId: row.externalId } : {}),
    displayName: row.displayName,
    ...(row.members !== null
      ? {
          members: row.members.map((m) => ({
            value: m.value,
            $ref: `${baseUrl}/Users/${m.value}`,
            type: "User",
            ...(m.display !== null ? { display: m.display } : {}),
          })),
        }
      : {}),
    meta: {
      resourceType: "Group",
      created: row.createdAt.toISOString(),
      lastModified: row.updatedAt.toISOString(),
      location: `${baseUrl}/Groups/${row.id}`,
      version: etag(row.version),
    },
  };
}
