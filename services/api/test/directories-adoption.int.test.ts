import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { addDirectory, byUserName, type Directory } from "./helpers/directories.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, code, message } from "./helpers/openapi.ts";

const env = useTestEnv();
const api = apiClient(env);
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const detail = (r: { body: Record<string, unknown> }) => String(r.body.detail ?? "");
const ids = (r: { body: Record<string, unknown> }) =>
  ((r.body.Resources ?? []) as Array<{ id: string }>).map((u) => u.id);

type Setup = { t: Tenant; b: Directory; plain: Directory };

/** Directory A (the tenant's, no domains) has users; B adopts acme.com; "plain" adopts nothing. */
async function setup(): Promise<Setup> {
  const t = await createTenant(env());
  const b = await addDirectory(env(), t.companyId, { name: "Entra", domains: ["acme.com"], adoptExisting: true });
  const plain = await addDirectory(env(), t.companyId, { name: "Google", domains: ["acme.io"] });
  return { t, b, plain };
}

const create = async (token: string, userName: string, extra: Record<string, unknown> = {}) =>
  (await scim(env(), token, "POST", "/Users", oktaUser(userName, extra))).body.id as string;
const eventsOf = async (t: Tenant, id: string) =>
  ((await api("GET", `/companies/${t.companyId}/users/${id}/events`)).body.events as Array<{
    type: string;
    data: Record<string, unknown>;
  }>) ?? [];

describe("adoptExisting: users of its domains owned by other directories", () => {
  test("are visible to it by filter and by id, not in its unfiltered list; other domains stay hidden", async () => {
    const { t, b, plain } = await setup();
    const com = await create(t.token, "ann@acme.com");
    const de = await create(t.token, "bert@acme.de");
    expect(ids(await scim(env(), b.token, "GET", byUserName("ANN@acme.com")))).toEqual([com]);
    expect((await scim(env(), b.token, "GET", `/Users/${com}`)).status).toBe(200);
    expect((await scim(env(), b.token, "GET", "/Users")).body.totalResults).toBe(0);
    expect((await scim(env(), b.token, "GET", byUserName("bert@acme.de"))).body.totalResults).toBe(0);
    expect((await scim(env(), b.token, "GET", `/Users/${de}`)).status).toBe(404);
    expect((await scim(env(), plain.token, "GET", byUserName("ann@acme.com"))).body.totalResults).toBe(0);
    expect((await scim(env(), plain.token, "GET", `/Users/${com}`)).status).toBe(404);
  });

  test("a POST with the same userName adopts the user: 201, same id, office, DID and extension", async () => {
    const { t, b } = await setup();
    const id = await create(t.token, "carl@acme.com", { title: "Okta's" });
    const before = (await api("GET", `/companies/${t.companyId}/users/${id}`)).body;
    const adopted = await scim(env(), b.token, "POST", "/Users", oktaUser("Carl@ACME.com", { title: "Entra's" }));
    expect(adopted.status).toBe(201);
    expect(adopted.body.id).toBe(id);
    expect(adopted.headers.get("location")).toContain(`/Users/${id}`);
    expect(adopted.body.title).toBe("Entra's");
    const after = (await api("GET", `/companies/${t.companyId}/users/${id}`)).body;
    expect(after).toMatchObject({
      directoryId: b.directoryId,
      officeId: before.officeId,
      did: before.did,
      extension: before.extension,
      licenseType: before.licenseType,
    });
    // The old directory no longer sees it; the new one lists it as its own.
    expect((await scim(env(), t.token, "GET", `/Users/${id}`)).status).toBe(404);
    expect(ids(await scim(env(), b.token, "GET", "/Users"))).toEqual([id]);
    const adoptedEvents = (await eventsOf(t, id)).filter((e) => e.type === "user.adopted");
    expect(adoptedEvents).toEqual([
      expect.objectContaining({ data: { fromDirectoryId: t.directoryId, toDirectoryId: b.directoryId } }),
    ]);
    // A second POST from the new owner is the ordinary 409.
    const again = await scim(env(), b.token, "POST", "/Users", oktaUser("carl@acme.com"));
    expect(again.status).toBe(409);
  });

  test("a PUT or a PATCH (Entra's update after its lookup) adopts too; the new IdP's license is its own", async () => {
    const { t, b } = await setup();
    const put = await create(t.token, "dora@acme.com");
    const patched = await create(t.token, "emil@acme.com");
    const viaPut = await scim(
      env(),
      b.token,
      "PUT",
      `/Users/${put}`,
      oktaUser("dora@acme.com", { licenseType: "Dialpad_Ai Sales" }),
    );
    expect(viaPut.status).toBe(200);
    const telephony = viaPut.body["urn:scimline:params:scim:schemas:extension:telephony:2.0:User"] as {
      licenseType: string;
    };
    expect(telephony.licenseType).toBe("Dialpad_Ai Voice");
    const viaPatch = await scim(env(), b.token, "PATCH", `/Users/${patched}`, {
      schemas: [PATCH],
      Operations: [{ op: "Replace", path: "displayName", value: "Emil E" }],
    });
    expect(viaPatch.status).toBe(200);
    // A PATCH that changes nothing still takes the user over.
    const noop = await create(t.token, "fay@acme.com");
    const empty = await scim(env(), b.token, "PATCH", `/Users/${noop}`, { schemas: [PATCH], Operations: [] });
    expect(empty.status).toBe(200);
    for (const id of [put, patched, noop]) {
      expect((await api("GET", `/companies/${t.companyId}/users/${id}`)).body.directoryId).toBe(b.directoryId);
      expect((await eventsOf(t, id)).some((e) => e.type === "user.adopted")).toBe(true);
    }
    // The new IdP re-sending its own license is no change; another one is the usual 400 mutability.
    const same = await scim(
      env(),
      b.token,
      "PUT",
      `/Users/${put}`,
      oktaUser("dora@acme.com", { licenseType: "Dialpad_Ai Sales" }),
    );
    expect(same.status).toBe(200);
    const other = await scim(
      env(),
      b.token,
      "PUT",
      `/Users/${put}`,
      oktaUser("dora@acme.com", { licenseType: "Dialpad_Support" }),
    );
    expect(other.status).toBe(400);
    expect(other.body.scimType).toBe("mutability");
  });

  test("without adoption, the 409 names the owning directory and how to enable adoption", async () => {
    const { t, plain } = await setup();
    const owner = await addDirectory(env(), t.companyId, {
      name: "Okta IO",
      domains: ["acme.io"],
      adoptExisting: true,
    });
    await create(owner.token, "gus@acme.io");
    const refused = await scim(env(), plain.token, "POST", "/Users", oktaUser("gus@acme.io"));
    expect(refused.status).toBe(409);
    expect(refused.body.scimType).toBe("uniqueness");
    expect(detail(refused)).toContain('"Okta IO"');
    expect(detail(refused)).toContain(`PATCH /api/v1/directories/${plain.directoryId} {"adoptExisting": true}`);
    // An adopting directory whose domains do not cover the user says that instead.
    const b = await addDirectory(env(), t.companyId, { name: "Entra DE", domains: ["acme.de"], adoptExisting: true });
    await create(t.token, "hans@acme.com");
    const dePost = await scim(env(), b.token, "POST", "/Users", oktaUser("hans@acme.com"));
    expect(dePost.status).toBe(400);
    expect(detail(dePost)).toContain("acme.de");
  });

  test("a directory without domains that adopts covers every user of the company", async () => {
    const t = await createTenant(env());
    const any = await addDirectory(env(), t.companyId, { name: "New IdP", adoptExisting: true });
    const id = await create(t.token, "ivy@wherever.org");
    expect(ids(await scim(env(), any.token, "GET", byUserName("ivy@wherever.org")))).toEqual([id]);
    expect((await scim(env(), any.token, "POST", "/Users", oktaUser("ivy@wherever.org"))).body.id).toBe(id);
  });
});

