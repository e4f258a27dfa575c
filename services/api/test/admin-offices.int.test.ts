import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);

type Office = {
  id: string;
  name: string;
  country: string;
  main: boolean;
  seats: Record<string, { purchased: number; used: number }>;
};
type Member = { id: string; userName: string; status: string; error: string | null };

const tenant = (company: Record<string, unknown> = {}) =>
  createTenant(env(), {
    client,
    company,
    offices: [
      { name: "SF", country: "US", seats: { "Dialpad_Ai Voice": 1 } },
      { name: "Berlin", country: "DE" },
    ],
  });
const office = async (t: Tenant, name: string) =>
  ((await api("GET", `/companies/${t.companyId}/offices`)).body.offices as Office[]).find((o) => o.name === name);
const patch = (t: Tenant, officeId: string | undefined, body: unknown) =>
  api("PATCH", `/companies/${t.companyId}/offices/${officeId}`, body);

describe("POST and GET offices", () => {
  test("creates with seats per license type (0 for the others); refuses duplicates and unknown types", async () => {
    const t = await tenant();
    const res = await api("POST", `/companies/${t.companyId}/offices`, {
      name: "London",
      country: "United Kingdom",
      seats: { Dialpad_Support: 3 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "London",
      country: "GB",
      main: false,
      seats: {
        "Dialpad_Ai Voice": { purchased: 0, used: 0 },
        Dialpad_Support: { purchased: 3, used: 0 },
        "Dialpad_Ai Sales": { purchased: 0, used: 0 },
      },
    });
    expect((await api("GET", `/companies/${t.companyId}/offices/${res.body.id}`)).body).toEqual(res.body);
    const dup = await api("POST", `/companies/${t.companyId}/offices`, { name: "london", country: "GB" });
    expect([dup.status, code(dup)]).toEqual([409, "OFFICE_EXISTS"]);
    const unknown = await api("POST", `/companies/${t.companyId}/offices`, {
      name: "X",
      country: "GB",
      seats: { Gold: 1 },
    });
    expect([unknown.status, code(unknown)]).toEqual([400, "UNKNOWN_LICENSE_TYPE"]);
    const invalid = await api("POST", `/companies/${t.companyId}/offices`, {
      name: "",
      country: "ZZ",
      seats: { A: -1 },
    });
    expect(code(invalid)).toBe("VALIDATION_FAILED");
    for (const field of ["name", "country", "seats.A"]) expect(message(invalid)).toContain(field);
    expect(code(await api("POST", `/companies/${randomUUID()}/offices`, { name: "X", country: "US" }))).toBe(
      "COMPANY_NOT_FOUND",
    );
  });

  test("another company's office, or an unknown one, is 404", async () => {
    const [a, b] = [await tenant(), await tenant()];
    expect(code(await api("GET", `/companies/${a.companyId}/offices/${b.officeIds.SF}`))).toBe("OFFICE_NOT_FOUND");
    expect(code(await api("GET", `/companies/${a.companyId}/offices/${randomUUID()}`))).toBe("OFFICE_NOT_FOUND");
    expect(code(await patch(a, b.officeIds.SF, { name: "Mine" }))).toBe("OFFICE_NOT_FOUND");
    expect((await office(b, "SF"))?.name).toBe("SF");
    expect(code(await api("PATCH", `/companies/${randomUUID()}/offices/${a.officeIds.SF}`, { name: "X" }))).toBe(
      "COMPANY_NOT_FOUND",
    );
  });
});

describe("PATCH /companies/{id}/offices/{officeId}", () => {
  test("renames, changes the country, and moves the main flag; names stay unique", async () => {
    const t = await tenant();
    expect((await office(t, "SF"))?.main).toBe(true);
    const res = await patch(t, t.officeIds.Berlin, { name: "Berlin Mitte", country: "de", main: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "Berlin Mitte", country: "DE", main: true });
    expect((await office(t, "SF"))?.main).toBe(false);

    const clash = await patch(t, t.officeIds.SF, { name: "BERLIN MITTE" });
    expect([clash.status, code(clash)]).toEqual([409, "OFFICE_EXISTS"]);
    const unmain = await patch(t, t.officeIds.Berlin, { main: false });
    expect([unmain.status, code(unmain)]).toEqual([409, "MAIN_OFFICE_REQUIRED"]);
    expect((await patch(t, t.officeIds.SF, { main: false })).status).toBe(200);
    expect((await office(t, "Berlin Mitte"))?.main).toBe(true);
  });

  test("validates the body: empty, unknown fields, bad values, unknown license types", async () => {
    const t = await tenant();
    expect(message(await patch(t, t.officeIds.SF, {}))).toContain("at least one");
    const typo = await patch(t, t.officeIds.SF, { seat: { "Dialpad_Ai Voice": 2 } });
    expect(code(typo)).toBe("VALIDATION_FAILED");
    expect(message(typo)).toContain("seat");
    const negative = await patch(t, t.officeIds.SF, { seats: { "Dialpad_Ai Voice": -2 } });
    expect(message(negative)).toContain("seats.Dialpad_Ai Voice");
    const unknown = await patch(t, t.officeIds.SF, { seats: { Gold: 2 } });
    expect(code(unknown)).toBe("UNKNOWN_LICENSE_TYPE");
    expect(message(unknown)).toContain('"Gold"');
    expect((await office(t, "SF"))?.seats["Dialpad_Ai Voice"]).toEqual({ purchased: 1, used: 0 });
  });

  test("seats go up and down, never below those in use (409 SEATS_IN_USE); added seats resume waiting users", async () => {
    const t = await tenant({ autoPurchaseLicenses: false });
    // Accepted before any worker runs (the door sees SF's free seat each time); the worker seats one.
    const ids: string[] = [];
    for (const name of ["first", "second", "third"]) {
      const res = await scim(env(), t.token, "POST", "/Users", oktaUser(`${name}@example.com`, { officeName: "SF" }));
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    const statuses = async () => {
      const users = (await api("GET", `/companies/${t.companyId}/users`)).body.users as Member[];
      return ids.map((id) => {
        const u = users.find((m) => m.id === id);
        return u ? `${u.status}${u.error ? `:${u.error}` : ""}` : "missing";
      });
    };
    const waiting = "failed:no_license_available";
    const worker = startWorker(env());
    try {
      const count = (list: string[], status: string) => list.filter((s) => s === status).length;
      const oneSeated = async () => {
        const now = await statuses();
        return count(now, "active") === 1 && count(now, waiting) === 2 && now;
      };
      const first = await eventually(oneSeated, 20_000, "one seated");
      // Which user the worker seated first is up to the queue; the waiting ones, in creation order:
      const [older, younger] = ids.filter((_, i) => first[i] === waiting);

      const below = await patch(t, t.officeIds.SF, { seats: { "Dialpad_Ai Voice": 0 } });
      expect([below.status, code(below)]).toEqual([409, "SEATS_IN_USE"]);
      expect(message(below)).toContain('1 "Dialpad_Ai Voice" seat(s) in use');

      // One seat more: the oldest waiting user continues, the other keeps waiting.
      const one = await patch(t, t.officeIds.SF, { seats: { "Dialpad_Ai Voice": 2 } });
      expect(one.body.seats).toMatchObject({ "Dialpad_Ai Voice": { purchased: 2, used: 1 } });
      const statusOf = async (id: string | undefined) => (await statuses())[ids.indexOf(id ?? "")];
      await eventually(async () => (await statusOf(older)) === "active", 20_000, "the older one seated");
      expect(await statusOf(younger)).toBe(waiting);
      await patch(t, t.officeIds.SF, { seats: { "Dialpad_Ai Voice": 5, Dialpad_Support: 1 } });
      await eventually(async () => (await statuses()).every((s) => s === "active"), 20_000, "all three");
    } finally {
      await stopWorker(worker);
    }
    expect((await office(t, "SF"))?.seats).toMatchObject({
      "Dialpad_Ai Voice": { purchased: 5, used: 3 },
      Dialpad_Support: { purchased: 1, used: 0 },
    });
    // Seats an admin declares are owned licenses: no charge.
    expect((await api("GET", `/companies/${t.companyId}/charges`)).body.charges).toEqual([]);
    const down = await patch(t, t.officeIds.SF, { seats: { "Dialpad_Ai Voice": 3 } });
    expect(down.body.seats).toMatchObject({ "Dialpad_Ai Voice": { purchased: 3, used: 3 } });
  });
});
