import { type Context, Hono } from "hono";
import type { AppDeps, AppEnv } from "../../deps.ts";
import { ScimError } from "../errors.ts";
import {
  allSchemas,
  commonAttributes,
  type ResourceTypeName,
  resourceTypes,
  SCHEMA,
  type SchemaDef,
} from "../resource/schema.ts";
import { MAX_PAGE_SIZE, scimBaseUrl } from "./request.ts";
import { scimJson } from "./respond.ts";

/**
 * RFC 7644 §4 discovery. Public (nothing tenant-specific in it), query parameters
 * ignored, `filter` refused with 403 as the RFC suggests.
 */
export function scimDiscoveryRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const base = (c: Context) => scimBaseUrl(c, deps.config.PUBLIC_BASE_URL);
  const noFilter = (c: Context) => {
    if (c.req.query("filter") !== undefined)
      throw new ScimError(403, undefined, "Filtering is not supported on discovery endpoints");
  };
  const list = (c: Context, resources: unknown[]) =>
    scimJson(c, {
      schemas: [SCHEMA.listResponse],
      totalResults: resources.length,
      startIndex: 1,
      itemsPerPage: resources.length,
      Resources: resources,
    });

  const schemaResource = (c: Context, s: SchemaDef) => ({
    schemas: [SCHEMA.schema],
    id: s.id,
    name: s.name,
    description: s.description,
    // Core resource schemas list the common attributes too, so validators find every mapped attribute.
    attributes: s.id === SCHEMA.user || s.id === SCHEMA.group ? [...commonAttributes, ...s.attributes] : s.attributes,
    meta: { resourceType: "Schema", location: `${base(c)}/Schemas/${s.id}` },
  });

  const resourceType = (c: Context, name: ResourceTypeName) => {
    const rt = resourceTypes[name];
    return {
      schemas: [SCHEMA.resourceType],
      id: name,
      name,
      endpoint: rt.endpoint,
      description: name === "User" ? "User Account" : "Group",
      schema: rt.core.id,
      schemaExtensions: rt.extensions.map((e) => ({ schema: e.id, required: false })),
      meta: { resourceType: "ResourceType", location: `${base(c)}/ResourceTypes/${name}` },
    };
  };

  app.get("/ServiceProviderConfig", (c) =>
    scimJson(c, {
      schemas: [SCHEMA.serviceProviderConfig],
      documentationUri: "https://github.com/scimline/scimline#connecting-okta",
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: MAX_PAGE_SIZE },
      changePassword: { supported: true },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: "oauthbearertoken",
          name: "Bearer token",
          description: "A token issued for a directory by the company admin (POST /api/v1/directories/{id}/tokens).",
          primary: true,
        },
      ],
      meta: { resourceType: "ServiceProviderConfig", location: `${base(c)}/ServiceProviderConfig` },
    }),
  );

  app.get("/ResourceTypes", (c) => {
    noFilter(c);
    return list(c, [resourceType(c, "User"), resourceType(c, "Group")]);
  });
  app.get("/ResourceTypes/:id", (c) => {
    const id = c.req.param("id");
    const name = (Object.keys(resourceTypes) as ResourceTypeName[]).find((n) => n.toLowerCase() === id.toLowerCase());
    if (!name) throw new ScimError(404, undefined, `ResourceType ${id} not found`);
    return scimJson(c, resourceType(c, name));
  });
  app.get("/Schemas", (c) => {
    noFilter(c);
    return list(
      c,
      allSchemas.map((s) => schemaResource(c, s)),
    );
  });
  app.get("/Schemas/:id", (c) => {
    const id = c.req.param("id");
    const found = allSchemas.find((s) => s.id.toLowerCase() === id.toLowerCase());
    if (!found) throw new ScimError(404, undefined, `Schema ${id} not found`);
    return scimJson(c, schemaResource(c, found));
  });

  return app;
}
