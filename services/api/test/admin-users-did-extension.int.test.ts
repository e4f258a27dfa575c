import { randomUUID } from "node:crypto";
import type { Runtime } from "@scimline/worker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
let worker: Runtime | undefined;
beforeAll(() => {
  worker = startWorker(env());
});
afterAll(() => stopWorker(worker));

type Member = { id: string; status: string; did: string | null; extension: string | null; licenseType: string };
type User = { id: string; userName: string };
type PhoneNumber = { e164: string; officeId: string | null; assignedUserId: string | null };

const tenant = () =>
  createTenant(env(), {
    client,
    offices: [
      { name: "SF", country: "US", main: true, seats: { "Dialpad_Ai Voice": 10, Dialpad_Support: 5 } },
      { name: "Berlin", country: "DE", seats: { "Dialpad_Ai Voice": 5 } },
    ],
  });
const member = async (t: Tenant, u: User) => {
  const res = await api("GET", `/companies/${t.companyId}/users?q=${encodeURIComponent(u.userName)}`);
  return (res.body.users as Member[]).find((m) => m.id === u.id);
};
async function activeUser(t: Tenant, userName: string, extra: Record<string, unknown> = {}): Promise<User> {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName, extra));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const user = { id: res.body.id as string, userName };
  await eventually(async () => (await member(t, user))?.status === "active", 20_000, `${userName} active`);
  return user;
}
const numbers = async (t: Tenant) =>
  (await api("GET", `/companies/${t.companyId}/numbers`)).body.numbers as PhoneNumber[];
const numberOf = async (t: Tenant, e164: string) => (await numbers(t)).find((n) => n.e164 === e164);
const change = (t: Tenant, u: User, body: unknown) => api("PATCH", `/companies/${t.companyId}/users/${u.id}`, body);

describe("PATCH /companies/{id}/users/{userId} did", () => {
  test("takes an unassigned number and returns the old one to the pool of its office", async () => {
    const t = await tenant();
    await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+4930555001"], officeId: t.officeIds.Berlin });
    await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550201", "+14155550300"] });
    const hans = await activeUser(t, "hans@example.com", { officeName: "Berlin" });
    const sam = await activeUser(t, "sam@example.com", { officeName: "SF" });
    expect((await member(t, hans))?.did).toBe("+4930555001");
    expect((await member(t, sam))?.did).toBe("+14155550201");

    const moved = await change(t, hans, { did: "+14155550300" });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: hans.id, did: "+14155550300", status: "active", officeName: "Berlin" });
    expect(await numberOf(t, "+4930555001")).toMatchObject({ assignedUserId: null, officeId: t.officeIds.Berlin });
    expect(await numberOf(t, "+14155550300")).toMatchObject({ assignedUserId: hans.id });

    // Sam's number was bound to no office: released, it joins the pool of Sam's office.
    await change(t, sam, { did: "+4930555001" });
    expect(await numberOf(t, "+14155550201")).toMatchObject({ assignedUserId: null, officeId: t.officeIds.SF });
    expect(await numberOf(t, "+4930555001")).toMatchObject({ assignedUserId: sam.id });

    // The worker reconciling again keeps the admin's choice.
    await api("POST", `/companies/${t.companyId}/users/${sam.id}/retry`);
    await eventually(async () => {
      const [row] = await env().database
        .sql`select applied_generation = generation as done from users where id = ${sam.id}`;
      return row?.done === true;
    });
    expect((await member(t, sam))?.did).toBe("+4930555001");
    // The same number again is a no-op.
    expect((await change(t, sam, { did: "+4930555001" })).status).toBe(200);
  });

  test("refuses a taken, unknown or other company's number, and a license without DIDs", async () => {
    const t = await tenant();
    const other = await tenant();
    await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550401", "+14155550402"] });
    await api("POST", `/companies/${other.companyId}/numbers`, { numbers: ["+14155550499"] });
    const ann = await activeUser(t, "ann@example.com");
    const bob = await activeUser(t, "bob@example.com");
    const bobDid = (await member(t, bob))?.did ?? "";

    const taken = await change(t, ann, { did: bobDid });
    expect(taken.status).toBe(409);
    expect(code(taken)).toBe("NUMBER_TAKEN");
    expect(code(await change(t, ann, { did: "+14155550999" }))).toBe("NUMBER_NOT_FOUND");
    expect(code(await change(t, ann, { did: "+14155550499" }))).toBe("NUMBER_NOT_FOUND");
    const invalid = await change(t, ann, { did: "555-0100" });
    expect(code(invalid)).toBe("VALIDATION_FAILED");
    expect(message(invalid)).toContain("did");

    const support = await activeUser(t, "cs@example.com", {
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { licenseType: "Dialpad_Support" },
    });
    const noDid = await change(t, support, { did: "+14155550999" });
    expect(noDid.status).toBe(400);
    expect(code(noDid)).toBe("LICENSE_HAS_NO_DID");
    // All or nothing: a new license without DIDs and a DID in one request change nothing.
    const both = await change(t, ann, { licenseType: "Dialpad_Support", extension: 150, did: bobDid });
    expect(code(both)).toBe("LICENSE_HAS_NO_DID");
    expect(await member(t, ann)).toMatchObject({ licenseType: "Dialpad_Ai Voice", extension: "100" });
  });

  test("two admins giving the same number to two users at once: one wins, the other gets 409", async () => {
    const t = await tenant();
    const [ann, bob] = [await activeUser(t, "ann@example.com"), await activeUser(t, "bob@example.com")];
    await api("POST", `/companies/${t.companyId}/numbers`, { numbers: ["+14155550777"] });
    const replies = await Promise.all([ann, bob].map((u) => change(t, u, { did: "+14155550777" })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(replies.map((r) => code(r)).filter(Boolean)).toEqual(["NUMBER_TAKEN"]);
    const holders = (await numbers(t)).filter((n) => n.e164 === "+14155550777").map((n) => n.assignedUserId);
    expect(holders).toHaveLength(1);
  });
});

