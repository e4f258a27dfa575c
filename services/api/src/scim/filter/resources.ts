import { schema } from "@scimline/db";
import { type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { ResolvedPath } from "../resource/attribute-path.ts";
import { type AttributeDef, findExtension, SCHEMA } from "../resource/schema.ts";
import {
  type Complex,
  constant,
  type Fail,
  jsonArray,
  jsonKey,
  jsonObject,
  jsonScalar,
  type Scalar,
  scalar,
  type Target,
  uuidScalar,
} from "./target.ts";

const { users, groups, groupMembers, offices, licenseTypes } = schema;

type Sub = Record<string, (def: AttributeDef) => Scalar>;

function complex(name: string, def: AttributeDef, present: SQL, subs: Sub, within?: (c: SQL) => SQL): Complex {
  return {
    type: "complex",
    name,
    multiValued: def.multiValued,
    subAttributes: def.subAttributes ?? [],
    present,
    sub: (s, fail) => subs[s.name]?.(s) ?? fail(`${name}.${s.name} cannot be used in a filter or sortBy`),
    within: within ?? ((condition) => condition),
  };
}

/** meta (RFC 7643 §3.1) from columns; meta.location depends on the request's base URL, so it is not filterable. */
function meta(def: AttributeDef, table: typeof users | typeof groups, resourceType: string): Complex {
  return complex("meta", def, sql`true`, {
    created: (s) => scalar("meta.created", sql`${table.createdAt}`, s.caseExact, "timestamp"),
    lastModified: (s) => scalar("meta.lastModified", sql`${table.updatedAt}`, s.caseExact, "timestamp"),
    resourceType: () => constant("meta.resourceType", resourceType),
    version: (s) => scalar("meta.version", sql`('W/"' || ${table.version} || '"')`, s.caseExact),
  });
}

const column = (def: AttributeDef, expr: SQL, kind: Scalar["kind"] = "text") =>
  scalar(def.name, expr, def.caseExact, kind);

/** User.groups is read-only, derived from memberships. */
function userGroups(def: AttributeDef): Complex {
  const gm = alias(groupMembers, "scim_ug");
  const g = alias(groups, "scim_g");
  const owned = sql`${gm.userId} = ${users.id}`;
  return complex(
    "groups",
    def,
    sql`exists (select 1 from ${groupMembers} as ${gm} where ${owned})`,
    {
      value: (s) => uuidScalar("groups.value", sql`${g.id}`, s.caseExact),
      display: (s) => scalar("groups.display", sql`${g.displayName}`, s.caseExact),
      type: () => constant("groups.type", "direct"),
    },
    (c) =>
      sql`exists (select 1 from ${groupMembers} as ${gm} join ${groups} as ${g} on ${g.id} = ${gm.groupId} where ${owned} and ${c})`,
  );
}

/** Our read-only telephony extension: the provisioning outcome, from columns (docs/RULES.md "The SCIM surface"). */
function telephony(def: AttributeDef, fail: Fail): Target {
  switch (def.name) {
    case "office":
      return complex("office", def, sql`(${users.officeId} is not null)`, {
        value: (s) => uuidScalar("office.value", sql`${users.officeId}`, s.caseExact),
        display: (s) =>
          scalar(
            "office.display",
            sql`(select ${offices.name} from ${offices} where ${offices.id} = ${users.officeId})`,
            s.caseExact,
          ),
      });
    case "matchedBy":
      return column(def, sql`${users.matchedBy}`);
    case "matchedValue":
      return column(def, sql`${users.matchedValue}`);
    case "did":
      return column(def, sql`${users.did}`);
    case "extension":
      return column(def, sql`${users.extension}::text`);
    case "licenseType":
      return column(
        def,
        sql`(select ${licenseTypes.name} from ${licenseTypes} where ${licenseTypes.id} = ${users.licenseTypeId})`,
      );
    case "status":
      return column(def, sql`(case when ${users.heldKind} is not null then 'held' else ${users.status} end)`);
    case "error":
      return column(def, sql`${users.errorCode}`);
    default:
      return fail(`${SCHEMA.telephony}:${def.name} cannot be used in a filter or sortBy`);
  }
}

/** A client-supplied attribute, read from the stored document (`users.resource`). */
function documentAttribute(keys: string[], def: AttributeDef, name: string): Target {
  const base = sql`${users.resource}`;
  if (def.type !== "complex") return jsonScalar(base, keys, def, name);
  return def.multiValued ? jsonArray(base, keys, def, name) : jsonObject(base, keys, def, name);
}

/** Users: columns for what has one, the jsonb document for the rest (docs/RULES.md "The SCIM surface"). */
export function userTarget(path: ResolvedPath, fail: Fail): Target {
  if (path.kind === "extension") return fail(`${path.schema.id} is a schema, not an attribute`);
  const def = path.attribute;
  if (path.schema.id === SCHEMA.telephony) return telephony(def, fail);
  if (path.extension) return documentAttribute([path.schema.id, def.name], def, `${path.schema.id}:${def.name}`);
  switch (def.name) {
    case "id":
      return uuidScalar(def.name, sql`${users.id}`, def.caseExact);
    case "externalId":
      return column(def, sql`${users.externalId}`);
    case "userName":
      return column(def, sql`${users.userName}`);
    case "displayName":
      return column(def, sql`${users.displayName}`);
    case "active":
      return column(def, sql`${users.active}`, "boolean");
    case "password":
      return fail("password cannot be used in a filter or sortBy");
    case "meta":
      return meta(def, users, "User");
    case "groups":
      return userGroups(def);
    default:
      return documentAttribute([def.name], def, def.name);
  }
}

/** Group.members from memberships; a member's display is its displayName, else its userName (as shown). */
function groupMembersTarget(def: AttributeDef): Complex {
  const gm = alias(groupMembers, "scim_gm");
  const mu = alias(users, "scim_mu");
  const from = sql`${groupMembers} as ${gm} join ${users} as ${mu} on ${mu.id} = ${gm.userId} and ${mu.deletedAt} is null`;
  const owned = sql`${gm.groupId} = ${groups.id}`;
  return complex(
    "members",
    def,
    sql`exists (select 1 from ${from} where ${owned})`,
    {
      value: (s) => uuidScalar("members.value", sql`${gm.userId}`, s.caseExact),
      display: (s) => scalar("members.display", sql`coalesce(${mu.displayName}, ${mu.userName})`, s.caseExact),
      type: () => constant("members.type", "User"),
    },
    (c) => sql`exists (select 1 from ${from} where ${owned} and ${c})`,
  );
}

export function groupTarget(path: ResolvedPath, fail: Fail): Target {
  if (path.kind === "extension") return fail(`${path.schema.id} is a schema, not an attribute`);
  const def = path.attribute;
  switch (def.name) {
    case "id":
      return uuidScalar(def.name, sql`${groups.id}`, def.caseExact);
    case "externalId":
      return column(def, sql`${groups.externalId}`);
    case "displayName":
      return column(def, sql`${groups.displayName}`);
    case "meta":
      return meta(def, groups, "Group");
    case "members":
      return groupMembersTarget(def);
    default:
      return fail(`${def.name} cannot be used in a filter or sortBy`);
  }
}

/** `schemas eq "<urn>"` (RFC 7644 §3.4.2.2 example): the core and telephony schemas are on every user. */
export function userHasSchema(urn: string): SQL {
  const lower = urn.toLowerCase();
  if (lower === SCHEMA.user.toLowerCase() || lower === SCHEMA.telephony.toLowerCase()) return sql`true`;
  const extension = findExtension("User", urn);
  if (extension) return sql`(jsonb_typeof(${users.resource} -> ${jsonKey(extension.id)}) = 'object')`;
  return sql`((${users.resource} -> ${urn}::text) is not null)`;
}

export const groupHasSchema = (urn: string): SQL =>
  urn.toLowerCase() === SCHEMA.group.toLowerCase() ? sql`true` : sql`false`;
