import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, code, message } from "./helpers/openapi.ts";

const env = useTestEnv();
const api = apiClient(env);

async function company(): Promise<string> {
  const res = await api("POST", "/companies", { name: "Acme", country: "US", defaultAreaCode: "415" });
  return res.body.id as string;
}

describe("directories own domains; at most one is the master", () => {
  test("a directory is created with domains and flags, shown, listed and changed (strictly)", async () => {
    const c = await company();
    const created = await api("POST", `/companies/${c}/directories`, {
      name: "Okta EU",
      domains: [" Acme.DE ", "acme.de", "acme.fr"],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Okta EU", domains: ["acme.de", "acme.fr"], master: false });
    expect(created.body.adoptExisting).toBe(false);
    const id = created.body.id as string;
    expect((await api("GET", `/directories/${id}`)).body).toEqual(created.body);
    const changed = await api("PATCH", `/directories/${id}`, { domains: ["acme.de"], adoptExisting: true });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: "Okta EU", domains: ["acme.de"], adoptExisting: true, master: false });
    const list = await api("GET", `/companies/${c}/directories`);
    expect((list.body.directories as Array<{ id: string }>).map((d) => d.id)).toEqual([id]);

    expect(code(await api("PATCH", `/directories/${id}`, { color: "blue" }))).toBe("VALIDATION_FAILED");
    expect(code(await api("PATCH", `/directories/${id}`, {}))).toBe("VALIDATION_FAILED");
    expect(code(await api("PATCH", `/directories/${id}`, { domains: ["not a domain"] }))).toBe("VALIDATION_FAILED");
    expect(code(await api("PATCH", `/directories/${id}`, { master: "yes" }))).toBe("VALIDATION_FAILED");
    expect(code(await api("PATCH", `/directories/${randomUUID()}`, { name: "x" }))).toBe("DIRECTORY_NOT_FOUND");
    expect(code(await api("GET", `/directories/${randomUUID()}`))).toBe("DIRECTORY_NOT_FOUND");
    expect(code(await api("POST", `/companies/${randomUUID()}/directories`, { name: "x" }))).toBe("COMPANY_NOT_FOUND");
    expect(code(await api("POST", `/companies/${c}/directories`, { name: "okta eu" }))).toBe("DIRECTORY_EXISTS");
  });

  test("two directories share a domain only when one is the master or adopts existing users", async () => {
    const c = await company();
    const a = (await api("POST", `/companies/${c}/directories`, { name: "A", domains: ["acme.com", "a.io"] })).body;
    const clash = await api("POST", `/companies/${c}/directories`, { name: "B", domains: ["x.io", "acme.com"] });
    expect(clash.status).toBe(409);
    expect(code(clash)).toBe("DOMAIN_CLAIMED");
    expect(message(clash)).toContain("acme.com");
    expect(message(clash)).toContain(`"A"`);

    // A migration: the new directory adopts the old one's users.
    const b = await api("POST", `/companies/${c}/directories`, {
      name: "B",
      domains: ["acme.com"],
      adoptExisting: true,
    });
    expect(b.status).toBe(201);
    // Turning adoption off again would leave two plain directories claiming acme.com.
    const off = await api("PATCH", `/directories/${b.body.id}`, { adoptExisting: false });
    expect(code(off)).toBe("DOMAIN_CLAIMED");
    expect((await api("GET", `/directories/${b.body.id}`)).body.adoptExisting).toBe(true);
    // A master may claim any domain.
    const m = await api("POST", `/companies/${c}/directories`, { name: "M", domains: ["a.io"], master: true });
    expect(m.status).toBe(201);
    // A plain directory may join a domain the master claims, but not one a plain directory claims.
    const d = await api("POST", `/companies/${c}/directories`, { name: "D", domains: ["x.io"] });
    expect(code(await api("PATCH", `/directories/${d.body.id}`, { domains: ["x.io", "a.io"] }))).toBe("DOMAIN_CLAIMED");
    expect(a.id).toBeTruthy();
  });

  test("at most one master per company, also under concurrent requests", async () => {
    const c = await company();
    const first = await api("POST", `/companies/${c}/directories`, { name: "Master", master: true });
    expect(first.status).toBe(201);
    const second = await api("POST", `/companies/${c}/directories`, { name: "Other", master: true });
    expect(code(second)).toBe("MASTER_EXISTS");
    expect(message(second)).toContain("Master");
    const plain = await api("POST", `/companies/${c}/directories`, { name: "Plain" });
    expect(code(await api("PATCH", `/directories/${plain.body.id}`, { master: true }))).toBe("MASTER_EXISTS");
    // Handing the role over: off on the first, then on the other.
    expect((await api("PATCH", `/directories/${first.body.id}`, { master: false })).status).toBe(200);
    expect((await api("PATCH", `/directories/${plain.body.id}`, { master: true })).status).toBe(200);

    const c2 = await company();
    const racing = await Promise.all(
      Array.from({ length: 6 }, (_, i) => api("POST", `/companies/${c2}/directories`, { name: `D${i}`, master: true })),
    );
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);
    expect(racing.filter((r) => code(r) === "MASTER_EXISTS")).toHaveLength(5);
  });

  test("a directory's new flags reach its tokens: a directory turned master lists the whole company", async () => {
    const c = await company();
    await api("POST", `/companies/${c}/offices`, { name: "HQ", country: "US", seats: { "Dialpad_Ai Voice": 5 } });
    const a = (await api("POST", `/companies/${c}/directories`, { name: "A" })).body.id as string;
    const b = (await api("POST", `/companies/${c}/directories`, { name: "B" })).body.id as string;
    const tokenA = (await api("POST", `/directories/${a}/tokens`)).body.token as string;
    const tokenB = (await api("POST", `/directories/${b}/tokens`)).body.token as string;
    const user = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "ann@acme.com", active: true };
    expect((await scim(env(), tokenA, "POST", "/Users", user)).status).toBe(201);
    expect((await scim(env(), tokenB, "GET", "/Users")).body.totalResults).toBe(0);
    await api("PATCH", `/directories/${b}`, { master: true });
    expect((await scim(env(), tokenB, "GET", "/Users")).body.totalResults).toBe(1);
  });
});