describe("PATCH /companies/{id}/users/{userId} extension", () => {
  test("takes a free extension, frees the old one, and refuses a taken or out-of-range one", async () => {
    const t = await tenant();
    const ann = await activeUser(t, "ann@example.com");
    const bob = await activeUser(t, "bob@example.com");
    expect([(await member(t, ann))?.extension, (await member(t, bob))?.extension].sort()).toEqual(["100", "101"]);
    const annExt = (await member(t, ann))?.extension;

    const moved = await change(t, ann, { extension: 205 });
    expect(moved.status).toBe(200);
    expect(moved.body.extension).toBe("205");
    const taken = await change(t, bob, { extension: "205" });
    expect(taken.status).toBe(409);
    expect(code(taken)).toBe("EXTENSION_TAKEN");
    // The freed extension is the lowest free one again: the next user gets it.
    const cat = await activeUser(t, "cat@example.com");
    expect((await member(t, cat))?.extension).toBe(annExt);

    const outside = await change(t, bob, { extension: 10_000 });
    expect(outside.status).toBe(400);
    expect(code(outside)).toBe("EXTENSION_OUT_OF_RANGE");
    expect(message(outside)).toContain("100-9999");
    for (const bad of ["12a", -1, 1.5, ""]) {
      const res = await change(t, bob, { extension: bad });
      expect(code(res), String(bad)).toBe("VALIDATION_FAILED");
      expect(message(res)).toContain("extension");
    }
    // Unique constraints agree with what the API says.
    const rows = await env().database.sql`
      select extension from users where company_id = ${t.companyId} group by extension having count(*) > 1`;
    expect(rows).toHaveLength(0);
  });

  test("two admins giving the same extension to two users at once: one wins, the other gets 409", async () => {
    const t = await tenant();
    const [ann, bob] = [await activeUser(t, "ann@example.com"), await activeUser(t, "bob@example.com")];
    const replies = await Promise.all([ann, bob].map((u) => change(t, u, { extension: 4242 })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(replies.map((r) => code(r)).filter(Boolean)).toEqual(["EXTENSION_TAKEN"]);
    const [pool] = await env().database.sql<{ user_id: string | null }[]>`
      select user_id from extension_pool where company_id = ${t.companyId} and extension = 4242`;
    const winner = replies.findIndex((r) => r.status === 200);
    expect(pool?.user_id).toBe([ann, bob][winner]?.id);
  });
});

describe("PATCH /companies/{id}/users/{userId}: who and what", () => {
  test("unknown, deleted and other companies' users are 404; bad ids and bodies are 400", async () => {
    const t = await tenant();
    const other = await tenant();
    const ann = await activeUser(t, "ann@example.com");
    const path = `/companies/${t.companyId}/users/${ann.id}`;
    expect(code(await api("PATCH", `/companies/${t.companyId}/users/${randomUUID()}`, { extension: 300 }))).toBe(
      "USER_NOT_FOUND",
    );
    expect(code(await api("PATCH", `/companies/${other.companyId}/users/${ann.id}`, { extension: 300 }))).toBe(
      "USER_NOT_FOUND",
    );
    expect(code(await api("PATCH", `/companies/${randomUUID()}/users/${ann.id}`, { extension: 300 }))).toBe(
      "COMPANY_NOT_FOUND",
    );
    const badId = await api("PATCH", `/companies/${t.companyId}/users/42`, { extension: 300 });
    expect(code(badId)).toBe("VALIDATION_FAILED");
    expect(message(badId)).toContain("userId");
    expect(message(await api("PATCH", path, {}))).toContain("at least one of licenseType, officeId, did, extension");
    const unknown = await api("PATCH", path, { status: "active" });
    expect(code(unknown)).toBe("VALIDATION_FAILED");
    expect(message(unknown)).toContain("status");
    expect((await api("PATCH", path, undefined, { rawBody: "not json" })).status).toBe(400);

    expect((await scim(env(), t.token, "DELETE", `/Users/${ann.id}`)).status).toBe(204);
    expect(code(await api("PATCH", path, { extension: 300 }))).toBe("USER_NOT_FOUND");
  });
});
