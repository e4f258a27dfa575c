import { describe, expect, test } from "vitest";
import {
  company,
  input,
  needsOf,
  only,
  orders,
  pool,
  provisioned,
  run,
  SALES,
  type Scenario,
  SUPPORT,
  seat,
  typesOf,
  user,
  VOICE,
} from "./fixtures.ts";
import { planBatch } from "./plan-batch.ts";

describe("planBatch: a new user is provisioned", () => {
  type Row = [
    string,
    Scenario,
    {
      status: string;
      office?: string | null;
      matchedBy?: string | null;
      seat?: string;
      chargeCents?: number;
      number?: string;
      did?: string | null;
      extension?: number | null;
      failure?: string | null;
    },
  ];
  test.each<Row>([
    [
      "office by officeName, free seat reused, office pool DID, lowest extension",
      {
        users: [user({ officeHints: { officeName: "Berlin" } })],
        resources: { seats: [seat("ber", VOICE, 2, 1)], numbers: pool({ ber: ["+4930000001"] }, ["+14155550001"]) },
      },
      {
        status: "active",
        office: "ber",
        matchedBy: "officeName",
        seat: "reused",
        number: "officePool",
        did: "+4930000001",
        extension: 100,
      },
    ],
    [
      "no free seat: one bought at the prorated price (1500 x 2/30 = 100 cents)",
      { users: [user()], resources: { seats: [seat("hq", VOICE, 3, 3)], numbers: pool({}, ["+14155550001"]) } },
      {
        status: "active",
        office: "hq",
        matchedBy: "mainOffice",
        seat: "bought",
        chargeCents: 100,
        number: "unboundPool",
      },
    ],
    [
      "Sales costs 3000: 200 cents for two days of thirty",
      { users: [user({ licenseTypeId: SALES })], resources: { numbers: pool({ hq: ["+14155550009"] }) } },
      { status: "active", seat: "bought", chargeCents: 200, number: "officePool" },
    ],
    [
      "Support gets no DID",
      { users: [user({ licenseTypeId: SUPPORT })] },
      { status: "active", seat: "bought", chargeCents: 167, number: "none", did: null, extension: 100 },
    ],
    [
      "auto-purchase off and no free seat: waits in failed/no_license_available, takes nothing",
      {
        users: [user()],
        company: { autoPurchase: false },
        resources: { seats: [seat("hq", VOICE, 1, 1)], numbers: pool({ hq: ["+14155550001"] }) },
      },
      {
        status: "failed",
        failure: "no_license_available",
        seat: "refused",
        number: "none",
        did: null,
        extension: null,
      },
    ],
    [
      "a company without offices: failed/no_office",
      { users: [user()], company: { offices: [] } },
      { status: "failed", failure: "no_office", office: null, seat: "none", extension: null },
    ],
    [
      "the extension range is full: failed/no_extension_available, no seat taken",
      { users: [user()], resources: { extensions: [], seats: [seat("hq", VOICE, 5, 0)] } },
      { status: "failed", failure: "no_extension_available", seat: "none", did: null },
    ],
    [
      "the pool is empty: the carrier is ordered, the user stays provisioning with its seat and extension",
      { users: [user()], resources: { seats: [seat("hq", VOICE, 1, 0)] } },
      { status: "provisioning", seat: "reused", number: "order", did: null, extension: 100 },
    ],
    [
      "country decides when no name matches",
      {
        users: [user({ officeHints: { country: "de", department: "Sales" } })],
        resources: { numbers: pool({}, ["+1415"]) },
      },
      { status: "active", office: "ber", matchedBy: "country" },
    ],
  ])("%s", (_, scenario, expected) => {
    const u = only(run(scenario));
    expect(u.row.status).toBe(expected.status);
    if (expected.office !== undefined) expect(u.row.officeId).toBe(expected.office);
    if (expected.matchedBy !== undefined) expect(u.row.matchedBy).toBe(expected.matchedBy);
    if (expected.seat !== undefined) expect(u.seat.type).toBe(expected.seat);
    if (expected.chargeCents !== undefined) expect(u.seat).toMatchObject({ chargeCents: expected.chargeCents });
    if (expected.number !== undefined) {
      expect(u.number.type === "assigned" ? u.number.source : u.number.type).toBe(expected.number);
    }
    if (expected.did !== undefined) expect(u.row.did).toBe(expected.did);
    if (expected.extension !== undefined) expect(u.row.extension).toBe(expected.extension);
    expect(u.failure).toBe(expected.failure ?? null);
    expect(u.applied).toBe(expected.status === "active");
  });

  test("a full provisioning records each decision as an event, in order", () => {
    const u = user({ officeHints: { officeName: "Berlin" } });
    const plan = run({ users: [u], resources: { numbers: pool({ ber: ["+4930000001"] }) } });
    expect(plan.events).toEqual([
      {
        type: "user.office_matched",
        companyId: "c1",
        userId: u.id,
        data: { officeId: "ber", officeName: "Berlin", matchedBy: "officeName", matchedValue: "Berlin" },
      },
      {
        type: "seat.purchased",
        companyId: "c1",
        userId: u.id,
        data: { officeId: "ber", licenseType: "Dialpad_Ai Voice", chargeId: "charge-1", chargeCents: 100 },
      },
      { type: "extension.assigned", companyId: "c1", userId: u.id, data: { extension: "100" } },
      { type: "number.assigned", companyId: "c1", userId: u.id, data: { e164: "+4930000001", source: "officePool" } },
      {
        type: "user.provisioned",
        companyId: "c1",
        userId: u.id,
        data: { officeId: "ber", licenseType: "Dialpad_Ai Voice", did: "+4930000001", extension: "100" },
      },
    ]);
    expect(plan.charges).toEqual([
      {
        id: "charge-1",
        companyId: "c1",
        officeId: "ber",
        licenseTypeId: VOICE,
        userId: u.id,
        unitPriceCents: 1500,
        amountCents: 100,
        periodStart: "2026-11-01",
        periodEnd: "2026-11-30",
        idempotencyKey: `seat_${u.id}_g1`,
      },
    ]);
    expect(plan.seats).toEqual([
      {
        companyId: "c1",
        officeId: "ber",
        licenseTypeId: VOICE,
        purchased: 0,
        used: 0,
        purchasedAfter: 1,
        usedAfter: 1,
      },
    ]);
  });
});