describe("POST /companies/{id}/users/{userId}/move: an admin re-homes one user", () => {
  test("the user changes directory (user.directory_changed); ids of other tenants are 404", async () => {
    const { t, plain } = await setup();
    const id = await create(t.token, "jan@acme.io");
    const moved = await api("POST", `/companies/${t.companyId}/users/${id}/move`, { directoryId: plain.directoryId });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id, directoryId: plain.directoryId });
    expect((await scim(env(), t.token, "GET", `/Users/${id}`)).status).toBe(404);
    expect((await scim(env(), plain.token, "GET", `/Users/${id}`)).status).toBe(200);
    expect((await eventsOf(t, id)).filter((e) => e.type === "user.directory_changed")).toEqual([
      expect.objectContaining({ data: { fromDirectoryId: t.directoryId, toDirectoryId: plain.directoryId } }),
    ]);
    // Moving to its own directory again changes nothing (no event).
    await api("POST", `/companies/${t.companyId}/users/${id}/move`, { directoryId: plain.directoryId });
    expect((await eventsOf(t, id)).filter((e) => e.type === "user.directory_changed")).toHaveLength(1);

    const other = await createTenant(env());
    const path = `/companies/${t.companyId}/users/${id}/move`;
    expect(code(await api("POST", path, { directoryId: other.directoryId }))).toBe("DIRECTORY_NOT_FOUND");
    expect(code(await api("POST", path, { directoryId: randomUUID() }))).toBe("DIRECTORY_NOT_FOUND");
    const foreignUser = `/companies/${other.companyId}/users/${id}/move`;
    expect(code(await api("POST", foreignUser, { directoryId: other.directoryId }))).toBe("USER_NOT_FOUND");
    expect(code(await api("POST", path, { directoryId: plain.directoryId, extra: 1 }))).toBe("VALIDATION_FAILED");
  });

  test("a directory's domains and externalIds are respected; moving to the owner hands a master's user back", async () => {
    const { t, b } = await setup();
    const outside = await create(t.token, "kim@acme.de");
    const refused = await api("POST", `/companies/${t.companyId}/users/${outside}/move`, {
      directoryId: b.directoryId,
    });
    expect(code(refused)).toBe("OUTSIDE_DOMAINS");
    expect(message(refused)).toContain("acme.com");

    const inB = await create(b.token, "lou@acme.com", { externalId: "same-ext" });
    const inA = await create(t.token, "max@acme.com", { externalId: "same-ext" });
    const clash = await api("POST", `/companies/${t.companyId}/users/${inA}/move`, { directoryId: b.directoryId });
    expect(code(clash)).toBe("EXTERNAL_ID_TAKEN");
    expect(inB).toBeTruthy();

    const master = await addDirectory(env(), t.companyId, { name: "Master", master: true });
    const id = await create(t.token, "ned@acme.de");
    await scim(env(), master.token, "PUT", `/Users/${id}`, oktaUser("ned@acme.de", { title: "Set by master" }));
    const update = () => scim(env(), t.token, "PUT", `/Users/${id}`, oktaUser("ned@acme.de", { title: "Owner's" }));
    expect((await update()).status).toBe(409);
    await api("POST", `/companies/${t.companyId}/users/${id}/move`, { directoryId: t.directoryId });
    expect((await update()).status).toBe(200);
  });
});
