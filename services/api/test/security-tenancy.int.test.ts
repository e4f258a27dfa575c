import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, type Reply, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

// Two companies with two directories each. Whatever names another tenant's resource must answer
// exactly as a resource that never existed, and change nothing.
const env = useTestEnv();
type Dir = { token: string; directoryId: string };
let a: Tenant;
let b: Tenant;
let aSecond: Dir;
let bSecond: Dir;
const own = { user: "", group: "", userName: "owned.user@a.example", externalId: "ext-owned", number: "+14155550177" };

async function secondDirectory(t: Tenant): Promise<Dir> {
  const dir = await admin(env(), "POST", `/companies/${t.companyId}/directories`, { name: "Entra" });
  const token = await admin(env(), "POST", `/directories/${dir.body.id}/tokens`);
  return { directoryId: dir.body.id as string, token: token.body.token as string };
}

beforeAll(async () => {
  [a, b] = [await createTenant(env()), await createTenant(env())];
  [aSecond, bSecond] = [await secondDirectory(a), await secondDirectory(b)];
  const user = await scim(env(), a.token, "POST", "/Users", oktaUser(own.userName, { externalId: own.externalId }));
  own.user = user.body.id as string;
  own.group = (await scim(env(), a.token, "POST", "/Groups", { displayName: "Owned", members: [{ value: own.user }] }))
    .body.id as string;
  await admin(env(), "POST", `/companies/${a.companyId}/numbers`, { numbers: [own.number] });
});