describe("planBatch: a batch shares the office's seats, pool and extensions", () => {
  test("free seats first, then bought; numbers office pool, then unbound, then the carrier", () => {
    const users = [user(), user(), user(), user()];
    const plan = run({
      users,
      resources: {
        seats: [seat("hq", VOICE, 3, 1)],
        numbers: pool({ hq: ["+14155550001"] }, ["+14155550100", "+14155550101"]),
      },
    });
    expect(plan.users.map((u) => u.seat.type)).toEqual(["reused", "reused", "bought", "bought"]);
    expect(plan.users.map((u) => u.row.did)).toEqual(["+14155550001", "+14155550100", "+14155550101", null]);
    expect(plan.users.map((u) => u.row.extension)).toEqual([100, 101, 102, 103]);
    expect(plan.seats).toEqual([
      { companyId: "c1", officeId: "hq", licenseTypeId: VOICE, purchased: 3, used: 1, purchasedAfter: 5, usedAfter: 5 },
    ]);
    expect(plan.charges.map((c) => c.amountCents)).toEqual([100, 100]);
    expect(plan.carrierOrders).toEqual([
      { key: `did_${users[3]?.id}_0`, companyId: "c1", userId: users[3]?.id, areaCode: "415" },
    ]);
  });

  test("a seat freed in the batch is reused before one is bought (delete + create)", () => {
    const leaving = provisioned({ deleted: true });
    const joining = user();
    const plan = run({ users: [leaving, joining], resources: { seats: [seat("hq", VOICE, 1, 1)] } });
    expect(plan.users.map((u) => u.seat.type)).toEqual(["none", "reused"]);
    expect(plan.charges).toEqual([]);
    expect(plan.seats).toEqual([]); // one released, one taken: the row is unchanged
  });

  test("with auto-purchase off, users beyond the free seats wait and the rest proceed", () => {
    const plan = run({
      users: [user(), user(), user()],
      company: { autoPurchase: false },
      resources: { seats: [seat("hq", VOICE, 2, 0)], numbers: pool({}, ["+1415", "+1416", "+1417"]) },
    });
    expect(plan.users.map((u) => u.row.status)).toEqual(["active", "active", "failed"]);
    expect(plan.users.map((u) => u.row.did)).toEqual(["+1415", "+1416", null]);
    expect(plan.users.map((u) => u.row.extension)).toEqual([100, 101, null]);
  });

  test("users of another company never share a resource", () => {
    const a = user();
    const b = user({ companyId: "c2" });
    const base = input({ users: [a, b], resources: { numbers: pool({}, ["+1415"]) } });
    const plan = planBatch({
      ...base,
      companies: new Map([...base.companies, ["c2", company({ id: "c2" })]]),
    });
    expect(plan.users.find((u) => u.userId === a.id)?.row.did).toBe("+1415");
    // c2 claimed nothing: no number, no extension, so it waits for the extension range.
    expect(plan.users.find((u) => u.userId === b.id)?.failure).toBe("no_extension_available");
  });
});

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

describe("planBatch: giving up", () => {
  test("a give-up for an older generation is ignored: the newer change has its own work", () => {
    const u = user({ generation: 3 });
    const base = input({ users: [u], resources: { numbers: pool({}, ["+1415"]) } });
    const plan = planBatch({ ...base, giveUp: new Map([[u.id, { code: "provisioning_error", generation: 2 }]]) });
    expect(only(plan).row.status).toBe("active");
  });

  test("a user already waiting for an admin keeps its code", () => {
    const u = user({ status: "failed", errorCode: "no_license_available", officeId: "hq" });
    const plan = run({ users: [u], giveUp: { [u.id]: "provisioning_error" } });
    expect(only(plan).row).toMatchObject({ status: "failed", errorCode: "no_license_available" });
    expect(plan.events).toEqual([]);
  });
});
