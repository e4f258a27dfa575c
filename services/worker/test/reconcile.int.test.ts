import { seedCompany, seedNumbers, seedOffice, seedUser, setDesired } from "@scimline/db/testing";
import { describe, expect, test } from "vitest";
import { reconcileBatch } from "../src/reconcile/run-batch.ts";
import { chargesOf, seatsOf, useDatabase, userState } from "./helpers/db.ts";

const db = useDatabase();
const TODAY = "2026-11-29"; // billing day 1: period Nov 1–30, 2 days left of 30

describe("reconcile: provisioning a new user", () => {
  test("matches the office, takes a free seat, a pool DID of its office and the lowest extension", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const berlin = await seedOffice(sql, company, { name: "Berlin", country: "DE", seats: { "Dialpad_Ai Voice": 2 } });
    await seedOffice(sql, company, { name: "Paris", country: "FR", main: true, seats: { "Dialpad_Ai Voice": 2 } });
    await seedNumbers(sql, company, ["+14155550300"]);
    await seedNumbers(sql, company, ["+4930111111", "+4930000000"], berlin);
    const id = await seedUser(sql, company, { hints: { officeName: "Berlin" } });

    const outcomes = await reconcileBatch(sql, [id], TODAY);

    expect(outcomes.get(id)).toEqual({ type: "done", status: "active" });
    expect(await userState(db(), id)).toEqual({
      status: "active",
      error_code: null,
      office_id: berlin,
      matched_by: "officeName",
      matched_value: "Berlin",
      seat_license_type_id: company.licenseTypes["Dialpad_Ai Voice"],
      did: "+4930000000",
      extension: 100,
    });
    expect(await seatsOf(db(), berlin, company.licenseTypes["Dialpad_Ai Voice"] ?? "")).toEqual({
      purchased: 2,
      used: 1,
    });
    expect(await chargesOf(db(), company.companyId)).toEqual([]);
    const [number] = await sql`select assigned_user_id from numbers where e164 = '+4930000000'`;
    expect(number?.assigned_user_id).toBe(id);
  });

  test("running twice gives the same state: one seat, no charge, one DID, one extension", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 0 } });
    await seedNumbers(sql, company, ["+14155550001", "+14155550002"], office);
    const id = await seedUser(sql, company);

    await reconcileBatch(sql, [id], TODAY);
    const first = await userState(db(), id);
    await reconcileBatch(sql, [id], TODAY);

    expect(await userState(db(), id)).toEqual(first);
    expect(await seatsOf(db(), office, company.licenseTypes["Dialpad_Ai Voice"] ?? "")).toEqual({
      purchased: 1,
      used: 1,
    });
    expect(await chargesOf(db(), company.companyId)).toHaveLength(1);
    const assigned = await sql`select e164 from numbers where assigned_user_id = ${id}`;
    expect(assigned).toHaveLength(1);
  });

  test("an office without a free seat buys one, charging the prorated price (1500 × 2/30 = 100)", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { billingDay: 1 });
    const office = await seedOffice(sql, company, { name: "HQ", main: true });
    await seedNumbers(sql, company, ["+14155550011"]);
    const id = await seedUser(sql, company);

    await reconcileBatch(sql, [id], TODAY);

    const charges = await chargesOf(db(), company.companyId);
    expect(charges).toEqual([
      { user_id: id, amount_cents: 100, quantity: 1, period_start: "2026-11-01", period_end: "2026-11-30" },
    ]);
    expect(await seatsOf(db(), office, company.licenseTypes["Dialpad_Ai Voice"] ?? "")).toEqual({
      purchased: 1,
      used: 1,
    });
  });

  test("a batch uses the free seats first and buys only the rest", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 5 } });
    await seedNumbers(
      sql,
      company,
      Array.from({ length: 8 }, (_, i) => `+1415555002${i}`),
    );
    const ids = await Promise.all(Array.from({ length: 8 }, () => seedUser(sql, company)));

    const outcomes = await reconcileBatch(sql, ids, TODAY);

    expect([...outcomes.values()].every((o) => o.type === "done")).toBe(true);
    expect(await seatsOf(db(), office, company.licenseTypes["Dialpad_Ai Voice"] ?? "")).toEqual({
      purchased: 8,
      used: 8,
    });
    expect(await chargesOf(db(), company.companyId)).toHaveLength(3);
    const exts = await sql`select extension from users where company_id = ${company.companyId} order by extension`;
    expect(exts.map((r) => r.extension)).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
  });

  test("with auto-purchase off and no free seat the user waits in failed/no_license_available, then continues", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { autoPurchase: false });
    const office = await seedOffice(sql, company, { name: "HQ", main: true });
    await seedNumbers(sql, company, ["+14155550031"]);
    const id = await seedUser(sql, company);

    expect((await reconcileBatch(sql, [id], TODAY)).get(id)).toEqual({ type: "waiting", code: "no_license_available" });
    expect(await userState(db(), id)).toMatchObject({
      status: "failed",
      error_code: "no_license_available",
      did: null,
      extension: null,
    });
    expect(await chargesOf(db(), company.companyId)).toEqual([]);

    await sql`update seats set purchased = 1 where office_id = ${office}`;
    expect((await reconcileBatch(sql, [id], TODAY)).get(id)).toEqual({ type: "done", status: "active" });
    expect(await userState(db(), id)).toMatchObject({
      status: "active",
      error_code: null,
      did: "+14155550031",
      extension: 100,
    });
  });

  test("the DID comes from the office pool, then numbers bound to no office, else the carrier", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 3 } });
    const other = await seedOffice(sql, company, { name: "Other" });
    await seedNumbers(sql, company, ["+14155550041"], office);
    await seedNumbers(sql, company, ["+14155550040"], other);
    await seedNumbers(sql, company, ["+14155550042"]);
    const ids = [await seedUser(sql, company), await seedUser(sql, company), await seedUser(sql, company)];

    const outcomes = await reconcileBatch(sql, ids, TODAY);

    const dids = await Promise.all(ids.map(async (id) => (await userState(db(), id))?.did));
    expect(dids).toEqual(["+14155550041", "+14155550042", null]);
    expect(outcomes.get(ids[2] ?? "")).toMatchObject({ type: "needs_carrier", areaCode: "415" });
  });

  test("a license type without DID gets no number (Dialpad_Support)", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { Dialpad_Support: 1 } });
    await seedNumbers(sql, company, ["+14155550051"]);
    const id = await seedUser(sql, company, { licenseType: "Dialpad_Support" });

    await reconcileBatch(sql, [id], TODAY);

    expect(await userState(db(), id)).toMatchObject({ status: "active", did: null, extension: 100 });
  });

  test("a crash after the writes and before COMMIT leaves nothing; the rerun charges once", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "HQ", main: true });
    await seedNumbers(sql, company, ["+14155550061"]);
    const id = await seedUser(sql, company);

    await expect(
      reconcileBatch(sql, [id], TODAY, {
        beforeCommit: () => {
          throw new Error("simulated crash");
        },
      }),
    ).rejects.toThrow("simulated crash");
    expect(await userState(db(), id)).toMatchObject({ status: "provisioning", did: null, seat_license_type_id: null });
    expect(await chargesOf(db(), company.companyId)).toEqual([]);

    await reconcileBatch(sql, [id], TODAY);
    await reconcileBatch(sql, [id], TODAY);
    expect(await chargesOf(db(), company.companyId)).toHaveLength(1);
    expect(await seatsOf(db(), office, company.licenseTypes["Dialpad_Ai Voice"] ?? "")).toEqual({
      purchased: 1,
      used: 1,
    });
  });

  test("a company without offices: failed/no_office", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const id = await seedUser(sql, company);
    expect((await reconcileBatch(sql, [id], TODAY)).get(id)).toEqual({ type: "waiting", code: "no_office" });
    expect(await userState(db(), id)).toMatchObject({ status: "failed", error_code: "no_office" });
  });

  test("an exhausted extension range: failed/no_extension_available, and no seat or number taken", async () => {
    const { sql } = db();
    const company = await seedCompany(sql, { extensionRange: { start: 100, end: 100 } });
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 5 } });
    await seedNumbers(sql, company, ["+14155550071", "+14155550072"]);
    const first = await seedUser(sql, company);
    const second = await seedUser(sql, company);

    await reconcileBatch(sql, [first], TODAY);
    await reconcileBatch(sql, [second], TODAY);

    expect(await userState(db(), second)).toMatchObject({
      status: "failed",
      error_code: "no_extension_available",
      did: null,
    });
    expect(await seatsOf(db(), office, company.licenseTypes["Dialpad_Ai Voice"] ?? "")).toEqual({
      purchased: 5,
      used: 1,
    });
  });
});

