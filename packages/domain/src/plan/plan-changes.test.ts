import { describe, expect, test } from "vitest";
import { needsOf, only, orders, pool, provisioned, run, SUPPORT, seat, typesOf, user, VOICE } from "./fixtures.ts";

describe("planBatch: lifecycle", () => {
  test("deactivate: seat freed, DID and extension kept, suspended", () => {
    const u = provisioned({ desiredActive: false });
    const plan = run({ users: [u], resources: { seats: [seat("hq", VOICE, 1, 1)] } });
    expect(only(plan)).toMatchObject({
      applied: true,
      outcome: { type: "done", status: "suspended" },
      row: { status: "suspended", seatLicenseTypeId: null, did: u.did, extension: u.extension },
    });
    expect(plan.seats).toEqual([
      { companyId: "c1", officeId: "hq", licenseTypeId: VOICE, purchased: 1, used: 1, purchasedAfter: 1, usedAfter: 0 },
    ]);
    expect(typesOf(plan)).toEqual(["seat.released", "user.suspended"]);
  });

  test("reactivate: the license check runs again (and may buy); DID and extension kept", () => {
    const u = provisioned({ status: "suspended", seatLicenseTypeId: null });
    const plan = run({ users: [u], resources: { seats: [seat("hq", VOICE, 1, 1)] } });
    expect(only(plan)).toMatchObject({
      row: { status: "active", did: u.did, extension: 100 },
      seat: { type: "bought" },
    });
    expect(typesOf(plan)).toEqual(["seat.purchased", "user.reactivated", "user.provisioned"]);
  });

  test("delete: seat, DID and extension released, erased", () => {
    const u = provisioned({ deleted: true });
    const plan = run({ users: [u], resources: { seats: [seat("hq", VOICE, 1, 1)] } });
    expect(only(plan).outcome).toEqual({ type: "erased" });
    expect(plan.erased).toEqual([u.id]);
    expect(plan.numbers.released).toEqual([{ e164: u.did, officeId: "hq" }]);
    expect(plan.extensions.released).toEqual([{ companyId: "c1", extension: 100 }]);
    expect(typesOf(plan)).toEqual(["seat.released", "number.released", "extension.released", "user.deleted"]);
  });

  test("a rerun of a provisioned user owes nothing and changes nothing", () => {
    const u = provisioned({ generation: 1, appliedGeneration: 1 });
    const plan = run({ users: [u] });
    expect(only(plan)).toMatchObject({ applied: true, seat: { type: "kept" }, number: { type: "kept" } });
    expect(plan.events).toEqual([]);
    expect(plan.seats).toEqual([]);
    expect(plan.charges).toEqual([]);
  });

  test("an admin's license change moves the seat and gives the DID back when the new type has none", () => {
    const u = provisioned({ licenseTypeId: SUPPORT });
    const plan = run({ users: [u], resources: { seats: [seat("hq", VOICE, 1, 1), seat("hq", SUPPORT, 1, 0)] } });
    expect(only(plan).row).toMatchObject({
      seatLicenseTypeId: SUPPORT,
      did: null,
      didAllocations: 1,
      status: "active",
    });
    expect(typesOf(plan)).toEqual(["seat.released", "number.released", "seat.reused"]);
  });

  test("a job that failed for good leaves the user failed with its code and changes nothing else", () => {
    const u = user();
    const plan = run({ users: [u], giveUp: { [u.id]: "no_number_available" } });
    expect(only(plan)).toMatchObject({ applied: false, row: { status: "failed", errorCode: "no_number_available" } });
    expect(typesOf(plan)).toEqual(["user.failed"]);
  });

  test("a failed user retried after an admin added seats continues where it stopped", () => {
    const u = user({ status: "failed", errorCode: "no_license_available", officeId: "hq", matchedBy: "mainOffice" });
    const plan = run({
      users: [u],
      company: { autoPurchase: false },
      resources: { seats: [seat("hq", VOICE, 1, 0)], numbers: pool({ hq: ["+1415"] }) },
    });
    expect(only(plan).row).toMatchObject({ status: "active", errorCode: null, officeId: "hq" });
    expect(typesOf(plan)).not.toContain("user.office_matched");
  });
});

