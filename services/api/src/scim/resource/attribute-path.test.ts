import { describe, expect, it } from "vitest";
import { describePath, resolvePath, splitSchemaUrn } from "./attribute-path.ts";
import { SCHEMA } from "./schema.ts";

const described = (type: "User" | "Group", path: string) => {
  const resolved = resolvePath(type, path);
  return resolved ? describePath(resolved) : undefined;
};

describe("resolvePath", () => {
  it.each([
    ["USERNAME", "userName"],
    ["name.GIVENNAME", "name.givenName"],
    ["meta.lastmodified", "meta.lastModified"],
    ["urn:ietf:params:scim:schemas:core:2.0:User:emails.value", "emails.value"],
    [`${SCHEMA.enterprise.toLowerCase()}:Manager.Value`, `${SCHEMA.enterprise}:manager.value`],
    [`${SCHEMA.telephony}:office.display`, `${SCHEMA.telephony}:office.display`],
    [SCHEMA.enterprise.toUpperCase(), SCHEMA.enterprise],
  ])("User %s → %s", (path, canonical) => {
    expect(described("User", path)).toBe(canonical);
  });

  it.each(["nope", "name.nope", "userName.x", "name.givenName.x", "", ".", "urn:acme:User:x", `${SCHEMA.enterprise}:`])(
    "User %j names nothing",
    (path) => {
      expect(resolvePath("User", path)).toBeUndefined();
    },
  );

  it("extension attributes are not core ones, and groups have no user attributes", () => {
    expect(resolvePath("User", `${SCHEMA.enterprise}:userName`)).toBeUndefined();
    expect(resolvePath("Group", "userName")).toBeUndefined();
    expect(described("Group", "urn:ietf:params:scim:schemas:core:2.0:Group:members.value")).toBe("members.value");
  });

  it("splitSchemaUrn separates the schema from the rest", () => {
    expect(splitSchemaUrn("User", `${SCHEMA.enterprise}:department`)).toMatchObject({ rest: "department" });
    expect(splitSchemaUrn("User", SCHEMA.user)).toMatchObject({ rest: "" });
    expect(splitSchemaUrn("Group", SCHEMA.enterprise)).toBeUndefined();
  });
});
