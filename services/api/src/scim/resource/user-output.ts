import { formatExtension } from "@scimline/domain";
import type { UserRow } from "../../use-cases/users/user-store.ts";
import { SCHEMA } from "./schema.ts";

export const etag = (version: number) => `W/"${version}"`;

/** The SCIM representation of a user: what the client wrote, then our read-only telephony outcome. */
export function toScimUser(row: UserRow, baseUrl: string): Record<string, unknown> {
  const { userName, externalId, active, ...rest } = row.resource;
  const extensionUrns = Object.keys(rest).filter((k) => k.startsWith("urn:"));
  const telephony: Record<string, unknown> = {
    status: row.heldKind ? "held" : row.status,
    licenseType: row.licenseTypeName,
  };
  if (row.officeId) telephony.office = { value: row.officeId, display: row.officeName ?? undefined };
  if (row.matchedBy) telephony.matchedBy = row.matchedBy;
  if (row.matchedValue) telephony.matchedValue = row.matchedValue;
  if (row.matchedRuleId) telephony.matchedRuleId = row.matchedRuleId;
  if (row.did) telephony.did = row.did;
  if (row.extension !== null) telephony.extension = formatExtension(row.extension);
  if (row.errorCode) telephony.error = row.errorCode;
  return {
    schemas: [SCHEMA.user, ...extensionUrns, SCHEMA.telephony],
    id: row.id,
    ...(row.externalId !== null ? { externalId: row.externalId } : {}),
    userName: row.userName,
    ...rest,
    active: row.active,
    [SCHEMA.telephony]: telephony,
    meta: {
      resourceType: "User",
      created: row.createdAt.toISOString(),
      lastModified: row.updatedAt.toISOString(),
      location: `${baseUrl}/Users/${row.id}`,
      version: etag(row.version),
    },
  };
}
