import {
  type AttributeDef,
  commonAttributes,
  findAttribute,
  type ResourceTypeName,
  resourceTypes,
  type SchemaDef,
} from "./schema.ts";

/**
 * An attribute path (RFC 7644 §3.10) resolved against our schemas, case-insensitively:
 * `name.givenName`, `urn:…:core:2.0:User:userName`, `urn:…:enterprise:2.0:User:manager.value`.
 */
export type ResolvedPath =
  /** A whole extension object, addressed by its schema URN alone. */
  | { kind: "extension"; schema: SchemaDef }
  | {
      kind: "attribute";
      /** The core schema (also for id, externalId and meta) or the extension holding the attribute. */
      schema: SchemaDef;
      extension: boolean;
      attribute: AttributeDef;
      sub?: AttributeDef;
    };

/** The schema a URN-prefixed path starts with, and what follows it (`""` when the URN is all there is). */
export function splitSchemaUrn(type: ResourceTypeName, path: string): { schema: SchemaDef; rest: string } | undefined {
  const lower = path.toLowerCase();
  const { core, extensions } = resourceTypes[type];
  for (const schema of [core, ...extensions]) {
    const id = schema.id.toLowerCase();
    if (lower === id) return { schema, rest: "" };
    if (lower.startsWith(`${id}:`) && lower.length > id.length + 1) return { schema, rest: path.slice(id.length + 1) };
  }
  return undefined;
}

/** Resolves a path; undefined when it names nothing we know (callers decide whether that is an error). */
export function resolvePath(type: ResourceTypeName, path: string): ResolvedPath | undefined {
  const { core } = resourceTypes[type];
  let schema = core;
  let rest = path;
  if (path.toLowerCase().startsWith("urn:")) {
    const split = splitSchemaUrn(type, path);
    if (!split) return undefined;
    schema = split.schema;
    rest = split.rest;
    if (rest === "") return schema === core ? undefined : { kind: "extension", schema };
  }
  const extension = schema !== core;
  const [name, subName, ...more] = rest.split(".");
  if (name === undefined || name === "" || more.length > 0) return undefined;
  const defs = extension ? schema.attributes : [...schema.attributes, ...commonAttributes];
  const attribute = findAttribute(defs, name);
  if (!attribute) return undefined;
  if (subName === undefined) return { kind: "attribute", schema, extension, attribute };
  const sub = findAttribute(attribute.subAttributes ?? [], subName);
  return sub ? { kind: "attribute", schema, extension, attribute, sub } : undefined;
}

/** The canonical spelling of a resolved path, for error messages. */
export function describePath(path: ResolvedPath): string {
  if (path.kind === "extension") return path.schema.id;
  const name = path.sub ? `${path.attribute.name}.${path.sub.name}` : path.attribute.name;
  return path.extension ? `${path.schema.id}:${name}` : name;
}