/** A reply with the two ids (and the request id) blanked: what is left must be identical. */
const shape = (r: Reply, ...ids: string[]) => {
  let text = JSON.stringify(r.body);
  for (const id of ids) text = text.replaceAll(id, "<id>");
  return { status: r.status, body: JSON.parse(text.replace(/"requestId":"[^"]*"/g, '"requestId":"-"')) };
};

/** The directory A's user lives in, as its own token sees it, before and after: a write must not land. */
async function ownedState() {
  const user = await scim(env(), a.token, "GET", `/Users/${own.user}`);
  const group = await scim(env(), a.token, "GET", `/Groups/${own.group}`);
  return JSON.stringify([user.status, user.body.meta, group.status, group.body.meta, group.body.members]);
}

const patchOp = (value: unknown) => ({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: value });

describe("SCIM: another company, and another directory of the same company, see nothing", () => {
  const intruders = (): Array<[string, string]> => [
    ["company B", b.token],
    ["company B, second directory", bSecond.token],
    ["company A, second directory", aSecond.token],
  ];

  test("every endpoint with a foreign id answers exactly as with an id that never existed", async () => {
    const before = await ownedState();
    for (const [who, token] of intruders()) {
      for (const [type, target] of [
        ["Users", own.user],
        ["Groups", own.group],
      ] as const) {
        const body = type === "Users" ? oktaUser("x@b.example") : { displayName: "X" };
        for (const [method, payload] of [
          ["GET", undefined],
          ["PUT", body],
          ["PATCH", patchOp([{ op: "replace", value: type === "Users" ? { active: false } : { displayName: "Y" } }])],
          ["DELETE", undefined],
        ] as const) {
          const missing = randomUUID();
          const foreign = await scim(env(), token, method, `/${type}/${target}`, payload);
          const never = await scim(env(), token, method, `/${type}/${missing}`, payload);
          expect(shape(foreign, target), `${who}: ${method} /${type}/{id}`).toEqual(shape(never, missing));
          expect(foreign.status).toBe(404);
          // A conditional request learns nothing either: If-Match on a foreign id is still 404, never 412.
          const conditional = await scim(env(), token, method, `/${type}/${target}`, payload, {
            "If-Match": 'W/"999"',
          });
          expect(conditional.status, `${who}: ${method} If-Match`).toBe(404);
        }
      }
    }
    expect(await ownedState()).toBe(before);
  });

  test("filters and lists never show or count another tenant's users and groups", async () => {
    for (const [who, token] of intruders()) {
      for (const filter of [
        `id eq "${own.user}"`,
        `userName eq "${own.userName}"`,
        `userName co "owned"`,
        `externalId eq "${own.externalId}"`,
        `emails.value eq "${own.userName}"`,
        `id pr`,
      ]) {
        const reply = await scim(env(), token, "GET", `/Users?filter=${encodeURIComponent(filter)}`);
        expect([reply.status, reply.body.totalResults], `${who}: ${filter}`).toEqual([200, 0]);
      }
      const groups = await scim(env(), token, "GET", `/Groups?filter=${encodeURIComponent('displayName eq "Owned"')}`);
      expect(groups.body.totalResults, who).toBe(0);
      expect((await scim(env(), token, "GET", "/Users?count=1000")).body.totalResults, who).toBe(0);
    }
  });

  test("another tenant's user cannot be made a member of one's group: refused exactly like an unknown id", async () => {
    for (const [who, token] of intruders()) {
      const missing = randomUUID();
      const foreign = await scim(env(), token, "POST", "/Groups", {
        displayName: `G ${who}`,
        members: [{ value: own.user }],
      });
      const never = await scim(env(), token, "POST", "/Groups", {
        displayName: `G ${who}`,
        members: [{ value: missing }],
      });
      expect(shape(foreign, own.user), who).toEqual(shape(never, missing));
      const mine = (await scim(env(), token, "POST", "/Groups", { displayName: `Mine ${who}` })).body.id as string;
      const add = (value: string) => patchOp([{ op: "add", path: "members", value: [{ value }] }]);
      const viaPatch = await scim(env(), token, "PATCH", `/Groups/${mine}`, add(own.user));
      const neverPatch = await scim(env(), token, "PATCH", `/Groups/${mine}`, add(missing));
      expect(shape(viaPatch, own.user), who).toEqual(shape(neverPatch, missing));
    }
  });

  test("uniqueness: userName is per company (409 from a sibling directory, fine elsewhere), externalId per directory", async () => {
    expect((await scim(env(), aSecond.token, "POST", "/Users", oktaUser(own.userName))).status).toBe(409);
    expect(
      (await scim(env(), b.token, "POST", "/Users", oktaUser(own.userName, { externalId: own.externalId }))).status,
    ).toBe(201);
    expect(
      (await scim(env(), aSecond.token, "POST", "/Users", oktaUser("other@a.example", { externalId: own.externalId })))
        .status,
    ).toBe(201);
  });
});

describe("admin API: a company's paths never reach another company's resources", () => {
  test("sub-resources of company A named under company B answer exactly as ids that never existed", async () => {
    const user = await admin(env(), "GET", `/companies/${a.companyId}/users/${own.user}`);
    expect(user.status).toBe(200);
    const officeA = a.officeIds["San Francisco"] ?? "";
    const licenseA =
      (
        (await admin(env(), "GET", `/companies/${a.companyId}/license-types`)).body.licenseTypes as Array<{
          id: string;
        }>
      )[0]?.id ?? "";
    const tokenA =
      ((await admin(env(), "GET", `/directories/${a.directoryId}/tokens`)).body.tokens as Array<{ id: string }>)[0]
        ?.id ?? "";
    const B = b.companyId;
    const cases: Array<[string, (id: string) => string, unknown, string]> = [
      ["GET", (id) => `/companies/${B}/users/${id}`, undefined, own.user],
      ["PATCH", (id) => `/companies/${B}/users/${id}`, { extension: 205 }, own.user],
      ["POST", (id) => `/companies/${B}/users/${id}/retry`, undefined, own.user],
      ["POST", (id) => `/companies/${B}/users/${id}/move`, { directoryId: b.directoryId }, own.user],
      ["POST", () => `/companies/${B}/users/${own.user}/move`, { directoryId: "{id}" }, a.directoryId],
      ["GET", (id) => `/companies/${B}/offices/${id}`, undefined, officeA],
      ["PATCH", (id) => `/companies/${B}/offices/${id}`, { name: "Taken over" }, officeA],
      ["PATCH", (id) => `/companies/${B}/license-types/${id}`, { monthlyPriceCents: 1 }, licenseA],
      ["DELETE", (id) => `/directories/${b.directoryId}/tokens/${id}`, undefined, tokenA],
      ["POST", () => `/companies/${B}/numbers`, { numbers: ["+14155550178"], officeId: "{id}" }, officeA],
    ];
    for (const [method, path, body, foreignId] of cases) {
      const missing = randomUUID();
      const withId = (id: string) =>
        body === undefined ? undefined : JSON.parse(JSON.stringify(body).replace("{id}", id));
      const foreign = await admin(env(), method, path(foreignId), withId(foreignId));
      const never = await admin(env(), method, path(missing), withId(missing));
      expect(shape(foreign, foreignId), `${method} ${path(":id")}`).toEqual(shape(never, missing));
      expect(foreign.status).toBe(404);
    }
    // Nothing of A changed, and A's token still works.
    expect((await admin(env(), "GET", `/companies/${a.companyId}/users/${own.user}`)).body).toEqual(user.body);
    expect((await scim(env(), a.token, "GET", `/Users/${own.user}`)).status).toBe(200);
  });

  test("another company's number, license type or user name in a body is refused like an unknown one", async () => {
    const userB = (await scim(env(), b.token, "POST", "/Users", oktaUser("b.user@b.example"))).body.id as string;
    const did = (n: string) => admin(env(), "PATCH", `/companies/${b.companyId}/users/${userB}`, { did: n });
    expect(shape(await did(own.number), own.number)).toEqual(shape(await did("+14155550179"), "+14155550179"));
    const del = (n: string) => admin(env(), "DELETE", `/companies/${b.companyId}/numbers/${encodeURIComponent(n)}`);
    expect(shape(await del(own.number), own.number)).toEqual(shape(await del("+14155550179"), "+14155550179"));
    const password = (userName: string) =>
      env().app.request(`/auth/${b.companyId}/password`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ userName, password: "tempP@ss123!" }),
      });
    await scim(env(), a.token, "POST", "/Users", oktaUser("only.in.a@a.example")); // same password as B's users
    const [foreign, never] = [await password("only.in.a@a.example"), await password("nobody@b.example")];
    const answer = async (r: Response) => [r.status, (await r.text()).replace(/"requestId":"[^"]*"/, "")];
    expect(await answer(foreign)).toEqual(await answer(never));
    expect(foreign.status).toBe(401);
  });
});
