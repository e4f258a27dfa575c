import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { GroupRule, UserGroup } from "../group-rules.ts";
import { input, LICENSES, pool, provisioned, SALES, type Scenario, seat, user, VOICE } from "./fixtures.ts";
import { planBatch, planBatchInSlices } from "./plan-batch.ts";
import { LONDON_GROUP, RULES, rule, SALES_GROUP } from "./rules-fixtures.ts";
import type { Plan, PlanInput, PlanUser } from "./types.ts";

// The group-rule preview plans up to 20,000 existing users with planBatchInSlices, pausing between slices
// for other requests: what it gets must be exactly one planBatch over all of them (seats one user frees
// serve another, whatever slice either is in).

/** Runs the generator to its end as a caller would (resuming after each pause); the plan and the pauses. */
function drained(i: PlanInput, sliceSize: number): { plan: Plan; pauses: number } {
  const steps = planBatchInSlices(i, sliceSize);
  let pauses = 0;
  for (;;) {
    const step = steps.next();
    if (step.done) return { plan: step.value, pauses };
    pauses++;
  }
}

const OFFICE_IDS = ["hq", "ber", "lon"];
const LICENSE_IDS = LICENSES.map((l) => l.id);
const GROUPS: UserGroup[] = [SALES_GROUP, LONDON_GROUP, { id: "g-ops", displayName: "Ops" }];

const arbitraryUser = fc.record({
  kind: fc.constantFrom("new", "provisioned", "provisioned", "provisioned", "deleted", "suspended"),
  office: fc.constantFrom(...OFFICE_IDS),
  license: fc.constantFrom(...LICENSE_IDS),
  groups: fc.subarray(GROUPS),
  pinned: fc.boolean(),
  move: fc.option(fc.constantFrom(...OFFICE_IDS), { nil: undefined, freq: 6 }),
});
const arbitraryRule = fc.record({
  group: fc.constantFrom<GroupRule["group"]>({ displayName: "sales" }, { id: "g-london" }, { displayName: "OPS" }),
  officeId: fc.option(fc.constantFrom(...OFFICE_IDS), { nil: null }),
  licenseTypeId: fc.option(fc.constantFrom(...LICENSE_IDS), { nil: null }),
  priority: fc.integer({ min: -2, max: 2 }),
});
const arbitraryScenario = fc.record({
  users: fc.array(arbitraryUser, { maxLength: 40 }),
  rules: fc.array(arbitraryRule, { maxLength: 6 }),
  autoPurchase: fc.boolean(),
  /** Seats free beyond those the users hold, per office and license type. */
  free: fc.array(
    fc.record({ office: fc.constantFrom(...OFFICE_IDS), license: fc.constantFrom(...LICENSE_IDS), free: fc.nat(4) }),
    { maxLength: 6 },
  ),
  numbers: fc.nat(5),
  extensions: fc.nat(30),
  capCents: fc.option(fc.integer({ min: 0, max: 2_000 }), { nil: null }),
  sliceSize: fc.integer({ min: 1, max: 50 }),
});

let serial = 0;
function scenarioOf(s: typeof arbitraryScenario extends fc.Arbitrary<infer T> ? T : never): Scenario {
  const requests: NonNullable<Scenario["requests"]> = {};
  const users = s.users.map((u): PlanUser => {
    const groups = { groups: u.groups, pinned: u.pinned };
    if (u.kind === "new") return user(groups);
    const held = provisioned({
      ...groups,
      officeId: u.office,
      licenseTypeId: u.license,
      seatLicenseTypeId: u.license,
      did: u.license === VOICE || u.license === SALES ? `+1415999${String(++serial).padStart(4, "0")}` : null,
      extension: 500 + serial++,
      deleted: u.kind === "deleted",
      desiredActive: u.kind !== "suspended",
    });
    if (u.move !== undefined) requests[held.id] = { officeId: u.move };
    return held;
  });
  // Every seat a user holds is counted as used in its row, as the database keeps them.
  const seats = OFFICE_IDS.flatMap((office) =>
    LICENSE_IDS.map((license) => {
      const used = users.filter((u) => u.officeId === office && u.seatLicenseTypeId === license).length;
      const free = s.free.filter((f) => f.office === office && f.license === license).reduce((n, f) => n + f.free, 0);
      return seat(office, license, used + free, used);
    }),
  );
  return {
    users,
    requests,
    company: {
      autoPurchase: s.autoPurchase,
      seats,
      groupRules: s.rules
        .filter((r) => r.officeId !== null || r.licenseTypeId !== null)
        .map((r, k) => rule(`r${k}`, r)),
      monthlySpendCapCents: s.capCents,
    },
    resources: {
      seats,
      numbers: pool({ hq: ["+14155550001", "+14155550002"].slice(0, s.numbers) }, ["+19990000001"]),
      extensions: Array.from({ length: s.extensions }, (_, k) => 100 + k),
      ...(s.capCents === null ? {} : { chargedCents: new Map([["2026-11-01", 300]]) }),
    },
  };
}

describe("planBatchInSlices: paused anywhere, it plans what one planBatch plans", () => {
  test("property: existing and new users, moves, deletes, rules, seats and any slice size give planBatch's plan", () => {
    fc.assert(
      fc.property(arbitraryScenario, (s) => {
        const scenario = scenarioOf(s);
        // Each input draws charge ids from its own counter, as the preview's does.
        const { plan } = drained(input(scenario), s.sliceSize);
        expect(plan).toEqual(planBatch(input(scenario)));
      }),
      { numRuns: 400, seed: 2026 },
    );
  });

  test("users moving out free the seats users moving in take, across slices of one user", () => {
    // HQ is full; a rule moves the Sales group to HQ while an admin moves HQ's users to Berlin: the
    // seats they free are reused by users planned in earlier slices, as in one batch.
    const leaving = Array.from({ length: 3 }, () => provisioned({ officeId: "hq" }));
    const arriving = Array.from({ length: 3 }, () => provisioned({ officeId: "lon", groups: [SALES_GROUP] }));
    const scenario: Scenario = {
      users: [...arriving, ...leaving],
      requests: Object.fromEntries(leaving.map((u) => [u.id, { officeId: "ber" }])),
      company: { groupRules: [rule("to-hq", { officeId: "hq", priority: 1 })] },
      resources: {
        seats: [seat("hq", VOICE, 3, 3), seat("lon", VOICE, 3, 3), seat("ber", VOICE, 3, 0)],
      },
    };
    const { plan, pauses } = drained(input(scenario), 1);
    expect(plan).toEqual(planBatch(input(scenario)));
    expect(plan.users.filter((u) => u.seat.type === "reused")).toHaveLength(6);
    expect(plan.charges).toEqual([]);
    expect(pauses).toBeGreaterThanOrEqual(4 * scenario.users.length);
  });

  test("it pauses once per slice of each per-user step, and never with an infinite slice", () => {
    const users = Array.from({ length: 100 }, () => provisioned({ groups: [SALES_GROUP] }));
    const seats = [seat("hq", VOICE, 100, 100), seat("ber", SALES, 100, 0)];
    const scenario: Scenario = { users, company: { groupRules: RULES }, resources: { seats } };
    // What each user needs, the seats' pairing, each seat's decision, the numbers, each user's plan.
    expect(drained(input(scenario), 10).pauses).toBe(50);
    expect(drained(input(scenario), Number.POSITIVE_INFINITY).pauses).toBe(0);
  });

  test.each([0, -1, 1.5, Number.NaN])("a slice size of %s is a bug", (size) => {
    expect(() => planBatchInSlices(input({ users: [user()] }), size).next()).toThrow(RangeError);
  });
});
