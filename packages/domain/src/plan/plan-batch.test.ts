import { describe, expect, test } from "vitest";
import {
  company,
  input,
  only,
  pool,
  provisioned,
  run,
  SALES,
  type Scenario,
  SUPPORT,
  seat,
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
