import { beforeAll, describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

// Single requests that used to stall the whole process or burn CPU out of proportion (issue 12).
const env = useTestEnv();
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
let t: Tenant;
let userId = "";
let groupId = "";

beforeAll(async () => {
  t = await createTenant(env());
  userId = (await scim(env(), t.token, "POST", "/Users", oktaUser("target@example.com"))).body.id as string;
  groupId = (await scim(env(), t.token, "POST", "/Groups", { displayName: "Team", members: [] })).body.id as string;
});

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
const NEWLINES = `"${"\n".repeat(40)}`;

describe("filters and PATCH paths (exponential tokenizer)", () => {
  test.each(["/Users", "/Groups"])(
    "GET %s with 40 newlines in an unterminated string: 400 invalidFilter",
    async (p) => {
      const res = await scim(env(), t.token, "GET", `${p}?filter=${encodeURIComponent(`userName eq ${NEWLINES}`)}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ scimType: "invalidFilter", status: "400" });
      expect(res.body.detail).toContain("control character");
    },
  );

  test.each([
    ["User", () => `/Users/${userId}`, `emails[value eq ${NEWLINES}].value`],
    ["Group", () => `/Groups/${groupId}`, `members[value eq ${NEWLINES}]`],
  ])("PATCH a %s with that filter in its path: 400 invalidPath, nothing changed", async (_, path, opPath) => {
    const before = await scim(env(), t.token, "GET", path());
    const res = await scim(env(), t.token, "PATCH", path(), patch({ op: "remove", path: opPath }));
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidPath");
    expect((await scim(env(), t.token, "GET", path())).body).toEqual(before.body);
  });

  test("a filter over the length cap is 400 invalidFilter", async () => {
    const long = `userName eq "${"a".repeat(5000)}"`;
    const res = await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent(long)}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidFilter");
  });
});