describe("reconcile: deactivate, reactivate, delete", () => {
  test("suspend frees the seat and keeps DID and extension; reactivate takes a seat again", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 1 } });
    await seedNumbers(sql, company, ["+14155550081"], office);
    const id = await seedUser(sql, company);
    const voice = company.licenseTypes["Dialpad_Ai Voice"] ?? "";
    await reconcileBatch(sql, [id], TODAY);

    await setDesired(sql, id, { active: false });
    expect((await reconcileBatch(sql, [id], TODAY)).get(id)).toEqual({ type: "done", status: "suspended" });
    expect(await userState(db(), id)).toMatchObject({
      status: "suspended",
      seat_license_type_id: null,
      did: "+14155550081",
      extension: 100,
    });
    expect(await seatsOf(db(), office, voice)).toEqual({ purchased: 1, used: 0 });

    // Another user takes the freed seat; the reactivated one must buy.
    const other = await seedUser(sql, company);
    await seedNumbers(sql, company, ["+14155550082"]);
    await reconcileBatch(sql, [other], TODAY);
    expect(await chargesOf(db(), company.companyId)).toEqual([]);

    await setDesired(sql, id, { active: true });
    await reconcileBatch(sql, [id], TODAY);
    expect(await userState(db(), id)).toMatchObject({
      status: "active",
      seat_license_type_id: voice,
      did: "+14155550081",
      extension: 100,
    });
    expect(await seatsOf(db(), office, voice)).toEqual({ purchased: 2, used: 2 });
    expect(await chargesOf(db(), company.companyId)).toHaveLength(1);
  });

  test("delete frees the seat, returns the DID to its office's pool, frees the extension, leaves an audit event", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    const office = await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 1 } });
    await seedNumbers(sql, company, ["+14155550091"]);
    const id = await seedUser(sql, company);
    await reconcileBatch(sql, [id], TODAY);

    await setDesired(sql, id, { deleted: true });
    expect((await reconcileBatch(sql, [id], TODAY)).get(id)).toEqual({ type: "erased" });

    expect(await userState(db(), id)).toBeUndefined();
    expect(await seatsOf(db(), office, company.licenseTypes["Dialpad_Ai Voice"] ?? "")).toEqual({
      purchased: 1,
      used: 0,
    });
    const [number] = await sql`select assigned_user_id, office_id from numbers where e164 = '+14155550091'`;
    expect(number).toEqual({ assigned_user_id: null, office_id: office });
    const [ext] =
      await sql`select user_id from extension_pool where company_id = ${company.companyId} and extension = 100`;
    expect(ext?.user_id).toBeNull();
    const audit = await sql`select kind, subject_id from audit_events where company_id = ${company.companyId}`;
    expect(audit).toEqual([{ kind: "user.deleted", subject_id: id }]);

    // The freed extension and number are reused.
    const next = await seedUser(sql, company);
    await reconcileBatch(sql, [next], TODAY);
    expect(await userState(db(), next)).toMatchObject({ did: "+14155550091", extension: 100 });
  });

  test("an unknown or already erased id is simply gone", async () => {
    const { sql } = db();
    const outcomes = await reconcileBatch(sql, ["00000000-0000-7000-8000-000000000000"], TODAY);
    expect(outcomes.get("00000000-0000-7000-8000-000000000000")).toEqual({ type: "gone" });
  });
});

describe("the provisioning outcome is part of the SCIM resource", () => {
  test("a visible change bumps meta.version and lastModified; a no-op rerun does not", async () => {
    const { sql } = db();
    const company = await seedCompany(sql);
    await seedOffice(sql, company, { name: "HQ", main: true, seats: { "Dialpad_Ai Voice": 1 } });
    await seedNumbers(sql, company, ["+14155550991"]);
    const id = await seedUser(sql, company);
    const version = async () => (await sql`select version, updated_at from users where id = ${id}`)[0];
    const before = await version();
    await reconcileBatch(sql, [id], TODAY);
    const after = await version();
    expect(after?.version).toBe((before?.version as number) + 1);
    expect(after?.updated_at).not.toEqual(before?.updated_at);
    await reconcileBatch(sql, [id], TODAY);
    expect(await version()).toEqual(after);
  });
});
