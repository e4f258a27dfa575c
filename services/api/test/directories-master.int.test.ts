import { describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { addDirectory, byUserName, type Directory } from "./helpers/directories.ts";
import { useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();
const detail = (r: { body: Record<string, unknown> }) => String(r.body.detail ?? "");
const ids = (r: { body: Record<string, unknown> }) =>
  ((r.body.Resources ?? []) as Array<{ id: string }>).map((u) => u.id);

/** A company with a master (no domains), an EU directory (acme.de) and a US one (acme.com). */
async function company(): Promise<{ t: Tenant; master: Directory; eu: Directory; us: Directory }> {
  const t = await createTenant(env(), { offices: [{ name: "HQ", country: "US", seats: { "Dialpad_Ai Voice": 50 } }] });
  const master = await addDirectory(env(), t.companyId, { name: "Master", master: true });
  const eu = await addDirectory(env(), t.companyId, { name: "EU", domains: ["acme.de"] });
  const us = await addDirectory(env(), t.companyId, { name: "US", domains: ["acme.com"] });
  return { t, master, eu, us };
}

describe("a directory with domains creates users only in them", () => {
  test("inside: 201; outside or without a domain: 400 naming the directory's domains", async () => {
    const { eu, t } = await company();
    expect((await scim(env(), eu.token, "POST", "/Users", oktaUser("anna@acme.de"))).status).toBe(201);
    expect((await scim(env(), eu.token, "POST", "/Users", oktaUser("ANNA.B@Acme.DE"))).status).toBe(201);
    const outside = await scim(env(), eu.token, "POST", "/Users", oktaUser("bob@acme.com"));
    expect(outside.status).toBe(400);
    expect(outside.body.scimType).toBe("invalidValue");
    expect(detail(outside)).toContain("acme.de");
    expect(detail(outside)).toContain("bob@acme.com");
    // No @ in the userName: the primary email decides.
    const byEmail = oktaUser("cara", { emails: [{ primary: true, value: "cara@acme.de", type: "work" }] });
    expect((await scim(env(), eu.token, "POST", "/Users", byEmail)).status).toBe(201);
    const noDomain = oktaUser("dan", { emails: [] });
    expect((await scim(env(), eu.token, "POST", "/Users", noDomain)).status).toBe(400);
    // A rename that leaves the domains is refused the same way; within them it is fine.
    const anna = (await scim(env(), eu.token, "GET", byUserName("anna@acme.de"))).body.Resources as Array<{
      id: string;
    }>;
    const id = anna[0]?.id ?? "";
    const rename = (userName: string) =>
      scim(env(), eu.token, "PATCH", `/Users/${id}`, {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "replace", path: "userName", value: userName }],
      });
    expect((await rename("anna@acme.com")).status).toBe(400);
    expect((await rename("anna.k@acme.de")).status).toBe(200);
    // The first directory (no domains) stays unrestricted.
    expect((await scim(env(), t.token, "POST", "/Users", oktaUser("eve@anywhere.org"))).status).toBe(201);
  });
});

