import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, code, message } from "./helpers/openapi.ts";
import { pageThrough } from "./helpers/paging.ts";
import { TestIdp } from "./helpers/sso-idp.ts";
import { eventually, startWorker, stopWorker } from "./helpers/worker.ts";

const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
// Billing day 1 and 2026-11-29: 2 of 30 days left, so a 1500-cent seat costs 100 cents.
const clock = () => new Date("2026-11-29T10:00:00Z");

async function withWorker(fn: () => Promise<void>): Promise<void> {
  const worker = startWorker(env(), { clock });
  try {
    await fn();
  } finally {
    await stopWorker(worker);
  }
}

const createUser = async (t: Tenant, userName: string) => {
  const res = await scim(env(), t.token, "POST", "/Users", oktaUser(userName));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};
type Member = {
  id: string;
  userName: string;
  status: string;
  error: string | null;
  extension: string | null;
  licenseType: string;
};
const member = async (t: Tenant, userName: string) => {
  const res = await api("GET", `/companies/${t.companyId}/users?q=${encodeURIComponent(userName)}`);
  return (res.body.users as Member[]).find((u) => u.userName === userName);
};
const reached = (t: Tenant, userName: string, status: string) => async () =>
  (await member(t, userName))?.status === status;
const pool = async (companyId: string) =>
  (
    await env().database.sql<{ extension: number; user_id: string | null }[]>`
      select extension, user_id from extension_pool where company_id = ${companyId} order by extension`
  ).map((r) => r.extension);

describe("POST and GET /companies", () => {
  test("a create answers 201 with the company, its settings and its catalogue; GET shows the same", async () => {
    const res = await api("POST", "/companies", { name: "Globex", country: "Germany", defaultAreaCode: "212" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "Globex",
      country: "DE",
      defaultAreaCode: "212",
      extensionRange: { start: 100, end: 9999 },
      settings: { autoPurchaseLicenses: true, preventOtherSso: false },
      licenseTypes: [
        { name: "Dialpad_Ai Voice", monthlyPriceCents: 1500, assignsDid: true },
        { name: "Dialpad_Support", monthlyPriceCents: 2500, assignsDid: false },
        { name: "Dialpad_Ai Sales", monthlyPriceCents: 3000, assignsDid: true },
      ],
    });
    const got = await api("GET", `/companies/${res.body.id}`);
    expect(got.body).toEqual(res.body);
  });

  test("validation errors are 400 VALIDATION_FAILED naming each bad field", async () => {
    const empty = await api("POST", "/companies", {});
    expect(empty.status).toBe(400);
    expect(code(empty)).toBe("VALIDATION_FAILED");
    for (const field of ["name", "country", "defaultAreaCode"]) expect(message(empty)).toContain(field);
    const bad = await api("POST", "/companies", {
      name: "X",
      country: "Narnia",
      defaultAreaCode: "123",
      billingDay: 0,
      extensionRange: { start: 10, end: 5 },
      licenseTypes: [
        { name: "A", monthlyPriceCents: 1, assignsDid: true },
        { name: "A", monthlyPriceCents: 2, assignsDid: false },
      ],
    });
    expect(code(bad)).toBe("VALIDATION_FAILED");
    for (const field of ["country", "defaultAreaCode", "billingDay", "extensionRange", "licenseTypes"]) {
      expect(message(bad)).toContain(field);
    }
    const notJson = await api("POST", "/companies", undefined, { rawBody: "{name:" });
    expect(notJson.status).toBe(400);
  });

  test("an unknown company is 404 COMPANY_NOT_FOUND; an id that is not a UUID is 400 naming it", async () => {
    expect(code(await api("GET", `/companies/${randomUUID()}`))).toBe("COMPANY_NOT_FOUND");
    const bad = await api("GET", "/companies/not-a-uuid");
    expect(bad.status).toBe(400);
    expect(message(bad)).toContain("id");
  });
});