describe("planBatch: the carrier", () => {
  test("a completed order for this need is used before the pool", () => {
    const u = user();
    const key = `did_${u.id}_0`;
    const plan = run({
      users: [u],
      resources: {
        numbers: pool({ hq: ["+1415"] }),
        carrierOrders: orders(u.id, { key, status: "completed", e164: "+14155550101" }),
      },
    });
    expect(only(plan).number).toEqual({ type: "assigned", e164: "+14155550101", source: "carrier" });
    expect(plan.numbers.added).toEqual([{ e164: "+14155550101", companyId: "c1", officeId: "hq", userId: u.id }]);
    expect(plan.numbers.assigned).toEqual([]);
  });

  test("a number bought for a need that is gone joins the pool of the user's office", () => {
    const u = provisioned({ desiredActive: false, did: null, status: "provisioning" });
    const key = `did_${u.id}_0`;
    const plan = run({
      users: [u],
      resources: {
        seats: [seat("hq", VOICE, 1, 1)],
        carrierOrders: orders(u.id, { key, status: "completed", e164: "+14155550101" }),
      },
    });
    expect(plan.numbers.added).toEqual([{ e164: "+14155550101", companyId: "c1", officeId: "hq", userId: null }]);
  });

  test("a pending or unavailable order is ordered again with the same key (the carrier answers it idempotently)", () => {
    const u = user();
    const key = `did_${u.id}_0`;
    const plan = run({
      users: [u],
      resources: { carrierOrders: orders(u.id, { key, status: "unavailable", e164: null }) },
    });
    expect(only(plan).outcome).toEqual({
      type: "needs_carrier",
      companyId: "c1",
      areaCode: "415",
      idempotencyKey: key,
    });
  });
});

describe("planBatch: admin requests", () => {
  test("moving an active user: the seat moves (bought in the new office), DID and extension stay", () => {
    const u = provisioned();
    const plan = run({
      users: [u],
      requests: { [u.id]: { officeId: "ber" } },
      resources: { seats: [seat("hq", VOICE, 1, 1)] },
    });
    expect(only(plan).row).toMatchObject({
      officeId: "ber",
      matchedBy: "admin",
      seatLicenseTypeId: VOICE,
      did: u.did,
      extension: 100,
    });
    expect(typesOf(plan)).toEqual(["user.office_changed", "seat.released", "seat.purchased"]);
    expect(plan.seats.map((s) => [s.officeId, s.usedAfter, s.purchasedAfter])).toEqual([
      ["hq", 0, 1],
      ["ber", 1, 1],
    ]);
  });

  test("moving a suspended user changes its office only", () => {
    const u = provisioned({ desiredActive: false, status: "suspended", seatLicenseTypeId: null });
    const plan = run({ users: [u], requests: { [u.id]: { officeId: "lon" } } });
    expect(only(plan).row).toMatchObject({ officeId: "lon", status: "suspended", seatLicenseTypeId: null });
    expect(plan.seats).toEqual([]);
  });

  test("moving with auto-purchase off to an office without a free seat refuses (the caller answers 409)", () => {
    const u = provisioned();
    const plan = run({
      users: [u],
      company: { autoPurchase: false },
      requests: { [u.id]: { officeId: "ber" } },
      resources: { seats: [seat("hq", VOICE, 1, 1)] },
    });
    expect(only(plan).failure).toBe("no_license_available");
  });

  test("a requested DID replaces the current one, which goes back to its office's pool", () => {
    const u = provisioned();
    const plan = run({ users: [u], requests: { [u.id]: { did: { e164: "+4930000009", officeId: "ber" } } } });
    expect(only(plan).row.did).toBe("+4930000009");
    expect(plan.numbers.released).toEqual([{ e164: u.did, officeId: "hq" }]);
    expect(plan.numbers.assigned).toEqual([{ e164: "+4930000009", userId: u.id }]);
    expect(plan.events.at(-1)?.data).toEqual({ e164: "+4930000009", source: "officePool", cause: "admin" });
  });

  test("a requested extension replaces the current one", () => {
    const u = provisioned();
    const plan = run({ users: [u], requests: { [u.id]: { extension: 555 } } });
    expect(only(plan).row.extension).toBe(555);
    expect(plan.extensions).toEqual({
      released: [{ companyId: "c1", extension: 100 }],
      assigned: [{ companyId: "c1", extension: 555, userId: u.id }],
    });
  });

  test("requesting what the user already has is no change", () => {
    const u = provisioned();
    const plan = run({
      users: [u],
      requests: { [u.id]: { did: { e164: u.did ?? "", officeId: "hq" }, extension: 100, officeId: "hq" } },
    });
    expect(plan.events).toEqual([]);
  });
});

describe("planNeeds: what to claim before planning", () => {
  test("numbers per matched office, extensions, and every seat row touched", () => {
    const needs = needsOf({
      users: [
        user({ officeHints: { officeName: "Berlin" } }),
        user(),
        user({ licenseTypeId: SUPPORT }),
        provisioned({ deleted: true }),
      ],
    });
    expect(needs?.numbersPerOffice).toEqual(
      new Map([
        ["ber", 1],
        ["hq", 1],
      ]),
    );
    expect(needs?.extensions).toBe(3);
    expect(needs?.seatPairs).toEqual([
      { officeId: "ber", licenseTypeId: VOICE },
      { officeId: "hq", licenseTypeId: VOICE },
      { officeId: "hq", licenseTypeId: SUPPORT },
    ]);
  });

  test("the plan with the claims matches the offices the needs were computed for", () => {
    const users = [user({ officeHints: { country: "GB" } }), user({ officeHints: { department: "Berlin" } })];
    const needs = needsOf({ users });
    const plan = run({ users });
    expect([...(needs?.numbersPerOffice.keys() ?? [])]).toEqual(plan.users.map((u) => u.row.officeId));
  });
});