describe("the master lists, filters, reads and manages every user of the company", () => {
  test("others see only their own; the master sees all of them", async () => {
    const { master, eu, us, t } = await company();
    const de = (await scim(env(), eu.token, "POST", "/Users", oktaUser("jonas@acme.de"))).body.id as string;
    const com = (await scim(env(), us.token, "POST", "/Users", oktaUser("john@acme.com"))).body.id as string;
    const own = (await scim(env(), master.token, "POST", "/Users", oktaUser("mia@acme.org"))).body.id as string;

    const all = await scim(env(), master.token, "GET", "/Users?count=10");
    expect(all.body.totalResults).toBe(3);
    expect(ids(all).sort()).toEqual([de, com, own].sort());
    // Paged one by one (keyset pages), every user once.
    const paged: string[] = [];
    for (let i = 1; i <= 3; i++)
      paged.push(...ids(await scim(env(), master.token, "GET", `/Users?startIndex=${i}&count=1`)));
    expect(paged.sort()).toEqual([de, com, own].sort());
    expect(ids(await scim(env(), master.token, "GET", byUserName("JOHN@acme.com")))).toEqual([com]);
    expect((await scim(env(), master.token, "GET", `/Users/${de}`)).status).toBe(200);

    expect(ids(await scim(env(), eu.token, "GET", "/Users"))).toEqual([de]);
    expect((await scim(env(), eu.token, "GET", byUserName("john@acme.com"))).body.totalResults).toBe(0);
    expect((await scim(env(), eu.token, "GET", `/Users/${com}`)).status).toBe(404);
    expect((await scim(env(), eu.token, "GET", `/Users/${own}`)).status).toBe(404);

    // A create by another directory shows in the master's list at once (its totals move too).
    await scim(env(), us.token, "POST", "/Users", oktaUser("jane@acme.com"));
    expect((await scim(env(), master.token, "GET", "/Users?count=0")).body.totalResults).toBe(4);

    // The master manages others' users: the user stays its owner's.
    const put = await scim(
      env(),
      master.token,
      "PUT",
      `/Users/${de}`,
      oktaUser("jonas@acme.de", { displayName: "Jonas M" }),
    );
    expect(put.status).toBe(200);
    const member = await admin(env(), "GET", `/companies/${t.companyId}/users/${de}`);
    expect(member.body.directoryId).toBe(eu.directoryId);
    expect((await scim(env(), eu.token, "GET", `/Users/${de}`)).body.displayName).toBe("Jonas M");
  });

  test("when the master and a domain directory disagree, the master wins; deactivation and delete still apply", async () => {
    const { master, eu, t } = await company();
    const id = (await scim(env(), eu.token, "POST", "/Users", oktaUser("lena@acme.de", { title: "Engineer" }))).body
      .id as string;
    // Before the master touches the user, its owner changes it freely.
    expect(
      (await scim(env(), eu.token, "PUT", `/Users/${id}`, oktaUser("lena@acme.de", { title: "Lead" }))).status,
    ).toBe(200);
    const byMaster = oktaUser("lena@acme.de", { title: "Director" });
    expect((await scim(env(), master.token, "PUT", `/Users/${id}`, byMaster)).status).toBe(200);

    const refused = await scim(env(), eu.token, "PUT", `/Users/${id}`, oktaUser("lena@acme.de", { title: "Lead" }));
    expect(refused.status).toBe(409);
    expect(detail(refused)).toContain("master");
    expect(detail(refused)).toContain("/move");
    const patch = await scim(env(), eu.token, "PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "title", value: "Lead" }],
    });
    expect(patch.status).toBe(409);
    // Re-sending exactly what is stored changes nothing and is not refused (Okta's GET-then-PUT).
    const current = (await scim(env(), eu.token, "GET", `/Users/${id}`)).body;
    const same = { ...current, password: undefined };
    expect((await scim(env(), eu.token, "PUT", `/Users/${id}`, same)).status).toBe(200);
    expect((await scim(env(), eu.token, "GET", `/Users/${id}`)).body.title).toBe("Director");

    // A deactivation from the owner is always applied, whatever else it carries.
    const off = await scim(env(), eu.token, "PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    // Reactivating is a change: refused while the master holds the user; the master may.
    const on = {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { active: true } }],
    };
    expect((await scim(env(), eu.token, "PATCH", `/Users/${id}`, on)).status).toBe(409);
    expect((await scim(env(), master.token, "PATCH", `/Users/${id}`, on)).status).toBe(200);
    // And a delete from the owner is applied.
    expect((await scim(env(), eu.token, "DELETE", `/Users/${id}`)).status).toBe(204);
    expect((await scim(env(), master.token, "GET", `/Users/${id}`)).status).toBe(404);
    expect((await admin(env(), "GET", `/companies/${t.companyId}/users/${id}`)).status).toBe(404);
  });

  test("the master's own no-op writes leave the owner in charge", async () => {
    const { master, eu } = await company();
    const created = await scim(env(), eu.token, "POST", "/Users", oktaUser("otto@acme.de"));
    const id = created.body.id as string;
    const stored = (await scim(env(), master.token, "GET", `/Users/${id}`)).body;
    expect((await scim(env(), master.token, "PUT", `/Users/${id}`, { ...stored, password: undefined })).status).toBe(
      200,
    );
    const change = await scim(env(), eu.token, "PUT", `/Users/${id}`, oktaUser("otto@acme.de", { title: "Chef" }));
    expect(change.status).toBe(200);
  });
});
