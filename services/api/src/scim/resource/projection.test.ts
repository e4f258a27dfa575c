import { describe, expect, it } from "vitest";
import { parseAttributeList, projectResource } from "./projection.ts";
import { SCHEMA } from "./schema.ts";

const E = SCHEMA.enterprise;
const T = SCHEMA.telephony;

const userResource = () => ({
  schemas: [SCHEMA.user, E, T],
  id: "u1",
  externalId: "00u1",
  userName: "bjensen",
  name: { givenName: "Barbara", familyName: "Jensen" },
  emails: [
    { value: "b@x.com", type: "work", primary: true },
    { value: "b@home.com", type: "home" },
  ],
  active: true,
  password: "must never show",
  customFlag: "kept as sent",
  [E]: { department: "Sales", manager: { value: "m1", displayName: "Boss" } },
  [T]: { status: "active", licenseType: "Pro", office: { value: "o1", display: "Paris" } },
  meta: { resourceType: "User", created: "2020-01-01T00:00:00.000Z", version: 'W/"1"' },
});

const groupResource = () => ({
  schemas: [SCHEMA.group],
  id: "g1",
  displayName: "Admins",
  members: [{ value: "u1", display: "B", type: "User" }],
  meta: { resourceType: "Group" },
});

describe("parseAttributeList", () => {
  it("splits on commas and trims, dropping empties", () => {
    expect(parseAttributeList(" userName, name.givenName ,,emails ")).toEqual(["userName", "name.givenName", "emails"]);
    expect(parseAttributeList(undefined)).toEqual([]);
    expect(parseAttributeList("")).toEqual([]);
  });
});

describe("projectResource without parameters", () => {
  it("returns everything but returned:never attributes", () => {
    const { password: _, ...expected } = userResource();
    expect(projectResource(userResource(), "User", {})).toEqual(expected);
  });
});

describe("attributes", () => {
  it("returns only those, plus id and schemas; names are case-insensitive and keep canonical casing", () => {
    expect(projectResource(userResource(), "User", { attributes: "USERNAME,Name.GivenName" })).toEqual({
      schemas: [SCHEMA.user],
      id: "u1",
      userName: "bjensen",
      name: { givenName: "Barbara" },
    });
  });

  it("selects a sub-attribute in every element of a multi-valued attribute", () => {
    expect(projectResource(userResource(), "User", { attributes: "emails.value" })).toMatchObject({
      emails: [{ value: "b@x.com" }, { value: "b@home.com" }],
    });
  });

  it("accepts full URN paths and keeps schemas consistent", () => {
    const out = projectResource(userResource(), "User", { attributes: `${E}:department,${T}:office.display` });
    expect(out).toEqual({
      schemas: [SCHEMA.user, E, T],
      id: "u1",
      [E]: { department: "Sales" },
      [T]: { office: { display: "Paris" } },
    });
  });

  it("a core URN prefix addresses a core attribute; an extension URN the whole extension", () => {
    const out = projectResource(userResource(), "User", {
      attributes: `urn:ietf:params:scim:schemas:core:2.0:User:userName,${E.toLowerCase()}`,
    });
    expect(out).toEqual({ schemas: [SCHEMA.user, E], id: "u1", userName: "bjensen", [E]: userResource()[E] });
  });

  it("never returns password even when asked", () => {
    expect(projectResource(userResource(), "User", { attributes: "password" })).toEqual({
      schemas: [SCHEMA.user],
      id: "u1",
    });
  });

  it("ignores paths that name nothing (lenient)", () => {
    expect(projectResource(userResource(), "User", { attributes: "nope,emails[type,userName.x,urn:acme:X" })).toEqual({
      schemas: [SCHEMA.user],
      id: "u1",
    });
  });

  it("custom attributes can be asked for by name", () => {
    expect(projectResource(userResource(), "User", { attributes: "customflag" })).toMatchObject({
      customFlag: "kept as sent",
    });
  });
});

describe("excludedAttributes", () => {
  it("removes those but never id", () => {
    const out = projectResource(userResource(), "User", { excludedAttributes: "id,emails,name.familyName,meta" });
    expect(out.id).toBe("u1");
    expect(out).not.toHaveProperty("emails");
    expect(out).not.toHaveProperty("meta");
    expect(out.name).toEqual({ givenName: "Barbara" });
    expect(out.userName).toBe("bjensen");
  });

  it("drops an extension object that becomes empty, and its URN from schemas", () => {
    const out = projectResource(userResource(), "User", { excludedAttributes: `${E}:department,${E}:manager` });
    expect(out).not.toHaveProperty(E);
    expect(out.schemas).toEqual([SCHEMA.user, T]);
    expect(out[T]).toEqual(userResource()[T]);
  });

  it("excluding a whole extension by URN", () => {
    const out = projectResource(userResource(), "User", { excludedAttributes: T.toUpperCase() });
    expect(out).not.toHaveProperty(T);
    expect(out.schemas).toEqual([SCHEMA.user, E]);
  });

  it("Entra's excludedAttributes=members on a group", () => {
    expect(projectResource(groupResource(), "Group", { excludedAttributes: "members" })).toEqual({
      schemas: [SCHEMA.group],
      id: "g1",
      displayName: "Admins",
      meta: { resourceType: "Group" },
    });
  });

  it("sub-attributes of members", () => {
    expect(
      projectResource(groupResource(), "Group", { excludedAttributes: "members.display,members.type" }),
    ).toMatchObject({
      members: [{ value: "u1" }],
    });
  });

  it("attributes first, then excludedAttributes", () => {
    expect(
      projectResource(groupResource(), "Group", { attributes: "displayName,members", excludedAttributes: "members" }),
    ).toEqual({
      schemas: [SCHEMA.group],
      id: "g1",
      displayName: "Admins",
    });
  });
});

describe("inputs are not mutated", () => {
  it("leaves the resource as it was", () => {
    const resource = userResource();
    projectResource(resource, "User", { excludedAttributes: `emails.value,${E}:department` });
    expect(resource).toEqual(userResource());
  });
});