describe("PATCH /companies/{id}", () => {
  test("changes name, country, billing day, default area code and settings", async () => {
    const t = await createTenant(env(), { client });
    const res = await api("PATCH", `/companies/${t.companyId}`, {
      name: "Acme Europe",
      country: "fr",
      billingDay: 15,
      defaultAreaCode: "650",
      autoPurchaseLicenses: false,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: "Acme Europe",
      country: "FR",
      billingDay: 15,
      defaultAreaCode: "650",
      autoPurchaseLicenses: false,
      settings: { autoPurchaseLicenses: false, preventOtherSso: false },
    });
    expect((await api("GET", `/companies/${t.companyId}`)).body).toEqual(res.body);
  });

  test("refuses an empty or unknown change, bad values, and unknown companies", async () => {
    const t = await createTenant(env(), { client });
    const path = `/companies/${t.companyId}`;
    expect(message(await api("PATCH", path, {}))).toContain("at least one");
    const unknown = await api("PATCH", path, { nmae: "typo" });
    expect(code(unknown)).toBe("VALIDATION_FAILED");
    expect(message(unknown)).toContain("nmae");
    for (const [field, value] of [
      ["billingDay", 32],
      ["defaultAreaCode", "055"],
      ["name", ""],
      ["extensionRange", { start: 0, end: 300_000 }],
    ] as const) {
      const res = await api("PATCH", path, { [field]: value });
      expect(res.status, field).toBe(400);
      expect(message(res)).toContain(field);
    }
    expect(code(await api("PATCH", `/companies/${randomUUID()}`, { name: "X" }))).toBe("COMPANY_NOT_FOUND");
  });

  test("the extension range widens, shrinks around assigned extensions, refuses to cut them off, and resumes waiting users", async () => {
    const t = await createTenant(env(), { client, company: { extensionRange: { start: 100, end: 104 } } });
    const path = `/companies/${t.companyId}`;
    await withWorker(async () => {
      await createUser(t, "ann@example.com");
      await eventually(reached(t, "ann@example.com", "active"), 20_000, "ann active");
      await createUser(t, "bob@example.com");
      await eventually(reached(t, "bob@example.com", "active"), 20_000, "bob active");
    });
    expect((await member(t, "ann@example.com"))?.extension).toBe("100");
    expect((await member(t, "bob@example.com"))?.extension).toBe("101");

    const wider = await api("PATCH", path, { extensionRange: { start: 100, end: 109 } });
    expect(wider.body.extensionRange).toEqual({ start: 100, end: 109 });
    expect(await pool(t.companyId)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);

    const cut = await api("PATCH", path, { extensionRange: { start: 102, end: 120 } });
    expect(cut.status).toBe(409);
    expect(code(cut)).toBe("EXTENSION_RANGE_IN_USE");
    expect(message(cut)).toContain("100, 101");
    expect((await api("GET", path)).body.extensionRange).toEqual({ start: 100, end: 109 });

    const narrow = await api("PATCH", path, { extensionRange: { start: 100, end: 101 } });
    expect(narrow.status).toBe(200);
    expect(await pool(t.companyId)).toEqual([100, 101]);

    await createUser(t, "cat@example.com");
    await withWorker(async () => {
      await eventually(reached(t, "cat@example.com", "failed"), 20_000, "cat waits");
      expect((await member(t, "cat@example.com"))?.error).toBe("no_extension_available");
      await api("PATCH", path, { extensionRange: { start: 100, end: 102 } });
      await eventually(reached(t, "cat@example.com", "active"), 20_000, "cat resumed");
    });
    expect((await member(t, "cat@example.com"))?.extension).toBe("102");
  });
});

describe("PUT /companies/{id}/settings", () => {
  test("changes settings, validates them, and 404s an unknown company", async () => {
    const t = await createTenant(env(), { client });
    // docs/RULES.md "Sign-in": with no SAML configured, enforcing SAML would lock every user out.
    const refused = await api("PUT", `/companies/${t.companyId}/settings`, { preventOtherSso: true });
    expect(refused.status).toBe(409);
    expect(code(refused)).toBe("SAML_REQUIRED");
    const idp = await TestIdp.create();
    expect((await api("PUT", `/companies/${t.companyId}/sso/saml`, { metadataXml: idp.metadataXml() })).status).toBe(
      200,
    );
    const res = await api("PUT", `/companies/${t.companyId}/settings`, { preventOtherSso: true });
    expect(res.status).toBe(200);
    // …and SAML cannot be removed while it is the only way in.
    const removal = await api("DELETE", `/companies/${t.companyId}/sso/saml`);
    expect(removal.status).toBe(409);
    expect(code(removal)).toBe("SSO_POLICY_ACTIVE");
    expect(res.body.settings).toMatchObject({ autoPurchaseLicenses: true, preventOtherSso: true });
    const bad = await api("PUT", `/companies/${t.companyId}/settings`, { autoPurchaseLicenses: "yes" });
    expect(code(bad)).toBe("VALIDATION_FAILED");
    expect(message(bad)).toContain("autoPurchaseLicenses");
    expect(code(await api("PUT", `/companies/${randomUUID()}/settings`, {}))).toBe("COMPANY_NOT_FOUND");
  });

  test("turning auto-purchase on resumes users waiting for a seat, who buy one at the prorated price", async () => {
    const t = await createTenant(env(), {
      client,
      company: { billingDay: 1, autoPurchaseLicenses: false },
      offices: [{ name: "HQ", country: "US", seats: { "Dialpad_Ai Voice": 1 } }],
    });
    // Created before any worker runs: the door sees the free seat for both; the worker gives it to one.
    await createUser(t, "first@example.com");
    await createUser(t, "second@example.com");
    const states = async () =>
      (await Promise.all(["first@example.com", "second@example.com"].map((n) => member(t, n))))
        .map((m) => `${m?.status}${m?.error ? `:${m.error}` : ""}`)
        .sort();
    await withWorker(async () => {
      // Which of the two the worker seats is up to the queue; the other waits.
      await eventually(
        async () => (await states()).join() === "active,failed:no_license_available",
        20_000,
        "one waits",
      );
      expect((await api("GET", `/companies/${t.companyId}/charges`)).body.charges).toEqual([]);

      const on = await api("PUT", `/companies/${t.companyId}/settings`, { autoPurchaseLicenses: true });
      expect(on.body.autoPurchaseLicenses).toBe(true);
      await eventually(async () => (await states()).join() === "active,active", 20_000, "both active");
    });
    const charges = (await api("GET", `/companies/${t.companyId}/charges`)).body.charges;
    expect(charges).toEqual([
      expect.objectContaining({ officeId: t.officeIds.HQ, licenseType: "Dialpad_Ai Voice", amountCents: 100 }),
    ]);
    const seats = (await api("GET", `/companies/${t.companyId}/seats`)).body.seats as Array<Record<string, unknown>>;
    expect(seats.find((s) => s.licenseType === "Dialpad_Ai Voice")).toMatchObject({ purchased: 2, used: 2 });
  });
});

describe("the charges list pages", () => {
  test("?limit= pages oldest first by (createdAt, id), charges of the same microsecond included; cursors are checked", async () => {
    const t = await createTenant(env());
    const other = await createTenant(env());
    const { sql } = env().database;
    const [voice] = await sql<{ id: string }[]>`
      select id from license_types where company_id = ${t.companyId} and name = 'Dialpad_Ai Voice'`;
    const office = t.officeIds["San Francisco"] ?? "";
    const at = ["2026-12-01 10:00:00.000001+00", "2026-12-01 10:00:00.123456+00", "2026-12-02 09:00:00+00"];
    // Five at one microsecond (the tie goes by id), one before, one after.
    const times = [at[0], at[1], at[1], at[1], at[1], at[1], at[2]];
    const ids = times.map(() => randomUUID());
    for (const [i, time] of times.entries()) {
      await sql`
        insert into charges (id, company_id, office_id, license_type_id, user_id, quantity, unit_price_cents,
                             amount_cents, period_start, period_end, idempotency_key, created_at)
        values (${ids[i] ?? ""}, ${t.companyId}, ${office}, ${voice?.id ?? ""}, null, 1, 1500, ${100 + i},
                '2026-12-01', '2026-12-31', ${`test:${ids[i]}`}, ${time ?? ""}::timestamptz)`;
    }
    const expected = times
      .map((time, i) => ({ time, id: ids[i] ?? "" }))
      .sort((a, b) =>
        (a.time ?? "") < (b.time ?? "") ? -1 : (a.time ?? "") > (b.time ?? "") ? 1 : a.id < b.id ? -1 : 1,
      )
      .map((c) => c.id);

    const { items, pages } = await pageThrough(async (cursor) => {
      const res = await api("GET", `/companies/${t.companyId}/charges?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const items = (res.body.charges as Array<{ id: string }>).map((c) => c.id);
      return { items, nextCursor: res.body.nextCursor as string | null };
    }, 10);
    expect(pages).toBe(4);
    expect(items).toEqual(expected);
    const all = await api("GET", `/companies/${t.companyId}/charges`);
    expect((all.body.charges as Array<{ id: string }>).map((c) => c.id)).toEqual(expected);
    expect(all.body.nextCursor).toBeNull();

    // Another company's charge, an unknown id, a limit out of range: 400, never another company's page.
    const foreign = await api("GET", `/companies/${other.companyId}/charges?cursor=${ids[0]}`);
    expect([foreign.status, code(foreign)]).toEqual([400, "VALIDATION_FAILED"]);
    expect(code(await api("GET", `/companies/${t.companyId}/charges?cursor=${randomUUID()}`))).toBe(
      "VALIDATION_FAILED",
    );
    expect(code(await api("GET", `/companies/${t.companyId}/charges?cursor=nope`))).toBe("VALIDATION_FAILED");
    expect(code(await api("GET", `/companies/${t.companyId}/charges?limit=0`))).toBe("VALIDATION_FAILED");
    expect(code(await api("GET", `/companies/${t.companyId}/charges?limit=1001`))).toBe("VALIDATION_FAILED");
  });
});
